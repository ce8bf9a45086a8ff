//! End to end: generate projects with `cargo mvc new`, then, inside each,
//! run what its own CI runs (fmt, clippy -D warnings, tests), start the
//! production server, check `/api/ready`, stop it with SIGTERM, and lint its
//! Dockerfile, workflow and chart.
//!
//! Every generated project builds into one shared target directory, so the
//! dependencies compile once for the whole suite.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use common::{cargo_mvc, http_get, new_project, ok, shared_target};

/// One cargo build at a time: they share the target directory anyway.
static BUILD: Mutex<()> = Mutex::new(());

fn cargo(dir: &Path, args: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "`cargo {}` failed in {}",
        args.join(" "),
        dir.display()
    );
}

/// Starts `<binary> serve` on a free port, checks `/api/ready`, sends
/// SIGTERM and expects a clean exit.
fn serve_ready_and_stop(binary: &Path) {
    let mut child = Command::new(binary)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let at = line.find("addr=")?;
            Some(line[at + 5..].split_whitespace().next()?.to_string())
        })
        .expect("the server logs the address it listens on");
    let drain = std::thread::spawn(move || lines.count());

    let (status, body) = http_get(&addr, "/api/ready").unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"status":"ok"}"#);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "serve exits 0 on SIGTERM");
    drain.join().unwrap();
}

fn lint_operations_files(project: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/lint-generated");
    let output = Command::new(script).arg(project).output().unwrap();
    assert!(
        output.status.success(),
        "linting the operations files failed (run .ci/install-tools first):\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The controllers the default project gets before it is checked: REST
/// actions, custom actions with methods, a namespaced one, and HTML pages.
const CONTROLLERS: &[&[&str]] = &[
    &["users", "index", "show", "create", "update", "destroy"],
    &["ticker", "buy:post", "sell:delete"],
    &["admin/reports", "index", "show"],
    &["pages", "index", "show", "about", "--html"],
];

fn generate_controllers(project: &Path) {
    for args in CONTROLLERS {
        let mut all = vec!["generate", "controller", "--quiet"];
        all.extend_from_slice(args);
        ok(cargo_mvc(&project.join("src"), &all));
    }
}

fn check(name: &str, extra: &[&str]) {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), name, extra);
    if extra.is_empty() {
        generate_controllers(&project);
    }
    lint_operations_files(&project);
    let _one_build = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    cargo(&project, &["fmt", "--check"]);
    cargo(
        &project,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    cargo(&project, &["test"]);
    serve_ready_and_stop(&shared_target().join("debug").join(name));
}

#[test]
fn default_project_with_controllers_passes_its_checks_and_serves() {
    check("blog", &[]);
}

#[test]
fn project_without_optional_parts_passes_its_checks_and_serves() {
    check(
        "lean-api",
        &[
            "--skip-redis",
            "--skip-http-client",
            "--skip-openapi",
            "--skip-docker",
            "--skip-helm",
            "--skip-actions",
        ],
    );
}
