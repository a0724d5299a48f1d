//! Contacts by owner and channel.

use super::Grid;
use crate::model::Report;

/// The contacts grid.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut g = Grid::new(
        "contacts",
        "Contacts by owner and channel",
        &["owner", "channel", "contacts"],
        "no contacts in the period",
    );
    for c in &r.contacts {
        g.rows.push(vec![
            c.owner.clone(),
            c.channel.clone(),
            c.count.to_string(),
        ]);
    }
    vec![g]
}
