//! The `admin` controllers.

pub mod reports;
