//! The `admin` views.

pub mod reports;
