//! Applications in a Cargo workspace: `new` joins the workspace's `members`
//! as `cargo new` does. Nothing here builds; one test asks cargo to read the
//! workspace.

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
