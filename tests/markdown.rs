//! The Markdown a new project gets renders as written: markdownlint
//! (markdownlint-cli2 from npm, installed by `.ci/install-tools`) finds
//! nothing in it, with the project's own `.markdownlint.yaml`, for every
//! combination of the options that change it.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{SKIP_ALL, new_project, options_in};

/// `.ci/install-tools`' markdownlint-cli2, else one on `PATH`.
fn markdownlint() -> Option<PathBuf> {
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node/node_modules/.bin/markdownlint-cli2");
    if installed.is_file() {
        return Some(installed);
    }
    let found = Command::new("markdownlint-cli2").arg("--help").output();
    found
        .is_ok_and(|o| o.status.success())
        .then(|| "markdownlint-cli2".into())
}

#[test]
fn every_new_project_readme_passes_markdownlint() {
    let Some(markdownlint) = markdownlint() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "markdownlint-cli2 is not installed: run .ci/install-tools"
        );
        // Straight to stderr, past the test harness's capture, so that a
        // plain `cargo test` shows it.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: markdownlint-cli2 is not installed (run .ci/install-tools)"
        );
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let mut projects = Vec::new();
    for database in ["sqlite", "postgres", "none"] {
        // Every option that takes a part of the README out, on or off.
        for mask in 0..(1u32 << SKIP_ALL.len()) {
            let mut args = options_in(SKIP_ALL, mask);
            args.extend(["--database", database]);
            // Half of them without a license, which changes the last section.
            if mask % 2 == 1 {
                args.extend(["--license", "none"]);
            }
            // Half with metrics, which add a paragraph and a setting.
            if mask & 0b110 == 0b010 || mask & 0b110 == 0b100 {
                args.push("--metrics");
            }
            // And half with OpenTelemetry, another paragraph and settings.
            if mask & 0b1100 == 0b0100 || mask & 0b1100 == 0b1000 {
                args.push("--otel");
            }
            let dir = root.path().join(format!("{database}-{mask}"));
            std::fs::create_dir(&dir).unwrap();
            projects.push((new_project(&dir, "shop", &args), args.join(" ")));
        }
    }

    // One run over every project's Markdown; each file is checked with the
    // `.markdownlint.yaml` of its own project.
    let files: Vec<PathBuf> = projects
        .iter()
        .flat_map(|(project, _)| {
            common::snapshot(project)
                .into_keys()
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .map(move |p| project.join(p))
        })
        .collect();
    assert!(files.len() >= projects.len(), "every project has a README");
    let output = Command::new(&markdownlint)
        .args(&files)
        .current_dir(root.path())
        .output()
        .expect("markdownlint-cli2 runs");
    let report = String::from_utf8_lossy(&output.stderr);
    let failing: Vec<&String> = projects
        .iter()
        .filter(|(project, _)| {
            let relative = project.strip_prefix(root.path()).unwrap_or(project);
            report.contains(&*relative.to_string_lossy())
        })
        .map(|(_, args)| args)
        .collect();
    assert!(
        output.status.success(),
        "markdownlint found problems in the projects made with {failing:?}:\n{report}"
    );
}
