//! Finding the application a command runs in, and its recorded shape
//! (`[package.metadata.mvc]`).
