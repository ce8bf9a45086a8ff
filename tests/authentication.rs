//! `generate authentication` and `destroy authentication` on fresh projects
//! of each kind, without building them: the files and edits, a second run
//! that changes nothing, `destroy` giving back every byte, and the refusals
//! that write nothing. `tests/e2e.rs` builds, tests and serves the result.

mod common;

use std::path::Path;

use common::{assert_rustfmt_clean, cargo_mvc, ok, snapshot};

fn text(project: &Path, file: &str) -> String {
    std::fs::read_to_string(project.join(file)).unwrap_or_default()
}

fn failure(output: std::process::Output) -> String {
    assert!(!output.status.success(), "the command was expected to fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn generate_is_idempotent_and_destroy_restores_every_byte() {
    for (name, options) in [
        ("blog", &[][..]),
        ("pgblog", &["--database", "postgres"][..]),
        ("bare", &["--skip-openapi", "--skip-redis"][..]),
    ] {
        let root = tempfile::tempdir().unwrap();
        let project = common::new_project(root.path(), name, options);
        let before = snapshot(&project);
        let out = ok(cargo_mvc(&project, &["generate", "authentication"]));
        for file in [
            "src/app/auth.rs",
            "src/app/controllers/authentication.rs",
            "src/app/models/user.rs",
            "src/app/models/session.rs",
            "src/app/models/api_token.rs",
            "tests/api/authentication.rs",
        ] {
            assert!(project.join(file).is_file(), "{name}: {file}\n{out}");
        }
        let router = text(&project, "src/app/router.rs");
        for route in [
            ".route(\"/api/users\", post(authentication::sign_up))",
            ".route(\"/api/me\", get(authentication::me))",
            "post(authentication::sign_in).delete(authentication::sign_out)",
        ] {
            assert!(router.contains(route), "{name}: {route}\n{router}");
        }
        let manifest = text(&project, "Cargo.toml");
        assert!(manifest.contains("argon2 = \""), "{manifest}");
        assert!(
            manifest.contains("[profile.dev.package.argon2]\nopt-level = 3"),
            "{manifest}"
        );
        let openapi = text(&project, "src/app/openapi.rs");
        let documented = openapi.contains("authentication::ApiDoc::openapi()");
        assert_eq!(documented, !options.contains(&"--skip-openapi"), "{name}");
        let controller = text(&project, "src/app/controllers/authentication.rs");
        assert_eq!(controller.contains("utoipa"), documented, "{name}");

        let migrations: Vec<String> = common::listing(&project.join("migrations"));
        let tables: Vec<&str> = migrations
            .iter()
            .filter_map(|m| m.strip_suffix(".up.sql"))
            .filter_map(|m| m.split_once('_').map(|(_, t)| t))
            .collect();
        assert_eq!(
            tables,
            ["create_users", "create_sessions", "create_api_tokens"],
            "{name}: in the order their foreign keys need"
        );
        let users = migrations
            .iter()
            .find(|m| m.ends_with("create_users.up.sql"));
        let users = text(&project, &format!("migrations/{}", users.unwrap()));
        if name == "pgblog" {
            assert!(users.contains("TIMESTAMPTZ"), "{users}");
        } else {
            assert!(users.contains("COLLATE NOCASE"), "{users}");
        }
        assert_rustfmt_clean(&project, name);

        let generated = snapshot(&project);
        let again = cargo_mvc(&project, &["generate", "authentication"]);
        let again = String::from_utf8_lossy(&ok_output(again)).into_owned();
        assert!(
            again
                .lines()
                .all(|l| l.trim_start().starts_with("identical")),
            "{name}: a second run\n{again}"
        );
        assert_eq!(snapshot(&project), generated, "{name}: a second run");

        ok(cargo_mvc(&project, &["destroy", "authentication"]));
        assert_eq!(snapshot(&project), before, "{name}: destroy");
    }
}

#[test]
fn the_account_pages_come_and_go_with_html_and_keep_the_application_s_own_pages() {
    let root = tempfile::tempdir().unwrap();
    for (name, own_pages) in [("site", false), ("shop", true)] {
        let project = common::new_project(root.path(), name, &[]);
        if own_pages {
            // The application has a layout and pages of its own already.
            ok(cargo_mvc(&project, &["generate", "view", "pages", "about"]));
        }
        let before = snapshot(&project);
        let out = ok(cargo_mvc(
            &project,
            &["generate", "authentication", "--html"],
        ));
        for file in [
            "src/app/controllers/accounts.rs",
            "src/app/views/html/accounts.rs",
            "src/app/mailers/mod.rs",
            "src/app/mailers/passwords.rs",
            "templates/accounts/sign_in.html",
            "templates/accounts/nav.html",
        ] {
            assert!(project.join(file).is_file(), "{name}: {file}\n{out}");
        }
        let layout = text(&project, "templates/layout.html");
        assert!(
            layout.contains("<body>\n{% include \"accounts/nav.html\" %}\n"),
            "{name}: {layout}"
        );
        let router = text(&project, "src/app/router.rs");
        for route in [
            ".route(\"/session/new\", get(accounts::sign_in_page))",
            "get(accounts::reset_password_page)",
        ] {
            assert!(router.contains(route), "{name}: {route}\n{router}");
        }
        assert!(text(&project, "src/app/mod.rs").contains("auth::remember_user"));
        assert!(text(&project, "src/server.rs").contains("check_secret_key()?"));
        let workflow = text(&project, ".github/workflows/ci.yml");
        let run = format!(
            "docker run -d --name app -p 8000:8000 -e {}_SECRET_KEY=",
            name.to_uppercase()
        );
        assert!(
            workflow.contains(&run),
            "the smoke test's release image gets a key:\n{workflow}"
        );
        let readme = text(&project, "README.md");
        let prefix = name.to_uppercase();
        for setting in ["SECRET_KEY", "SMTP_URL", "PUBLIC_URL", "SECURE_COOKIES"] {
            assert!(
                readme.contains(&format!("| `{prefix}_{setting}` |")),
                "{setting}"
            );
        }
        let manifest = text(&project, "Cargo.toml");
        assert!(manifest.contains("lettre = { version = "), "{manifest}");
        assert_rustfmt_clean(&project, name);

        // The other kind of authentication is refused, and nothing changes.
        let generated = snapshot(&project);
        let refused = failure(cargo_mvc(&project, &["generate", "authentication"]));
        assert!(refused.contains("has account pages"), "{refused}");
        assert_eq!(snapshot(&project), generated, "{name}: refused");
        let again = ok_output(cargo_mvc(
            &project,
            &["generate", "authentication", "--html"],
        ));
        let again = String::from_utf8_lossy(&again).into_owned();
        assert!(
            again
                .lines()
                .all(|l| l.trim_start().starts_with("identical")),
            "{name}: a second run\n{again}"
        );

        ok(cargo_mvc(&project, &["destroy", "authentication"]));
        let after = snapshot(&project);
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|file| before.get(*file) != after.get(*file))
            .collect();
        assert!(changed.is_empty(), "{name}: destroy left {changed:?}");
    }
}

#[test]
fn a_layout_without_a_body_is_refused_until_it_names_the_include() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "site", &[]);
    ok(cargo_mvc(&project, &["generate", "view", "pages", "about"]));
    let layout = project.join("templates/layout.html");
    let own = text(&project, "templates/layout.html")
        .replace("<body>", "<div class=\"page\">")
        .replace("</body>", "</div>");
    std::fs::write(&layout, &own).unwrap();
    let before = snapshot(&project);
    let refused = failure(cargo_mvc(
        &project,
        &["generate", "authentication", "--html"],
    ));
    assert!(refused.contains("has no `<body>`"), "{refused}");
    assert_eq!(snapshot(&project), before, "nothing written");
    let named = own.replace(
        "<div class=\"page\">\n",
        "<div class=\"page\">\n{% include \"accounts/nav.html\" %}\n",
    );
    std::fs::write(&layout, &named).unwrap();
    ok(cargo_mvc(
        &project,
        &["generate", "authentication", "--html"],
    ));
    assert_eq!(text(&project, "templates/layout.html"), named);
}

#[test]
fn html_scaffolds_behind_sign_in_need_the_account_pages() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "blog", &[]);
    ok(cargo_mvc(&project, &["generate", "authentication"]));
    let before = snapshot(&project);
    let refused = failure(cargo_mvc(
        &project,
        &[
            "generate",
            "scaffold",
            "post",
            "title:string",
            "--owned",
            "--html",
        ],
    ));
    assert!(refused.contains("no sign-in pages"), "{refused}");
    assert!(
        refused.contains("generate authentication --html"),
        "{refused}"
    );
    assert_eq!(snapshot(&project), before);
}

/// The stderr of a command that succeeded.
fn ok_output(output: std::process::Output) -> Vec<u8> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stderr
}

#[test]
fn a_project_without_a_database_gets_sqlite_first_and_loses_it_again() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "lean", &["--database", "none"]);
    let before = snapshot(&project);
    ok(cargo_mvc(
        &project,
        &["generate", "authentication", "--html"],
    ));
    let manifest = text(&project, "Cargo.toml");
    assert!(manifest.contains("database = \"sqlite\""), "{manifest}");
    assert!(project.join("src/db.rs").is_file());
    assert!(text(&project, "db/schema.sql").contains("CREATE TABLE api_tokens"));
    assert_rustfmt_clean(&project, "lean");
    // Destroyed with nothing else using the database, the application is
    // as it was made: without one.
    ok(cargo_mvc(&project, &["destroy", "authentication"]));
    let after = snapshot(&project);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|file| before.get(*file) != after.get(*file))
        .collect();
    assert!(changed.is_empty(), "destroy left {changed:?}");

    // A model generated after authentication keeps the database.
    ok(cargo_mvc(&project, &["generate", "authentication"]));
    ok(cargo_mvc(
        &project,
        &["generate", "model", "note", "body:text"],
    ));
    ok(cargo_mvc(&project, &["destroy", "authentication"]));
    assert!(project.join("src/db.rs").is_file());
    let manifest = text(&project, "Cargo.toml");
    assert!(manifest.contains("database = \"sqlite\""), "{manifest}");
}

#[test]
fn models_and_tables_of_the_same_names_are_refused_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "shop", &[]);
    ok(cargo_mvc(
        &project,
        &["generate", "scaffold", "user", "name:string"],
    ));
    let before = snapshot(&project);
    let err = failure(cargo_mvc(&project, &["generate", "authentication"]));
    assert!(
        err.contains("the model `user` (src/app/models/user.rs)"),
        "{err}"
    );
    assert!(err.contains("the table `users`"), "{err}");
    assert!(err.contains("destroy or rename yours first"), "{err}");
    assert_eq!(snapshot(&project), before);
}

#[test]
fn destroy_without_authentication_says_so() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "shop", &[]);
    let before = snapshot(&project);
    let err = failure(cargo_mvc(&project, &["destroy", "authentication"]));
    assert!(
        err.contains("there is no authentication to destroy: src/app/auth.rs does not exist"),
        "{err}"
    );
    assert_eq!(snapshot(&project), before);
}

#[test]
fn owned_scaffolds_come_and_go_before_authentication_does() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "shop", &[]);
    let before = snapshot(&project);
    ok(cargo_mvc(&project, &["generate", "authentication"]));
    let with_auth = snapshot(&project);
    ok(cargo_mvc(
        &project,
        &["generate", "scaffold", "order", "total:decimal", "--owned"],
    ));
    ok(cargo_mvc(
        &project,
        &["generate", "scaffold", "note", "body:text", "--auth"],
    ));
    let model = text(&project, "src/app/models/order.rs");
    assert!(
        model.contains("#[schema(read_only)]\n    pub user_id: i64,"),
        "{model}"
    );
    let controller = text(&project, "src/app/controllers/orders.rs");
    assert!(
        controller.contains("find_own(&state, &current, id)"),
        "{controller}"
    );
    let router = text(&project, "src/app/router.rs");
    assert!(
        !router.contains("/api/users/{id}/orders"),
        "no list of another user's rows\n{router}"
    );
    assert_rustfmt_clean(&project, "shop");

    let err = failure(cargo_mvc(&project, &["destroy", "authentication"]));
    assert!(
        err.contains("src/app/controllers/orders.rs: uses `app::auth`"),
        "{err}"
    );
    let err = failure(cargo_mvc(&project, &["destroy", "model", "user"]));
    assert!(
        err.contains("part of the application's authentication"),
        "{err}"
    );
    ok(cargo_mvc(&project, &["destroy", "scaffold", "order"]));
    ok(cargo_mvc(&project, &["destroy", "scaffold", "note"]));
    assert_eq!(snapshot(&project), with_auth);
    ok(cargo_mvc(&project, &["destroy", "authentication"]));
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_copy_of_the_scaffold_template_from_before_auth_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "shop", &[]);
    ok(cargo_mvc(&project, &["generate", "authentication"]));
    ok(cargo_mvc(&project, &["generate", "override", "scaffold"]));
    let copy = project.join("generators/scaffold/controller.rs");
    let old = std::fs::read_to_string(&copy)
        .unwrap()
        .replace("<@ s.current @>: CurrentUser,", "")
        .replace("use crate::app::auth::CurrentUser;", "");
    std::fs::write(&copy, old).unwrap();
    let before = snapshot(&project);
    let err = failure(cargo_mvc(
        &project,
        &["generate", "scaffold", "note", "body:text", "--auth"],
    ));
    assert!(
        err.contains("generators/scaffold/controller.rs renders no `CurrentUser` argument"),
        "{err}"
    );
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_users_controller_of_the_application_keeps_its_routes() {
    let root = tempfile::tempdir().unwrap();
    let project = common::new_project(root.path(), "shop", &[]);
    ok(cargo_mvc(
        &project,
        &["generate", "controller", "users", "index", "create"],
    ));
    let before = snapshot(&project);
    let err = failure(cargo_mvc(&project, &["generate", "authentication"]));
    assert!(
        err.contains("POST /api/users is already served by `users::create`"),
        "{err}"
    );
    assert_eq!(snapshot(&project), before);
}
