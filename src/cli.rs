//! The command line: `cargo mvc <command>`. Doc comments here are the help.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::errors::nothing_written;
use crate::shell::{ColorWhen, Shell};

/// Cargo runs `cargo-mvc mvc …` for `cargo mvc …`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap_cargo_styles())]
pub enum Cargo {
    Mvc(MvcArgs),
}

/// `cargo mvc --version`: the tool's version and the templates'.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (templates ",
    templates_version!(),
    ")"
);

/// Create axum web applications laid out as Model-View-Controller, then keep
/// generating into them.
#[derive(Debug, Args)]
#[command(
    version = VERSION,
    about,
    long_about = None,
    after_help = "Examples:\n  cargo mvc new blog\n  cd blog && cargo run -- serve\n\nSee `cargo mvc help <command>` for more on a command."
)]
pub struct MvcArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print no status lines, only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Also print a diff of every change
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to use colors
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new axum MVC application
    #[command(
        after_help = "Examples:\n  cargo mvc new blog\n  cargo mvc new services/shop --name shop-api --skip-redis --license Apache-2.0\n  cargo mvc new demo --pretend"
    )]
    New(NewArgs),
    /// Generate code into the application: controller, view, model, scaffold
    #[command(
        visible_alias = "g",
        after_help = "In a workspace with several applications, choose one with `--package NAME`\n(inside an application's directory, that one is the default).\n\nExamples:\n  cargo mvc generate controller users index show\n  cargo mvc generate --package shop scaffold order total:decimal"
    )]
    Generate(GenerateArgs),
    /// Remove what `generate` added
    #[command(
        visible_alias = "d",
        after_help = "Examples:\n  cargo mvc destroy controller users\n  cargo mvc destroy --package shop scaffold order"
    )]
    Destroy(DestroyCommand),
    /// List the application's routes: METHOD, PATH, HANDLER
    #[command(after_help = "Examples:\n  cargo mvc routes\n  cargo mvc routes --json")]
    Routes(RoutesArgs),
    /// Run the application for development: rebuild and restart on changes
    #[command(
        after_help = "The socket is opened once and handed to every app process, so requests made\nwhile the app rebuilds wait instead of being refused.\n\nExamples:\n  cargo mvc serve\n  cargo mvc serve --port 3000 --env BLOG_LOG_LEVEL=debug\n  cargo mvc serve --release --no-reload"
    )]
    Serve(ServeArgs),
    /// Bring the application up to this cargo-mvc's templates, keeping your changes
    #[command(
        after_help = "Files you never changed take the new templates; files only you changed stay;\nfiles both changed are merged, and overlapping changes are marked git-style\n(the command then exits with status 2). Cargo.toml is merged key by key.\n\nExamples:\n  cargo mvc update --pretend\n  cargo mvc update\n  cargo mvc update --interactive"
    )]
    Update(UpdateArgs),
    /// Print a shell completion script for `cargo mvc`
    #[command(
        after_help = "The script completes `cargo mvc ...` as part of `cargo`'s completion:\n  fish:  cargo mvc completions fish > ~/.config/fish/conf.d/cargo-mvc.fish\n  bash:  source <(cargo mvc completions bash)   (in ~/.bashrc; it takes over cargo's own)\n  zsh:   source <(cargo mvc completions zsh)    (in ~/.zshrc; it takes over cargo's own)\nSee the README for PowerShell and elvish."
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff), as shipped in the release archives
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which application a command works on, in a workspace of several.
#[derive(Debug, Clone, Args)]
pub struct PackageArgs {
    /// Work on this workspace member (by package name) rather than the
    /// application around the current directory
    #[arg(long, value_name = "NAME", global = true)]
    pub package: Option<String>,
}

impl PackageArgs {
    fn discover(&self) -> Result<crate::project::Project> {
        crate::project::Project::discover(self.package.as_deref())
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub target: PackageArgs,
    #[command(subcommand)]
    pub what: Generate,
}

#[derive(Debug, Args)]
pub struct DestroyCommand {
    #[command(flatten)]
    pub target: PackageArgs,
    #[command(subcommand)]
    pub what: Destroy,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Build with optimisations
    #[arg(long)]
    pub release: bool,
    /// Do not watch the sources; build and run once
    #[arg(long)]
    pub no_reload: bool,
    /// Environment for the app, KEY=VALUE (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = crate::serve::parse_env)]
    pub env: Vec<(String, String)>,
    #[command(flatten)]
    pub target: PackageArgs,
}

#[derive(Debug, Subcommand)]
pub enum Generate {
    /// A controller with actions, its views, tests and routes
    #[command(
        after_help = "Actions map to routes by REST convention: index GET /api/NAME, show GET /api/NAME/{id},\ncreate POST /api/NAME, update PUT+PATCH /api/NAME/{id}, destroy DELETE /api/NAME/{id};\nany other action is NAME[:METHOD] -> /api/NAME/ACTION (GET by default).\n\nExamples:\n  cargo mvc generate controller users index show create update destroy\n  cargo mvc g controller ticker buy:post sell:delete\n  cargo mvc g controller admin/users index"
    )]
    Controller(ControllerArgs),
    /// HTML pages: askama templates under templates/NAME/ and their page structs
    #[command(
        after_help = "Examples:\n  cargo mvc generate view users index show\n  cargo mvc g controller users index show --html   # pages with their handlers and routes"
    )]
    View(ViewArgs),
    /// A model: its module (struct, queries, tests) and a migration
    #[command(
        after_help = "Fields are NAME:TYPE[?][:MODIFIER]...; `?` makes a field nullable.\nTypes: string text integer bigint float decimal boolean date datetime uuid json references\nModifiers: unique index\n\nExamples:\n  cargo mvc generate model post title:string body:text published:boolean\n  cargo mvc g model comment post:references body:text author:string?\n  cargo mvc g model person email:string:unique born:date?"
    )]
    Model(ModelArgs),
    /// A model and a JSON API over it: the five REST actions, routes, OpenAPI and tests
    #[command(
        after_help = "Fields are as for `generate model`.\n\nRoutes: GET /api/NAMES?page=&per_page=, GET /api/NAMES/{id}, POST /api/NAMES,\nPUT|PATCH /api/NAMES/{id}, DELETE /api/NAMES/{id}.\n\nExamples:\n  cargo mvc generate scaffold post title:string body:text published:boolean\n  cargo mvc g scaffold comment post:references body:text author:string?"
    )]
    Scaffold(ScaffoldArgs),
    /// A reversible SQL migration under migrations/, written from its name
    #[command(
        after_help = "The name says what the migration does; the table is the one named after the last _to_, _from_ or _in_:
  add_COLUMNS_to_TABLE FIELD...         add columns (nullable, or with :default=VALUE)
  remove_COLUMNS_from_TABLE [COLUMN...] drop columns; the down migration puts them back
  rename_OLD_to_NEW_in_TABLE            rename a column
  change_COLUMNS_in_TABLE FIELD...      change a column's type, nullability or default
  add_index_to_TABLE COLUMN[:unique]... one index over the columns
  create_join_table TABLE TABLE         a table joining two others
  drop_table TABLE                      drop a table (the down migration makes it again, empty)
Any other name, without fields, writes an empty pair to fill in. Fields are as for `generate model`.
On SQLite, changes ALTER TABLE cannot make rebuild the table, keeping its rows, indexes and triggers.
The migration is not run: apply it with `APP migrate`.

Examples:
  cargo mvc generate migration add_email_to_users email:string?:unique
  cargo mvc g migration add_user_ref_to_posts user:references?
  cargo mvc g migration rename_title_to_headline_in_posts
  cargo mvc g migration change_price_in_products price:decimal?"
    )]
    Migration(MigrationArgs),
    /// Prometheus metrics for an application made without `--metrics`:
    /// /metrics on a port of its own, request counts and latencies by route,
    /// and the chart's ServiceMonitor
    #[command(after_help = "Example:\n  cargo mvc generate metrics")]
    Metrics(PlanOnlyArgs),
    /// Accounts and sign-in: users, browser sessions and API tokens, Argon2id
    /// passwords, a `CurrentUser` extractor, password resets by mail, a JSON
    /// API to sign up, in and out, and with --html the pages
    #[command(
        after_help = "Routes: POST /api/users (sign up), POST|DELETE /api/session (sign in for a bearer
token, sign out), GET /api/me, PUT /api/me/password, GET /api/tokens, DELETE /api/tokens/{id},
GET /api/sessions, DELETE /api/sessions/{id}, POST /api/passwords and PUT /api/passwords/{token}
(a password reset by mail).
With --html, pages too: /users/new (sign up), /session/new (sign in), /sessions, /passwords/new,
signed in with a session cookie.
An application without a database gets SQLite, as with `generate model`.

Example:
  cargo mvc generate authentication --html"
    )]
    Authentication(AuthenticationArgs),
    /// List the generators: the built-in ones and the project's own
    List,
    /// Copy a built-in generator's templates into generators/NAME/, where
    /// the project can change them
    #[command(
        after_help = "From then on, `generate NAME` renders the project's copies; delete a copy (or run
`cargo mvc destroy override NAME`) to go back to the built-in template.

Examples:
  cargo mvc generate override controller
  cargo mvc generate override scaffold"
    )]
    Override(OverrideArgs),
    /// A generator of the project's own, under generators/NAME/: a manifest
    /// and templates to start from
    #[command(
        after_help = "The new generator runs as `cargo mvc generate NAME ...`; its manifest,
generators/NAME/generator.toml, says what it takes and how it is wired in.

Example:
  cargo mvc generate generator endpoint
  cargo mvc generate endpoint contact name:string email:string"
    )]
    Generator(NamedArgs),
    /// An executable shell script under scripts/, with strict mode, usage text
    /// and argument parsing
    #[command(after_help = "Example:
  cargo mvc generate script seed-db")]
    Script(NamedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct OverrideArgs {
    /// The built-in generator: controller, model, scaffold, view or script
    pub generator: String,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PlanOnlyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AuthenticationArgs {
    /// Also HTML pages to sign up, in and out, list sessions and reset a
    /// password, with browser sessions in a cookie
    #[arg(long)]
    pub html: bool,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct NamedArgs {
    /// Name, e.g. `endpoint` or `seed-db`
    pub name: String,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ScaffoldArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also HTML pages under /NAMES: index, show, new and edit, with forms
    #[arg(long)]
    pub html: bool,
    /// Every route needs a signed-in user (a bearer token); needs
    /// `generate authentication` first
    #[arg(long)]
    pub auth: bool,
    /// Each row belongs to the user who made it (a `user_id` the server
    /// sets), and other users get 404 for it; implies --auth
    #[arg(long)]
    pub owned: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MigrationArgs {
    /// What the migration does, e.g. `add_email_to_users`
    pub name: String,
    /// Columns, as NAME:TYPE[?][:MODIFIER]... (or names, for indexes and removals)
    pub fields: Vec<String>,
    /// PostgreSQL: `CREATE INDEX CONCURRENTLY`, outside a transaction
    #[arg(long)]
    pub concurrently: bool,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model name, singular, e.g. `post` or `person`
    pub name: String,
    /// Fields, as NAME:TYPE[?][:MODIFIER]...
    pub fields: Vec<String>,
    /// Also a join table with MODEL's table, and many-to-many accessors
    /// both ways (repeatable)
    #[arg(long, value_name = "MODEL")]
    pub join: Vec<String>,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Subcommand)]
pub enum Destroy {
    /// Remove a controller: its files, its `mod` lines and its routes
    #[command(after_help = "Example:\n  cargo mvc destroy controller users")]
    Controller(DestroyArgs),
    /// Remove HTML views: their templates, page structs and `mod` lines
    #[command(after_help = "Example:\n  cargo mvc destroy view users")]
    View(DestroyArgs),
    /// Remove a model: its module, `mod` line and migration files (a
    /// database the migration already ran on keeps its table: roll it back
    /// first with `APP migrate --down 1`)
    #[command(after_help = "Example:\n  cargo mvc destroy model post")]
    Model(DestroyArgs),
    /// Remove a scaffold: its controller, routes and OpenAPI part, and its
    /// model (as `destroy model`)
    #[command(after_help = "Example:\n  cargo mvc destroy scaffold post")]
    Scaffold(DestroyArgs),
    /// Remove a migration that has not run (asking the application's
    /// database; --force removes it without asking)
    #[command(after_help = "Example:\n  cargo mvc destroy migration add_email_to_users")]
    Migration(DestroyArgs),
    /// Remove the project's copy of a built-in generator's templates (those
    /// the project did not change, unless --force)
    Override(OverrideArgs),
    /// Remove one of the project's generators (generators/NAME/)
    Generator(DestroyArgs),
    /// Remove a script made by `generate script`
    Script(DestroyArgs),
    /// Remove authentication: its models, controller, routes, migrations and
    /// crates (a database the migrations already ran on keeps its tables:
    /// roll them back first with `APP migrate --down 3`)
    #[command(after_help = "Example:\n  cargo mvc destroy authentication")]
    Authentication(PlanOnlyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// Resource name, e.g. `users` or `admin/users`
    pub name: String,
    /// Pages to create (default: index)
    pub actions: Vec<String>,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Print what would change; write nothing
    #[arg(long, short = 'p')]
    pub pretend: bool,
    /// Overwrite files that exist with other content
    #[arg(long, short = 'f', conflicts_with = "skip")]
    pub force: bool,
    /// Keep files that exist with other content
    #[arg(long, short = 's')]
    pub skip: bool,
}

impl PlanArgs {
    pub fn options(&self) -> crate::plan::Options {
        use crate::plan::OnConflict;
        let on_conflict = if self.force {
            OnConflict::Overwrite
        } else if self.skip {
            OnConflict::Keep
        } else {
            OnConflict::Stop
        };
        crate::plan::Options {
            pretend: self.pretend,
            on_conflict,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ControllerArgs {
    /// Controller name, e.g. `users` or `admin/users`
    pub name: String,
    /// Actions, as NAME or NAME:METHOD (default: index)
    pub actions: Vec<String>,
    /// Render askama HTML pages instead of JSON (GET actions, under /NAME)
    #[arg(long)]
    pub html: bool,
    /// Do not add routes to the router (and no tests, which need them)
    #[arg(long)]
    pub skip_routes: bool,
    /// Do not generate tests
    #[arg(long)]
    pub skip_tests: bool,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DestroyArgs {
    /// Name, as given to `generate`
    pub name: String,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Print what would change, with the diffs; write nothing
    #[arg(short, long)]
    pub pretend: bool,
    /// Run even when the git work tree has uncommitted changes
    #[arg(long)]
    pub allow_dirty: bool,
    /// Do not run `cargo check` after writing
    #[arg(long)]
    pub no_check: bool,
    /// Ask for each conflicting file: keep mine, take theirs, or merge with markers
    #[arg(short, long)]
    pub interactive: bool,
    #[command(flatten)]
    pub target: PackageArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RoutesArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: PackageArgs,
}

#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// Directory to create the project in; its last segment is the package name
    pub path: PathBuf,
    /// Package name, if it should differ from the directory name
    #[arg(long)]
    pub name: Option<String>,
    /// Database the app is set up for (pool, settings, migrations); `none` leaves it to `generate model`
    #[arg(long, value_enum, default_value_t = crate::project::Database::Sqlite)]
    pub database: crate::project::Database,
    /// Leave out the Redis utility, its settings and its dependency
    #[arg(long)]
    pub skip_redis: bool,
    /// Leave out the HTTP client utility, its settings and its dependency
    #[arg(long)]
    pub skip_http_client: bool,
    /// Leave out the OpenAPI document (/api/openapi.json) and docs page (/api/docs)
    #[arg(long)]
    pub skip_openapi: bool,
    /// Serve Prometheus metrics at /metrics on a port of their own (9090), with a ServiceMonitor in the chart
    #[arg(long)]
    pub metrics: bool,
    /// Export OpenTelemetry traces over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and propagate traceparent
    #[arg(long)]
    pub otel: bool,
    /// Leave out the Dockerfile and .dockerignore
    #[arg(long)]
    pub skip_docker: bool,
    /// Leave out the Helm chart under charts/
    #[arg(long)]
    pub skip_helm: bool,
    /// Leave out the GitHub Actions workflow
    #[arg(long)]
    pub skip_actions: bool,
    /// Do not initialise a git repository
    #[arg(long)]
    pub skip_git: bool,
    /// Do not run `cargo fetch` at the end
    #[arg(long)]
    pub skip_install: bool,
    /// License of the project
    #[arg(long, value_enum, default_value_t = crate::generate::new::License::Mit)]
    pub license: crate::generate::new::License,
    /// Repository URL, recorded in Cargo.toml and the chart
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,
    /// Print what would be created; write nothing
    #[arg(long, short = 'p')]
    pub pretend: bool,
    /// Create the project inside an existing, non-empty directory,
    /// overwriting files that differ
    #[arg(long, short = 'f')]
    pub force: bool,
}

impl NewArgs {
    /// What `new` is asked to make.
    fn options(&self) -> crate::generate::new::Options {
        crate::generate::new::Options {
            path: self.path.clone(),
            name: self.name.clone(),
            database: self.database,
            redis: !self.skip_redis,
            http_client: !self.skip_http_client,
            openapi: !self.skip_openapi,
            metrics: self.metrics,
            otel: self.otel,
            docker: !self.skip_docker,
            helm: !self.skip_helm,
            actions: !self.skip_actions,
            git: !self.skip_git,
            install: !self.skip_install,
            license: self.license,
            repo_url: self.repo_url.clone(),
            pretend: self.pretend,
            force: self.force,
        }
    }
}

/// What the command line asks for: a built-in command, or a project's own
/// generator.
#[derive(Debug)]
pub struct Parsed {
    pub global: GlobalArgs,
    pub what: Run,
}

#[derive(Debug)]
pub enum Run {
    Builtin(Command),
    /// `generate NAME …` or `destroy NAME …` of a project generator.
    Project {
        generate: bool,
        target: PackageArgs,
        generator: String,
        matches: clap::ArgMatches,
    },
}

/// The command line with the generators of the application around the
/// current directory added under `generate` and `destroy`, so that help,
/// completion and parsing know them.
pub fn command() -> clap::Command {
    let mut cmd = Cargo::command();
    // Only the application's own manifest is read (no `cargo metadata`):
    // this runs before every command, `new` too.
    // With `--package NAME`, the workspace member of that name (cargo
    // metadata then runs, as the command itself would run it).
    let args: Vec<String> = std::env::args().collect();
    let package = args
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.strip_prefix("--package") {
            Some("") => args.get(i + 1).cloned(),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        });
    let Some(root) = std::env::current_dir().ok().and_then(|d| match &package {
        Some(name) => crate::project::Project::find(&d, Some(name))
            .ok()
            .map(|p| p.root),
        None => crate::engine::manifest::application_root(&d),
    }) else {
        return cmd;
    };
    let mut subs = Vec::new();
    for name in crate::engine::manifest::project_generators(&root) {
        if crate::engine::manifest::RESERVED.contains(&name.as_str()) {
            continue;
        }
        let sub = match crate::engine::manifest::read(&root, &name) {
            Ok(m) => crate::engine::project::command(&name, &m),
            // Runs, and then reports what is wrong with the manifest.
            Err(_) => clap::Command::new(name.clone())
                .about("(its generator.toml has an error: run it to see where)")
                .arg(
                    clap::Arg::new("args")
                        .num_args(0..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true),
                ),
        };
        subs.push(sub);
    }
    if subs.is_empty() {
        return cmd;
    }
    cmd = cmd.mut_subcommand("mvc", |mvc| {
        mvc.mut_subcommand("generate", |g| g.subcommands(subs.clone()))
            .mut_subcommand("destroy", |d| d.subcommands(subs))
    });
    cmd
}

/// Parses the command line, exiting with clap's message on an error.
pub fn parse() -> Parsed {
    let matches = command().get_matches();
    let mvc = matches
        .subcommand_matches("mvc")
        .expect("the mvc subcommand");
    if let Some((verb, sub)) = mvc.subcommand()
        && matches!(verb, "generate" | "destroy")
        && let Some((name, inner)) = sub.subcommand()
        && !Generate::has_subcommand(name)
        && !Destroy::has_subcommand(name)
    {
        let global = GlobalArgs::from_arg_matches(mvc).unwrap_or_else(|e| e.exit());
        let target = PackageArgs::from_arg_matches(sub).unwrap_or_else(|e| e.exit());
        return Parsed {
            global,
            what: Run::Project {
                generate: verb == "generate",
                target,
                generator: name.to_string(),
                matches: inner.clone(),
            },
        };
    }
    let Cargo::Mvc(args) = Cargo::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    Parsed {
        global: args.global,
        what: Run::Builtin(args.command),
    }
}

pub fn run(parsed: Parsed, shell: &Shell) -> Result<()> {
    let command = match parsed.what {
        Run::Builtin(command) => command,
        Run::Project {
            generate,
            target,
            generator,
            matches,
        } => return project_generator(generate, &target, &generator, &matches, shell),
    };
    match command {
        Command::New(new) => crate::generate::new::run(&new.options(), shell),
        Command::Generate(GenerateArgs { target, what }) => generate(what, &target, shell),
        Command::Destroy(DestroyCommand { target, what }) => destroy(what, &target, shell),
        Command::Routes(a) => {
            let project = a.target.discover()?;
            crate::routes::run(&project, a.json, shell)
        }
        Command::Update(a) => {
            let (project, _lock) = locked_project(&a.target, shell)?;
            crate::update::run(
                &project,
                crate::update::Options {
                    pretend: a.pretend,
                    allow_dirty: a.allow_dirty,
                    check: !a.no_check,
                    interactive: a.interactive,
                },
                shell,
            )
        }
        Command::Completions(a) => {
            use clap_complete::env::EnvCompleter;
            let completer: &dyn EnvCompleter = match a.shell {
                clap_complete::Shell::Bash => &clap_complete::env::Bash,
                clap_complete::Shell::Zsh => &clap_complete::env::Zsh,
                clap_complete::Shell::Fish => &clap_complete::env::Fish,
                clap_complete::Shell::PowerShell => &clap_complete::env::Powershell,
                clap_complete::Shell::Elvish => &clap_complete::env::Elvish,
                other => anyhow::bail!("no completion for {other}"),
            };
            // The shell asks `cargo-mvc` at each <TAB>, so completions follow
            // the project the command line is typed in (its own generators).
            let mut out = Vec::new();
            completer.write_registration("COMPLETE", "cargo", "cargo", "cargo-mvc", &mut out)?;
            shell.data(String::from_utf8_lossy(&out).trim_end());
            Ok(())
        }
        Command::Man => {
            let cmd = Cargo::command();
            let mvc = cmd
                .find_subcommand("mvc")
                .expect("the mvc subcommand")
                .clone()
                .name("cargo-mvc")
                .bin_name("cargo mvc");
            let mut out = Vec::new();
            clap_mangen::Man::new(mvc).render(&mut out)?;
            shell.data(String::from_utf8_lossy(&out).trim_end());
            Ok(())
        }
        Command::Serve(a) => {
            let project = a.target.discover()?;
            crate::serve::run(
                &project,
                &crate::serve::Options {
                    host: a.host,
                    port: a.port,
                    release: a.release,
                    reload: !a.no_reload,
                    env: a.env,
                },
                shell,
            )
        }
    }
}

/// The arguments of a built-in generator's run, as the record keeps them.
fn recorded_args(what: &Generate) -> Option<(&'static str, Vec<String>)> {
    let flag = |on: bool, name: &str| on.then(|| name.to_string());
    Some(match what {
        Generate::Controller(a) => (
            "controller",
            std::iter::once(a.name.clone())
                .chain(a.actions.iter().cloned())
                .chain(flag(a.html, "--html"))
                .chain(flag(a.skip_routes, "--skip-routes"))
                .chain(flag(a.skip_tests, "--skip-tests"))
                .collect(),
        ),
        Generate::View(a) => (
            "view",
            std::iter::once(a.name.clone())
                .chain(a.actions.iter().cloned())
                .collect(),
        ),
        Generate::Model(a) => (
            "model",
            std::iter::once(a.name.clone())
                .chain(a.fields.iter().cloned())
                .chain(
                    a.join
                        .iter()
                        .flat_map(|j| ["--join".to_string(), j.clone()]),
                )
                .collect(),
        ),
        Generate::Scaffold(a) => (
            "scaffold",
            std::iter::once(a.model.name.clone())
                .chain(a.model.fields.iter().cloned())
                .chain(flag(a.html, "--html"))
                .chain(flag(a.auth, "--auth"))
                .chain(flag(a.owned, "--owned"))
                .chain(
                    a.model
                        .join
                        .iter()
                        .flat_map(|j| ["--join".to_string(), j.clone()]),
                )
                .collect(),
        ),
        Generate::Migration(a) => (
            "migration",
            std::iter::once(a.name.clone())
                .chain(a.fields.iter().cloned())
                .chain(flag(a.concurrently, "--concurrently"))
                .collect(),
        ),
        Generate::Script(a) => ("script", vec![a.name.clone()]),
        Generate::Metrics(_) => ("metrics", Vec::new()),
        Generate::Authentication(a) => (
            "authentication",
            flag(a.html, "--html").into_iter().collect(),
        ),
        Generate::Override(_) | Generate::Generator(_) | Generate::List => return None,
    })
}

/// The plan of a built-in generator and the options it was given.
fn generate_plan(
    what: &Generate,
    project: &crate::project::Project,
) -> Result<(crate::plan::Plan, PlanArgs)> {
    if let Some((name, _)) = recorded_args(what) {
        crate::engine::builtins::check_not_shadowed(project, name)?;
    }
    let (mut plan, args) = match what {
        Generate::Controller(a) => {
            let opts = crate::generate::controller::Options {
                html: a.html,
                skip_routes: a.skip_routes,
                skip_tests: a.skip_tests,
            };
            let plan = crate::generate::controller::generate(project, &a.name, &a.actions, &opts)?;
            (plan, a.plan.clone())
        }
        Generate::View(a) => (
            crate::generate::view::generate(&project.root, &a.name, &a.actions)?,
            a.plan.clone(),
        ),
        Generate::Model(a) => (
            crate::generate::model::generate(project, &a.name, &a.fields, &a.join)?,
            a.plan.clone(),
        ),
        Generate::Scaffold(a) => (
            crate::generate::scaffold::generate(
                project,
                &a.model.name,
                &a.model.fields,
                a.html,
                &a.model.join,
                crate::generate::scaffold::Access {
                    auth: a.auth,
                    owned: a.owned,
                },
            )?,
            a.model.plan.clone(),
        ),
        Generate::Migration(a) => (
            crate::generate::migration::generate(
                project,
                &a.name,
                &a.fields,
                crate::generate::migration::Options {
                    concurrently: a.concurrently,
                },
                &|generator: &str, args: &[String]| builtin_plan(project, generator, args, true),
            )?,
            a.plan.clone(),
        ),
        Generate::Override(a) => (
            crate::engine::builtins::override_generator(project, &a.generator)?,
            a.plan.clone(),
        ),
        Generate::Generator(a) => (
            crate::engine::builtins::new_generator(project, &a.name)?,
            a.plan.clone(),
        ),
        Generate::Script(a) => (
            crate::engine::builtins::script(project, &a.name)?,
            a.plan.clone(),
        ),
        Generate::Metrics(a) => (crate::generate::metrics::generate(project)?, a.plan.clone()),
        Generate::Authentication(a) => (
            crate::generate::authentication::generate(project, a.html)?,
            a.plan.clone(),
        ),
        Generate::List => unreachable!("list plans nothing"),
    };
    if let Some((name, recorded)) = recorded_args(what) {
        crate::engine::record::generated(&mut plan, name, &recorded)?;
    }
    Ok((plan, args))
}

/// The plan of a built-in generator run by another generator (`invoke` in
/// a project generator's manifest): `generate GENERATOR ARGS…`, or with
/// `generate` false, `destroy GENERATOR NAME`.
pub fn builtin_plan(
    project: &crate::project::Project,
    generator: &str,
    args: &[String],
    generate: bool,
) -> Result<crate::plan::Plan> {
    #[derive(Debug, Parser)]
    #[command(name = "generate")]
    struct Invoked {
        #[command(subcommand)]
        what: Generate,
    }
    #[derive(Debug, Parser)]
    #[command(name = "destroy")]
    struct Uninvoked {
        #[command(subcommand)]
        what: Destroy,
    }
    // clap's message ends with its own line break.
    let unparsed = |e: &clap::Error| {
        nothing_written(format!(
            "`invoke` of `{generator}` with {args:?}: {}",
            e.render().to_string().trim_end()
        ))
    };
    let line = std::iter::once(if generate { "generate" } else { "destroy" }.to_string())
        .chain(std::iter::once(generator.to_string()))
        .chain(args.iter().cloned());
    let plan = if generate {
        let parsed = Invoked::try_parse_from(line).map_err(|e| unparsed(&e))?;
        generate_plan(&parsed.what, project)?.0
    } else {
        let parsed = Uninvoked::try_parse_from(line).map_err(|e| unparsed(&e))?;
        destroy_plan(&parsed.what, project)?.0
    };
    // The record keeps the run that invoked it, not this one.
    let mut plan = plan;
    plan.changes
        .retain(|c| c.path() != std::path::Path::new(crate::engine::record::RECORD));
    Ok(plan)
}

fn generate(what: Generate, target: &PackageArgs, shell: &Shell) -> Result<()> {
    let (project, _lock) = locked_project(target, shell)?;
    if let Generate::List = what {
        return crate::engine::builtins::list(&project, shell);
    }
    let (plan, args) = generate_plan(&what, &project)?;
    let first_accounts = !project
        .root
        .join(crate::generate::authentication::AUTH_MODULE)
        .exists();
    execute(plan, &args, shell)?;
    if let Generate::Authentication(a) = &what
        && !args.pretend
        && first_accounts
    {
        let sign_up = if a.html {
            "at /users/new (or with `POST /api/users`) and sign in at /session/new"
        } else {
            "with `POST /api/users` and sign in with `POST /api/session`"
        };
        shell.note(format!(
            "apply the new migrations with `cargo run -- migrate` (debug builds apply them when the server starts); then sign up {sign_up}; password reset mail goes to the log until `{prefix}_SMTP_URL` is set, and release builds need `{prefix}_SECRET_KEY`",
            prefix = heck::ToShoutySnakeCase::to_shouty_snake_case(project.name.as_str())
        ));
    }
    if let Generate::Migration(_) = what
        && !args.pretend
    {
        shell.note(format!(
            "the migration has not run; apply it with `cargo run -- migrate` (or `{} migrate` where the application is installed), and roll it back with `migrate --down 1`",
            project.name
        ));
    }
    Ok(())
}

fn destroy_plan(
    what: &Destroy,
    project: &crate::project::Project,
) -> Result<(crate::plan::Plan, PlanArgs)> {
    let (generator, name) = match what {
        Destroy::Model(a) => ("model", &a.name),
        Destroy::Scaffold(a) => ("scaffold", &a.name),
        Destroy::View(a) => ("view", &a.name),
        Destroy::Controller(a) => ("controller", &a.name),
        Destroy::Script(a) => ("script", &a.name),
        Destroy::Migration(a) => ("migration", &a.name),
        Destroy::Override(a) => ("override", &a.generator),
        Destroy::Generator(a) => ("generator", &a.name),
        Destroy::Authentication(_) => ("authentication", &String::new()),
    };
    let (mut plan, args) = match what {
        Destroy::Model(a) => (
            crate::generate::model::destroy(project, &a.name, a.plan.force)?,
            a.plan.clone(),
        ),
        Destroy::Scaffold(a) => (
            crate::generate::scaffold::destroy(project, &a.name, a.plan.force)?,
            a.plan.clone(),
        ),
        Destroy::View(a) => (
            crate::generate::view::destroy(&project.root, &a.name)?,
            a.plan.clone(),
        ),
        Destroy::Controller(a) => (
            crate::generate::controller::destroy(project, &a.name)?,
            a.plan.clone(),
        ),
        Destroy::Migration(a) => {
            let force = a.plan.force;
            let applied = || -> Result<Vec<u64>> {
                if force {
                    Ok(Vec::new())
                } else {
                    crate::generate::migration::applied_versions(project)
                }
            };
            (
                crate::generate::migration::destroy(
                    project,
                    &a.name,
                    &applied,
                    &|generator: &str, args: &[String]| {
                        builtin_plan(project, generator, args, true)
                    },
                )?,
                a.plan.clone(),
            )
        }
        Destroy::Script(a) => (
            crate::engine::builtins::destroy_script(project, &a.name)?,
            a.plan.clone(),
        ),
        Destroy::Override(a) => (
            crate::engine::builtins::destroy_override(project, &a.generator, a.plan.force)?,
            a.plan.clone(),
        ),
        Destroy::Generator(a) => (
            crate::engine::builtins::destroy_generator(project, &a.name)?,
            a.plan.clone(),
        ),
        Destroy::Authentication(a) => (
            crate::generate::authentication::destroy(project, a.plan.force)?,
            a.plan.clone(),
        ),
    };
    // A migration's entry is taken out by `destroy migration` itself, which
    // knows the file names its arguments make.
    if let Destroy::Authentication(_) = what {
        crate::engine::record::destroyed_where(&mut plan, generator, &|args| {
            args.is_empty() || args == ["--html"]
        })?;
    } else if !matches!(
        what,
        Destroy::Override(_) | Destroy::Generator(_) | Destroy::Migration(_)
    ) {
        crate::engine::record::destroyed(&mut plan, generator, name)?;
    }
    Ok((plan, args))
}

fn destroy(what: Destroy, target: &PackageArgs, shell: &Shell) -> Result<()> {
    let (project, _lock) = locked_project(target, shell)?;
    let keeps_tables = matches!(
        what,
        Destroy::Model(_) | Destroy::Scaffold(_) | Destroy::Authentication(_)
    );
    let (plan, args) = destroy_plan(&what, &project)?;
    if keeps_tables {
        execute_keeping_tables(plan, &args, shell)
    } else {
        execute(plan, &args, shell)
    }
}

/// `generate NAME …` / `destroy NAME …` of a project generator.
fn project_generator(
    generate: bool,
    target: &PackageArgs,
    generator: &str,
    matches: &clap::ArgMatches,
    shell: &Shell,
) -> Result<()> {
    let (project, _lock) = locked_project(target, shell)?;
    let manifest = crate::engine::manifest::read(&project.root, generator)?;
    let mut matches = matches.clone();
    let mut args = crate::engine::project::given_args(&manifest, &matches);
    // `destroy NAME name` undoes the run the record has for `name`, with
    // the fields and options it was given.
    if !generate
        && let [name] = args.as_slice()
        && let Some(recorded) = crate::engine::record::args_of_run(&project.root, generator, name)
    {
        let flags = ["pretend", "force", "skip"]
            .into_iter()
            .filter(|f| matches.get_flag(f))
            .map(|f| format!("--{f}"));
        let line: Vec<String> = std::iter::once(generator.to_string())
            .chain(recorded.iter().cloned())
            .chain(flags)
            .collect();
        matches = crate::engine::project::command(generator, &manifest)
            .try_get_matches_from(line)
            .map_err(|e| {
                nothing_written(format!(
                    "{}: the recorded arguments {recorded:?} no longer fit the generator: {}",
                    crate::engine::record::RECORD,
                    e.render().to_string().trim_end()
                ))
                .hint("give the arguments yourself")
            })?;
        args = recorded;
    }
    let inv = crate::engine::project::invocation(&project, generator, &manifest, &matches, args)?;
    let invoke = |generator: &str, args: &[String], generate: bool| {
        builtin_plan(&project, generator, args, generate)
    };
    let plan = if generate {
        crate::engine::project::generate(&project, &manifest, &inv, &invoke)?
    } else {
        crate::engine::project::destroy(&project, &manifest, &inv, &invoke)?
    };
    plan.execute(inv.options, shell)?;
    Ok(())
}

/// The application around the current directory, locked for the command:
/// read again once the lock is held, as another command may have changed it.
fn locked_project(
    target: &PackageArgs,
    shell: &Shell,
) -> Result<(crate::project::Project, crate::fs::ProjectLock)> {
    let project = target.discover()?;
    let lock = crate::fs::ProjectLock::acquire(&project.root, || {
        shell.status(
            "Blocking",
            "waiting for another cargo mvc command to finish with this project",
            crate::shell::Tone::Warn,
        );
    })?;
    Ok((target.discover()?, lock))
}

fn execute(plan: crate::plan::Plan, args: &PlanArgs, shell: &Shell) -> Result<()> {
    plan.execute(args.options(), shell)?;
    Ok(())
}

/// Runs a plan that removes a model, then says what it cannot remove.
fn execute_keeping_tables(plan: crate::plan::Plan, args: &PlanArgs, shell: &Shell) -> Result<()> {
    execute(plan, args, shell)?;
    if !args.pretend {
        shell.note(
            "a database the migration already ran on keeps its table and rows; roll the migration back before destroying, or drop the table yourself",
        );
    }
    Ok(())
}

fn clap_cargo_styles() -> clap::builder::Styles {
    use anstyle::{AnsiColor, Effects};
    let header = AnsiColor::Green.on_default().effects(Effects::BOLD);
    let literal = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
    clap::builder::Styles::styled()
        .header(header)
        .usage(header)
        .literal(literal)
        .placeholder(AnsiColor::Cyan.on_default())
        .error(AnsiColor::Red.on_default().effects(Effects::BOLD))
        .valid(literal)
        .invalid(AnsiColor::Yellow.on_default().effects(Effects::BOLD))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The newest release of CHANGELOG.md names the templates version
    /// `--version` prints, in the heading `update` reads; changes to the
    /// templates not released yet are one version ahead, under
    /// `## [Unreleased]`'s `### Templates`.
    #[test]
    fn the_changelog_names_the_templates_version() {
        let changelog = include_str!("../CHANGELOG.md");
        let newest = changelog
            .lines()
            .find(|l| l.starts_with("## [") && !l.starts_with("## [Unreleased]"))
            .expect("a release heading");
        let released: u32 = newest
            .rsplit(" - templates ")
            .next()
            .and_then(|n| n.parse().ok())
            .expect("the heading ends with ` - templates N`");
        let unreleased = &changelog[changelog
            .find("## [Unreleased]")
            .expect("an Unreleased section")
            ..changelog.find(newest).expect("the release heading")];
        let expected = if unreleased.contains("### Templates") {
            released + 1
        } else {
            assert!(
                newest.starts_with(&format!("## [{}] - ", env!("CARGO_PKG_VERSION"))),
                "{newest}"
            );
            released
        };
        assert_eq!(templates_version!(), expected, "{newest}");
    }

    #[test]
    fn cli_is_consistent() {
        Cargo::command().debug_assert();
    }
}
