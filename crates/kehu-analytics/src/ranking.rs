//! Orderings of a book's customers by one figure, ties by id ascending: the
//! rule ABC and RFM share.
//!
//! Comparing ids as strings in every tie of every sort is most of what
//! ranking a large book costs. Ranking the ids once (free when they come in
//! id order, as a loaded book does) turns each sort into a sort of plain
//! integer pairs.

/// Each id's position in ascending id order. Ids that come sorted (a
/// loaded book) cost one pass; others one sort.
pub(crate) fn id_ranks<'a>(ids: impl ExactSizeIterator<Item = &'a str> + Clone) -> Vec<u32> {
    let n = ids.len();
    let mut previous: Option<&str> = None;
    let sorted = ids.clone().all(|id| {
        let ascending = previous.is_none_or(|p| p < id);
        previous = Some(id);
        ascending
    });
    if sorted {
        return (0..n as u32).collect();
    }
    let ids: Vec<&str> = ids.collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&i, &j| ids[i as usize].cmp(ids[j as usize]));
    let mut ranks = vec![0u32; n];
    for (rank, &index) in order.iter().enumerate() {
        ranks[index as usize] = rank as u32;
    }
    ranks
}

/// Which way a figure is ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// The indices of `figures` (pairs of customer index and figure) ordered by
/// figure in `direction`, ties by id rank ascending (`ranks` from
/// [`id_ranks`], indexed by customer).
pub(crate) fn order_by(
    figures: impl Iterator<Item = (usize, i64)>,
    direction: Direction,
    ranks: &[u32],
) -> Vec<usize> {
    let mut keyed: Vec<(i64, u32, u32)> = figures
        .map(|(index, figure)| {
            // `!x` reverses the order of i64 without overflow (unlike `-x`).
            let key = match direction {
                Direction::Ascending => figure,
                Direction::Descending => !figure,
            };
            (key, ranks[index], index as u32)
        })
        .collect();
    keyed.sort_unstable_by_key(|&(key, rank, _)| (key, rank));
    keyed
        .into_iter()
        .map(|(_, _, index)| index as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_ids_sorted_or_not() {
        assert_eq!(id_ranks(["a", "b", "c"].into_iter()), vec![0, 1, 2]);
        assert_eq!(id_ranks(["c", "a", "b"].into_iter()), vec![2, 0, 1]);
        assert_eq!(id_ranks(std::iter::empty()), Vec::<u32>::new());
    }

    #[test]
    fn orders_by_figure_then_id() {
        let ids = ["d", "a", "c", "b"];
        let ranks = id_ranks(ids.into_iter());
        let figures = [5, 7, 5, i64::MIN];
        let up = order_by(
            figures.into_iter().enumerate(),
            Direction::Ascending,
            &ranks,
        );
        assert_eq!(up, vec![3, 2, 0, 1]);
        let down = order_by(
            figures.into_iter().enumerate(),
            Direction::Descending,
            &ranks,
        );
        // 7 first, then the two 5s by id (c before d), i64::MIN last.
        assert_eq!(down, vec![1, 2, 0, 3]);
    }
}
