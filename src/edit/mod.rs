//! Surgical edits of files the user owns.
