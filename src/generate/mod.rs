//! Generators: each builds a [`crate::plan::Plan`] and nothing else touches disk.

pub mod controller;
pub mod new;
