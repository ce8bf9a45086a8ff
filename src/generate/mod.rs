//! Generators: each builds a [`crate::plan::Plan`] and nothing else touches disk.

pub mod controller;
pub mod database;
pub mod fields;
pub mod model;
pub mod new;
pub mod scaffold;
pub mod view;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

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

/// Formats generated Rust code with the project's own rustfmt (and its
/// `rustfmt.toml`), so new files match the project's style whatever the
/// length of the names in them. Without rustfmt the code is kept as rendered.
pub fn rustfmt(root: &Path, code: String) -> String {
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return code;
    };
    if let Some(mut stdin) = child.stdin.take()
        && stdin.write_all(code.as_bytes()).is_err()
    {
        let _ = child.kill();
        return code;
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            String::from_utf8(out.stdout).unwrap_or(code)
        }
        _ => code,
    }
}
