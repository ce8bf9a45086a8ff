//! `cargo mvc new` on disk: bad input leaves the directory untouched, a good
//! run writes exactly the planned files and a second one finds them identical.

mod common;

use common::{cargo_mvc, listing};

#[test]
fn invalid_names_write_nothing() {
    for name in [
        "fn", "1abc", "a b", "self", "std", "tokio", "café", "x/crate",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = cargo_mvc(dir.path(), &["new", name, "--skip-install", "--skip-git"]);
        assert!(!output.status.success(), "{name} was accepted");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("error: invalid project name"),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("nothing was written"), "{name}: {stderr}");
        assert!(listing(dir.path()).is_empty(), "{name} wrote files");
    }
}

#[test]
fn pretend_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = cargo_mvc(dir.path(), &["new", "demo", "--pretend"]);
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("create src/app/router.rs"), "{stderr}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn existing_directory_is_left_alone_without_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("demo")).unwrap();
    std::fs::write(dir.path().join("demo/notes.txt"), "mine").unwrap();
    let output = cargo_mvc(dir.path(), &["new", "demo", "--skip-install", "--skip-git"]);
    assert!(!output.status.success());
    assert_eq!(listing(dir.path()), ["demo", "demo/notes.txt"]);

    let output = cargo_mvc(
        dir.path(),
        &["new", "demo", "--force", "--skip-install", "--skip-git"],
    );
    assert!(output.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("demo/notes.txt")).unwrap(),
        "mine"
    );
    assert!(dir.path().join("demo/src/app/router.rs").is_file());
}

#[test]
fn records_options_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "new",
        "shop",
        "--name",
        "my-shop",
        "--skip-redis",
        "--skip-helm",
        "--license",
        "ISC",
        "--repo-url",
        "https://example.com/shop.git",
        "--skip-install",
        "--skip-git",
    ];
    assert!(cargo_mvc(dir.path(), &args).status.success());
    let root = dir.path().join("shop");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-shop\""), "{manifest}");
    assert!(manifest.contains("license = \"ISC\""));
    assert!(manifest.contains("repository = \"https://example.com/shop.git\""));
    assert!(manifest.contains("[package.metadata.mvc]"));
    assert!(manifest.contains("redis = false"));
    assert!(
        !manifest.contains("redis = {"),
        "the redis dependency is gone"
    );
    assert!(!root.join("charts").exists());
    assert!(!root.join("src/utils/redis.rs").exists());
    assert!(root.join("src/utils/http_client.rs").exists());
    let license = std::fs::read_to_string(root.join("LICENSE")).unwrap();
    assert!(license.starts_with("ISC License"), "{license}");

    let before = listing(&root);
    let mut again = args.to_vec();
    again.push("--force");
    let output = cargo_mvc(dir.path(), &again);
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains(" create "), "{stderr}");
    assert!(stderr.contains("identical Cargo.toml"), "{stderr}");
    assert_eq!(listing(&root), before);
}

#[test]
fn git_init_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let output = cargo_mvc(dir.path(), &["new", "app", "--skip-install"]);
    assert!(output.status.success());
    assert!(dir.path().join("app/.git").is_dir());
    let output = cargo_mvc(dir.path(), &["new", "app2", "--skip-install", "--skip-git"]);
    assert!(output.status.success());
    assert!(!dir.path().join("app2/.git").exists());
}

#[test]
fn dot_names_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().join("inventory");
    std::fs::create_dir(&here).unwrap();
    let output = cargo_mvc(&here, &["new", ".", "--skip-install", "--skip-git"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = std::fs::read_to_string(here.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"inventory\""), "{manifest}");
}
