//! The generators about generators: `generate list`, `generate override`,
//! `generate generator` and `generate script`, and their `destroy`s.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::manifest::{self, MANIFEST, RESERVED};
use super::{GENERATORS_DIR, OVERRIDABLE, builtin_templates, vars};
use crate::errors::nothing_written;
use crate::layout;
use crate::plan::Plan;
use crate::project::Project;
use crate::shell::Shell;

/// The built-in generators, with what they make, for `generate list`.
const BUILTIN: &[(&str, &str)] = &[
    (
        "controller",
        "A controller with actions, its views, tests and routes",
    ),
    (
        "view",
        "HTML pages: askama templates and their page structs",
    ),
    (
        "model",
        "A model: its module (struct, queries, tests) and a migration",
    ),
    (
        "scaffold",
        "A model and a JSON API over it (HTML pages with --html)",
    ),
    (
        "migration",
        "A reversible SQL migration, written from its name (add_email_to_users)",
    ),
    (
        "authentication",
        "Accounts, sessions and API tokens, with sign-up and sign-in",
    ),
    ("script", "An executable shell script under scripts/"),
    (
        "generator",
        "A generator of the project's own, under generators/NAME/",
    ),
    (
        "override",
        "Copies a built-in generator's templates into the project",
    ),
];

/// Refuses to run the built-in `name` when the project has a generator of
/// its own by that name (a folder with a manifest), which it cannot run.
pub fn check_not_shadowed(project: &Project, name: &str) -> Result<()> {
    let manifest = Path::new(GENERATORS_DIR).join(name).join(MANIFEST);
    if project.root.join(&manifest).is_file() {
        bail!(
            nothing_written(format!(
                "{} makes `{name}` a generator of the project's own, but `{name}` is a built-in generator",
                manifest.display()
            ))
            .hint(format!(
                "rename the folder, or, to change what the built-in `{name}` renders, use `cargo mvc generate override {name}` (a folder generators/{name}/ without a {MANIFEST})"
            ))
        );
    }
    Ok(())
}

/// `generate list`: the built-in generators and the project's.
pub fn list(project: &Project, shell: &Shell) -> Result<()> {
    let mut out = String::from("Built-in generators:\n");
    for (name, about) in BUILTIN {
        let overridden = OVERRIDABLE.contains(name)
            && project.root.join(GENERATORS_DIR).join(name).is_dir()
            && !project
                .root
                .join(GENERATORS_DIR)
                .join(name)
                .join(MANIFEST)
                .is_file();
        let note = if overridden {
            " (templates overridden in generators/)"
        } else {
            ""
        };
        out.push_str(&format!("  {name:<14} {about}{note}\n"));
    }
    let own = manifest::project_generators(&project.root);
    if own.is_empty() {
        out.push_str("\nThe project has no generators of its own (`cargo mvc generate generator NAME` makes one).");
    } else {
        out.push_str("\nThe project's generators (generators/):\n");
        for name in own {
            let about = if RESERVED.contains(&name.as_str()) {
                format!("error: `{name}` is a built-in name; see `cargo mvc generate override`")
            } else {
                match manifest::read(&project.root, &name) {
                    Ok(m) => m.description,
                    Err(e) => format!(
                        "error: {}",
                        e.to_string().lines().next().unwrap_or_default()
                    ),
                }
            };
            out.push_str(&format!("  {name:<14} {about}\n"));
        }
    }
    shell.data(out.trim_end());
    Ok(())
}

fn check_overridable(generator: &str) -> Result<()> {
    if !OVERRIDABLE.contains(&generator) {
        bail!(nothing_written(format!(
            "`{generator}` is not a built-in generator whose templates can be overridden; those are {}",
            OVERRIDABLE.join(", ")
        )));
    }
    Ok(())
}

/// `generate override GENERATOR`: the built-in templates, copied under
/// `generators/GENERATOR/`.
pub fn override_generator(project: &Project, generator: &str) -> Result<Plan> {
    check_overridable(generator)?;
    check_not_shadowed(project, generator)?;
    let mut plan = Plan::new(&project.root);
    for (rel, text) in builtin_templates(generator) {
        plan.create(
            Path::new(GENERATORS_DIR).join(generator).join(rel),
            text.to_string(),
        );
    }
    Ok(plan)
}

/// `destroy override GENERATOR`: the copies go; copies the project changed
/// stay unless `force`.
pub fn destroy_override(project: &Project, generator: &str, force: bool) -> Result<Plan> {
    check_overridable(generator)?;
    let mut plan = Plan::new(&project.root);
    let mut changed = Vec::new();
    for (rel, text) in builtin_templates(generator) {
        let path = Path::new(GENERATORS_DIR).join(generator).join(rel);
        match plan.current(&path)? {
            None => {}
            Some(current) if current == text || force => plan.set(&path, None),
            Some(_) => changed.push(path.display().to_string()),
        }
    }
    if !changed.is_empty() {
        let (them, are) = if changed.len() == 1 {
            ("it", "it is")
        } else {
            ("them", "they are")
        };
        bail!(
            nothing_written(format!(
                "the project changed {}; {are} its own now",
                changed.join(", ")
            ))
            .hint(format!("rerun with `--force` to remove {them} anyway"))
        );
    }
    if plan.changes.is_empty() {
        bail!(nothing_written(format!(
            "the project does not override the `{generator}` templates (nothing under {GENERATORS_DIR}/{generator}/)"
        )));
    }
    Ok(plan)
}

/// Checks a name for a generator or script: lowercase words joined by `-`
/// or `_`.
fn check_name(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        bail!(nothing_written(format!(
            "`{name}` is not a valid {kind} name: use lowercase letters, digits, `-` and `_`, starting with a letter (e.g. `endpoint`, `seed-db`)"
        )));
    }
    Ok(())
}

/// `generate generator NAME`: a working example generator under
/// `generators/NAME/`, to change.
pub fn new_generator(project: &Project, name: &str) -> Result<Plan> {
    check_name("generator", name)?;
    if RESERVED.contains(&name) {
        let hint = if OVERRIDABLE.contains(&name) {
            format!(
                "; to change what the built-in `{name}` generates, run `cargo mvc generate override {name}`"
            )
        } else {
            String::new()
        };
        bail!(
            nothing_written(format!(
                "`{name}` is a built-in generator or a word `cargo mvc generate` uses ({}){hint}",
                RESERVED.join(", ")
            ))
            .hint("choose another name")
        );
    }
    let mut plan = Plan::new(&project.root);
    for (rel, text) in builtin_templates("generator") {
        plan.create(
            Path::new(GENERATORS_DIR).join(name).join(rel),
            text.to_string(),
        );
    }
    Ok(plan)
}

/// `destroy generator NAME`: the generator's folder, as `generate
/// generator` made it or as the project changed it.
pub fn destroy_generator(project: &Project, name: &str) -> Result<Plan> {
    check_name("generator", name)?;
    let dir = Path::new(GENERATORS_DIR).join(name);
    if !project.root.join(&dir).join(MANIFEST).is_file() {
        bail!(
            nothing_written(format!(
                "there is no generator `{name}` to destroy: {} does not exist",
                dir.join(MANIFEST).display()
            ))
            .hint("`cargo mvc generate list` lists the project's generators")
        );
    }
    let mut plan = Plan::new(&project.root);
    for file in crate::fs::files_under(&project.root.join(&dir)) {
        let rel = file.strip_prefix(&project.root).expect("under the project");
        plan.set(rel, None);
    }
    Ok(plan)
}

/// What the script template sees as `app` (beside `name`, the script's
/// name as given: `seed-db`).
#[derive(Debug, serde::Serialize)]
struct AppCtx<'a> {
    /// The package and binary: `blog`.
    name: &'a str,
}

fn script_path(name: &str) -> PathBuf {
    Path::new(layout::SCRIPTS).join(name)
}

/// `generate script NAME`: `scripts/NAME`, executable.
pub fn script(project: &Project, name: &str) -> Result<Plan> {
    check_name("script", name)?;
    let app = AppCtx {
        name: &project.name,
    };
    let text = project
        .templates()
        .render("script/script.sh", vars! { name => name, app => app })?;
    let mut plan = Plan::new(&project.root);
    plan.create(script_path(name), text);
    Ok(plan)
}

/// `destroy script NAME`.
pub fn destroy_script(project: &Project, name: &str) -> Result<Plan> {
    check_name("script", name)?;
    let path = script_path(name);
    if !project.root.join(&path).exists() {
        bail!(nothing_written(format!(
            "there is no script `{name}` to destroy: {} does not exist",
            path.display()
        )));
    }
    let mut plan = Plan::new(&project.root);
    plan.set(&path, None);
    Ok(plan)
}
