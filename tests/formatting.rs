//! Generated Rust goes through one formatting path: with rustfmt installed
//! the plan formats every new Rust file in one run, with the project's
//! `rustfmt.toml`; without it the tool breaks the rendered lines where
//! rustfmt would (`src/reflow.rs`). These tests
//! run the generators with rustfmt hidden from `PATH` and check the result
//! with the real rustfmt, without building the projects.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::snapshot;

/// The generator commands checked, run one after the other in a fresh
/// `cargo mvc new` project: short names, and names and field lists long
/// enough to take lines past rustfmt's widths (100 columns, 60 for a
/// call's arguments or a chain, 18 for a struct literal), which the tool
/// must then break where rustfmt would.
const COMMANDS: &[&[&str]] = &[
    &["generate", "controller", "users", "index", "show"],
    &[
        "generate",
        "controller",
        "items",
        "create:post",
        "destroy:delete",
    ],
    &["generate", "controller", "things"],
    &[
        "generate",
        "controller",
        "admin/pages",
        "index",
        "about",
        "--html",
    ],
    &["generate", "model", "author", "name:string"],
    &["generate", "model", "tag"],
    &["generate", "scaffold", "post", "title:string", "body:text?"],
    &["generate", "scaffold", "note", "title:string", "--html"],
    &["generate", "view", "reports", "index", "show"],
    &[
        "generate",
        "scaffold",
        "organization_membership_invitation",
        "invited_email_address:string",
        "accepted_at_timestamp:datetime?",
        "rank:integer",
        "note:text",
        "post:references",
    ],
    &[
        "generate",
        "scaffold",
        "customer_support_ticket",
        "subject:string:unique",
        "priority:integer",
        "resolved:boolean",
        "--html",
    ],
    &[
        "generate",
        "controller",
        "payments_and_refunds",
        "index",
        "show",
        "create:post",
        "refund_partially:post",
    ],
    &[
        "generate",
        "controller",
        "administration/reporting_dashboards",
        "index",
        "monthly_summary_report",
        "--html",
    ],
    &[
        "generate",
        "model",
        "very_long_model_name_for_testing_purposes",
        "some_extremely_long_field_name_here:string",
        "another_quite_long_field_name:integer?",
    ],
];

/// A fixed time, so both runs write the same migration versions.
const SOURCE_DATE_EPOCH: &str = "1796000000";

/// Runs `cargo-mvc mvc <args>` in `dir` with `PATH` set to `path`, and
/// asserts it succeeds.
fn run(dir: &Path, path: &str, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .arg("mvc")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("RUSTFMT")
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .output()
        .expect("cargo-mvc runs");
    assert!(
        output.status.success(),
        "cargo mvc {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A `PATH` with cargo (the generators read the project's metadata) and
/// nothing else: no rustfmt.
fn path_without_rustfmt(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .expect("cargo sets CARGO for the tests it runs");
    std::os::unix::fs::symlink(cargo, bin.join("cargo")).unwrap();
    let path = bin.display().to_string();
    let found = Command::new("/bin/sh")
        .args(["-c", "command -v rustfmt"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(!found.status.success(), "rustfmt is still on {path}");
    path
}

/// The project made by `new`, then by each of `commands`, in `dir`.
fn generate(dir: &Path, path: &str, commands: &[&[&str]]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    run(
        dir,
        path,
        &["new", "blog", "--skip-install", "--skip-git", "--quiet"],
    );
    let project = dir.join("blog");
    for command in commands {
        let mut args = command.to_vec();
        args.push("--quiet");
        run(&project, path, &args);
    }
    project
}

/// The project's Rust files, relative to it.
fn rust_files(project: &Path) -> Vec<PathBuf> {
    snapshot(project)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect()
}

#[test]
fn without_rustfmt_the_files_are_what_rustfmt_would_write() {
    let tmp = tempfile::tempdir().unwrap();
    let real_path = std::env::var("PATH").unwrap_or_default();
    let no_rustfmt = path_without_rustfmt(tmp.path());
    let with = generate(&tmp.path().join("with"), &real_path, COMMANDS);
    let without = generate(&tmp.path().join("without"), &no_rustfmt, COMMANDS);

    // Only the Rust: without git on `PATH`, the license names no author.
    let rust = |project: &Path| {
        let mut files = snapshot(project);
        files.retain(|path, _| path.extension().is_some_and(|e| e == "rs"));
        files
    };
    let (with, without) = (rust(&with), rust(&without));
    assert_eq!(
        with.keys().collect::<Vec<_>>(),
        without.keys().collect::<Vec<_>>(),
        "the same Rust files are written with and without rustfmt"
    );
    let differ: Vec<String> = with
        .iter()
        .filter(|(path, bytes)| without[*path] != **bytes)
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        differ.is_empty(),
        "rustfmt changed what the generators wrote in {differ:?}"
    );

    let project = tmp.path().join("without/blog");
    let output = Command::new("rustfmt")
        .args([
            "--check",
            "--edition",
            "2024",
            "--config",
            "skip_children=true",
        ])
        .args(rust_files(&project))
        .current_dir(&project)
        .output()
        .expect("rustfmt runs");
    assert!(
        output.status.success(),
        "the files written without rustfmt are not rustfmt-clean:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_project_style_applies_and_its_absence_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let real_path = std::env::var("PATH").unwrap_or_default();
    let no_rustfmt = path_without_rustfmt(tmp.path());
    let project = generate(tmp.path(), &real_path, &[]);
    std::fs::write(project.join("rustfmt.toml"), "hard_tabs = true\n").unwrap();

    let styled = run(
        &project,
        &real_path,
        &["generate", "model", "author", "name:string"],
    );
    let stderr = String::from_utf8(styled.stderr).unwrap();
    assert!(!stderr.contains("warning"), "{stderr}");
    let model = std::fs::read_to_string(project.join("src/app/models/author.rs")).unwrap();
    assert!(model.contains("\n\tpub id: i64,\n"), "{model}");

    let plain = run(
        &project,
        &no_rustfmt,
        &["generate", "controller", "users", "index"],
    );
    let stderr = String::from_utf8(plain.stderr).unwrap();
    assert!(
        stderr.contains("warning: rustfmt was not found, so the new Rust files follow rustfmt's default style, not the one rustfmt.toml asks for"),
        "{stderr}"
    );
    let controller = std::fs::read_to_string(project.join("src/app/controllers/users.rs")).unwrap();
    assert!(!controller.contains('\t'), "{controller}");

    // Without a rustfmt.toml, rustfmt's absence changes nothing worth a word.
    std::fs::remove_file(project.join("rustfmt.toml")).unwrap();
    let quiet = run(
        &project,
        &no_rustfmt,
        &["generate", "controller", "items", "index"],
    );
    let stderr = String::from_utf8(quiet.stderr).unwrap();
    assert!(!stderr.contains("warning"), "{stderr}");
}
