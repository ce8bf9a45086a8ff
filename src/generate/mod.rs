//! Generators: each builds a [`crate::plan::Plan`] and nothing else touches disk.

pub mod controller;
pub mod new;
pub mod view;

/// Renders a template; askama drops a template's last newline, and every
/// text file we write ends with exactly one.
pub fn render(t: &impl askama::Template) -> String {
    let mut s = t
        .render()
        .expect("templates render infallibly from plain fields");
    let trimmed = s.trim_end_matches('\n').len();
    s.truncate(trimmed);
    s.push('\n');
    s
}
