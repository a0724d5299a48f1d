//! placeholder crate root, filled in by its owner.
