//! Generators on projects as users keep them: links, file modes, read-only
//! files, settings that point outside the project, names that would break
//! the build, and several commands at once.

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Output;

use common::{cargo_mvc, ok, snapshot};

fn fresh(root: &Path) -> std::path::PathBuf {
    common::new_project(
        root,
        "shop",
        &["--database", "none", "--skip-redis", "--skip-http-client"],
    )
}

/// Asserts the run failed, wrote nothing and printed no status line; returns
/// the message.
fn refused(project: &Path, args: &[&str]) -> String {
    let before = snapshot(project);
    let output: Output = cargo_mvc(project, args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(stderr.contains("nothing was written"), "{args:?}: {stderr}");
    assert_eq!(snapshot(project), before, "{args:?} changed the project");
    stderr
}

#[test]
fn a_router_that_is_a_link_inside_the_project_is_edited_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let real = project.join("src/app/routes_table.rs");
    std::fs::rename(&router, &real).unwrap();
    symlink("routes_table.rs", &router).unwrap();
    let original = std::fs::read_to_string(&real).unwrap();

    ok(cargo_mvc(&project, &["generate", "controller", "users"]));
    assert!(router.symlink_metadata().unwrap().file_type().is_symlink());
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.contains("users::index"), "{text}");

    ok(cargo_mvc(&project, &["destroy", "controller", "users"]));
    assert!(router.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), original);
}

#[test]
fn a_link_out_of_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let outside = dir.path().join("elsewhere.rs");
    let router = project.join("src/app/router.rs");
    std::fs::rename(&router, &outside).unwrap();
    symlink(&outside, &router).unwrap();
    let message = refused(&project, &["generate", "controller", "users"]);
    assert!(
        message.contains("src/app/router.rs is a link to"),
        "{message}"
    );
    assert!(message.contains("outside the project"), "{message}");
}

#[test]
fn modes_are_kept_and_read_only_files_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    std::fs::set_permissions(&router, std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(cargo_mvc(&project, &["generate", "controller", "users"]));
    assert_eq!(mode(&router), 0o640);

    std::fs::set_permissions(&router, std::fs::Permissions::from_mode(0o444)).unwrap();
    let message = refused(&project, &["generate", "controller", "orders"]);
    assert!(
        message.contains("src/app/router.rs is read-only"),
        "{message}"
    );
    assert!(!message.contains("create"), "no status line: {message}");
    assert_eq!(mode(&router), 0o444);
}

#[test]
fn a_router_setting_outside_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for setting in ["../elsewhere/router.rs", "/etc/router.rs"] {
        let changed = text.replace(
            "router = \"src/app/router.rs\"",
            &format!("router = \"{setting}\""),
        );
        assert_ne!(changed, text);
        std::fs::write(&manifest, changed).unwrap();
        let message = refused(&project, &["generate", "controller", "users"]);
        assert!(
            message.contains("is not a file inside the project"),
            "{message}"
        );
    }
}

#[test]
fn names_that_would_break_the_build_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["g", "controller", "axum"],
            "depends on a crate with that name",
        ),
        (&["g", "controller", "serde_json"], "depends on a crate"),
        (&["g", "controller", "tokio"], "depends on a crate"),
        (&["g", "controller", "shop"], "depends on a crate"),
        (
            &["g", "controller", "std"],
            "built-in crate or primitive type",
        ),
        (&["g", "controller", "core"], "built-in crate"),
        (&["g", "controller", "alloc"], "built-in crate"),
        (&["g", "controller", "str"], "primitive type"),
        (&["g", "controller", "u8"], "primitive type"),
        (&["g", "controller", "any"], "routing functions"),
        (&["g", "controller", "get"], "axum's routing functions"),
        (&["g", "controller", "health"], "taken by the application"),
        (&["g", "controller", "status"], "taken by the application"),
        (
            &["g", "controller", "html/pages"],
            "taken by the application",
        ),
        (&["g", "controller", "header"], "taken by the application"),
        (&["g", "controller", "tests"], "taken by the application"),
        (
            &["g", "scaffold", "date_time", "at:datetime"],
            "the type `DateTime`",
        ),
        (
            &["g", "model", "decimal", "amount:decimal"],
            "the type `Decimal`",
        ),
        (&["d", "controller", "status"], "cannot be destroyed"),
        (&["g", "controller", "_"], "has no letters or digits"),
        (&["g", "controller", "admin/_"], "has no letters or digits"),
        (&["g", "model", "result"], "the type `Result`"),
        (&["g", "model", "option"], "the type `Option`"),
        (&["g", "model", "vec"], "the type `Vec`"),
        (&["g", "model", "string"], "the type `String`"),
        (&["g", "model", "json"], "the type `Json`"),
        (&["g", "model", "path"], "the type `Path`"),
        (
            &["g", "scaffold", "form", "title:string"],
            "the type `Form`",
        ),
        (&["g", "model", "box"], "keyword"),
        (&["g", "model", "tokio"], "depends on a crate"),
        (&["d", "controller", "health"], "cannot be destroyed"),
        (&["d", "controller", "ready"], "cannot be destroyed"),
        (
            &["d", "controller", "nonexistent"],
            "no controller `nonexistent`",
        ),
    ];
    for (args, reason) in cases {
        let message = refused(&project, args);
        assert!(message.contains(reason), "{args:?}: {message}");
    }
    let long = "a".repeat(300);
    let message = refused(&project, &["g", "controller", &long]);
    assert!(message.contains("300 characters long"), "{message}");
}

#[test]
fn a_module_and_a_namespace_of_one_name_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let controllers = project.join("src/app/controllers");
    // admin first, admin/users second: admin.rs declares users.
    ok(cargo_mvc(&project, &["g", "controller", "admin"]));
    ok(cargo_mvc(&project, &["g", "controller", "admin/users"]));
    assert!(controllers.join("admin.rs").is_file());
    assert!(controllers.join("admin/users.rs").is_file());
    assert!(!controllers.join("admin/mod.rs").exists());
    let admin = std::fs::read_to_string(controllers.join("admin.rs")).unwrap();
    assert!(admin.contains("pub mod users;"), "{admin}");
    let message = refused(&project, &["d", "controller", "admin"]);
    assert!(message.contains("declares modules of its own"), "{message}");
    ok(cargo_mvc(&project, &["d", "controller", "admin/users"]));
    ok(cargo_mvc(&project, &["d", "controller", "admin"]));
    assert!(!controllers.join("admin").exists());

    // The namespace first: a module of that name is refused.
    ok(cargo_mvc(
        &project,
        &["g", "controller", "shop_admin/users"],
    ));
    let message = refused(&project, &["g", "controller", "shop_admin"]);
    assert!(
        message.contains("src/app/controllers/shop_admin/mod.rs already holds the module"),
        "{message}"
    );
}

/// Eight `generate` commands at once on one project, twenty times: each
/// waits for the project's lock, so every one succeeds with all its edits,
/// and the project builds at the end, with the names that are close to the
/// refused ones generated into it too.
#[test]
fn commands_at_once_lose_no_edit_and_the_project_builds() {
    let dir = tempfile::tempdir().unwrap();
    let project = common::new_project(dir.path(), "crowd", &[]);
    let binary = env!("CARGO_BIN_EXE_cargo-mvc");
    for round in 0..20 {
        let names: Vec<String> = (0..8).map(|i| format!("r{round}c{i}")).collect();
        let children: Vec<_> = names
            .iter()
            .map(|name| {
                std::process::Command::new(binary)
                    .args(["mvc", "generate", "controller", name, "index", "show"])
                    .current_dir(&project)
                    .env("NO_COLOR", "1")
                    .stderr(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Every edit of every command is there, and the router still reads.
        let mods = std::fs::read_to_string(project.join("src/app/controllers/mod.rs")).unwrap();
        let routes = ok_stdout(cargo_mvc(&project, &["routes", "--json"]));
        for name in &names {
            assert!(
                mods.contains(&format!("pub mod {name};")),
                "round {round}: {name}"
            );
            assert!(
                routes.contains(&format!("\"{name}::show\"")),
                "round {round}: {name}'s routes"
            );
            assert!(
                project
                    .join(format!("src/app/controllers/{name}.rs"))
                    .is_file()
            );
        }
        assert!(
            !project.join(".cargo-mvc.lock").exists(),
            "the lock file goes"
        );
    }
    // Names next to the refused ones, which must compile.
    for name in [
        "option",
        "result",
        "string",
        "vec",
        "string_utils",
        "std_lib",
        "axum_extra",
    ] {
        ok(cargo_mvc(&project, &["g", "controller", name, "index"]));
    }
    for args in [
        &["g", "controller", "admin"][..],
        &["g", "controller", "admin/users", "index", "show"],
        &["g", "controller", "billing/invoices"],
        &["g", "model", "option_set", "label:string"],
        // A model's module is not glob-imported: `post` is a model name.
        &["g", "model", "post", "title:string"],
        &["g", "scaffold", "vector", "size:integer"],
    ] {
        ok(cargo_mvc(&project, args));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut check = std::process::Command::new(cargo);
    check
        .args(["check", "--all-targets", "--quiet"])
        .current_dir(&project);
    let status = common::in_shared_target(&mut check).status().unwrap();
    assert!(status.success(), "the project no longer compiles");
}

fn ok_stdout(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_route_served_anywhere_in_the_routes_graph_is_not_added_again() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let text = std::fs::read_to_string(&router).unwrap();
    // The articles API lives in a sub-router of its own file, merged in.
    let text = text
        .replace(
            "use super::AppState;",
            "use super::AppState;\nuse super::articles;",
        )
        .replace(
            "        .route(\"/api/ready\", get(ready::show))",
            "        .route(\"/api/ready\", get(ready::show))\n        .merge(articles::router())\n        .route(\"/api/feed\", get(health::show))",
        );
    std::fs::write(&router, text).unwrap();
    std::fs::write(
        project.join("src/app/articles.rs"),
        "use axum::Router;\nuse axum::routing::post;\n\nuse super::AppState;\n\npub fn router() -> Router<AppState> {\n    Router::new().route(\"/api/articles\", post(create_article))\n}\n\nasync fn create_article() {}\n",
    )
    .unwrap();
    let app_mod = project.join("src/app/mod.rs");
    let text = std::fs::read_to_string(&app_mod).unwrap();
    std::fs::write(
        &app_mod,
        text.replace(
            "pub mod controllers;",
            "pub mod articles;\npub mod controllers;",
        ),
    )
    .unwrap();

    let message = refused(&project, &["g", "controller", "articles", "create"]);
    assert!(
        message.contains(
            "POST /api/articles is already served by `create_article` at src/app/articles.rs:7"
        ),
        "{message}"
    );
    // Another handler on the path, in the router itself.
    let message = refused(&project, &["g", "controller", "feed", "index"]);
    assert!(
        message.contains("GET /api/feed is already served by `health::show` at src/app/router.rs:"),
        "{message}"
    );
    // The same handler: nothing to add to the router.
    ok(cargo_mvc(&project, &["g", "controller", "notes", "index"]));
    let before = std::fs::read_to_string(&router).unwrap();
    let out = ok(cargo_mvc(
        &project,
        &["g", "controller", "notes", "index", "--force"],
    ));
    assert!(out.contains("identical src/app/router.rs"), "{out}");
    assert_eq!(std::fs::read_to_string(&router).unwrap(), before);
    // A path axum cannot tell apart, for any method.
    let text = before.replace(
        "        .route(\"/api/feed\"",
        "        .route(\"/api/shelves/{shelf_id}\", get(health::show))\n        .route(\"/api/feed\"",
    );
    std::fs::write(&router, text).unwrap();
    let message = refused(&project, &["g", "controller", "shelves", "destroy"]);
    assert!(
        message.contains(
            "DELETE /api/shelves/{id} clashes with GET /api/shelves/{shelf_id}, served by `health::show` at src/app/router.rs:"
        ),
        "{message}"
    );
}

#[test]
fn new_actions_of_a_resource_go_to_its_own_sub_router() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    // The admin API is nested from a function of its own file.
    let router = project.join("src/app/router.rs");
    let text = std::fs::read_to_string(&router).unwrap().replace(
        "        .route(\"/api/ready\", get(ready::show))",
        "        .route(\"/api/ready\", get(ready::show))\n        .nest(\"/api/admin\", super::admin::routes())",
    );
    std::fs::write(&router, &text).unwrap();
    let admin = project.join("src/app/admin.rs");
    let admin_text = "//! The back office.\n\nuse axum::Router;\nuse axum::routing::get;\n\nuse super::AppState;\n\npub fn routes() -> Router<AppState> {\n    Router::new()\n        .route(\"/reports\", get(crate::app::controllers::admin::reports::index))\n}\n";
    std::fs::write(&admin, admin_text).unwrap();
    let app_mod = project.join("src/app/mod.rs");
    let text = std::fs::read_to_string(&app_mod).unwrap();
    std::fs::write(
        &app_mod,
        text.replace(
            "pub mod controllers;",
            "pub mod admin;\npub mod controllers;",
        ),
    )
    .unwrap();
    let before = snapshot(&project);

    let out = ok(cargo_mvc(
        &project,
        &["g", "controller", "admin/reports", "index", "show"],
    ));
    assert!(out.contains("update src/app/admin.rs"), "{out}");
    assert!(!out.contains("update src/app/router.rs"), "{out}");
    let edited = std::fs::read_to_string(&admin).unwrap();
    assert!(
        edited.contains(
            "\"/reports/{id}\",\n            get(crate::app::controllers::admin::reports::show),"
        ),
        "{edited}"
    );
    let listed = String::from_utf8(cargo_mvc(&project, &["routes"]).stdout).unwrap();
    assert!(listed.contains("/api/admin/reports/{id}"), "{listed}");

    ok(cargo_mvc(&project, &["d", "controller", "admin/reports"]));
    let mut after = snapshot(&project);
    // destroy took back the index route this test wrote by hand, too.
    let admin_rel = std::path::PathBuf::from("src/app/admin.rs");
    let kept = String::from_utf8(after.remove(&admin_rel).unwrap()).unwrap();
    assert!(!kept.contains("reports::"), "{kept}");
    let mut expected = before;
    expected.remove(&admin_rel);
    assert_eq!(after, expected);
}

#[test]
fn an_unclosed_delimiter_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let text = std::fs::read_to_string(&router).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains(".route(\"/api/ready\""))
        .unwrap()
        + 1;
    // The `)` closing the route's arguments is missing.
    let broken = text.replace(
        ".route(\"/api/ready\", get(ready::show))",
        ".route(\"/api/ready\", get(ready::show)",
    );
    std::fs::write(&router, broken).unwrap();
    let message = refused(&project, &["g", "controller", "users", "index"]);
    assert!(
        message.contains(&format!(
            "src/app/router.rs:{line}:15: unclosed delimiter `(`"
        )),
        "{message}"
    );
    assert!(
        message.contains("\n    .route(\"/api/users\", get(users::index))\n"),
        "the snippet, evenly indented: {message}"
    );
}

#[test]
fn a_lock_left_by_a_killed_command_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    // A killed command leaves its file; the operating system's lock went
    // with the process.
    std::fs::write(project.join(".cargo-mvc.lock"), "").unwrap();
    ok(cargo_mvc(&project, &["g", "controller", "users"]));
    assert!(!project.join(".cargo-mvc.lock").exists());
}

#[test]
fn a_router_with_no_place_for_a_route_is_refused_with_the_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let shape = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/routers/26-match-mode-routers/before.rs");
    std::fs::copy(shape, project.join("src/app/router.rs")).unwrap();
    let message = refused(&project, &["g", "controller", "users", "index"]);
    assert!(message.contains("src/app/router.rs:"), "{message}");
    assert!(message.contains("inside a branch"), "{message}");
    assert!(
        message
            .contains("\n    .route(\"/api/users\", get(crate::app::controllers::users::index))"),
        "{message}"
    );
}

/// The header of the generated router, for routers rewritten by hand.
const HEADER: &str = "use axum::Router;\nuse axum::routing::*;\n\nuse super::AppState;\nuse super::controllers::*;\nuse super::openapi;\n\n";

#[test]
fn a_one_line_chain_grows_one_call_a_line_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let original = format!(
        "{HEADER}pub fn routes() -> Router<AppState> {{\n    Router::new().route(\"/api/health\", get(health::show))\n}}\n"
    );
    std::fs::write(&router, &original).unwrap();
    ok(cargo_mvc(
        &project,
        &["g", "controller", "posts", "index", "show"],
    ));
    let grown = std::fs::read_to_string(&router).unwrap();
    assert!(
        grown.contains("    Router::new()\n        .route(\"/api/health\", get(health::show))\n        .route(\"/api/posts\", get(posts::index))\n"),
        "{grown}"
    );
    ok(cargo_mvc(&project, &["d", "controller", "posts"]));
    assert_eq!(std::fs::read_to_string(&router).unwrap(), original);
}

#[test]
fn a_router_importing_only_get_takes_a_scaffold() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let original = "use axum::{Router, routing::get};\n\nuse super::AppState;\nuse super::controllers::{health, ready};\n\npub fn routes() -> Router<AppState> {\n    Router::new()\n        .route(\"/api/health\", get(health::show))\n        .route(\"/api/ready\", get(ready::show))\n}\n";
    std::fs::write(&router, original).unwrap();
    ok(cargo_mvc(
        &project,
        &["g", "scaffold", "post", "title:string"],
    ));
    let edited = std::fs::read_to_string(&router).unwrap();
    assert!(
        edited.contains("            get(crate::app::controllers::posts::index).post(crate::app::controllers::posts::create),\n")
            && !edited.contains("axum::routing::post"),
        "methods after the first are method calls: {edited}"
    );
    ok(cargo_mvc(&project, &["d", "scaffold", "post"]));
    assert_eq!(std::fs::read_to_string(&router).unwrap(), original);
}

#[test]
fn a_method_joined_to_a_long_route_keeps_rustfmt_s_layout() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    let router = project.join("src/app/router.rs");
    let original = std::fs::read_to_string(&router).unwrap().replace(
        "        .route(\"/api/ready\", get(ready::show))",
        "        .route(\"/api/ready\", get(ready::show))\n        .route(\"/api/subscription-invoices\", post(health::show))",
    );
    std::fs::write(&router, &original).unwrap();
    ok(cargo_mvc(
        &project,
        &["g", "controller", "subscription_invoices", "index"],
    ));
    let joined = std::fs::read_to_string(&router).unwrap();
    assert!(
        joined.contains("        .route(\n            \"/api/subscription-invoices\",\n            post(health::show).get(subscription_invoices::index),\n        )\n"),
        "{joined}"
    );
    ok(cargo_mvc(
        &project,
        &["d", "controller", "subscription_invoices"],
    ));
    assert_eq!(std::fs::read_to_string(&router).unwrap(), original);
}

#[test]
fn routes_on_a_router_that_does_not_parse_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let project = fresh(dir.path());
    std::fs::write(project.join("src/app/router.rs"), "fn routes(\n").unwrap();
    let output = cargo_mvc(&project, &["routes"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("src/app/router.rs:1:10: unclosed delimiter `(`\n\nfix the file and list the routes again"),
        "{stderr}"
    );
}
