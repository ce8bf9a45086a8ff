//! `generate model`, `generate scaffold` and their `destroy` on fresh
//! projects, without building them (the end-to-end tests build): the files
//! and edits, rustfmt-clean output, idempotence, byte-exact undo, and bad
//! input that writes nothing.

mod common;

use std::path::Path;

use common::{assert_rustfmt_clean, cargo_mvc, new_project, ok, snapshot};

fn read(project: &Path, rel: &str) -> String {
    std::fs::read_to_string(project.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn migrations(project: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

#[test]
fn scaffolds_are_idempotent_and_destroy_restores_every_byte() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "blog", &[]);
    let before = snapshot(&project);
    let post = [
        "post",
        "title:string",
        "body:text",
        "published:boolean",
        "--html",
    ];
    let comment = ["comment", "post:references", "body:text", "author:string?"];
    for fields in [&post[..], &comment[..]] {
        let mut args = vec!["generate", "scaffold"];
        args.extend_from_slice(fields);
        ok(cargo_mvc(&project, &args));
    }
    let router = read(&project, "src/app/router.rs");
    assert!(
        router.contains(
            ".route(\"/api/posts/{id}\", get(posts::show).put(posts::update).patch(posts::update).delete(posts::destroy))"
        ) || router.contains("\"/api/posts/{id}\",\n"),
        "{router}"
    );
    assert!(router.contains("post(comments::create)"), "{router}");
    assert!(
        router.contains(".route(\"/posts/new\", get(posts::new_page))"),
        "{router}"
    );
    for page in ["index", "show", "form"] {
        assert!(
            project
                .join(format!("templates/posts/{page}.html"))
                .is_file(),
            "{page}"
        );
    }
    assert!(read(&project, "Cargo.toml").contains("askama = "));
    assert!(read(&project, "src/app/openapi.rs").contains("comments::ApiDoc::openapi()"));
    assert!(
        read(&project, "src/app/models/mod.rs")
            .contains("pub mod comment;\npub mod fields;\npub mod post;\n")
    );
    let names = migrations(&project);
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].ends_with("_create_comments.down.sql") || names[0].contains("_create_posts."));
    // Comments refer to posts, so their migration runs after.
    let version = |table: &str| {
        names
            .iter()
            .find(|n| n.ends_with(&format!("_create_{table}.up.sql")))
            .unwrap()
            .split('_')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(version("posts") < version("comments"));
    let up = names
        .iter()
        .find(|n| n.ends_with("_create_comments.up.sql"))
        .unwrap();
    let sql = read(&project, &format!("migrations/{up}"));
    assert!(
        sql.contains("post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE"),
        "{sql}"
    );
    assert!(sql.contains("author TEXT,"), "{sql}");
    let model = read(&project, "src/app/models/comment.rs");
    assert!(model.contains("pub author: Option<String>,"), "{model}");
    assert!(
        model.contains("#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow"),
        "{model}"
    );
    assert_rustfmt_clean(&project, "the project with its scaffolds");

    let generated = snapshot(&project);
    let again = ok(cargo_mvc(
        &project,
        &[
            "g",
            "scaffold",
            "comment",
            "post:references",
            "body:text",
            "author:string?",
        ],
    ));
    assert!(
        again
            .lines()
            .all(|l| l.trim_start().starts_with("identical")),
        "{again}"
    );
    assert_eq!(
        snapshot(&project),
        generated,
        "a second run changes nothing"
    );

    // `comment` refers to `post`: taking `post` out first would leave a
    // module and a foreign key pointing at nothing, so it is refused.
    for what in ["scaffold", "model"] {
        let refused = cargo_mvc(&project, &["destroy", what, "post"]);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("the model `post` is still referred to")
                && stderr.contains("src/app/models/comment.rs: uses `super::post::`")
                && stderr.contains("_create_comments.up.sql: a foreign key to `posts`")
                && stderr.contains("or pass --force")
                && stderr.contains("nothing was written"),
            "{stderr}"
        );
        assert_eq!(
            snapshot(&project),
            generated,
            "a refused destroy writes nothing"
        );
    }
    let forced = ok(cargo_mvc(
        &project,
        &["destroy", "model", "post", "--force", "--pretend"],
    ));
    assert!(forced.contains("src/app/models/post.rs"), "{forced}");

    let out = ok(cargo_mvc(&project, &["destroy", "scaffold", "comment"]));
    assert!(out.contains("keeps its table"), "{out}");
    ok(cargo_mvc(&project, &["d", "scaffold", "post"]));
    assert_eq!(snapshot(&project), before, "destroy gives back every byte");
}

#[test]
fn names_are_pluralised_in_english() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "people-app", &["--database", "postgres"]);
    ok(cargo_mvc(
        &project,
        &["g", "model", "person", "name:string:unique", "born:date?"],
    ));
    ok(cargo_mvc(
        &project,
        &["g", "scaffold", "Category", "title:string"],
    ));
    let names = migrations(&project);
    assert!(
        names.iter().any(|n| n.ends_with("_create_people.up.sql")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("_create_categories.down.sql")),
        "{names:?}"
    );
    let people = names
        .iter()
        .find(|n| n.ends_with("_create_people.up.sql"))
        .unwrap();
    let sql = read(&project, &format!("migrations/{people}"));
    assert!(
        sql.contains("id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        "{sql}"
    );
    assert!(
        sql.contains("CREATE UNIQUE INDEX index_people_on_name ON people (name);"),
        "{sql}"
    );
    assert!(sql.contains("born DATE,"), "{sql}");
    assert!(read(&project, "src/app/models/person.rs").contains("pub struct Person {"));
    assert!(read(&project, "src/app/router.rs").contains("/api/categories"));
    assert!(project.join("src/app/controllers/categories.rs").is_file());
    assert_rustfmt_clean(&project, "a PostgreSQL project with models");
}

#[test]
fn bad_fields_write_nothing() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "shop", &[]);
    let before = snapshot(&project);
    let cases: &[(&[&str], &str)] = &[
        (
            &["g", "model", "item", "price:money"],
            "valid types are string, text, integer",
        ),
        (
            &["g", "model", "item", "sku:string:primary"],
            "valid modifiers are unique, index",
        ),
        (&["g", "model", "item", "name"], "NAME:TYPE"),
        (
            &["g", "model", "item", "id:integer"],
            "every model already has",
        ),
        (
            &["g", "scaffold", "comment", "post:references"],
            "generate it first",
        ),
        (&["g", "model", "fn", "a:string"], "keyword"),
        (
            &["g", "model", "node", "node:references"],
            "refer to itself",
        ),
    ];
    for (args, expected) in cases {
        let out = cargo_mvc(&project, args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("nothing was written"), "{args:?}: {err}");
    }
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_project_without_a_database_gets_one_from_its_first_model() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(
        root.path(),
        "lean",
        &["--database", "none", "--skip-redis", "--skip-http-client"],
    );
    let manifest_before = read(&project, "Cargo.toml");
    assert!(!project.join("src/db.rs").exists());
    let out = ok(cargo_mvc(&project, &["g", "model", "post", "title:string"]));
    for file in [
        "build.rs",
        "src/db.rs",
        "src/app/models/fields.rs",
        "src/app/models/post.rs",
        "migrations/.gitkeep",
    ] {
        assert!(project.join(file).is_file(), "{file}\n{out}");
    }
    let manifest = read(&project, "Cargo.toml");
    assert!(manifest.contains("database = \"sqlite\""), "{manifest}");
    assert!(
        manifest.contains("sqlx = { version = \"0.9.0\", default-features = false"),
        "{manifest}"
    );
    // Everything that was there stays, in its order.
    for line in manifest_before
        .lines()
        .filter(|l| !l.starts_with("database"))
    {
        assert!(manifest.contains(line), "lost: {line}");
    }
    let state = read(&project, "src/app/state.rs");
    assert!(state.contains("    pub db: crate::db::Pool,\n"), "{state}");
    assert!(
        state.contains("        let db = crate::db::pool(&settings.database)?;\n"),
        "{state}"
    );
    assert!(
        read(&project, "src/config.rs")
            .contains("database: crate::db::DatabaseSettings::read(&env)?,")
    );
    assert!(read(&project, "src/cli.rs").contains("Command::Migrate(args) => {"));
    assert!(read(&project, "src/server.rs").contains("crate::db::migrate_on_start"));
    assert!(
        read(&project, "tests/api/helpers.rs")
            .contains("database: lean::db::DatabaseSettings::for_tests(),")
    );
    assert_rustfmt_clean(&project, "a project given a database");

    let layered = snapshot(&project);
    ok(cargo_mvc(&project, &["g", "model", "post", "title:string"]));
    assert_eq!(snapshot(&project), layered, "a second run changes nothing");

    // Destroying the model leaves the database layer, which other models use.
    ok(cargo_mvc(&project, &["destroy", "model", "post"]));
    assert!(!project.join("src/app/models/post.rs").exists());
    assert!(project.join("src/db.rs").is_file());
    assert!(migrations(&project).is_empty());
}
