//! `cargo mvc update` on applications made by earlier code: the fixtures
//! under `fixtures/old-releases/`, which `scripts/old-fixtures` makes with
//! the cargo-mvc of release 0.1.0 (`blog`, `shop`) and of the last commit
//! before applications had a database (`notes`), then edits as a user
//! would. Each is updated in a copy and compared, file by file, with what
//! today's cargo-mvc makes from the same commands: every file the user did
//! not touch must be byte-identical to it, and every edit must still be
//! there.
//!
//! The updated `blog` and `notes` (with a model generated after the update)
//! then pass their own fmt, clippy and tests; `shop`, a PostgreSQL
//! application, too when `MVC_TEST_DATABASE_URL` names a server.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{cargo, snapshot};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/old-releases");

/// The license holder the fixtures were made with.
const HOLDER: &str = "[user]\n\tname = Ada Lovelace\n";

/// Copies the fixture `name` into `root`.
fn copy_fixture(name: &str, root: &Path) -> PathBuf {
    let from = Path::new(FIXTURES).join(name);
    let to = root.join(name);
    for (rel, bytes) in snapshot(&from) {
        let path = to.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    to
}

/// `cargo-mvc mvc ARGS` in `dir`, with `stdin` typed in, the license holder
/// of the fixtures, and the clock at `at` (seconds since 1970).
fn mvc(dir: &Path, args: &[&str], stdin: &str, at: Option<u64>) -> Output {
    let gitconfig = dir.parent().unwrap().join(".gitconfig-for-tests");
    std::fs::write(&gitconfig, HOLDER).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"));
    command
        .arg("mvc")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", &gitconfig)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(at) = at {
        command.env("SOURCE_DATE_EPOCH", at.to_string());
    }
    // The `cargo check` that update runs builds where the suite's generated
    // projects build.
    common::in_shared_target(&mut command);
    let mut child = command.spawn().expect("cargo-mvc runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts `output` exited with `code` and returns its stderr.
fn exited(output: &Output, code: i32) -> String {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{text}");
    text
}

/// 2026-06-01, in the year the fixtures' licenses say.
const IN_2026: u64 = 1_780_272_000;

/// What today's cargo-mvc makes from `new NAME ARGS` and each `generate`
/// (arguments, clock) in a directory of its own.
fn fresh(root: &Path, name: &str, new: &[&str], generate: &[(&[&str], u64)]) -> PathBuf {
    let dir = root.join("fresh");
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec!["new", name, "--skip-git", "--skip-install", "--quiet"];
    args.extend_from_slice(new);
    exited(&mvc(&dir, &args, "", Some(IN_2026)), 0);
    let project = dir.join(name);
    for (g, at) in generate {
        let mut args = vec!["generate", "--quiet"];
        args.extend_from_slice(g);
        exited(&mvc(&project, &args, "", Some(*at)), 0);
    }
    project
}

/// Every file of `updated` that the user did not edit (`edited`, paths or
/// folders) is the one `fresh` has, and `updated` has every file of
/// `fresh` outside `edited`.
fn untouched_files_are_the_current_templates(updated: &Path, fresh: &Path, edited: &[&str]) {
    let mine = |rel: &Path| edited.iter().any(|e| rel.starts_with(e));
    let updated = snapshot(updated);
    let fresh = snapshot(fresh);
    for (rel, bytes) in &fresh {
        if mine(rel) {
            continue;
        }
        let Some(have) = updated.get(rel) else {
            panic!("{} is missing after the update", rel.display());
        };
        assert!(
            have == bytes,
            "{} differs from what today's templates write:\n--- updated\n{}\n--- fresh\n{}",
            rel.display(),
            String::from_utf8_lossy(have),
            String::from_utf8_lossy(bytes)
        );
    }
    for rel in updated.keys() {
        assert!(
            mine(rel) || fresh.contains_key(rel),
            "{} is left over after the update",
            rel.display()
        );
    }
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The blog (release 0.1.0): its user edits, the README conflict, and a
/// second update once the conflict is settled.
fn update_blog(root: &Path) -> PathBuf {
    let blog = copy_fixture("blog", root);
    let before = snapshot(&blog);

    // --pretend writes nothing, and says what a real run would leave.
    let pretend = exited(&mvc(&blog, &["update", "--pretend"], "", None), 0);
    assert!(pretend.contains("conflict README.md"), "{pretend}");
    // With the diffs to review.
    assert!(
        pretend.contains("+        (status = 400, description = \"The id is not a whole number\""),
        "{pretend}"
    );
    assert_eq!(snapshot(&blog), before, "--pretend wrote");

    let out = exited(&mvc(&blog, &["update", "--no-check"], "", None), 2);
    assert!(out.contains("conflict README.md"), "{out}");
    assert!(out.contains("1 file needs your merge"), "{out}");
    assert!(
        out.contains("keep tests/api/redis.rs (you deleted it; the templates changed it)"),
        "{out}"
    );
    assert!(out.contains("updated templates 1 to templates 2"), "{out}");
    let readme = read(&blog, "README.md");
    let conflict = "<<<<<<< yours\n| `GET /api/ready` | Readiness: answers 200 when the application can do its work: it checks the database, and Redis when it is enabled, and answers 502 (our load balancer retries on 502) when one does not answer. |\n||||||| templates 1\n";
    assert!(readme.contains(conflict), "{readme}");
    assert!(
        readme.contains("=======\n| `GET /api/ready` | Readiness: answers 200 when the application can do its work: it checks the database, and Redis when it is enabled, and answers 503 when one does not answer. |\n>>>>>>> templates 2\n"),
        "{readme}"
    );
    // The rest of the README took the templates' other changes.
    assert!(readme.contains("answered with 504"), "{readme}");

    // The user's edits.
    let posts = read(&blog, "src/app/controllers/posts.rs");
    assert!(
        posts.contains("//! Editors reach these routes from the admin pages as well."),
        "{posts}"
    );
    assert!(
        posts.contains("The id is not a whole number"),
        "the templates' change of the scaffold was not merged:\n{posts}"
    );
    assert_eq!(
        read(&blog, "src/app/slug.rs"),
        read(&Path::new(FIXTURES).join("blog"), "src/app/slug.rs")
    );
    assert!(read(&blog, "src/app/mod.rs").contains("pub mod slug;"));
    assert!(!blog.join("charts/blog/templates/hpa.yaml").exists());
    assert!(!blog.join("tests/api/redis.rs").exists());
    assert!(!read(&blog, "tests/api/main.rs").contains("mod redis;"));
    let manifest = read(&blog, "Cargo.toml");
    assert!(
        manifest.contains(
            "# Pinned until the JSON output of the feeds is checked again.\nserde_json = \"=1.0.154\"\n"
        ),
        "{manifest}"
    );
    assert!(
        manifest.contains("itoa = \"1\" # fast integer formatting for the feeds\n"),
        "{manifest}"
    );
    // What the model and the scaffold generated, brought up to date.
    assert!(read(&blog, "src/app/models/comment.rs").contains("pub async fn list_by_post_id("));
    let record = read(&blog, "cargo-mvc.toml");
    assert!(
        record.contains(
            "args = [\"post\", \"title:string\", \"body:text\", \"published:boolean\", \"--html\"]"
        ),
        "{record}"
    );
    assert!(
        record.contains(
            "args = [\"comment\", \"post:references\", \"body:text\", \"author:string?\"]"
        ),
        "{record}"
    );

    let fresh = fresh(
        root,
        "blog",
        &[],
        &[
            (
                &[
                    "scaffold",
                    "post",
                    "title:string",
                    "body:text",
                    "published:boolean",
                    "--html",
                ],
                1_793_523_600,
            ),
            (
                &[
                    "model",
                    "comment",
                    "post:references",
                    "body:text",
                    "author:string?",
                ],
                1_793_523_660,
            ),
        ],
    );
    untouched_files_are_the_current_templates(
        &blog,
        &fresh,
        &[
            "README.md",
            "Cargo.toml",
            "src/app/controllers/posts.rs",
            "src/app/slug.rs",
            "src/app/mod.rs",
            "charts/blog/templates/hpa.yaml",
            "tests/api/redis.rs",
            "tests/api/main.rs",
        ],
    );

    // A second update refuses while the markers are there.
    let marked = snapshot(&blog);
    let refused = exited(&mvc(&blog, &["update", "--no-check"], "", None), 1);
    assert!(refused.contains("still have conflict markers"), "{refused}");
    assert!(refused.contains("README.md"), "{refused}");
    assert_eq!(snapshot(&blog), marked);

    // Settled (the user's line kept), the next update has nothing to do.
    let start = readme.find("<<<<<<< yours\n").unwrap();
    let end = readme.find(">>>>>>> templates 2\n").unwrap() + ">>>>>>> templates 2\n".len();
    let block = &readme[start..end];
    let mine = &block["<<<<<<< yours\n".len()..block.find("||||||| templates 1\n").unwrap()];
    let settled = readme.replace(block, mine);
    std::fs::write(blog.join("README.md"), settled).unwrap();
    let settled = snapshot(&blog);
    let again = exited(&mvc(&blog, &["update", "--no-check"], "", None), 0);
    assert!(
        again.contains(
            "identical the application is at templates 2, the current ones: nothing to update"
        ),
        "{again}"
    );
    assert_eq!(snapshot(&blog), settled, "the second update wrote");
    blog
}

/// The blog, with a scaffold and a migration generated by today's
/// cargo-mvc before the update: the record they start says the application
/// is still at templates 1, and the update replays both with what came
/// before them.
fn update_blog_generated_into_first(root: &Path) {
    let blog = copy_fixture("blog", root);
    exited(
        &mvc(
            &blog,
            &[
                "generate",
                "scaffold",
                "tag",
                "name:string:unique",
                "--quiet",
            ],
            "",
            Some(1_793_700_000),
        ),
        0,
    );
    exited(
        &mvc(
            &blog,
            &[
                "generate",
                "migration",
                "add_views_to_posts",
                "views:integer:default=0",
                "--quiet",
            ],
            "",
            Some(1_793_700_060),
        ),
        0,
    );
    assert!(read(&blog, "cargo-mvc.toml").contains("\ntemplates = 1\n"));
    let tags = read(&blog, "src/app/controllers/tags.rs");
    let out = exited(&mvc(&blog, &["update", "--no-check"], "", None), 2);
    assert!(out.contains("conflict README.md"), "{out}");
    assert!(!out.contains("tags.rs"), "{out}");
    assert_eq!(read(&blog, "src/app/controllers/tags.rs"), tags);
    let record = read(&blog, "cargo-mvc.toml");
    let generators: Vec<&str> = record
        .lines()
        .filter_map(|l| l.strip_prefix("generator = "))
        .collect();
    assert_eq!(
        generators,
        [
            "\"new\"",
            "\"scaffold\"",
            "\"model\"",
            "\"scaffold\"",
            "\"migration\""
        ],
        "{record}"
    );
    assert!(record.starts_with("# What cargo mvc generated"), "{record}");
    assert!(record.contains("\ntemplates = 2\n"), "{record}");
}

/// An override of a built-in template renders both sides of the merge, so
/// the update lists it for the user to review.
fn update_blog_with_an_override(root: &Path) {
    let blog = copy_fixture("blog", root);
    exited(
        &mvc(
            &blog,
            &["generate", "override", "model", "--quiet"],
            "",
            None,
        ),
        0,
    );
    let out = exited(&mvc(&blog, &["update", "--no-check"], "", None), 2);
    assert!(
        out.contains("review generators/model/model.rs (your override; the built-in template changed since templates 1)"),
        "{out}"
    );
}

/// The shop (release 0.1.0, PostgreSQL): a conflict in Rust, settled with
/// --interactive by taking the templates' side.
fn update_shop(root: &Path) -> PathBuf {
    // Without --interactive: the markers.
    let marked = copy_fixture("shop", &root.join("marked"));
    let out = exited(&mvc(&marked, &["update", "--no-check"], "", None), 2);
    assert!(out.contains("conflict src/app/middleware.rs"), "{out}");
    let middleware = read(&marked, "src/app/middleware.rs");
    assert!(
        middleware.contains("<<<<<<< yours\n    async fn slow_handlers_time_out_with_json() {\n        let (status, body, _) = send(get_request(\"/slow\")).await;\n        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);\n"),
        "{middleware}"
    );
    assert!(
        middleware.contains("StatusCode::GATEWAY_TIMEOUT,"),
        "{middleware}"
    );

    let shop = copy_fixture("shop", root);
    let out = exited(
        &mvc(
            &shop,
            &["update", "--no-check", "--interactive"],
            "x\nt\n",
            None,
        ),
        0,
    );
    assert!(
        out.contains("src/app/middleware.rs: both you and the templates changed it"),
        "{out}"
    );
    assert!(out.contains("answer m, t or e"), "{out}");
    assert!(!out.contains("conflict "), "{out}");
    let errors = read(&shop, "src/app/errors.rs");
    assert!(
        errors.contains(
            "/// The body of every error response; clients of the shop match on `code`.\n"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("StatusCode::SERVICE_UNAVAILABLE"),
        "{errors}"
    );
    assert!(
        shop.join("migrations/20261103080000_add_sku_to_products.up.sql")
            .exists()
    );
    assert!(!shop.join(".dockerignore").exists());
    let manifest = read(&shop, "Cargo.toml");
    assert!(
        manifest
            .contains("# The runtime our other services run on.\ntokio = { version = \"=1.54.1\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("repository = \"https://example.com/shop\""),
        "{manifest}"
    );

    let fresh = fresh(
        root,
        "shop",
        &[
            "--database",
            "postgres",
            "--skip-redis",
            "--license",
            "Apache-2.0",
            "--repo-url",
            "https://example.com/shop",
        ],
        &[(
            &[
                "scaffold",
                "product",
                "name:string:unique",
                "price:decimal",
                "stock:integer?",
            ],
            1_793_613_600,
        )],
    );
    untouched_files_are_the_current_templates(
        &shop,
        &fresh,
        &[
            "Cargo.toml",
            "src/app/errors.rs",
            "migrations/20261103080000_add_sku_to_products.up.sql",
            "migrations/20261103080000_add_sku_to_products.down.sql",
            ".dockerignore",
            // The user's migration is in the schema too.
            "db/schema.sql",
        ],
    );
    assert!(read(&shop, "db/schema.sql").contains("sku TEXT"));
    shop
}

/// The notes (before databases): refused while git has uncommitted
/// changes, then updated so that `generate model` works.
fn update_notes(root: &Path) -> PathBuf {
    let notes = copy_fixture("notes", root);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=Ada", "-c", "user.email=ada@example.com"])
            .args(args)
            .current_dir(&notes)
            .stdout(Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "notes as made"]);
    std::fs::write(notes.join("NOTES.md"), "# To do\n").unwrap();
    let before = snapshot(&notes);
    let refused = exited(&mvc(&notes, &["update", "--no-check"], "", None), 1);
    assert!(
        refused.contains("uncommitted changes: NOTES.md"),
        "{refused}"
    );
    assert!(refused.contains("--allow-dirty"), "{refused}");
    assert_eq!(snapshot(&notes), before);

    let out = exited(&mvc(&notes, &["update", "--allow-dirty"], "", None), 0);
    assert!(out.contains("updated templates 0 to templates 2"), "{out}");
    assert!(out.contains("checked cargo check passed"), "{out}");
    assert!(
        read(&notes, "templates/pages/home.html")
            .contains("<p>Notes you keep, in the order you wrote them.</p>")
    );

    let fresh = fresh(root, "notes", &["--database", "none"], &[]);
    untouched_files_are_the_current_templates(
        &notes,
        &fresh,
        &[
            ".git",
            "NOTES.md",
            // Written by the `cargo check` after the update.
            "Cargo.lock",
            // The controller, which update keeps as the user's code.
            "Cargo.toml",
            "src/app/controllers/mod.rs",
            "src/app/controllers/pages.rs",
            "src/app/router.rs",
            "src/app/views",
            "templates",
            "tests/api/main.rs",
            "tests/api/pages.rs",
        ],
    );
    // A second update has nothing to do.
    let updated = snapshot(&notes);
    let again = exited(&mvc(&notes, &["update", "--allow-dirty"], "", None), 0);
    assert!(again.contains("nothing to update"), "{again}");
    assert_eq!(snapshot(&notes), updated);
    // Before the update, the current generators could not add a model.
    exited(
        &mvc(
            &notes,
            &["generate", "model", "note", "title:string", "body:text?"],
            "",
            None,
        ),
        0,
    );
    notes
}

#[test]
fn applications_of_earlier_releases_come_up_to_the_current_templates() {
    let root = tempfile::tempdir().unwrap();
    let blog = update_blog(&root.path().join("blog"));
    update_blog_generated_into_first(&root.path().join("blog-later"));
    update_blog_with_an_override(&root.path().join("blog-override"));
    let notes = update_notes(&root.path().join("notes"));
    let shop = update_shop(&root.path().join("shop"));

    for (project, env) in [(&blog, vec![]), (&notes, vec![])] {
        cargo(project, &["fmt", "--check"], &env);
        cargo(
            project,
            &["clippy", "--all-targets", "--", "-D", "warnings"],
            &env,
        );
        cargo(project, &["test"], &env);
    }
    match std::env::var("MVC_TEST_DATABASE_URL") {
        Ok(server) => {
            // A database of this run's own.
            let database = format!("update_{}", std::process::id());
            let psql = |sql: &str| {
                let status = Command::new("psql")
                    .args([server.as_str(), "-q", "-c", sql])
                    .status()
                    .expect("psql runs");
                assert!(status.success(), "psql: {sql}");
            };
            psql(&format!("DROP DATABASE IF EXISTS {database}"));
            psql(&format!("CREATE DATABASE {database}"));
            let base = server.rsplit_once('/').expect("a URL with a database").0;
            let env = [("DATABASE_URL", format!("{base}/{database}"))];
            cargo(&shop, &["fmt", "--check"], &env);
            cargo(
                &shop,
                &["clippy", "--all-targets", "--", "-D", "warnings"],
                &env,
            );
            cargo(&shop, &["test"], &env);
            psql(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "MVC_TEST_DATABASE_URL is not set"
            );
            let _ = writeln!(
                std::io::stderr(),
                "skipped: building the updated PostgreSQL application needs a server (MVC_TEST_DATABASE_URL); run ./scripts/test"
            );
        }
    }
}
