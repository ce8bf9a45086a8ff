//! Surgical edits of files the user owns.

pub mod item;
pub mod manifest;
pub mod rust;
