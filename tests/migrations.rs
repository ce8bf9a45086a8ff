//! `generate migration` and `destroy migration` on fresh projects, without
//! building them (the end-to-end tests build and migrate): generate then
//! destroy of every kind gives back every byte, for both databases; the
//! model follows around the user's own edits, and says what to change by
//! hand where they overlap; bad input writes nothing.

mod common;

use std::path::Path;

use common::{cargo_mvc, new_project, ok, snapshot};

/// One migration of each kind, on a scaffold `post` and a model `tag`.
const KINDS: &[&[&str]] = &[
    &[
        "add_email_to_posts",
        "email:string?:unique",
        "views:integer:default=0",
    ],
    &["add_tag_ref_to_posts", "tag:references?"],
    &["remove_body_from_posts"],
    &["rename_title_to_headline_in_posts"],
    &["change_body_in_posts", "body:string?"],
    &["add_index_to_posts", "title", "body:unique"],
    &["create_join_table", "posts", "tags"],
    &["drop_table", "tags"],
    &["backfill_titles"],
];

fn project(root: &Path, database: &str) -> std::path::PathBuf {
    let project = new_project(root, "blog", &["--database", database]);
    ok(cargo_mvc(
        &project,
        &[
            "generate",
            "scaffold",
            "post",
            "title:string",
            "body:text",
            "--html",
        ],
    ));
    ok(cargo_mvc(
        &project,
        &["generate", "model", "tag", "name:string"],
    ));
    project
}

fn destroy_name(args: &[&str]) -> String {
    match args {
        ["create_join_table", a, b] => format!("create_join_table_{a}_{b}"),
        ["drop_table", t] => format!("drop_table_{t}"),
        [name, ..] => name.to_string(),
        [] => unreachable!(),
    }
}

#[test]
fn generate_then_destroy_gives_back_every_byte() {
    for database in ["sqlite", "postgres"] {
        let root = tempfile::tempdir().unwrap();
        let project = project(root.path(), database);
        let before = snapshot(&project);
        for args in KINDS {
            let mut all = vec!["generate", "migration"];
            all.extend_from_slice(args);
            ok(cargo_mvc(&project, &all));
            assert_ne!(
                snapshot(&project),
                before,
                "{database} {args:?} wrote nothing"
            );
            let name = destroy_name(args);
            // SQLite: no database file, so nothing has run. PostgreSQL: the
            // server would be asked (by building the application), which
            // `--force` skips.
            let mut destroy = vec!["destroy", "migration", name.as_str()];
            if database == "postgres" {
                destroy.push("--force");
            }
            ok(cargo_mvc(&project, &destroy));
            assert!(
                snapshot(&project) == before,
                "{database}: generate then destroy of {args:?} left changes"
            );
        }
    }
}

#[test]
fn the_model_follows_around_the_users_edits() {
    let root = tempfile::tempdir().unwrap();
    let project = project(root.path(), "sqlite");
    let model = project.join("src/app/models/post.rs");
    let text = std::fs::read_to_string(&model).unwrap();
    // A method of the user's own, in the model's `impl`.
    let mine = "    /// The title, shouted.\n    pub fn shouted(&self) -> String {\n        self.title.to_uppercase()\n    }\n";
    let at = text.find("impl Post {\n").expect("the model's impl") + "impl Post {\n".len();
    let edited = format!("{}{mine}\n{}", &text[..at], &text[at..]);
    std::fs::write(&model, &edited).unwrap();
    let out = ok(cargo_mvc(
        &project,
        &[
            "generate",
            "migration",
            "add_email_to_posts",
            "email:string?",
        ],
    ));
    let _ = out;
    let after = std::fs::read_to_string(&model).unwrap();
    assert!(after.contains(mine), "the user's method is kept:\n{after}");
    assert!(after.contains("pub email: Option<String>,"), "{after}");
    let record = std::fs::read_to_string(project.join("cargo-mvc.toml")).unwrap();
    assert!(
        record
            .contains(r#"args = ["post", "title:string", "body:text", "email:string?", "--html"]"#),
        "{record}"
    );
    // Destroying the migration takes the field out again, and keeps the
    // user's method.
    ok(cargo_mvc(
        &project,
        &["destroy", "migration", "add_email_to_posts"],
    ));
    assert_eq!(std::fs::read_to_string(&model).unwrap(), edited);
}

#[test]
fn overlapping_edits_are_left_alone_with_the_change_to_make() {
    let root = tempfile::tempdir().unwrap();
    let project = project(root.path(), "sqlite");
    let model = project.join("src/app/models/post.rs");
    let text = std::fs::read_to_string(&model).unwrap();
    // The user rewrote the struct's fields, where the new one would go.
    let edited = text.replacen(
        "    pub body: String,\n",
        "    pub body: String, // the post itself\n",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&model, &edited).unwrap();
    let output = cargo_mvc(
        &project,
        &[
            "generate",
            "migration",
            "add_email_to_posts",
            "email:string?",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("by hand")
            && stderr.contains("src/app/models/post.rs")
            && stderr.contains("+    pub email: Option<String>,"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&model).unwrap(),
        edited,
        "the file is left as it is"
    );
    assert!(
        std::fs::read_dir(project.join("migrations"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("_add_email_to_posts.up.sql")),
        "the migration is still written"
    );
}

#[test]
fn a_migration_that_has_run_is_not_destroyed_without_force() {
    let root = tempfile::tempdir().unwrap();
    let project = project(root.path(), "sqlite");
    ok(cargo_mvc(
        &project,
        &[
            "generate",
            "migration",
            "add_email_to_posts",
            "email:string?",
        ],
    ));
    // A database the application cannot open: the command cannot tell
    // whether the migration ran, so it refuses.
    std::fs::create_dir_all(project.join("data")).unwrap();
    std::fs::write(project.join("data/blog.db"), "not a database").unwrap();
    let before = snapshot(&project);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .args(["mvc", "destroy", "migration", "add_email_to_posts"])
        .current_dir(&project)
        // No cargo to build the application with: asking fails at once.
        .env("CARGO", "/nonexistent/cargo")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("could not ask the application's database"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(snapshot(&project) == before, "nothing was written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .args([
            "mvc",
            "destroy",
            "migration",
            "add_email_to_posts",
            "--force",
        ])
        .current_dir(&project)
        .env("CARGO", "/nonexistent/cargo")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
