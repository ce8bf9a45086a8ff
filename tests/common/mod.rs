//! Helpers shared by the integration tests: running `cargo mvc`, making a
//! project, and reading a tree back; a browser to drive ([`browser`]) and a
//! mail server to receive from ([`smtp`]).

// Each test binary uses its own subset of these.
#![allow(dead_code)]

pub mod browser;
pub mod smtp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `new`'s options that each leave a part of the project out.
pub const SKIP_ALL: &[&str] = &[
    "--skip-redis",
    "--skip-http-client",
    "--skip-openapi",
    "--skip-docker",
    "--skip-helm",
    "--skip-actions",
];

/// The options of `all` whose bit is set in `mask` (bit `i` for `all[i]`):
/// counting `mask` up to `1 << all.len()` gives every combination.
pub fn options_in<'a>(all: &[&'a str], mask: u32) -> Vec<&'a str> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

/// Runs `cargo-mvc mvc <args>` in `dir`, without colours.
pub fn cargo_mvc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .arg("mvc")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo-mvc runs")
}

/// Asserts the run succeeded and returns its stderr (the status lines).
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

/// `cargo mvc new <name> <extra>` in `root`, without git or fetch.
pub fn new_project(root: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["new", name, "--skip-install", "--skip-git", "--quiet"];
    args.extend_from_slice(extra);
    ok(cargo_mvc(root, &args));
    root.join(name)
}

/// Every path below `dir`, files and directories, relative to it.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// The sorted relative paths below `dir`, directories included.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walk(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

/// Every file below `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Asserts the project's Rust files (the binary, the library, the tests)
/// are rustfmt-clean; `what` says which project in the failure message.
pub fn assert_rustfmt_clean(project: &Path, what: &str) {
    let output = Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(["src/main.rs", "src/lib.rs", "tests/api/main.rs"])
        .current_dir(project)
        .output()
        .expect("rustfmt runs");
    assert!(
        output.status.success(),
        "{what} is not rustfmt-clean:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `GET path` over a fresh connection: the status code and the body.
pub fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    http_request(addr, "GET", path, None)
}

/// A request over a fresh connection, with an optional JSON body: the status
/// code and the body.
pub fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    http_request_with(addr, method, path, &[], json)
}

/// [`http_request`] with more header lines (`("Authorization", "Bearer …")`).
pub fn http_request_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let body = json.unwrap_or("");
    let mut extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    if json.is_some() {
        extra.push_str("Content-Type: application/json\r\n");
    }
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:?}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

/// A response's status, header lines (names in lower case) and body.
pub type Exchange = (u16, Vec<(String, String)>, String);

/// A browser-like request over a fresh connection: header lines, and a body
/// sent as a form when there is one. The status, the response's header
/// lines (names in lower case) and the body.
pub fn http_form(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: Option<&str>,
) -> std::io::Result<Exchange> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let body = form.unwrap_or("");
    let mut extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    if form.is_some() {
        extra.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:?}")))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Ok((status, headers, body.to_string()))
}

/// The target directory every generated project builds into, so the
/// dependencies compile once for the whole suite.
pub fn shared_target() -> PathBuf {
    std::env::var_os("MVC_E2E_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated"))
}

/// Makes `command` (a cargo, or a `cargo mvc` that runs cargo) build into
/// the shared target directory, with the same settings everywhere so one
/// build serves every test: no debug info and no incremental caches, which
/// a test never reads and which would fill the disk, and none of the flags
/// this suite itself was built with.
pub fn in_shared_target(command: &mut Command) -> &mut Command {
    command
        .env("CARGO_TARGET_DIR", shared_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
}

/// `cargo ARGS` in a generated project `dir`, building into the shared
/// target directory, with `env` set; asserts it succeeds.
pub fn cargo(dir: &Path, args: &[&str], env: &[(&str, String)]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = in_shared_target(Command::new(cargo).args(args).current_dir(dir))
        .env_remove("DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "`cargo {}` failed in {}",
        args.join(" "),
        dir.display()
    );
}
