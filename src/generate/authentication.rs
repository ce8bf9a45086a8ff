//! `cargo mvc generate authentication` and `destroy authentication`:
//! accounts that sign in with an email and a password, browser sessions and
//! API tokens (each its own table and model), Argon2id password hashing, the
//! `CurrentUser` extractor and guard (`app::auth`), password resets by mail
//! (`app::mailers`, lettre over SMTP), and the JSON API to sign up, in and
//! out, list and revoke tokens and sessions, and reset a password. With
//! `--html`, the account pages too, signed in with a session cookie.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;

use super::fields::Dialect;
use crate::edit::item::{self, Place};
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
/// The controller and view module of the account pages (`--html`).
const PAGES: &str = "accounts";
/// The mailers' module, and the mail of password resets.
const MAILERS: &str = "src/app/mailers/mod.rs";
const PASSWORDS_MAILER: &str = "src/app/mailers/passwords.rs";
/// The account pages' templates, under `templates/accounts/`.
const PAGE_TEMPLATES: &[&str] = &[
    "nav",
    "sign_up",
    "sign_in",
    "sessions",
    "forgot_password",
    "reset_password",
];
/// The line of the layout that shows who is signed in (`--html`).
const NAV_INCLUDE: &str = "{% include \"accounts/nav.html\" %}";
/// What `--html` wires into `app::build` and `server::Server::run_until`.
const REMEMBER_USER: &str = "let router = router.layer(axum::middleware::from_fn_with_state(\n    state.clone(),\n    auth::remember_user,\n));";
const STARTUP_CHECKS: &str =
    "crate::app::auth::check_secret_key()?;\ncrate::app::mailers::check()?;";
/// The models, each with its table: `(module, table)`.
const MODELS: &[(&str, &str)] = &[
    ("user", "users"),
    ("session", "sessions"),
    ("api_token", "api_tokens"),
];
/// The crates the generated code uses.
pub const CRATES: &[&str] = &["argon2", "getrandom", "hmac", "lettre", "sha2"];
/// lettre's features: SMTP on tokio, TLS by rustls with ring and the
/// system's certificates (no OpenSSL).
const LETTRE_FEATURES: &[&str] = &[
    "builder",
    "smtp-transport",
    "tokio1-rustls",
    "ring",
    "rustls-platform-verifier",
];
/// Built optimized under `cargo run` and `cargo test`: unoptimized, one
/// Argon2id hash takes seconds.
const OPTIMIZED: &[&str] = &["argon2", "blake2"];
const OPTIMIZED_WHY: &str = "Password hashing (argon2) is slow on purpose; unoptimized, one sign-in\nunder `cargo run` or `cargo test` would take seconds.";

/// What the templates see, as `a`.
#[derive(Debug, Clone, Serialize)]
struct AuthCtx {
    /// The application has an OpenAPI document.
    openapi: bool,
    /// The account pages and browser sessions (`--html`).
    html: bool,
    /// The application uses Redis (`src/utils/redis.rs`): failed sign-ins
    /// are counted there.
    redis: bool,
    /// The binary and the crate, for the tests that run the binary.
    bin: String,
    crate_name: String,
    postgres: bool,
    /// The SQL of an `id` column, a timestamp, a nullable one, and a
    /// reference to another table's id.
    id: &'static str,
    timestamp: &'static str,
    nullable_timestamp: &'static str,
    reference: &'static str,
}

fn context(project: &Project, dialect: Dialect, html: bool) -> AuthCtx {
    let postgres = dialect == Dialect::Postgres;
    AuthCtx {
        openapi: project.openapi,
        html,
        redis: project.root.join("src/utils/redis.rs").is_file(),
        bin: project.name.clone(),
        crate_name: project.name.replace('-', "_"),
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

/// Each generated file: `(template, path)`; with `html`, the account pages
/// too.
fn files(html: bool) -> Vec<(String, PathBuf)> {
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
    out.push(("mailer.rs".to_string(), PathBuf::from(MAILERS)));
    out.push((
        "passwords_mailer.rs".to_string(),
        PathBuf::from(PASSWORDS_MAILER),
    ));
    if html {
        out.push((
            "pages.rs".to_string(),
            layout::rust_file(layout::CONTROLLERS, PAGES),
        ));
        out.push((
            "pages_view.rs".to_string(),
            layout::rust_file(layout::HTML_VIEWS, PAGES),
        ));
        for name in PAGE_TEMPLATES {
            out.push((
                format!("templates/{name}.html"),
                PathBuf::from(format!("{}/{PAGES}/{name}.html", layout::TEMPLATES)),
            ));
        }
    }
    out
}

/// Whether the application's authentication has the account pages.
fn has_pages(plan: &Plan) -> Result<bool> {
    Ok(plan
        .current(&layout::rust_file(layout::CONTROLLERS, PAGES))?
        .is_some()
        && plan.current(Path::new(AUTH_MODULE))?.is_some())
}

/// The routes, each under its own path.
fn routes(html: bool) -> Vec<RouteGroup> {
    let m =
        |method: &str, action: &str| MethodRoute::new(method, format!("{CONTROLLER}::{action}"));
    let p = |method: &str, action: &str| MethodRoute::new(method, format!("{PAGES}::{action}"));
    let group = |path: &str, methods: Vec<MethodRoute>| RouteGroup {
        path: path.to_string(),
        methods,
    };
    let mut routes = vec![
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
        group("/api/passwords", vec![m("post", "request_password_reset")]),
        group("/api/passwords/{token}", vec![m("put", "reset_password")]),
    ];
    if html {
        routes.extend([
            group("/users/new", vec![p("get", "sign_up_page")]),
            group("/users", vec![p("post", "sign_up")]),
            group("/session/new", vec![p("get", "sign_in_page")]),
            group("/session", vec![p("post", "sign_in")]),
            group("/session/delete", vec![p("post", "sign_out")]),
            group("/sessions", vec![p("get", "sessions_page")]),
            group("/sessions/{id}/delete", vec![p("post", "revoke_session")]),
            group("/passwords/new", vec![p("get", "forgot_password_page")]),
            group("/passwords", vec![p("post", "forgot_password")]),
            group(
                "/passwords/{token}/edit",
                vec![p("get", "reset_password_page")],
            ),
            group("/passwords/{token}", vec![p("post", "reset_password")]),
        ]);
    }
    routes
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
    for name in [CONTROLLER, PAGES] {
        let controller = layout::rust_file(layout::CONTROLLERS, name);
        if plan.current(&controller)?.is_some() {
            taken.push(format!(
                "the controller `{name}` ({})",
                controller.display()
            ));
        }
    }
    if plan.current(Path::new(MAILERS))?.is_some() {
        taken.push(format!("mailers ({MAILERS})"));
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
fn mod_lines(html: bool) -> Vec<(String, &'static str, &'static str)> {
    let mut out = vec![
        ("src/app/mod.rs".to_string(), "auth", "pub mod"),
        ("src/app/mod.rs".to_string(), "mailers", "pub mod"),
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
    if html {
        out.push((format!("{}/mod.rs", layout::CONTROLLERS), PAGES, "pub mod"));
    }
    out
}

/// `APP users create EMAIL`: the variant of the command line and its arm.
const USERS_VARIANT: &str =
    "/// Manage accounts: `users create EMAIL`\nUsers(crate::app::auth::UsersArgs),";
const USERS_ARM: &str = "Command::Users(args) => {\n    let settings = Settings::from_lookup(env)?;\n    println!(\"{}\", crate::app::auth::users_command(&args, &settings)?);\n    Ok(())\n}";
const CLI_COMMAND: (&str, Place<'static>) = ("src/cli.rs", Place::EnumVariants("Command"));
const CLI_EXECUTE: (&str, Place<'static>) = ("src/cli.rs", Place::MatchArms("execute"));

/// The places of [`REMEMBER_USER`] and [`STARTUP_CHECKS`].
const BUILD: (&str, Place<'static>) = (
    "src/app/mod.rs",
    Place::AfterLet {
        function: "build",
        binding: "router",
    },
);
const RUN_UNTIL: (&str, Place<'static>) = (
    "src/server.rs",
    Place::AfterLet {
        function: "run_until",
        binding: "app",
    },
);

/// What authentication wires into the application's own files: the startup
/// checks of the secret key and mail settings, the `users` command, and with
/// `html` the layer that remembers the signed-in browser.
fn wiring(html: bool) -> Vec<((&'static str, Place<'static>), &'static str)> {
    let mut out = vec![
        (RUN_UNTIL, STARTUP_CHECKS),
        (CLI_COMMAND, USERS_VARIANT),
        (CLI_EXECUTE, USERS_ARM),
    ];
    if html {
        out.push((BUILD, REMEMBER_USER));
    }
    out
}

/// The chart's deployment and values, when the application has its chart.
fn chart(project: &Project) -> Option<(PathBuf, PathBuf)> {
    let dir = PathBuf::from(format!("charts/{}", project.name));
    project
        .root
        .join(&dir)
        .join("Chart.yaml")
        .is_file()
        .then(|| {
            (
                dir.join("templates/deployment.yaml"),
                dir.join("values.yaml"),
            )
        })
}

/// Where the deployment's `envFrom` names the ConfigMap, as `new` writes it.
const ENV_FROM: &str = "          envFrom:\n            - configMapRef:\n";

/// The Secret whose keys become the container's environment.
const SECRET_REF: &str = "            {{- with .Values.auth.existingSecret }}\n            - secretRef:\n                name: {{ . }}\n            {{- end }}\n";

/// The values of [`SECRET_REF`].
fn secret_values(project: &Project) -> String {
    let prefix = heck::ToShoutySnakeCase::to_shouty_snake_case(project.name.as_str());
    format!(
        "\n# Authentication: the name of a Secret whose keys become environment\n# variables: {prefix}_SECRET_KEY (required by release builds: it signs\n# password reset links), and {prefix}_SMTP_URL when it holds a password:\n#   kubectl create secret generic {name}-auth \\\n#     --from-literal={prefix}_SECRET_KEY=\"$(openssl rand -hex 32)\"\nauth:\n  existingSecret: \"\"\n",
        name = project.name
    )
}

/// The deployment with [`SECRET_REF`] after the ConfigMap of its `envFrom`,
/// or `None` when the chart no longer has that place.
fn with_secret_ref(text: &str) -> Option<String> {
    if text.contains(SECRET_REF) {
        return Some(text.to_string());
    }
    let at = text.find(ENV_FROM)? + ENV_FROM.len();
    let end = at + text[at..].find('\n')? + 1;
    Some(format!("{}{SECRET_REF}{}", &text[..end], &text[end..]))
}

/// The rows of the README's settings table for authentication's settings.
fn settings_rows(project: &Project) -> String {
    let prefix = heck::ToShoutySnakeCase::to_shouty_snake_case(project.name.as_str());
    [
        ("SECRET_KEY", "random at each start (debug builds); required (release builds)", "Signs password reset links; at least 32 characters (`openssl rand -hex 32` makes one)."),
        ("SMTP_URL", "unset: mail is written to the log", "The SMTP server of the application's mail: `smtps://USER:PASSWORD@HOST:465`, or `smtp://USER:PASSWORD@HOST:587?tls=required` for STARTTLS."),
        ("MAIL_FROM", "`no-reply@localhost`", "The sender of the application's mail."),
        ("PUBLIC_URL", "`http://localhost:8000`", "Where users reach the application, for the links in mail."),
        ("SECURE_COOKIES", "`true`", "Send the session cookie over HTTPS only; `false` for plain HTTP under another name than `localhost`."),
        ("TRUSTED_PROXIES", "none", "Proxies (addresses separated by commas) whose `X-Forwarded-For` names the client that failed sign-ins count against."),
    ]
    .iter()
    .map(|(name, default, meaning)| format!("| `{prefix}_{name}` | | {default} | {meaning} |\n"))
    .collect()
}

/// The README with [`settings_rows`] after the last row of its settings
/// table (the one listing `<PREFIX>_BIND`), or `None` when it has no such
/// table.
fn with_settings_rows(text: &str, rows: &str) -> Option<String> {
    if text.contains(rows) {
        return Some(text.to_string());
    }
    let bind = text.find("_BIND` |")?;
    let mut end = text[..bind].rfind('\n').map_or(0, |n| n + 1);
    while text[end..].starts_with('|') {
        end += text[end..].find('\n')? + 1;
    }
    Some(format!("{}{rows}{}", &text[..end], &text[end..]))
}

/// The workflow whose smoke test runs the release image.
const WORKFLOW: &str = ".github/workflows/ci.yml";

/// The smoke test's `docker run` of the image, and what it gets: a release
/// build refuses to start without a secret key.
fn smoke_run(project: &Project) -> (String, String) {
    let prefix = heck::ToShoutySnakeCase::to_shouty_snake_case(project.name.as_str());
    let run = format!("docker run -d --name app -p 8000:8000 {}:ci", project.name);
    let with_key = format!(
        "docker run -d --name app -p 8000:8000 -e {prefix}_SECRET_KEY=\"$(openssl rand -hex 32)\" {}:ci",
        project.name
    );
    (run, with_key)
}

/// The layout with the include of the signed-in state after `<body>`.
fn with_nav(text: &str) -> Result<String> {
    if text.contains(NAV_INCLUDE) {
        return Ok(text.to_string());
    }
    let Some(body) = text.find("<body") else {
        bail!(
            nothing_written(format!(
                "{} has no `<body>` to show the signed-in state after",
                layout::LAYOUT_TEMPLATE
            ))
            .hint(format!("put `{NAV_INCLUDE}` on a line of its own where the layout should show who is signed in (or give the layout a `<body>` tag), and run this again"))
        );
    };
    let end = text[body..].find('\n').map_or(text.len(), |n| body + n + 1);
    let mut out = text[..end].to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(NAV_INCLUDE);
    out.push('\n');
    out.push_str(&text[end..]);
    Ok(out)
}

/// The layout without the include [`with_nav`] added.
fn without_nav(text: &str) -> String {
    let line = format!("{NAV_INCLUDE}\n");
    text.replacen(&line, "", 1)
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
pub fn generate(project: &Project, html: bool) -> Result<Plan> {
    let mut plan = Plan::new(&project.root);
    check_free(project, &plan)?;
    if plan.current(Path::new(AUTH_MODULE))?.is_some() && has_pages(&plan)? != html {
        bail!(nothing_written(if html {
            "the application's authentication has no account pages; `--html` cannot add them to it"
        } else {
            "the application's authentication has account pages; run it again with `--html`"
        })
        .hint("`cargo mvc destroy authentication`, then generate it again with the options you want"));
    }
    let dialect = super::database::ensure(&mut plan, project)?;
    let ctx = context(project, dialect, html);
    for (template, path) in files(html) {
        let text = plan
            .templates()
            .render(&format!("authentication/{template}"), vars! { a => &ctx })?;
        plan.create(path, text);
    }
    for (file, module, keyword) in mod_lines(html) {
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
        for krate in CRATES.iter().filter(|k| **k != "lettre") {
            if let Some(edited) =
                manifest::add_dependency(path, &text, krate, versions::version(krate))?
            {
                text = edited;
            }
        }
        if let Some(edited) = manifest::add_dependency_with(
            path,
            &text,
            "lettre",
            versions::version("lettre"),
            LETTRE_FEATURES,
            false,
        )? {
            text = edited;
        }
        if let Some(edited) = manifest::optimize_in_dev(path, &text, OPTIMIZED, OPTIMIZED_WHY)? {
            text = edited;
        }
        Ok(Some(text))
    })?;
    for ((file, place), snippet) in wiring(html) {
        edit_module(&mut plan, file, |path, text| {
            item::insert(path, text, place, snippet)
        })?;
    }
    if let Some((deployment, values)) = chart(project)
        && let Some(text) = plan.current(&deployment)?
        && let Some(edited) = with_secret_ref(&text)
        && let Some(values_text) = plan.current(&values)?
    {
        plan.set(&deployment, Some(edited));
        let block = secret_values(project);
        if !values_text.contains(&block) {
            plan.set(&values, Some(format!("{values_text}{block}")));
        }
    }
    let readme = Path::new("README.md");
    if let Some(text) = plan.current(readme)?
        && let Some(edited) = with_settings_rows(&text, &settings_rows(project))
    {
        plan.set(readme, Some(edited));
    }
    let (run, with_key) = smoke_run(project);
    if let Some(text) = plan.current(Path::new(WORKFLOW))?
        && text.contains(&format!("{run}\n"))
    {
        plan.set(
            Path::new(WORKFLOW),
            Some(text.replacen(&format!("{run}\n"), &format!("{with_key}\n"), 1)),
        );
    }
    if html {
        super::view::plan_html_support(&mut plan, &pages())?;
        let layout_path = Path::new(layout::LAYOUT_TEMPLATE);
        if let Some(text) = plan.current(layout_path)? {
            let edited = with_nav(&text)?;
            plan.set(layout_path, Some(edited));
        }
    }
    for group in routes(html) {
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

fn pages() -> ResourceName {
    ResourceName::parse(PAGES).expect("a valid resource name")
}

/// What relies on authentication outside its own files, as `path: what`
/// lines: Rust files that use `app::auth` (a scaffold made with `--auth` or
/// `--owned`), and what refers to the user model, as `destroy model` finds
/// it (models using it, migrations of other tables with a foreign key to
/// `users`).
fn users_of_auth(project: &Project, plan: &Plan) -> Result<Vec<String>> {
    let ours: Vec<PathBuf> = files(true).into_iter().map(|(_, p)| p).collect();
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

/// Whether the application was made without a database, got SQLite from
/// `generate authentication`, and nothing else uses it: no model, scaffold
/// or migration was generated since, and no migration is left once the plan
/// is applied.
fn database_came_with_authentication(plan: &Plan) -> Result<bool> {
    let runs = crate::engine::record::runs(plan)?;
    let made_without = runs.first().is_some_and(|run| {
        run.generator == "new" && run.args.windows(2).any(|w| w == ["--database", "none"])
    });
    let others = runs
        .iter()
        .any(|run| matches!(run.generator.as_str(), "model" | "scaffold" | "migration"));
    if !made_without || others {
        return Ok(false);
    }
    for path in crate::fs::files_under(&plan.root.join(layout::MIGRATIONS)) {
        let Ok(rel) = path.strip_prefix(&plan.root) else {
            continue;
        };
        if rel.extension().is_some_and(|e| e == "sql") && plan.current(rel)?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
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
    let html = has_pages(&plan)?;
    // Taken out first, so that what is left to find is the application's.
    for ((file, place), snippet) in wiring(html) {
        edit_module(&mut plan, file, |path, text| {
            item::remove(path, text, place, snippet)
        })?;
    }
    let users = users_of_auth(project, &plan)?;
    if !users.is_empty() && !force {
        bail!(nothing_written(format!(
            "the application still relies on authentication:\n  {}\ndestroy those first (for a scaffold: `cargo mvc destroy scaffold NAME`), or pass --force to destroy authentication anyway",
            users.join("\n  ")
        )));
    }
    let ours_in = |controller: &str, handler: &str| {
        let prefix = format!("{controller}::");
        let absolute = format!("{}::{prefix}", layout::CONTROLLERS_PATH);
        handler
            .strip_prefix(&prefix)
            .or_else(|| handler.strip_prefix(&absolute))
            .is_some_and(|rest| !rest.contains("::"))
    };
    let is_ours = |handler: &str| ours_in(CONTROLLER, handler) || (html && ours_in(PAGES, handler));
    super::controller::remove_routes_of(&mut plan, project, &is_ours)?;
    if project.openapi {
        super::controller::merge_document(&mut plan, &resource(), false)?;
    }
    for (file, module, _) in mod_lines(html) {
        edit_module(&mut plan, &file, |path, text| {
            rust::remove_mod(path, text, module)
        })?;
    }
    let readme = Path::new("README.md");
    if let Some(text) = plan.current(readme)? {
        plan.set(readme, Some(text.replacen(&settings_rows(project), "", 1)));
    }
    let (run, with_key) = smoke_run(project);
    if let Some(text) = plan.current(Path::new(WORKFLOW))? {
        plan.set(
            Path::new(WORKFLOW),
            Some(text.replacen(&format!("{with_key}\n"), &format!("{run}\n"), 1)),
        );
    }
    if let Some((deployment, values)) = chart(project) {
        if let Some(text) = plan.current(&deployment)? {
            plan.set(&deployment, Some(text.replacen(SECRET_REF, "", 1)));
        }
        if let Some(text) = plan.current(&values)? {
            plan.set(&values, Some(text.replacen(&secret_values(project), "", 1)));
        }
    }
    if html {
        let layout_path = Path::new(layout::LAYOUT_TEMPLATE);
        if let Some(text) = plan.current(layout_path)? {
            plan.set(layout_path, Some(without_nav(&text)));
        }
        // The templates the view module names go with it, and the layout
        // and askama when no other page is left.
        plan.set(
            Path::new(&format!("{}/{PAGES}/nav.html", layout::TEMPLATES)),
            None,
        );
        super::view::unplan_views(&mut plan, &pages())?;
    }
    for (_, path) in files(html) {
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
    if database_came_with_authentication(&plan)? {
        super::database::remove_sqlite(&mut plan, project)?;
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
