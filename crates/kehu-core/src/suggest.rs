//! "Did you mean" for values outside a vocabulary: a case-insensitive match,
//! else the closest name within a small edit distance.

/// The candidate `value` was most likely meant to be, if any is close.
pub(crate) fn closest<'a>(
    value: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = value.to_lowercase();
    let chars = lower.chars().count();
    // Short values (grades, codes) are too easy to confuse; long ones may
    // drift further.
    let allowed = match chars {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = if candidate.to_lowercase() == lower {
            0
        } else if allowed == 0 || chars > 64 {
            continue;
        } else {
            edit_distance(&lower, &candidate.to_lowercase())
        };
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `; did you mean "won"?` or nothing.
pub(crate) fn hint<'a>(value: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(value, candidates).map_or_else(String::new, |c| format!("; did you mean \"{c}\"?"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_case_slips_and_typos_but_not_guesses() {
        let stages = ["lead", "won", "lost", "negotiation"];
        assert_eq!(closest("Won", stages), Some("won"));
        assert_eq!(closest("wonn", stages), Some("won"));
        assert_eq!(closest("negociation", stages), Some("negotiation"));
        assert_eq!(closest("gold", ["strategic", "key"]), None);
        assert_eq!(closest("D", ["A", "B", "C"]), None);
        assert_eq!(hint("lsot", stages), "");
        assert_eq!(hint("losst", stages), "; did you mean \"lost\"?");
    }
}
