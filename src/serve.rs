//! `cargo mvc serve`: the development loop. The listening socket is opened
//! once, here, and handed to each app process (`LISTEN_FDS`, as systemfd
//! does), so requests made while the app rebuilds or restarts wait in the
//! socket's queue instead of being refused. Source changes rebuild the app;
//! a failed build keeps the last good server running.
//!
//! Handing a socket to a child process by its file descriptor is Unix's;
//! elsewhere the command says so and how to run the app instead.

#[cfg(all(unix, not(mvc_portable)))]
mod unix;

use anyhow::Result;

use crate::project::Project;
use crate::shell::Shell;

#[derive(Debug, Clone)]
// Without Unix, only where to listen is read, for the message.
#[cfg_attr(not(all(unix, not(mvc_portable))), allow(dead_code))]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub release: bool,
    pub reload: bool,
    pub env: Vec<(String, String)>,
}

/// Parses `KEY=VALUE` for `--env`.
pub fn parse_env(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{raw}` is not KEY=VALUE")),
    }
}

#[cfg(all(unix, not(mvc_portable)))]
pub fn run(project: &Project, options: &Options, shell: &Shell) -> Result<()> {
    unix::run(project, options, shell)
}

#[cfg(not(all(unix, not(mvc_portable))))]
pub fn run(project: &Project, options: &Options, _shell: &Shell) -> Result<()> {
    anyhow::bail!(
        "`cargo mvc serve` hands its listening socket to each app process by file descriptor, which needs Unix (Linux or macOS)\n\nhere, run the application itself from {}: `cargo run -- serve --bind {}:{}`, and start it again after a change",
        project.root.display(),
        options.host,
        options.port
    )
}
