//! The shared domain (领域基础): what every layer above speaks — exact money, typed cell values,
//! the field vocabulary and its units, identity numbers, digests, where configuration comes
//! from, and how a command ends. Nothing here imports from a module outside `domain`; every
//! other module may import from here (the order is checked by `tests/integration/layers.rs`).

pub mod config;
pub mod digest;
pub mod exit;
pub mod fields;
pub mod identity;
pub mod money;
pub mod value;
