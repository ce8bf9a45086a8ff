//! Surgical edits of files the user owns.

pub mod manifest;
pub mod rust;
