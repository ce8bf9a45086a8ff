//! Controllers: one module per resource. Handlers stay thin: extract the
//! input, call models or utilities, return a view.

pub mod accounts;
pub mod authentication;
pub mod health;
pub mod ready;
