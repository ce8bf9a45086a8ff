//! Surgical edits of files the user owns.

pub mod delims;
pub mod flow;
pub mod graph;
pub mod item;
pub mod manifest;
pub mod rust;
