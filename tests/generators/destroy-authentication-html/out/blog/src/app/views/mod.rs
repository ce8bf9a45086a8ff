//! Views: what handlers send back: serde response types for JSON, and askama
//! templates (under `templates/`) for HTML.

pub mod status;
