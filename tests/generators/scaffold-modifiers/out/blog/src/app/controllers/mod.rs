//! Controllers: one module per resource. Handlers stay thin: extract the
//! input, call models or utilities, return a view.

pub mod authors;
pub mod health;
pub mod members;
pub mod ready;
