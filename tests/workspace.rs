//! Applications in a Cargo workspace: `new` joins the workspace's `members`
//! as `cargo new` does, and `--package` chooses among several applications.
//! Nothing here builds; one test asks cargo to read the workspace.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{cargo_mvc, ok, snapshot};

/// A temporary directory holding a workspace root manifest with `manifest`;
/// the directory's real path is returned too, as messages print it.
fn workspace(manifest: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    (dir, root)
}

fn new(dir: &Path, path: &str, extra: &[&str]) -> String {
    let mut args = vec!["new", path, "--skip-install", "--skip-git"];
    args.extend_from_slice(extra);
    ok(cargo_mvc(dir, &args))
}

fn failed(output: Output) -> String {
    assert!(!output.status.success(), "the command succeeded");
    String::from_utf8(output.stderr).unwrap()
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path).unwrap()
}

const MANIFEST: &str = "# The team's services.\n[workspace]\nmembers = [\n    \"billing\", # payments\n    \"web\",\n]\nresolver = \"3\"\n";

#[test]
fn new_joins_the_members_and_keeps_the_rest_of_the_manifest() {
    let (dir, root) = workspace(MANIFEST);
    let stderr = new(dir.path(), "shop", &[]);
    assert!(
        stderr.contains(&format!("update {}\n", root.join("Cargo.toml").display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "adding `shop` as member of workspace at `{}`",
            root.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        read(dir.path().join("Cargo.toml")),
        MANIFEST.replace("    \"web\",", "    \"shop\",\n    \"web\",")
    );
    // Cargo ignores a member's profiles, with a warning on every build.
    let app = read(dir.path().join("shop/Cargo.toml"));
    assert!(!app.contains("[profile"), "{app}");
    assert!(stderr.contains("[profile.release]"), "{stderr}");

    // A nested path is added as such, in order; an app already listed is not
    // added again.
    new(dir.path(), "apps/admin", &["--name", "admin-api"]);
    let once = read(dir.path().join("Cargo.toml"));
    assert_eq!(
        once,
        MANIFEST
            .replace("    \"billing\"", "    \"apps/admin\",\n    \"billing\"")
            .replace("    \"web\",", "    \"shop\",\n    \"web\",")
    );
    let again = new(dir.path(), "shop", &["--force"]);
    assert!(!again.contains("adding"), "{again}");
    assert_eq!(read(dir.path().join("Cargo.toml")), once);
}

#[test]
fn a_failed_new_leaves_the_workspace_manifest_alone() {
    let (dir, _root) = workspace(MANIFEST);
    // A file where the app's sources go.
    fs::create_dir(dir.path().join("shop")).unwrap();
    fs::write(dir.path().join("shop/src"), "not a directory").unwrap();
    let before = snapshot(dir.path());
    failed(cargo_mvc(
        dir.path(),
        &["new", "shop", "--force", "--skip-install", "--skip-git"],
    ));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_matching_glob_or_an_exclusion_adds_nothing() {
    let manifest =
        "[workspace]\nmembers = [\"crates/*\"] # every crate\nexclude = [\"crates/legacy\"]\n";
    let (dir, _root) = workspace(manifest);
    fs::create_dir(dir.path().join("crates")).unwrap();
    let stderr = new(dir.path(), "crates/api", &[]);
    assert!(!stderr.contains("adding"), "{stderr}");
    assert!(stderr.contains("is a member of the workspace"), "{stderr}");
    assert!(!read(dir.path().join("crates/api/Cargo.toml")).contains("[profile"));

    // Excluded: a standalone package, which keeps its profile.
    let stderr = new(dir.path(), "crates/legacy", &[]);
    assert!(!stderr.contains("adding"), "{stderr}");
    assert!(!stderr.contains("member of the workspace"), "{stderr}");
    assert!(read(dir.path().join("crates/legacy/Cargo.toml")).contains("[profile.release]"));
    assert_eq!(read(dir.path().join("Cargo.toml")), manifest);
}

#[test]
fn pretend_says_it_would_join_and_writes_nothing() {
    let (dir, root) = workspace(MANIFEST);
    let before = snapshot(dir.path());
    let stderr = ok(cargo_mvc(dir.path(), &["new", "shop", "--pretend"]));
    for line in [
        format!("update {}", root.join("Cargo.toml").display()),
        format!(
            "adding `shop` as member of workspace at `{}`",
            root.display()
        ),
        "pretend nothing was written".to_string(),
    ] {
        assert!(stderr.contains(&line), "{line} missing from:\n{stderr}");
    }
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn cargo_accepts_the_workspace_after_new() {
    let (dir, _root) = workspace("[workspace]\n# none yet\nmembers = []\nresolver = \"3\"\n");
    new(dir.path(), "shop", &[]);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = |dir: &Path| {
        let output = std::process::Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Not "believes it's in a workspace when it's not", nor the warning
        // about a member's profiles.
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let root = metadata["workspace_root"].as_str().unwrap().to_string();
        let names: Vec<String> = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        (root, names)
    };
    let from_root = metadata(dir.path());
    assert_eq!(from_root.1, ["shop"]);
    // The app's directory is where cargo would refuse a package it finds
    // inside a workspace that does not list it.
    assert_eq!(metadata(&dir.path().join("shop")), from_root);
}

/// A workspace with the applications `alpha` and `beta` and the library
/// `tools`, which is no application.
fn two_apps() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = workspace("[workspace]\nmembers = [\"tools\"]\nresolver = \"3\"\n");
    let tools = dir.path().join("tools");
    fs::create_dir_all(tools.join("src")).unwrap();
    fs::write(
        tools.join("Cargo.toml"),
        "[package]\nname = \"tools\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    fs::write(tools.join("src/lib.rs"), "").unwrap();
    for app in ["alpha", "beta"] {
        new(dir.path(), app, &["--quiet", "--skip-openapi"]);
    }
    (dir, root)
}

#[test]
fn generate_chooses_the_package_it_is_given() {
    let (dir, root) = two_apps();
    let before = snapshot(dir.path());
    let users = ["generate", "controller", "users", "index"];

    let stderr = failed(cargo_mvc(dir.path(), &users));
    assert!(
        stderr.contains(&format!(
            "the workspace at {} has 2 applications made by `cargo mvc new`: `alpha`, `beta`",
            root.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("pass `--package NAME`"), "{stderr}");
    assert_eq!(snapshot(dir.path()), before);

    let controller = |app: &str, name: &str| {
        dir.path()
            .join(app)
            .join(format!("src/app/controllers/{name}.rs"))
    };
    ok(cargo_mvc(
        dir.path(),
        &[
            "generate",
            "--package",
            "beta",
            "controller",
            "users",
            "index",
        ],
    ));
    assert!(controller("beta", "users").is_file());
    assert!(!controller("alpha", "users").exists());

    // Inside an app, that app; `--package` (after the generator's arguments
    // too) another one.
    let alpha = dir.path().join("alpha");
    ok(cargo_mvc(&alpha, &["g", "controller", "posts", "index"]));
    ok(cargo_mvc(
        &alpha,
        &["g", "controller", "tags", "index", "--package", "beta"],
    ));
    assert!(controller("alpha", "posts").is_file());
    assert!(controller("beta", "tags").is_file());
    assert!(!controller("alpha", "tags").exists());
    assert!(!controller("beta", "posts").exists());

    let routes = cargo_mvc(dir.path(), &["routes", "--package", "beta"]);
    let table = String::from_utf8(routes.stdout).unwrap();
    assert!(
        table.contains("/api/users") && !table.contains("/api/posts"),
        "{table}"
    );
}

#[test]
fn package_must_name_an_application_of_the_workspace() {
    let (dir, root) = two_apps();
    let before = snapshot(dir.path());
    let stderr = failed(cargo_mvc(
        dir.path(),
        &["g", "controller", "users", "--package", "unknown"],
    ));
    assert!(
        stderr.contains(&format!(
            "error: there is no package `unknown` in the workspace at {}",
            root.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("`alpha`, `beta`"), "{stderr}");

    let stderr = failed(cargo_mvc(
        dir.path(),
        &["destroy", "--package", "tools", "controller", "users"],
    ));
    assert!(
        stderr.contains("error: package `tools` is not an application made by `cargo mvc new`"),
        "{stderr}"
    );
    assert_eq!(snapshot(dir.path()), before);
}
