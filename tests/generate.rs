//! `generate controller`, `destroy controller` and `routes` on a fresh
//! project, without building it: the edits are rustfmt-clean, a second run
//! changes nothing, `destroy` gives back the original bytes, and bad input
//! writes nothing.

mod common;

use std::path::Path;

use common::{assert_rustfmt_clean, cargo_mvc, ok, snapshot};

fn new_project(root: &Path) -> std::path::PathBuf {
    common::new_project(root, "shop", &[])
}

#[test]
fn generate_is_idempotent_and_destroy_restores_every_byte() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let before = snapshot(&project);
    let controllers: [&[&str]; 3] = [
        &["users", "index", "show", "create", "update", "destroy"],
        &["Ticker", "buy:post", "sell:DELETE"],
        &["admin/user-profiles", "index", "show"],
    ];
    for c in controllers {
        let mut args = vec!["generate", "controller"];
        args.extend_from_slice(c);
        ok(cargo_mvc(&project, &args));
    }
    let generated = snapshot(&project);
    assert!(generated.contains_key(Path::new("src/app/controllers/admin/user_profiles.rs")));
    let router = String::from_utf8(generated[Path::new("src/app/router.rs")].clone()).unwrap();
    assert!(
        router.contains(".route(\"/api/ticker/buy\", post(ticker::buy))"),
        "{router}"
    );
    assert_eq!(
        router.matches("\"/api/users/{id}\"").count(),
        1,
        "one route per path"
    );

    assert_rustfmt_clean(&project, "the project with its controllers");

    // A second run changes nothing.
    let again = ok(cargo_mvc(
        &project,
        &[
            "g",
            "controller",
            "users",
            "index",
            "show",
            "create",
            "update",
            "destroy",
        ],
    ));
    assert!(
        !again.contains("update ") && !again.contains("create "),
        "{again}"
    );
    assert_eq!(snapshot(&project), generated);

    // `routes` reads the table back, stable and complete.
    let routes = cargo_mvc(&project, &["routes"]);
    let table = String::from_utf8(routes.stdout).unwrap();
    for line in [
        "PATCH   /api/users/{id}",
        "DELETE  /api/ticker/sell",
        "GET     /api/admin/user-profiles/{id}",
    ] {
        assert!(table.contains(line), "{line} missing from:\n{table}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&cargo_mvc(&project, &["routes", "--json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4 + 6 + 2 + 2);

    for name in ["admin/user-profiles", "Ticker", "users"] {
        ok(cargo_mvc(
            &project.join("src"),
            &["destroy", "controller", name],
        ));
    }
    assert_eq!(
        snapshot(&project),
        before,
        "destroy restores the project byte for byte"
    );
}

#[test]
fn bad_input_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let before = snapshot(&project);
    let cases: [&[&str]; 7] = [
        &["g", "controller", "fn"],
        &["g", "controller", "1abc"],
        &["g", "controller", "../x"],
        &["g", "controller", "a b"],
        &["g", "controller", "users", "buy:fetch"],
        &["g", "controller", "users", "match"],
        &["g", "controller", "health"],
    ];
    for args in cases {
        let output = cargo_mvc(&project, args);
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("nothing was written"), "{args:?}: {stderr}");
    }
    // A router that does not parse: file, line and column, nothing written.
    let router = project.join("src/app/router.rs");
    let broken = std::fs::read_to_string(&router)
        .unwrap()
        .replace("Router::new()", "Router::new(");
    std::fs::write(&router, &broken).unwrap();
    let output = cargo_mvc(&project, &["g", "controller", "users", "index"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("src/app/router.rs:"), "{stderr}");
    assert!(
        stderr.contains(".route(\"/api/users\", get(users::index))"),
        "{stderr}"
    );
    std::fs::write(&router, before[Path::new("src/app/router.rs")].clone()).unwrap();
    assert_eq!(snapshot(&project), before);
}

#[test]
fn crlf_and_comments_are_kept() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let router = project.join("src/app/router.rs");
    let original = std::fs::read_to_string(&router)
        .unwrap()
        .replace(
            ".route(\"/api/ready\", get(ready::show))",
            ".route(\"/api/ready\", get(ready::show)) // probes",
        )
        .replace('\n', "\r\n");
    std::fs::write(&router, &original).unwrap();
    ok(cargo_mvc(&project, &["g", "controller", "users", "index"]));
    let edited = std::fs::read_to_string(&router).unwrap();
    assert!(
        !edited.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert!(edited.contains("get(ready::show)) // probes\r\n"));
    ok(cargo_mvc(&project, &["d", "controller", "users"]));
    assert_eq!(std::fs::read_to_string(&router).unwrap(), original);
}

#[test]
fn a_router_with_no_routes_gets_its_first() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let router = project.join("src/app/router.rs");
    std::fs::write(
        &router,
        "use axum::Router;\nuse axum::routing::*;\n\nuse super::AppState;\nuse super::controllers::*;\n\npub fn routes() -> Router<AppState> {\n    Router::new()\n}\n",
    )
    .unwrap();
    ok(cargo_mvc(&project, &["g", "controller", "tags", "index"]));
    let edited = std::fs::read_to_string(&router).unwrap();
    assert!(
        edited.contains("    Router::new().route(\"/api/tags\", get(tags::index))\n}"),
        "{edited}"
    );
}

#[test]
fn a_module_file_cut_short_is_reported_where_it_ends() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let views = project.join("src/app/views/mod.rs");
    let mut text = std::fs::read_to_string(&views).unwrap();
    text.push_str("pub mod x");
    std::fs::write(&views, &text).unwrap();
    let last_line = text.lines().count();
    let output = cargo_mvc(&project, &["g", "controller", "tags", "index"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("src/app/views/mod.rs:{last_line}:")),
        "{stderr}"
    );
    assert!(!project.join("src/app/controllers/tags.rs").exists());
}

#[test]
fn html_pages_and_views_round_trip() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let before = snapshot(&project);
    ok(cargo_mvc(
        &project,
        &[
            "g",
            "controller",
            "pages",
            "index",
            "show",
            "new",
            "edit",
            "about",
            "--html",
        ],
    ));
    ok(cargo_mvc(
        &project,
        &["g", "view", "admin/reports", "index", "show"],
    ));
    let after = snapshot(&project);
    let manifest = String::from_utf8(after[Path::new("Cargo.toml")].clone()).unwrap();
    assert!(manifest.contains("askama = \"0.16.1\""), "{manifest}");
    let router = String::from_utf8(after[Path::new("src/app/router.rs")].clone()).unwrap();
    assert!(
        router.contains(".route(\"/pages/{id}/edit\", get(pages::edit))"),
        "{router}"
    );
    for page in ["layout", "pages/edit", "admin/reports/show"] {
        assert!(after.contains_key(&Path::new("templates").join(format!("{page}.html"))));
    }
    assert_rustfmt_clean(&project, "the project with its controllers");

    ok(cargo_mvc(&project, &["d", "view", "admin/reports"]));
    ok(cargo_mvc(&project, &["d", "controller", "pages"]));
    assert_eq!(
        snapshot(&project),
        before,
        "destroy restores the project byte for byte"
    );
}

#[test]
fn html_actions_must_be_pages() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let before = snapshot(&project);
    for action in ["create", "destroy", "buy:post"] {
        let output = cargo_mvc(&project, &["g", "controller", "pages", action, "--html"]);
        assert!(!output.status.success(), "{action} was accepted");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("is not a page"), "{stderr}");
    }
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_changed_file_is_a_conflict_unless_force_or_skip() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    ok(cargo_mvc(&project, &["g", "controller", "users", "index"]));
    let controller = project.join("src/app/controllers/users.rs");
    std::fs::write(&controller, "//! mine\n").unwrap();
    let before = snapshot(&project);

    let output = cargo_mvc(&project, &["g", "controller", "users", "index", "show"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("src/app/controllers/users.rs"), "{stderr}");
    assert!(
        stderr.contains("--force") && stderr.contains("--skip"),
        "{stderr}"
    );
    assert_eq!(snapshot(&project), before, "a conflict writes nothing");

    let skipped = ok(cargo_mvc(
        &project,
        &["g", "controller", "users", "index", "--skip"],
    ));
    assert!(
        skipped.contains("skip src/app/controllers/users.rs"),
        "{skipped}"
    );
    assert_eq!(std::fs::read_to_string(&controller).unwrap(), "//! mine\n");

    let forced = ok(cargo_mvc(
        &project,
        &["g", "controller", "users", "index", "--force"],
    ));
    assert!(
        forced.contains("force src/app/controllers/users.rs"),
        "{forced}"
    );
    assert!(
        std::fs::read_to_string(&controller)
            .unwrap()
            .contains("pub async fn index")
    );
}

#[test]
fn pretend_prints_the_plan_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let before = snapshot(&project);
    let stderr = ok(cargo_mvc(
        &project,
        &[
            "g",
            "controller",
            "users",
            "index",
            "--pretend",
            "--verbose",
        ],
    ));
    assert!(
        stderr.contains("create src/app/controllers/users.rs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("+        .route(\"/api/users\", get(users::index))"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(&project), before);
}

#[test]
fn the_router_named_in_the_manifest_is_the_one_edited() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace(
            "router = \"src/app/router.rs\"",
            "router = \"src/app/web.rs\"",
        )
        .replace("router-fn = \"routes\"", "router-fn = \"build\"");
    std::fs::write(&manifest, text).unwrap();
    let web = "use axum::Router;\nuse axum::routing::*;\n\npub fn build() -> Router {\n    Router::new()\n        .route(\"/api/ping\", get(ping))\n}\n\nasync fn ping() {}\n";
    std::fs::write(project.join("src/app/web.rs"), web).unwrap();
    let router_before = std::fs::read(project.join("src/app/router.rs")).unwrap();

    ok(cargo_mvc(&project, &["g", "controller", "users", "index"]));
    let edited = std::fs::read_to_string(project.join("src/app/web.rs")).unwrap();
    assert!(
        edited.contains(".route(\"/api/users\", get(crate::app::controllers::users::index))"),
        "the file does not import the controllers: {edited}"
    );
    assert_eq!(
        std::fs::read(project.join("src/app/router.rs")).unwrap(),
        router_before
    );
    let table = String::from_utf8(cargo_mvc(&project, &["routes"]).stdout).unwrap();
    assert!(table.contains("GET     /api/ping   ping"), "{table}");
}

#[test]
fn skip_routes_and_skip_tests() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path());
    let router = std::fs::read(project.join("src/app/router.rs")).unwrap();
    ok(cargo_mvc(
        &project,
        &["g", "controller", "users", "index", "--skip-routes"],
    ));
    assert_eq!(
        std::fs::read(project.join("src/app/router.rs")).unwrap(),
        router
    );
    assert!(project.join("src/app/controllers/users.rs").is_file());
    assert!(
        !project.join("tests/api/users.rs").exists(),
        "tests need the routes"
    );

    ok(cargo_mvc(
        &project,
        &["g", "controller", "tags", "index", "--skip-tests"],
    ));
    assert!(!project.join("tests/api/tags.rs").exists());
    let tags = std::fs::read_to_string(project.join("src/app/controllers/tags.rs")).unwrap();
    assert!(!tags.contains("#[cfg(test)]"), "{tags}");
}
