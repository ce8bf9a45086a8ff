//! The database: its settings, the connection pool, and the migrations under
//! `migrations/`, which are embedded in the binary at build time.

use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::app::errors::AppError;
use crate::config::{ConfigError, Env, Settings};
/// The database this application runs on.
pub type Db = sqlx::Sqlite;
/// A pool of connections; cloning it is cheap.
pub type Pool = sqlx::SqlitePool;

/// Used when neither `BLOG_DATABASE_URL` nor `DATABASE_URL` is set;
/// the file and its folder are created when missing.
const DEFAULT_URL: &str = "sqlite://data/blog.db";

/// The migrations under `migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!();

#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    /// Limit for getting a connection from the pool (and for `/api/ready`).
    pub timeout: Duration,
    /// Apply pending migrations when the server starts.
    pub auto_migrate: bool,
}

impl DatabaseSettings {
    /// Reads the `DATABASE_*` settings and `AUTO_MIGRATE`. The URL falls back
    /// to the conventional `DATABASE_URL` (which sqlx's tooling and tests
    /// read too) when that is a URL for this database.
    pub fn read(env: &Env) -> Result<Self, ConfigError> {
        let default_url = env
            .unprefixed("DATABASE_URL")
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .filter(|url| {
                DEFAULT_URL
                    .split(':')
                    .next()
                    .is_some_and(|s| url.starts_with(s))
            })
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        Ok(Self {
            url: env.parse(
                "DATABASE_URL",
                &default_url,
                "a sqlite: URL such as sqlite://data/app.db",
                |v| v.starts_with("sqlite:").then(|| v.to_string()),
            )?,
            max_connections: env.parse(
                "DATABASE_MAX_CONNECTIONS",
                "10",
                "a positive integer",
                |v| v.parse().ok().filter(|n| *n > 0),
            )?,
            min_connections: env.parse("DATABASE_MIN_CONNECTIONS", "0", "an integer", |v| {
                v.parse().ok()
            })?,
            timeout: env.seconds("DATABASE_TIMEOUT", "5")?,
            // On in development (debug builds), off in release builds, where
            // `blog migrate` runs as a deployment step.
            auto_migrate: env.flag("AUTO_MIGRATE", &cfg!(debug_assertions).to_string())?,
        })
    }

    /// Settings for tests: a database of their
    /// own, in memory, migrated when the server starts.
    pub fn for_tests() -> Self {
        Self {
            url: "sqlite::memory:".to_string(),
            auto_migrate: true,
            ..Settings::default().database
        }
    }
}

impl std::fmt::Debug for DatabaseSettings {
    /// Leaves the password out of the URL, so settings can be logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redacted(&self.url))
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("timeout", &self.timeout)
            .field("auto_migrate", &self.auto_migrate)
            .finish()
    }
}

/// `scheme://user:secret@host/db` → `scheme://user:***@host/db`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// The pool. No connection is made until one is needed, so the server starts
/// (and reports not ready) while the database is down.
pub fn pool(settings: &DatabaseSettings) -> anyhow::Result<Pool> {
    let options: SqliteConnectOptions = settings.url.parse().context("invalid database URL")?;
    // WAL lets readers work while one connection writes; writers queue for up
    // to the busy timeout instead of failing at once. In WAL mode, NORMAL
    // syncs at checkpoints rather than on every commit: a commit survives the
    // process crashing, and only an OS crash or power loss can take back the
    // last ones (the setting Rails uses for SQLite in production).
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create the database folder {}", dir.display()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.timeout)
        .connect_lazy_with(options);
    Ok(pool)
}

impl From<sqlx::Error> for AppError {
    /// A query that failed is a 500; the detail goes to the log only.
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(err.into())
    }
}

/// Checks that the database answers, for `/api/ready`.
pub async fn ping(pool: &Pool) -> Result<(), AppError> {
    sqlx::query("SELECT 1")
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|err| AppError::Unavailable("the database", err.into()))
}

/// Applies the pending migrations, when the settings ask for it at startup.
pub async fn migrate_on_start(pool: &Pool, settings: &DatabaseSettings) -> anyhow::Result<()> {
    if settings.auto_migrate {
        MIGRATOR
            .run(pool)
            .await
            .context("could not apply the migrations")?;
        tracing::debug!("migrations applied");
    }
    Ok(())
}

/// `blog migrate`: apply, roll back or list the migrations.
#[derive(Debug, Default, clap::Args)]
pub struct MigrateArgs {
    /// Roll back the last N applied migrations
    #[arg(long, value_name = "N", conflicts_with = "status")]
    pub down: Option<usize>,
    /// List the migrations and whether each is applied; change nothing
    #[arg(long)]
    pub status: bool,
}

/// One migration as `migrate --status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

/// Runs `migrate` against the database in `settings` and returns what to
/// print.
pub fn migrate_command(args: &MigrateArgs, settings: &Settings) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        let pool = pool(&settings.database)?;
        let out = migrate(args, &pool).await;
        pool.close().await;
        out
    })
}

/// Applies (default), rolls back (`--down N`) or lists (`--status`).
pub async fn migrate(args: &MigrateArgs, pool: &Pool) -> anyhow::Result<String> {
    migrate_with(&MIGRATOR, args, pool).await
}

/// [`migrate`] with the migrations of `migrator`.
async fn migrate_with(
    migrator: &Migrator,
    args: &MigrateArgs,
    pool: &Pool,
) -> anyhow::Result<String> {
    if args.status {
        let lines: Vec<String> = status_with(migrator, pool)
            .await?
            .iter()
            .map(|m| {
                let state = if m.applied { "applied" } else { "pending" };
                format!("{state:<8} {} {}", m.version, m.description)
            })
            .collect();
        return Ok(if lines.is_empty() {
            "no migrations".to_string()
        } else {
            lines.join("\n")
        });
    }
    let before = applied_versions(migrator, pool).await?;
    match args.down {
        Some(n) => {
            // Everything after the (n+1)-th newest applied version is undone.
            let target = before.iter().rev().nth(n).copied().unwrap_or(0);
            migrator
                .undo(pool, target)
                .await
                .context("could not roll back")?;
        }
        None => migrator
            .run(pool)
            .await
            .context("could not apply the migrations")?,
    }
    let after = applied_versions(migrator, pool).await?;
    let verb = if args.down.is_some() {
        "rolled back"
    } else {
        "applied"
    };
    let changed = before.len().abs_diff(after.len());
    Ok(format!(
        "{verb} {changed} migration(s); {} applied",
        after.len()
    ))
}

/// Every migration of `migrator`, oldest first, and whether it is applied.
async fn status_with(migrator: &Migrator, pool: &Pool) -> anyhow::Result<Vec<MigrationStatus>> {
    let applied = applied_versions(migrator, pool).await?;
    Ok(migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| MigrationStatus {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.contains(&m.version),
        })
        .collect())
}

async fn applied_versions(migrator: &Migrator, pool: &Pool) -> anyhow::Result<Vec<i64>> {
    let mut conn = pool
        .acquire()
        .await
        .context("could not connect to the database")?;
    conn.ensure_migrations_table(&migrator.table_name).await?;
    let mut versions: Vec<i64> = conn
        .list_applied_migrations(&migrator.table_name)
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect();
    versions.sort_unstable();
    Ok(versions)
}

/// An exact decimal number. SQLite has no exact decimal type, so it is stored
/// as TEXT and never passes through a float.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Decimal(pub rust_decimal::Decimal);

impl std::str::FromStr for Decimal {
    type Err = rust_decimal::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl sqlx::Type<Db> for Decimal {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as sqlx::Type<Db>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Db> for Decimal {
    fn encode_by_ref(
        &self,
        buf: &mut <Db as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<'q, Db>>::encode(self.0.to_string(), buf)
    }
}

impl<'r> sqlx::Decode<'r, Db> for Decimal {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <&str as sqlx::Decode<'r, Db>>::decode(value)?;
        Ok(text.parse()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::ENV_PREFIX;

    #[test]
    fn passwords_stay_out_of_the_log() {
        let settings = DatabaseSettings {
            url: "postgres://app:hunter2@db:5432/app".to_string(),
            ..Settings::default().database
        };
        let printed = format!("{settings:?}");
        assert!(
            printed.contains("postgres://app:***@db:5432/app"),
            "{printed}"
        );
        assert!(!printed.contains("hunter2"));
        assert_eq!(redacted("sqlite://data/app.db"), "sqlite://data/app.db");
        assert_eq!(redacted("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn reads_the_database_settings() {
        let prefixed = |name: &str| format!("{ENV_PREFIX}_{name}");
        let url = "sqlite://elsewhere.db";
        let pairs = [
            (prefixed("DATABASE_URL"), url),
            (prefixed("DATABASE_MAX_CONNECTIONS"), "3"),
            (prefixed("AUTO_MIGRATE"), "off"),
            (
                "DATABASE_URL".to_string(),
                "ignored when the prefixed one is set",
            ),
        ];
        let settings = Settings::from_lookup(|var| {
            pairs
                .iter()
                .find(|(k, _)| k == var)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        assert_eq!(settings.database.url, url);
        assert_eq!(settings.database.max_connections, 3);
        assert!(!settings.database.auto_migrate);

        let fallback =
            Settings::from_lookup(|var| (var == "DATABASE_URL").then(|| url.to_string()));
        assert_eq!(fallback.unwrap().database.url, url);

        let bad = Settings::from_lookup(|var| {
            (var == prefixed("DATABASE_URL")).then(|| "mysql://x".to_string())
        });
        assert_eq!(bad.unwrap_err().var, prefixed("DATABASE_URL"));
        let no_connections = Settings::from_lookup(|var| {
            (var == prefixed("DATABASE_MAX_CONNECTIONS")).then(|| "0".to_string())
        });
        assert_eq!(
            no_connections.unwrap_err().var,
            prefixed("DATABASE_MAX_CONNECTIONS")
        );
    }

    #[test]
    fn decimals_keep_every_digit() {
        let d: Decimal = "1234567890123456.0123456789".parse().unwrap();
        assert_eq!(d.to_string(), "1234567890123456.0123456789");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"1234567890123456.0123456789\""
        );
    }

    #[tokio::test]
    async fn decimals_are_stored_as_text() {
        let pool = pool(&DatabaseSettings::for_tests()).unwrap();
        let d: Decimal = "1234567890123456.0123456789".parse().unwrap();
        let (back, kind): (Decimal, String) = sqlx::query_as("SELECT ?1, typeof(?1)")
            .bind(d)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((back, kind.as_str()), (d, "text"));
        let not_a_number = sqlx::query_as::<_, (Decimal,)>("SELECT 'twelve'")
            .fetch_one(&pool)
            .await;
        assert!(not_a_number.is_err());
        pool.close().await;
    }

    #[tokio::test]
    async fn migrate_applies_lists_and_rolls_back() {
        let pool = pool(&DatabaseSettings::for_tests()).unwrap();
        let up = MigrateArgs::default();
        let status = MigrateArgs {
            status: true,
            ..MigrateArgs::default()
        };
        migrate(&up, &pool).await.unwrap();
        let listed = migrate(&status, &pool).await.unwrap();
        assert!(!listed.contains("pending"), "{listed}");
        let down = MigrateArgs {
            down: Some(MIGRATOR.iter().count()),
            ..MigrateArgs::default()
        };
        let out = migrate(&down, &pool).await.unwrap();
        assert!(out.ends_with("0 applied"), "{out}");
        assert!(status_of(&pool).await.iter().all(|m| !m.applied));
        pool.close().await;
    }

    async fn status_of(pool: &Pool) -> Vec<MigrationStatus> {
        status_with(&MIGRATOR, pool).await.unwrap()
    }

    /// A name no other test run uses, for tables and folders.
    fn unique(name: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        format!("{name}_{}_{nanos}", std::process::id())
    }

    /// Migrations written for the test into a folder of their own, and
    /// recorded in a table of their own: the application's are left alone.
    async fn scratch_migrator(name: &str, files: &[(&str, String)]) -> Migrator {
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, sql) in files {
            std::fs::write(dir.join(file), sql).unwrap();
        }
        let mut migrator = Migrator::new(dir.as_path()).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        migrator.dangerous_set_table_name(format!("{name}_migrations"));
        migrator
    }

    #[tokio::test]
    async fn migrate_applies_lists_and_rolls_back_in_order() {
        let name = unique("scratch");
        let files = [
            (
                "1_create_owners.up.sql",
                format!("CREATE TABLE {name}_owners (id INTEGER PRIMARY KEY)"),
            ),
            (
                "1_create_owners.down.sql",
                format!("DROP TABLE {name}_owners"),
            ),
            (
                "2_create_pets.up.sql",
                format!("CREATE TABLE {name}_pets (id INTEGER PRIMARY KEY)"),
            ),
            ("2_create_pets.down.sql", format!("DROP TABLE {name}_pets")),
        ];
        let migrator = scratch_migrator(&name, &files).await;
        let pool = pool(&DatabaseSettings::for_tests()).unwrap();
        let run = |args: MigrateArgs| {
            let (migrator, pool) = (&migrator, &pool);
            async move { migrate_with(migrator, &args, pool).await.unwrap() }
        };
        let status = || MigrateArgs {
            status: true,
            ..MigrateArgs::default()
        };
        let down = |n| MigrateArgs {
            down: Some(n),
            ..MigrateArgs::default()
        };

        assert_eq!(
            run(status()).await,
            "pending  1 create owners\npending  2 create pets"
        );
        assert_eq!(
            run(MigrateArgs::default()).await,
            "applied 2 migration(s); 2 applied"
        );
        assert_eq!(
            run(status()).await,
            "applied  1 create owners\napplied  2 create pets"
        );
        assert_eq!(run(down(1)).await, "rolled back 1 migration(s); 1 applied");
        assert_eq!(
            run(status()).await,
            "applied  1 create owners\npending  2 create pets"
        );
        // Rolling back more than was applied rolls back what there is.
        assert_eq!(run(down(5)).await, "rolled back 1 migration(s); 0 applied");

        let none = scratch_migrator(&unique("empty"), &[]).await;
        assert_eq!(
            migrate_with(&none, &status(), &pool).await.unwrap(),
            "no migrations"
        );
        for table in [&migrator.table_name, &none.table_name] {
            // The name was made by `unique` above.
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }

    #[tokio::test]
    async fn startup_leaves_the_database_alone_without_auto_migrate() {
        let settings = DatabaseSettings {
            url: format!(
                "sqlite://{}.db?mode=ro",
                std::env::temp_dir().join(unique("absent")).display()
            ),
            auto_migrate: false,
            ..DatabaseSettings::for_tests()
        };
        let pool = pool(&settings).unwrap();
        migrate_on_start(&pool, &settings).await.unwrap();
        assert!(ping(&pool).await.is_err(), "there is no database to reach");
    }

    #[test]
    fn the_migrate_command_runs_on_a_runtime_of_its_own() {
        let mut settings = Settings {
            database: DatabaseSettings::for_tests(),
            ..Settings::default()
        };
        let status = MigrateArgs {
            status: true,
            ..MigrateArgs::default()
        };
        let listed = migrate_command(&status, &settings).unwrap();
        let known = MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .count();
        assert!(
            listed == "no migrations" || listed.lines().count() == known,
            "{listed}"
        );
        settings.database.url = "sqlite://app.db?mode=sideways".to_string();
        let err = migrate_command(&status, &settings).unwrap_err();
        assert!(err.to_string().contains("invalid database URL"), "{err}");
    }

    #[test]
    fn the_migrate_subcommand_reads_its_database_from_the_environment() {
        use clap::Parser;
        let run = |url: String| {
            let cli = crate::cli::Cli::try_parse_from(["app", "migrate", "--status"]).unwrap();
            let var = format!("{ENV_PREFIX}_DATABASE_URL");
            crate::cli::execute(cli, move |name| (name == var).then(|| url.clone()))
        };
        run(DatabaseSettings::for_tests().url).unwrap();
        let err = run("mysql://elsewhere/app".to_string()).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn migrate_flags() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            args: MigrateArgs,
        }
        let cli = Cli::try_parse_from(["migrate", "--down", "2"]).unwrap();
        assert_eq!(cli.args.down, Some(2));
        assert!(Cli::try_parse_from(["migrate", "--down", "1", "--status"]).is_err());
    }
}
