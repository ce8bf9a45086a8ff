//! Models: the application's data and how it is stored. `cargo mvc generate
//! model` adds one module per model here.

pub mod fields;
