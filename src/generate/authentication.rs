//! `cargo mvc generate authentication` and `destroy authentication`:
//! accounts that sign in with an email and a password, browser sessions and
//! API tokens (each its own table and model), Argon2id password hashing, the
//! `CurrentUser` extractor and guard (`app::auth`), and the JSON API to sign
//! up, in and out and to list and revoke tokens and sessions.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;

use super::fields::Dialect;
use crate::edit::manifest;
use crate::edit::rust::{self, MethodRoute, RouteGroup};
use crate::engine::vars;
use crate::errors::nothing_written;
use crate::layout;
use crate::names::ResourceName;
use crate::plan::Plan;
use crate::project::Project;
use crate::versions;

/// The module of password hashing, tokens, the extractor and the guard.
pub const AUTH_MODULE: &str = "src/app/auth.rs";
/// The controller's module.
const CONTROLLER: &str = "authentication";
/// The models, each with its table: `(module, table)`.
const MODELS: &[(&str, &str)] = &[
    ("user", "users"),
    ("session", "sessions"),
    ("api_token", "api_tokens"),
];
/// The crates the generated code uses.
pub const CRATES: &[&str] = &["argon2", "getrandom", "sha2"];
/// Built optimized under `cargo run` and `cargo test`: unoptimized, one
/// Argon2id hash takes seconds.
const OPTIMIZED: &[&str] = &["argon2", "blake2"];
const OPTIMIZED_WHY: &str = "Password hashing (argon2) is slow on purpose; unoptimized, one sign-in\nunder `cargo run` or `cargo test` would take seconds.";

/// What the templates see, as `a`.
#[derive(Debug, Clone, Serialize)]
struct AuthCtx {
    /// The application has an OpenAPI document.
    openapi: bool,
    postgres: bool,
    /// The SQL of an `id` column, a timestamp, a nullable one, and a
    /// reference to another table's id.
    id: &'static str,
    timestamp: &'static str,
    nullable_timestamp: &'static str,
    reference: &'static str,
}

fn context(project: &Project, dialect: Dialect) -> AuthCtx {
    let postgres = dialect == Dialect::Postgres;
    AuthCtx {
        openapi: project.openapi,
        postgres,
        id: if postgres {
            "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        } else {
            "id INTEGER PRIMARY KEY AUTOINCREMENT"
        },
        timestamp: if postgres {
            "TIMESTAMPTZ NOT NULL"
        } else {
            "TEXT NOT NULL"
        },
        nullable_timestamp: if postgres { "TIMESTAMPTZ" } else { "TEXT" },
        reference: if postgres { "BIGINT" } else { "INTEGER" },
    }
}

/// Each generated file: `(template, path)`.
fn files() -> Vec<(String, PathBuf)> {
    let mut out = vec![
        ("auth.rs".to_string(), PathBuf::from(AUTH_MODULE)),
        (
            "controller.rs".to_string(),
            layout::rust_file(layout::CONTROLLERS, CONTROLLER),
        ),
        (
            "api_test.rs".to_string(),
            layout::rust_file(layout::API_TESTS, CONTROLLER),
        ),
    ];
    for (module, _) in MODELS {
        out.push((
            format!("{module}.rs"),
            layout::rust_file(layout::MODELS, module),
        ));
    }
    out
}

/// The routes, each under its own path.
fn routes() -> Vec<RouteGroup> {
    let m =
        |method: &str, action: &str| MethodRoute::new(method, format!("{CONTROLLER}::{action}"));
    let group = |path: &str, methods: Vec<MethodRoute>| RouteGroup {
        path: path.to_string(),
        methods,
    };
    vec![
        group("/api/users", vec![m("post", "sign_up")]),
        group(
            "/api/session",
            vec![m("post", "sign_in"), m("delete", "sign_out")],
        ),
        group("/api/me", vec![m("get", "me")]),
        group("/api/me/password", vec![m("put", "change_password")]),
        group("/api/tokens", vec![m("get", "tokens")]),
        group("/api/tokens/{id}", vec![m("delete", "revoke_token")]),
        group("/api/sessions", vec![m("get", "sessions")]),
        group("/api/sessions/{id}", vec![m("delete", "revoke_session")]),
    ]
}

/// The migrations already in the project, oldest first.
fn migrations(root: &Path) -> Vec<super::schema::Migration> {
    super::schema::migrations_in(&super::schema::migration_files(root))
}

/// The existing migration creating `table`, if any.
fn creating(root: &Path, table: &str) -> Option<super::schema::Migration> {
    let name = format!("create_{table}");
    migrations(root).into_iter().find(|m| m.name == name)
}

/// Refuses to run over models, tables or a controller of the same names
/// that are the application's own.
fn check_free(project: &Project, plan: &Plan) -> Result<()> {
    if plan.current(Path::new(AUTH_MODULE))?.is_some() {
        // Generated before: a second run is identical, or names conflicts.
        return Ok(());
    }
    let mut taken = Vec::new();
    for (module, table) in MODELS {
        let file = layout::rust_file(layout::MODELS, module);
        if plan.current(&file)?.is_some() {
            taken.push(format!("the model `{module}` ({})", file.display()));
        }
        if let Some(m) = creating(&project.root, table) {
            taken.push(format!("the table `{table}` ({})", m.up));
        }
    }
    let controller = layout::rust_file(layout::CONTROLLERS, CONTROLLER);
    if plan.current(&controller)?.is_some() {
        taken.push(format!(
            "the controller `{CONTROLLER}` ({})",
            controller.display()
        ));
    }
    if !taken.is_empty() {
        bail!(
            nothing_written(format!(
                "the application already has {}; `generate authentication` creates its own",
                taken.join(" and ")
            ))
            .hint("authentication brings its own users, sessions and api_tokens; destroy or rename yours first (for a model: `cargo mvc destroy model NAME`)")
        );
    }
    Ok(())
}

/// Edits the module file `file` with `edit` when it exists.
fn edit_module(
    plan: &mut Plan,
    file: &str,
    edit: impl Fn(&Path, &str) -> std::result::Result<Option<String>, rust::EditError>,
) -> Result<()> {
    let path = PathBuf::from(file);
    if let Some(text) = plan.current(&path)?
        && let Some(edited) = edit(&path, &text)?
    {
        plan.set(&path, Some(edited));
    }
    Ok(())
}

/// The `mod` lines: `(module file, module, keyword)`.
fn mod_lines() -> Vec<(String, &'static str, &'static str)> {
    let mut out = vec![
        ("src/app/mod.rs".to_string(), "auth", "pub mod"),
        (
            format!("{}/mod.rs", layout::CONTROLLERS),
            CONTROLLER,
            "pub mod",
        ),
        (layout::API_TESTS_MAIN.to_string(), CONTROLLER, "mod"),
    ];
    for (module, _) in MODELS {
        out.push((layout::MODELS_MOD.to_string(), module, "pub mod"));
    }
    out
}

/// Refuses to destroy one of authentication's models on its own: the rest
/// of authentication would no longer build.
pub fn check_not_ours(project: &Project, model: &str) -> Result<()> {
    if MODELS.iter().any(|(m, _)| *m == model) && project.root.join(AUTH_MODULE).is_file() {
        bail!(
            nothing_written(format!(
                "the model `{model}` is part of the application's authentication ({AUTH_MODULE} relies on it)"
            ))
            .hint("`cargo mvc destroy authentication` takes out all of it")
        );
    }
    Ok(())
}

/// Builds the plan of `generate authentication`.
pub fn generate(project: &Project) -> Result<Plan> {
    let mut plan = Plan::new(&project.root);
    check_free(project, &plan)?;
    let dialect = super::database::ensure(&mut plan, project)?;
    let ctx = context(project, dialect);
    for (template, path) in files() {
        let text = plan
            .templates()
            .render(&format!("authentication/{template}"), vars! { a => &ctx })?;
        plan.create(path, text);
    }
    for (file, module, keyword) in mod_lines() {
        let path = PathBuf::from(&file);
        let text = plan.current(&path)?.ok_or_else(|| {
            nothing_written(format!(
                "{file} is missing; is this an application made by `cargo mvc new`?"
            ))
        })?;
        let edited = rust::insert_mod(&path, &text, module, keyword)?;
        plan.set(&path, Some(edited.unwrap_or(text)));
    }
    // One migration a table, in the order their foreign keys need: each a
    // second after the one before, or the version it already has.
    let first: u64 =
        super::migration::next_version(&migrations(&project.root), &super::model::version_now())
            .parse()
            .unwrap_or_default();
    for (n, (_, table)) in (0..).zip(MODELS) {
        let up = plan
            .templates()
            .render(&format!("authentication/{table}.sql"), vars! { a => &ctx })?;
        let (up_path, down_path) =
            super::model::migration_paths(&project.root, table, &(first + n).to_string());
        plan.create(up_path, up);
        plan.create(down_path, format!("DROP TABLE {table};\n"));
    }
    super::migration::update_schema_file(&mut plan, dialect)?;
    super::database::edit(&mut plan, layout::MANIFEST, |path, text| {
        let mut text = text.to_string();
        for krate in CRATES {
            if let Some(edited) =
                manifest::add_dependency(path, &text, krate, versions::version(krate))?
            {
                text = edited;
            }
        }
        if let Some(edited) = manifest::optimize_in_dev(path, &text, OPTIMIZED, OPTIMIZED_WHY)? {
            text = edited;
        }
        Ok(Some(text))
    })?;
    for group in routes() {
        super::controller::add_routes(&mut plan, project, &group.path.clone(), &[group])?;
    }
    if project.openapi {
        super::controller::merge_document(&mut plan, &resource(), true)?;
    }
    Ok(plan)
}

fn resource() -> ResourceName {
    ResourceName::parse(CONTROLLER).expect("a valid resource name")
}

/// What relies on authentication outside its own files, as `path: what`
/// lines: Rust files that use `app::auth` (a scaffold made with `--auth` or
/// `--owned`), and what refers to the user model, as `destroy model` finds
/// it (models using it, migrations of other tables with a foreign key to
/// `users`).
fn users_of_auth(project: &Project, plan: &Plan) -> Result<Vec<String>> {
    let ours: Vec<PathBuf> = files().into_iter().map(|(_, p)| p).collect();
    let ours: Vec<&PathBuf> = ours.iter().collect();
    let needles = [
        "app::auth::".to_string(),
        "use crate::app::auth".to_string(),
    ];
    let mut found: Vec<String> = super::rust_files_naming(plan, &needles, &ours)?
        .into_iter()
        .map(|f| format!("{}: uses `app::auth`", f.display()))
        .collect();
    // Authentication's own migrations refer to `users` too.
    let own: Vec<String> = MODELS
        .iter()
        .filter_map(|(_, table)| creating(&project.root, table))
        .flat_map(|m| m.down.into_iter().chain([m.up]))
        .collect();
    let user = crate::names::ModelName::parse("user").expect("a valid model name");
    found.extend(
        super::model::referrers(&project.root, &user)
            .into_iter()
            .filter(|r| !own.iter().any(|m| r.starts_with(&format!("{m}:")))),
    );
    Ok(found)
}

/// Builds the plan of `destroy authentication`: what `generate` created
/// goes, what it inserted is taken out. Databases the migrations ran on
/// keep their tables (roll them back first with `APP migrate --down 3`).
pub fn destroy(project: &Project, force: bool) -> Result<Plan> {
    let mut plan = Plan::new(&project.root);
    if plan.current(Path::new(AUTH_MODULE))?.is_none() {
        bail!(nothing_written(format!(
            "there is no authentication to destroy: {AUTH_MODULE} does not exist"
        )));
    }
    let users = users_of_auth(project, &plan)?;
    if !users.is_empty() && !force {
        bail!(nothing_written(format!(
            "the application still relies on authentication:\n  {}\ndestroy those first (for a scaffold: `cargo mvc destroy scaffold NAME`), or pass --force to destroy authentication anyway",
            users.join("\n  ")
        )));
    }
    let prefix = format!("{CONTROLLER}::");
    let absolute = format!("{}::{prefix}", layout::CONTROLLERS_PATH);
    let is_ours = |handler: &str| {
        handler
            .strip_prefix(&prefix)
            .or_else(|| handler.strip_prefix(&absolute))
            .is_some_and(|rest| !rest.contains("::"))
    };
    super::controller::remove_routes_of(&mut plan, project, &is_ours)?;
    if project.openapi {
        super::controller::merge_document(&mut plan, &resource(), false)?;
    }
    for (file, module, _) in mod_lines() {
        edit_module(&mut plan, &file, |path, text| {
            rust::remove_mod(path, text, module)
        })?;
    }
    for (_, path) in files() {
        plan.set(&path, None);
    }
    for (_, table) in MODELS {
        if let Some(m) = creating(&project.root, table) {
            for file in m.down.iter().chain([&m.up]) {
                plan.set(Path::new(file), None);
            }
        }
    }
    if let Some(dialect) = Dialect::of(project.database) {
        super::migration::update_schema_file(&mut plan, dialect)?;
    }
    let mut unused = Vec::new();
    for krate in CRATES {
        if !super::crate_in_use(&plan, krate, &[])? {
            unused.push(*krate);
        }
    }
    super::database::edit(&mut plan, layout::MANIFEST, |path, text| {
        let mut text = text.to_string();
        for krate in &unused {
            if let Some(edited) = manifest::remove_dependency(path, &text, krate)? {
                text = edited;
            }
        }
        if let Some(edited) = manifest::unoptimize_in_dev(path, &text, OPTIMIZED)? {
            text = edited;
        }
        Ok(Some(text))
    })?;
    Ok(plan)
}
