//! `cargo mvc new`: the plan that creates a whole application (and adds it
//! to the members of the workspace around it, as `cargo new` does), then
//! `git init` and `cargo fetch`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::edit::manifest::{self, Membership};
use crate::errors::nothing_written;
use crate::layout;
use crate::names::ProjectName;
use crate::plan::{OnConflict, Options as PlanOptions, Plan};
use crate::project::Database;
use crate::shell::{Shell, Tone};

/// What `cargo mvc new` is asked to make.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory to create the project in; its last segment is the
    /// package name unless `name` is given.
    pub path: PathBuf,
    pub name: Option<String>,
    pub database: Database,
    pub redis: bool,
    pub http_client: bool,
    pub openapi: bool,
    /// Prometheus metrics on a port of their own.
    pub metrics: bool,
    /// OpenTelemetry traces exported over OTLP when configured.
    pub otel: bool,
    pub docker: bool,
    pub helm: bool,
    pub actions: bool,
    /// `git init` the project.
    pub git: bool,
    /// `cargo fetch` its dependencies.
    pub install: bool,
    pub license: License,
    pub repo_url: Option<String>,
    pub pretend: bool,
    /// Generate into a non-empty directory, overwriting files that differ.
    pub force: bool,
}

/// The license a new project is published under; templates see its SPDX
/// identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum License {
    #[value(name = "MIT")]
    #[serde(rename = "MIT")]
    Mit,
    #[value(name = "Apache-2.0")]
    #[serde(rename = "Apache-2.0")]
    Apache2,
    #[value(name = "BSD-3-Clause")]
    #[serde(rename = "BSD-3-Clause")]
    Bsd3Clause,
    #[value(name = "ISC")]
    #[serde(rename = "ISC")]
    Isc,
    #[value(name = "none")]
    #[serde(rename = "none")]
    None,
}

impl License {
    /// The name `--license` takes: the SPDX identifier, or `none`.
    pub fn name(self) -> &'static str {
        match self {
            License::Mit => "MIT",
            License::Apache2 => "Apache-2.0",
            License::Bsd3Clause => "BSD-3-Clause",
            License::Isc => "ISC",
            License::None => "none",
        }
    }

    /// The license, unless it is none.
    fn chosen(self) -> Option<Self> {
        (self != License::None).then_some(self)
    }
}

/// The Rust release the generated project's Dockerfile builds with.
pub const RUST_VERSION: &str = "1.95";

/// Crates the generated project depends on; the project may not take one of
/// their names.
pub const APP_DEPENDENCIES: &[&str] = &[
    "anyhow",
    "axum",
    "chrono",
    "clap",
    "http-body-util",
    "hyper",
    "hyper-util",
    "listenfd",
    "opentelemetry",
    "opentelemetry-http",
    "opentelemetry-otlp",
    "opentelemetry_sdk",
    "prometheus-client",
    "redis",
    "reqwest",
    "rust_decimal",
    "serde",
    "serde_json",
    "sqlx",
    "thiserror",
    "tokio",
    "tower",
    "tower-http",
    "tracing",
    "tracing-appender",
    "tracing-opentelemetry",
    "tracing-subscriber",
    "utoipa",
    "utoipa-scalar",
    "uuid",
];

/// Everything the templates of a new project are rendered from.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub name: String,
    pub crate_name: String,
    pub env_prefix: String,
    pub title: String,
    pub description: String,
    pub redis: bool,
    pub http_client: bool,
    pub openapi: bool,
    pub metrics: bool,
    pub otel: bool,
    pub database_name: Database,
    pub database: bool,
    pub sqlite: bool,
    pub postgres: bool,
    pub docker: bool,
    pub helm: bool,
    pub actions: bool,
    pub license: Option<License>,
    pub repo_url: Option<String>,
    pub year: String,
    pub copyright_holder: String,
    pub rust_version: String,
    pub tool_version: String,
    /// The crates' versions (`p.versions.axum`), from `src/versions.rs`.
    pub versions: BTreeMap<&'static str, &'static str>,
    /// Built as a member of an enclosing workspace, whose root manifest is
    /// the only one cargo reads profiles from.
    pub workspace_member: bool,
}

/// Renders the built-in template `name` of `new` for `p`.
pub(crate) fn render(p: &Project, name: &str) -> String {
    crate::engine::Templates::builtin()
        .render(name, crate::engine::vars! { p => p })
        .unwrap_or_else(|e| panic!("the built-in template {name} renders: {e:#}"))
}

/// The files of a new project, as paths relative to its root.
pub fn files(p: &Project) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |path: &str, contents: String| out.push((path.to_string(), contents));
    add(layout::MANIFEST, render(p, "new/Cargo.toml.in"));
    add("README.md", render(p, "new/README.md"));
    // Rendering what an earlier release wrote (`update`): the files it did
    // not write yet are left out.
    if crate::engine::builtin_template("new/markdownlint.yaml").is_some() {
        add(".markdownlint.yaml", render(p, "new/markdownlint.yaml"));
    }
    add("Makefile", render(p, "new/Makefile"));
    add(".gitignore", render(p, "new/gitignore"));
    if let Some(license) = p.license {
        add(
            "LICENSE",
            render(p, &format!("new/licenses/{}", license.name())),
        );
    }
    if p.docker {
        add("Dockerfile", render(p, "new/Dockerfile"));
        add(".dockerignore", render(p, "new/dockerignore"));
    }
    if p.actions {
        add(
            ".github/workflows/ci.yml",
            render(p, "new/github/workflows/ci.yml"),
        );
    }
    if p.helm {
        let chart = format!("charts/{}", p.name);
        let c = |rel: &str| format!("{chart}/{rel}");
        add(&c("Chart.yaml"), render(p, "new/charts/app/Chart.yaml"));
        add(&c("values.yaml"), render(p, "new/charts/app/values.yaml"));
        add(&c(".helmignore"), render(p, "new/charts/app/helmignore"));
        add(
            &c("templates/_helpers.tpl"),
            render(p, "new/charts/app/templates/_helpers.tpl"),
        );
        add(
            &c("templates/deployment.yaml"),
            render(p, "new/charts/app/templates/deployment.yaml"),
        );
        add(
            &c("templates/service.yaml"),
            render(p, "new/charts/app/templates/service.yaml"),
        );
        if p.metrics {
            add(
                &c(METRICS_CHART),
                render(p, "new/charts/app/templates/metrics.yaml"),
            );
        }
        add(
            &c("templates/ingress.yaml"),
            render(p, "new/charts/app/templates/ingress.yaml"),
        );
        add(
            &c("templates/hpa.yaml"),
            render(p, "new/charts/app/templates/hpa.yaml"),
        );
        add(
            &c("templates/configmap.yaml"),
            render(p, "new/charts/app/templates/configmap.yaml"),
        );
        add(
            &c("templates/serviceaccount.yaml"),
            render(p, "new/charts/app/templates/serviceaccount.yaml"),
        );
        add(
            &c("templates/pdb.yaml"),
            render(p, "new/charts/app/templates/pdb.yaml"),
        );
        add(
            &c("templates/NOTES.txt"),
            render(p, "new/charts/app/templates/NOTES.txt"),
        );
        add(
            &c("templates/tests/test-connection.yaml"),
            render(p, "new/charts/app/templates/tests/test-connection.yaml"),
        );
    }
    add("src/main.rs", render(p, "new/src/main.rs"));
    add("src/lib.rs", render(p, "new/src/lib.rs"));
    add("src/cli.rs", render(p, "new/src/cli.rs"));
    add("src/config.rs", render(p, "new/src/config.rs"));
    add("src/server.rs", render(p, "new/src/server.rs"));
    add("src/telemetry.rs", render(p, "new/src/telemetry.rs"));
    if p.otel {
        add("src/otel.rs", render(p, "new/src/otel.rs"));
    }
    if p.database {
        for (path, contents) in database_files(p) {
            add(&path, contents);
        }
    }
    add("src/app/mod.rs", render(p, "new/src/app/mod.rs"));
    add(layout::ROUTER, render(p, "new/src/app/router.rs"));
    add("src/app/state.rs", render(p, "new/src/app/state.rs"));
    add("src/app/testing.rs", render(p, "new/src/app/testing.rs"));
    add("src/app/errors.rs", render(p, "new/src/app/errors.rs"));
    add(
        "src/app/middleware.rs",
        render(p, "new/src/app/middleware.rs"),
    );
    if p.openapi {
        add(layout::OPENAPI, render(p, "new/src/app/openapi.rs"));
    }
    if p.metrics {
        add(METRICS_MODULE, render(p, "new/src/app/metrics.rs"));
    }
    add(
        "src/app/controllers/mod.rs",
        render(p, "new/src/app/controllers/mod.rs"),
    );
    add(
        "src/app/controllers/ready.rs",
        render(p, "new/src/app/controllers/ready.rs"),
    );
    add(
        "src/app/controllers/health.rs",
        render(p, "new/src/app/controllers/health.rs"),
    );
    add(layout::MODELS_MOD, render(p, "new/src/app/models/mod.rs"));
    add(layout::VIEWS_MOD, render(p, "new/src/app/views/mod.rs"));
    add(
        "src/app/views/status.rs",
        render(p, "new/src/app/views/status.rs"),
    );
    if p.redis || p.http_client {
        add("src/utils/mod.rs", render(p, "new/src/utils/mod.rs"));
    }
    if p.redis {
        add("src/utils/redis.rs", render(p, "new/src/utils/redis.rs"));
        add("tests/api/redis.rs", render(p, "new/tests/api/redis.rs"));
    }
    if p.http_client {
        add(
            "src/utils/http_client.rs",
            render(p, "new/src/utils/http_client.rs"),
        );
        add(
            "tests/api/http_client.rs",
            render(p, "new/tests/api/http_client.rs"),
        );
    }
    add(layout::API_TESTS_MAIN, render(p, "new/tests/api/main.rs"));
    add(
        "tests/api/helpers.rs",
        render(p, "new/tests/api/helpers.rs"),
    );
    add("tests/api/ready.rs", render(p, "new/tests/api/ready.rs"));
    add("tests/api/server.rs", render(p, "new/tests/api/server.rs"));
    add(&format!("{}/.gitkeep", layout::TEMPLATES), String::new());
    // The record came with templates 2.
    if crate::engine::base().is_none_or(|version| version >= 2) {
        add(
            crate::engine::record::RECORD,
            crate::engine::record::new_record(&recorded_args(p)),
        );
    }
    out
}

/// The options of `new` as the project's record keeps them: what `update`
/// needs to render the same project again.
fn recorded_args(p: &Project) -> Vec<String> {
    let mut args = vec![
        p.name.clone(),
        "--database".to_string(),
        p.database_name.name().to_string(),
    ];
    if p.metrics {
        args.push("--metrics".to_string());
    }
    if p.otel {
        args.push("--otel".to_string());
    }
    for (skipped, flag) in [
        (!p.redis, "--skip-redis"),
        (!p.http_client, "--skip-http-client"),
        (!p.openapi, "--skip-openapi"),
        (!p.docker, "--skip-docker"),
        (!p.helm, "--skip-helm"),
        (!p.actions, "--skip-actions"),
    ] {
        if skipped {
            args.push(flag.to_string());
        }
    }
    args.push("--license".to_string());
    args.push(p.license.unwrap_or(License::None).name().to_string());
    if let Some(url) = &p.repo_url {
        args.push("--repo-url".to_string());
        args.push(url.clone());
    }
    args
}

/// The module of `--metrics` (and `generate metrics`).
pub const METRICS_MODULE: &str = "src/app/metrics.rs";

/// The chart's template of `--metrics`: the metrics Service and its
/// ServiceMonitor.
pub const METRICS_CHART: &str = "templates/metrics.yaml";

/// The files of the database layer, which `generate model` also adds to a
/// project made without one.
pub fn database_files(p: &Project) -> Vec<(String, String)> {
    vec![
        ("build.rs".to_string(), render(p, "new/build.rs")),
        ("src/db.rs".to_string(), render(p, "new/src/db.rs")),
        (
            format!("{}/fields.rs", layout::MODELS),
            render(p, "new/src/app/models/fields.rs"),
        ),
        // `sqlx::migrate!()` needs the folder even when no migration is left.
        (format!("{}/.gitkeep", layout::MIGRATIONS), String::new()),
    ]
}

/// The context of the project `name` with `database` and `openapi`, and
/// every other option off: what the templates of the database layer see
/// when `generate model` adds it to a project made without one, and what
/// [`project`] starts from.
pub fn database_layer(name: &ProjectName, database: Database, openapi: bool) -> Project {
    Project {
        name: name.package.clone(),
        crate_name: name.krate.clone(),
        env_prefix: name.env_prefix.clone(),
        title: name.title.clone(),
        description: String::new(),
        redis: false,
        http_client: false,
        openapi,
        metrics: false,
        otel: false,
        database_name: database,
        database: database != Database::None,
        sqlite: database == Database::Sqlite,
        postgres: database == Database::Postgres,
        docker: false,
        helm: false,
        actions: false,
        license: None,
        repo_url: None,
        year: String::new(),
        copyright_holder: String::new(),
        rust_version: RUST_VERSION.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        versions: crate::versions::context(),
        workspace_member: false,
    }
}

/// Builds the project description from what `new` is asked to make.
pub fn project(args: &Options) -> Result<Project> {
    let raw = match &args.name {
        Some(n) => n.clone(),
        // `.` or `..` name the directory they stand for, as with `cargo init`.
        None => std::fs::canonicalize(&args.path)
            .or_else(|_| std::path::absolute(&args.path))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
    };
    let name = ProjectName::parse(&raw, APP_DEPENDENCIES).map_err(|e| {
        nothing_written(e).hint(
            "choose another directory name, or pass `--name <NAME>` to name the package independently of its directory",
        )
    })?;
    let license = args.license.chosen();
    let author = if license.is_some() {
        git_author()
    } else {
        String::new()
    };
    let copyright_holder = if author.is_empty() {
        format!("The {} authors", name.title)
    } else {
        author.clone()
    };
    Ok(Project {
        description: format!("{}: an axum web application", name.title),
        redis: args.redis,
        http_client: args.http_client,
        metrics: args.metrics,
        otel: args.otel,
        docker: args.docker,
        helm: args.helm,
        actions: args.actions,
        license,
        repo_url: args.repo_url.clone(),
        year: current_year().to_string(),
        copyright_holder,
        ..database_layer(&name, args.database, args.openapi)
    })
}

pub fn run(args: &Options, shell: &Shell) -> Result<()> {
    if args.path.as_os_str().is_empty() {
        bail!(
            nothing_written("the project path is empty")
                .hint("pass a path, e.g. `cargo mvc new blog`")
        );
    }
    let mut p = project(args)?;
    check_destination(&args.path, args.force)?;
    let workspace = enclosing_workspace(&args.path, shell);
    p.workspace_member = workspace.is_some();

    let mut plan = Plan::new(&args.path);
    plan.preformatted = true;
    for (path, contents) in files(&p) {
        plan.create(path, contents);
    }
    // Last, so that it is written only once the application's files are;
    // a failure before then restores it with the rest.
    if let Some(Workspace {
        root,
        member,
        manifest: Some(text),
    }) = &workspace
    {
        plan.set(&root.join(layout::MANIFEST), Some(text.clone()));
        plan.allow_outside(root.join(layout::MANIFEST));
        plan.announce(
            "adding",
            format!("`{member}` as member of workspace at `{}`", root.display()),
        );
    }
    let on_conflict = if args.force {
        OnConflict::Overwrite
    } else {
        OnConflict::Stop
    };
    plan.execute(
        PlanOptions {
            pretend: args.pretend,
            on_conflict,
        },
        shell,
    )?;

    let shown = args.path.display();
    if args.pretend {
        return Ok(());
    }
    if args.git {
        git_init(&args.path, shell);
    }
    if args.install {
        fetch(&args.path, shell);
    }
    shell.status(
        "Created",
        format_args!("application `{}` in `{shown}`", p.name),
        Tone::Good,
    );
    shell.note(format!(
        "\nNext:\n  cd {shown}\n  cargo run -- serve        # then open http://127.0.0.1:8000/api/ready\n  cargo test"
    ));
    if let Some(ws) = &workspace {
        shell.note(workspace_note(&p, ws));
    }
    Ok(())
}

/// The workspace a new application is a member of, as cargo sees it.
#[derive(Debug)]
struct Workspace {
    /// The workspace root's directory.
    root: PathBuf,
    /// The application's directory relative to `root`, with `/`.
    member: String,
    /// The root manifest's new text, when `members` does not take the
    /// application in yet.
    manifest: Option<String>,
}

/// Finds the workspace a package at `dir` belongs to as cargo does: the
/// nearest `Cargo.toml` above it with a `[workspace]` table that does not
/// exclude it. A manifest on the way that cannot be read or understood ends
/// the search with a warning: the application is made without joining a
/// workspace, as `cargo new` would.
fn enclosing_workspace(dir: &Path, shell: &Shell) -> Option<Workspace> {
    let dir = physical(dir)?;
    for root in dir.ancestors().skip(1) {
        let file = root.join("Cargo.toml");
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                shell.warn(format_args!(
                    "could not read {} ({e}), so the application joins no workspace",
                    file.display()
                ));
                return None;
            }
        };
        let member = dir
            .strip_prefix(root)
            .expect("an ancestor is a prefix")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let manifest = match manifest::add_workspace_member(&file, &text, &member) {
            Ok(Membership::NotARoot | Membership::Excluded) => continue,
            Ok(Membership::Listed) => None,
            Ok(Membership::Added(text)) => Some(text),
            Err(e) => {
                shell.warn(format_args!(
                    "{}\nthe application is not added to that workspace's members; fix the manifest, then add `{member}` to them",
                    e.detail()
                ));
                return None;
            }
        };
        return Some(Workspace {
            root: root.to_path_buf(),
            member,
            manifest,
        });
    }
    None
}

/// `path` made absolute through the real location of its nearest existing
/// ancestor (symlinks and `..` resolved), where cargo will later look for the
/// workspace from.
fn physical(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let mut existing = abs.as_path();
    let mut missing = Vec::new();
    while !existing.exists() {
        missing.push(existing.file_name()?);
        existing = existing.parent()?;
    }
    let mut out = existing.canonicalize().ok()?;
    out.extend(missing.iter().rev());
    Some(out)
}

/// What a member of a workspace does differently from a standalone app.
fn workspace_note(p: &Project, ws: &Workspace) -> String {
    let root = ws.root.display();
    // The profile is the template's, as a standalone app gets it.
    let standalone = Project {
        workspace_member: false,
        ..p.clone()
    };
    let mut profile: toml_edit::DocumentMut = render(&standalone, "new/Cargo.toml.in")
        .parse()
        .expect("the manifest template renders valid TOML");
    profile.retain(|key, _| key == "profile");
    let profile: String = profile
        .to_string()
        .trim()
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect();
    let mut note = format!(
        "\nWorkspace: `{}` is a member of the workspace at `{root}`.\n  Cargo reads build profiles only from the workspace root, so the app's release\n  profile was left out of its Cargo.toml; to have it, add to {root}/Cargo.toml:\n\n{profile}",
        ws.member
    );
    let root_only: Vec<&str> = [
        (p.docker, "The Dockerfile"),
        (p.actions, ".github/workflows/ci.yml"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    if !root_only.is_empty() {
        let one = root_only.len() == 1;
        note.push_str(&format!(
            "\n  {} expect{} the app at the root of its repository;\n  adapt {} to the workspace.",
            root_only.join(" and "),
            if one { "s" } else { "" },
            if one { "it" } else { "them" },
        ));
    }
    note.trim_end().to_string()
}

/// A non-empty destination needs `--force`; a file there is never usable.
fn check_destination(path: &Path, force: bool) -> Result<()> {
    if path.is_file() {
        bail!(
            nothing_written(format!("destination `{}` is a file", path.display()))
                .hint("choose a path that is a directory or does not exist yet")
        );
    }
    let non_empty = match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => false,
    };
    if non_empty && !force {
        bail!(
            nothing_written(format!(
                "destination `{}` already exists and is not empty",
                path.display()
            ))
            .hint("use `--force` to generate into it (files that differ are overwritten), or choose another path")
        );
    }
    Ok(())
}

fn git_init(path: &Path, shell: &Shell) {
    if inside_git_repo(path) {
        shell.status(
            "skip",
            "git init: already inside a git repository",
            Tone::Quiet,
        );
        return;
    }
    let status = Command::new("git")
        .arg("init")
        .arg("--quiet")
        .arg(path)
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => shell.status("run", "git init", Tone::Good),
        Ok(s) => shell.warn(format_args!(
            "`git init` failed ({s}); the project is complete without it"
        )),
        Err(e) => shell.warn(format_args!(
            "could not run git ({e}); the project is complete without it"
        )),
    }
}

fn inside_git_repo(path: &Path) -> bool {
    let abs: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.ancestors().any(|d| d.join(".git").exists())
}

fn fetch(path: &Path, shell: &Shell) {
    shell.status(
        "Fetching",
        "dependencies with `cargo fetch` (skip with --skip-install)",
        Tone::Good,
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .arg("fetch")
        .arg("--quiet")
        .current_dir(path)
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(_) | Err(_) => shell.warn(
            "`cargo fetch` did not finish; the project is complete, run `cargo fetch` in it when the network is available",
        ),
    }
}

/// The user's name from git, for the copyright line; empty if unknown.
fn git_author() -> String {
    Command::new("git")
        .args(["config", "--get", "user.name"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The current UTC year, from the civil-from-days algorithm.
fn current_year() -> i64 {
    let secs = super::now_secs();
    civil_from_days(secs.div_euclid(86_400)).0
}

/// The (year, month, day) of a day counted from 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_819), (2027, 1, 1));
        assert_eq!(civil_from_days(20_818), (2026, 12, 31));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
