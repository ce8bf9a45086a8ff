//! The layers have one source. `cargo mvc new --database sqlite` and `cargo
//! mvc new --database none` followed by `generate model` give the same
//! application, but for the differences listed here, each with why; `cargo
//! mvc new --metrics` and `cargo mvc new` followed by `generate metrics`
//! give the same application but for the README and the record.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::snapshot;

/// How a file of the project made without a database may differ from the
/// one of the project made with it.
enum Expect {
    /// The same lines, in another order.
    Reordered(&'static str),
    /// Other content: the file is not part of what `generate model` wires.
    Differs(&'static str),
}

/// Every difference between the two projects.
const DIFFERENCES: &[(&str, Expect)] = &[
    (
        "src/app/state.rs",
        Expect::Reordered(
            "the `db` field and its initialiser are added after the others, where `new` puts them first",
        ),
    ),
    (
        "src/lib.rs",
        Expect::Differs(
            "the module docs' list of modules is prose for the reader; only the `pub mod db;` line is wired",
        ),
    ),
    (
        "tests/api/helpers.rs",
        Expect::Differs(
            "the doc comment of `test_settings` mentions the test database only in `new`'s; its `database` setting is wired",
        ),
    ),
    (
        "src/app/controllers/ready.rs",
        Expect::Differs(
            "`new` tests that /api/ready answers 503 when the database does not answer; `generate model` writes no test into a controller of the user's",
        ),
    ),
    (
        "cargo-mvc.toml",
        Expect::Differs("the record keeps `new`'s own arguments (`--database none`)"),
    ),
    (
        "README.md",
        Expect::Differs("the project's documentation is the user's to update"),
    ),
    (
        "Makefile",
        Expect::Differs(
            "the `migrate` target is `new`'s; the Makefile is not edited by generators",
        ),
    ),
    (
        "Dockerfile",
        Expect::Differs(
            "the deployment (data volume, database URL) is the user's to adapt, as the database may not be SQLite in production",
        ),
    ),
    (
        "charts/blog/values.yaml",
        Expect::Differs("the deployment is the user's to adapt (as the Dockerfile)"),
    ),
    (
        "charts/blog/templates/configmap.yaml",
        Expect::Differs("the deployment is the user's to adapt (as the Dockerfile)"),
    ),
    (
        "charts/blog/templates/deployment.yaml",
        Expect::Differs("the deployment is the user's to adapt (as the Dockerfile)"),
    ),
];

/// Runs `cargo mvc ARGS` in `dir` at a fixed time, so that both projects'
/// migrations have the same version.
fn run(dir: &Path, args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .arg("mvc")
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1796000000")
        .output()
        .expect("cargo-mvc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `blog` made with `--database DATABASE` in a directory of its own, then a
/// model generated in it.
fn with_model(root: &Path, database: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = root.join(database);
    std::fs::create_dir(&dir).unwrap();
    run(
        &dir,
        &[
            "new",
            "blog",
            "--database",
            database,
            "--skip-install",
            "--skip-git",
            "--quiet",
        ],
    );
    let project = dir.join("blog");
    run(
        &project,
        &["generate", "model", "post", "title:string", "--quiet"],
    );
    snapshot(&project)
}

fn sorted_lines(text: &[u8]) -> Vec<&str> {
    let mut lines: Vec<&str> = std::str::from_utf8(text).unwrap().lines().collect();
    lines.sort_unstable();
    lines
}

#[test]
fn new_with_sqlite_and_none_then_generate_model_give_the_same_database_layer() {
    let root = tempfile::tempdir().unwrap();
    let sqlite = with_model(root.path(), "sqlite");
    let none = with_model(root.path(), "none");
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        none.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for file in [
        "Cargo.toml",
        "build.rs",
        "src/db.rs",
        "src/app/models/fields.rs",
        "src/app/models/mod.rs",
        "src/config.rs",
        "src/cli.rs",
        "src/server.rs",
        "migrations/.gitkeep",
    ] {
        assert!(
            sqlite.contains_key(Path::new(file)),
            "{file} is part of the layer"
        );
    }
    let mut differing = Vec::new();
    for (path, text) in &sqlite {
        let other = &none[path];
        if text == other {
            continue;
        }
        let path = path.display().to_string();
        match DIFFERENCES.iter().find(|(p, _)| *p == path) {
            None => panic!(
                "{path} differs between the project made with SQLite and the one given it by `generate model`:\n--- sqlite\n{}\n--- none\n{}",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(other)
            ),
            Some((_, Expect::Reordered(why))) => {
                assert_eq!(sorted_lines(text), sorted_lines(other), "{path}: {why}");
            }
            Some((_, Expect::Differs(why))) => assert!(!why.is_empty(), "{path}: say why"),
        }
        differing.push(path);
    }
    for (path, _) in DIFFERENCES {
        assert!(
            differing.iter().any(|d| d == path),
            "{path} is listed as a difference but is the same: take it off the list"
        );
    }
}

/// `blog` made with `extra`, then `generate metrics` when `generate`.
fn with_metrics(
    root: &Path,
    dir: &str,
    extra: &[&str],
    generate: bool,
) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = root.join(dir);
    std::fs::create_dir(&dir).unwrap();
    let mut args = vec!["new", "blog", "--skip-install", "--skip-git", "--quiet"];
    args.extend_from_slice(extra);
    run(&dir, &args);
    let project = dir.join("blog");
    if generate {
        run(&project, &["generate", "metrics", "--quiet"]);
    }
    snapshot(&project)
}

#[test]
fn new_with_metrics_and_generate_metrics_give_the_same_application() {
    let root = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("default", &[][..]),
        (
            "lean",
            &[
                "--database",
                "none",
                "--skip-redis",
                "--skip-http-client",
                "--skip-helm",
            ][..],
        ),
    ] {
        let mut with_flag = extra.to_vec();
        with_flag.push("--metrics");
        let made = with_metrics(root.path(), &format!("{name}-new"), &with_flag, false);
        let added = with_metrics(root.path(), &format!("{name}-generated"), extra, true);
        assert_eq!(
            made.keys().collect::<Vec<_>>(),
            added.keys().collect::<Vec<_>>(),
            "{name}: the same files"
        );
        assert!(made.contains_key(Path::new("src/app/metrics.rs")));
        assert_eq!(
            made.contains_key(Path::new("charts/blog/templates/metrics.yaml")),
            !extra.contains(&"--skip-helm"),
            "{name}: the chart's metrics with the chart"
        );
        let differing: Vec<String> = made
            .iter()
            .filter(|(path, text)| added[*path] != **text)
            .map(|(path, _)| path.display().to_string())
            .collect();
        // The README is the user's to update; the record keeps `new`'s own
        // arguments and then the `generate metrics` run.
        assert_eq!(differing, ["README.md", "cargo-mvc.toml"], "{name}");
    }
}

#[test]
fn generate_metrics_twice_is_refused_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "blog", &["--metrics"]);
    let before = snapshot(&project);
    let output = common::cargo_mvc(&project, &["generate", "metrics"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already serves metrics"), "{stderr}");
    assert_eq!(snapshot(&project), before);
}
