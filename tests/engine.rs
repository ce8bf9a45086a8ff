//! The generator engine as a team uses it: a generator of the project's own
//! made by `generate generator`, run with a field list, an override of the
//! built-in controller templates, a script; the application still builds,
//! is fmt- and clippy-clean and passes its tests; `destroy` gives back every
//! byte. Bad manifests and templates are errors that name the place and
//! write nothing.

#![allow(clippy::print_stderr)] // says why a check is skipped

mod common;

use std::path::Path;
use std::process::Command;

use common::{cargo_mvc, in_shared_target, new_project, ok, snapshot};

fn cargo(dir: &Path, args: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = in_shared_target(Command::new(cargo).args(args).current_dir(dir))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "`cargo {}` failed in {}",
        args.join(" "),
        dir.display()
    );
}

fn fails(output: std::process::Output) -> String {
    assert!(!output.status.success(), "the command should fail");
    String::from_utf8(output.stderr).unwrap()
}

/// Asserts two snapshots hold the same files with the same bytes, naming
/// the files that differ.
fn assert_same(
    got: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
    want: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
    what: &str,
) {
    let differ: Vec<String> = got
        .keys()
        .chain(want.keys())
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| k.display().to_string())
        .collect();
    assert!(differ.is_empty(), "{what}: these files differ: {differ:?}");
}

/// Replaces `from` by `to` in a file of the project, which must contain it.
fn edit(project: &Path, file: &str, from: &str, to: &str) {
    let path = project.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`:\n{text}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

#[test]
fn a_project_generator_an_override_and_a_script_build_and_destroy_exactly() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "crm", &[]);
    let original = snapshot(&project);

    // A generator of the project's own, run with a field list.
    ok(cargo_mvc(&project, &["generate", "generator", "endpoint"]));
    let listed = String::from_utf8(cargo_mvc(&project, &["generate", "list"]).stdout).unwrap();
    assert!(
        listed.contains("endpoint       A JSON endpoint"),
        "{listed}"
    );
    let help = String::from_utf8(cargo_mvc(&project, &["generate", "--help"]).stdout).unwrap();
    assert!(help.contains("endpoint"), "{help}");
    let own_help =
        String::from_utf8(cargo_mvc(&project, &["generate", "endpoint", "--help"]).stdout).unwrap();
    assert!(own_help.contains("--skip-tests"), "{own_help}");
    let with_generator = snapshot(&project);
    let fields = [
        "contact",
        "name:string",
        "age:integer?",
        "born:date",
        "price:decimal",
        "code:uuid",
    ];
    let mut args = vec!["generate", "endpoint"];
    args.extend_from_slice(&fields);
    let status = ok(cargo_mvc(&project, &args));
    assert!(
        status.contains("create src/app/controllers/contact.rs"),
        "{status}"
    );
    let again = ok(cargo_mvc(&project, &args));
    assert!(
        !again.contains("create") && !again.contains("update"),
        "a re-run changes nothing:\n{again}"
    );
    let router = std::fs::read_to_string(project.join("src/app/router.rs")).unwrap();
    assert!(
        router.contains(".route(\"/api/contacts\", post(contact::create))"),
        "{router}"
    );

    // The built-in controller's templates, overridden and changed: the
    // handler's body and the test that checks it.
    ok(cargo_mvc(&project, &["generate", "override", "controller"]));
    let with_override = snapshot(&project);
    edit(
        &project,
        "generators/controller/controller.rs",
        "Response::new(\"<@ a.name @>\",",
        "Response::new(\"custom_<@ a.name @>\",",
    );
    edit(
        &project,
        "generators/controller/controller.rs",
        "assert_eq!(body[\"action\"], \"<@ a.name @>\");",
        "assert_eq!(body[\"action\"], \"custom_<@ a.name @>\");",
    );
    ok(cargo_mvc(
        &project,
        &["generate", "controller", "users", "index", "show"],
    ));
    let controller = std::fs::read_to_string(project.join("src/app/controllers/users.rs")).unwrap();
    assert!(
        controller.contains("UsersResponse::new(\"custom_index\", None)"),
        "{controller}"
    );
    assert!(
        controller.contains("assert_eq!(body[\"action\"], \"custom_show\");"),
        "{controller}"
    );

    ok(cargo_mvc(&project, &["generate", "script", "seed-db"]));
    let script = project.join("scripts/seed-db");
    let shellcheck = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/.venv/bin/shellcheck");
    if shellcheck.exists() {
        let out = Command::new(&shellcheck).arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    } else {
        eprintln!(
            "shellcheck is not installed (./scripts/test installs it): the script is not linted"
        );
    }
    let dry = Command::new(&script)
        .args(["--dry-run", "migrate"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        "cargo run --quiet --bin crm -- migrate \n"
    );

    // The application builds, is clean and passes its tests, the
    // generator's among them.
    cargo(&project, &["fmt", "--check"]);
    cargo(
        &project,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    cargo(&project, &["test"]);
    // What building and testing leave (both ignored by the project's git).
    let _ = std::fs::remove_file(project.join("Cargo.lock"));
    let _ = std::fs::remove_dir_all(project.join("data"));

    // Every destroy is the exact inverse; `destroy endpoint contact` finds
    // the fields in the record.
    ok(cargo_mvc(&project, &["destroy", "script", "seed-db"]));
    ok(cargo_mvc(&project, &["destroy", "controller", "users"]));
    let still_overridden = fails(cargo_mvc(&project, &["destroy", "override", "controller"]));
    assert!(still_overridden.contains("--force"), "{still_overridden}");
    ok(cargo_mvc(
        &project,
        &["destroy", "override", "controller", "--force"],
    ));
    ok(cargo_mvc(&project, &["destroy", "endpoint", "contact"]));
    assert_same(
        &snapshot(&project),
        &with_generator,
        "destroy endpoint gives back every byte",
    );
    let _ = with_override;
    ok(cargo_mvc(&project, &["destroy", "generator", "endpoint"]));
    assert_same(
        &snapshot(&project),
        &original,
        "everything destroyed gives back every byte",
    );
}

#[test]
fn wiring_adds_dependencies_and_invokes_built_in_generators_and_destroy_undoes_it() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "shop", &["--database", "none"]);
    let original = snapshot(&project);
    ok(cargo_mvc(&project, &["generate", "generator", "endpoint"]));
    let with_generator = snapshot(&project);
    // The shell's completion (registered by `cargo mvc completions`) asks
    // the binary, which knows the project's generators and their options.
    let complete = |words: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
            .arg("--")
            .args(words)
            .env("COMPLETE", "fish")
            .current_dir(&project)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let generators = complete(&["cargo", "mvc", "generate", ""]);
    assert!(
        generators.contains("endpoint\tA JSON endpoint"),
        "{generators}"
    );
    assert!(generators.contains("controller\t"), "{generators}");
    let options = complete(&["cargo", "mvc", "generate", "endpoint", "--sk"]);
    assert!(options.contains("--skip-tests"), "{options}");
    ok(cargo_mvc(
        &project,
        &[
            "generate",
            "endpoint",
            "order",
            "placed:datetime",
            "total:decimal",
        ],
    ));
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("chrono = "), "{manifest}");
    assert!(manifest.contains("rust_decimal = "), "{manifest}");
    // Every application has uuid (its form tokens); no field asked for a
    // second entry.
    assert_eq!(manifest.matches("\nuuid = ").count(), 1, "{manifest}");
    ok(cargo_mvc(
        &project,
        &[
            "destroy",
            "endpoint",
            "order",
            "placed:datetime",
            "total:decimal",
        ],
    ));
    assert_same(
        &snapshot(&project),
        &with_generator,
        "destroy gives back every byte",
    );

    // A generator that runs two built-in ones and inserts into the settings.
    std::fs::create_dir_all(project.join("generators/resource/templates")).unwrap();
    std::fs::write(
        project.join("generators/resource/generator.toml"),
        r#"description = "A controller and its view, and a setting"

[[argument]]
name = "name"
type = "name"

[[wire]]
kind = "invoke"
generator = "controller"
args = ["<@ name.plural @>", "index", "show"]

[[wire]]
kind = "invoke"
generator = "view"
args = ["<@ name.plural @>", "index"]

[[wire]]
kind = "use"
file = "src/config.rs"
path = "std::num::NonZeroU32"

[[wire]]
kind = "insert"
file = "src/config.rs"
into = "struct Settings"
code = "/// Page size of the <@ name.plural @> pages.\npub <@ name.snake @>_page_size: NonZeroU32,"
"#,
    )
    .unwrap();
    let with_resource = snapshot(&project);
    ok(cargo_mvc(&project, &["generate", "resource", "widget"]));
    assert!(project.join("src/app/controllers/widgets.rs").exists());
    assert!(project.join("templates/widgets/index.html").exists());
    let config = std::fs::read_to_string(project.join("src/config.rs")).unwrap();
    assert!(
        config.contains("    pub widget_page_size: NonZeroU32,\n")
            && config.contains("\nuse std::num::NonZeroU32;\n"),
        "{config}"
    );
    ok(cargo_mvc(&project, &["destroy", "resource", "widget"]));
    assert_same(
        &snapshot(&project),
        &with_resource,
        "destroy gives back every byte",
    );
    std::fs::remove_dir_all(project.join("generators/resource")).unwrap();
    ok(cargo_mvc(&project, &["destroy", "generator", "endpoint"]));
    assert_same(
        &snapshot(&project),
        &original,
        "destroy gives back every byte",
    );
}

#[test]
fn bad_generators_name_the_place_and_write_nothing() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "desk", &["--database", "none"]);
    ok(cargo_mvc(&project, &["generate", "generator", "endpoint"]));
    let before = snapshot(&project);
    let manifest = "generators/endpoint/generator.toml";
    let good = std::fs::read_to_string(project.join(manifest)).unwrap();

    // An unknown key in the manifest.
    std::fs::write(
        project.join(manifest),
        good.replace("help = \"Do not", "hepl = \"Do not"),
    )
    .unwrap();
    let err = fails(cargo_mvc(&project, &["generate", "endpoint", "note"]));
    assert!(err.contains("generators/endpoint/generator.toml:"), "{err}");
    assert!(err.contains("hepl"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    // A wiring step cargo mvc does not know.
    std::fs::write(
        project.join(manifest),
        good.replace("kind = \"openapi\"", "kind = \"patch\""),
    )
    .unwrap();
    let err = fails(cargo_mvc(&project, &["generate", "endpoint", "note"]));
    assert!(err.contains("generators/endpoint/generator.toml:"), "{err}");
    assert!(err.contains("patch"), "{err}");

    // An unknown variable in a template is an error, not an empty string.
    std::fs::write(project.join(manifest), &good).unwrap();
    let template = "generators/endpoint/templates/src/app/controllers/{{ name.snake }}.rs";
    edit(
        &project,
        template,
        "<@ name.pascal @> {",
        "<@ name.pascall @> {",
    );
    let err = fails(cargo_mvc(&project, &["generate", "endpoint", "note"]));
    assert!(
        err.contains("generators/endpoint/templates/src/app/controllers/{{ name.snake }}.rs:"),
        "{err}"
    );
    assert!(err.contains("undefined"), "{err}");
    edit(
        &project,
        template,
        "<@ name.pascall @> {",
        "<@ name.pascal @> {",
    );
    assert_same(&snapshot(&project), &before, "nothing was written");

    // Names of the built-ins are not a project's.
    let err = fails(cargo_mvc(
        &project,
        &["generate", "generator", "controller"],
    ));
    assert!(err.contains("generate override controller"), "{err}");
    std::fs::create_dir_all(project.join("generators/view")).unwrap();
    std::fs::write(project.join("generators/view/generator.toml"), &good).unwrap();
    let err = fails(cargo_mvc(&project, &["generate", "view", "pages"]));
    assert!(err.contains("generate override view"), "{err}");
    std::fs::remove_dir_all(project.join("generators/view")).unwrap();
    let err = fails(cargo_mvc(&project, &["generate", "override", "new"]));
    assert!(err.contains("controller, model, scaffold, view"), "{err}");
    let err = fails(cargo_mvc(&project, &["generate", "script", "Bad Name"]));
    assert!(err.contains("not a valid script name"), "{err}");
    assert_same(&snapshot(&project), &before, "nothing was written");
}

#[test]
fn a_project_generator_runs_from_the_workspace_root_with_package() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"3\"\n",
    )
    .unwrap();
    let app = new_project(root.path(), "apps/shop", &["--database", "none"]);
    ok(cargo_mvc(&app, &["generate", "generator", "endpoint"]));
    let before = snapshot(&app);
    let status = ok(cargo_mvc(
        root.path(),
        &[
            "generate",
            "--package",
            "shop",
            "endpoint",
            "order",
            "qty:integer",
        ],
    ));
    assert!(
        status.contains("create src/app/controllers/order.rs"),
        "{status}"
    );
    ok(cargo_mvc(
        root.path(),
        &["destroy", "--package=shop", "endpoint", "order"],
    ));
    assert_same(&snapshot(&app), &before, "destroy gives back every byte");
}
