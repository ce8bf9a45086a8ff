//! Surgical edits of files the user owns.

pub mod rust;
