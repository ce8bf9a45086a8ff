//! The `blog` command line. A flag beats its environment variable,
//! which beats the default.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{LogFormat, Settings};
use crate::{server, telemetry};

#[derive(Debug, Parser)]
/// The name and the description come from Cargo.toml.
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the production HTTP server
    Serve(ServeArgs),
    /// Apply the pending database migrations (or roll back, or list them)
    Migrate(crate::db::MigrateArgs),
    /// Manage accounts: `users create EMAIL`
    Users(crate::app::auth::UsersArgs),
}

/// Overrides for the settings read from the environment.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT [env: BLOG_BIND] [default: 127.0.0.1:8000]
    #[arg(long, value_name = "HOST:PORT")]
    pub bind: Option<String>,
    /// Worker threads [env: BLOG_WORKERS] [default: number of CPUs]
    #[arg(long, value_name = "N")]
    pub workers: Option<String>,
    /// Write the process id to FILE while running [env: BLOG_PID_FILE]
    #[arg(long, value_name = "FILE")]
    pub pid: Option<PathBuf>,
    /// Log filter, e.g. `info` or `debug` [env: BLOG_LOG_LEVEL] [default: info]
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Log format: pretty or json [env: BLOG_LOG_FORMAT] [default: pretty]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Seconds a request may take [env: BLOG_REQUEST_TIMEOUT] [default: 30]
    #[arg(long, value_name = "SECS")]
    pub request_timeout: Option<String>,
    /// Largest request body in bytes [env: BLOG_BODY_LIMIT] [default: 2097152]
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<String>,
    /// Seconds to let in-flight requests finish after SIGTERM [env: BLOG_SHUTDOWN_TIMEOUT] [default: 30]
    #[arg(long, value_name = "SECS")]
    pub shutdown_timeout: Option<String>,
}

impl ServeArgs {
    /// Settings from the environment, then each flag given on top. Flags are
    /// parsed by the same rules as their variables, so errors read alike.
    pub fn settings(&self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let pid = self.pid.as_ref().map(|p| p.to_string_lossy().into_owned());
        // (variable without its prefix, value given as a flag)
        let overrides: Vec<(&str, String)> = [
            ("BIND", &self.bind),
            ("WORKERS", &self.workers),
            ("PID_FILE", &pid),
            ("LOG_LEVEL", &self.log_level),
            ("LOG_FORMAT", &self.log_format),
            ("REQUEST_TIMEOUT", &self.request_timeout),
            ("BODY_LIMIT", &self.body_limit),
            ("SHUTDOWN_TIMEOUT", &self.shutdown_timeout),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value.clone()?)))
        .collect();
        let lookup = |var: &str| {
            let key = var
                .strip_prefix(crate::config::ENV_PREFIX)?
                .strip_prefix('_')?;
            overrides
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, v)| v.clone())
                .or_else(|| env(var))
        };
        Settings::from_lookup(lookup).map_err(|mut err| {
            // A bad flag is named as the flag the user typed.
            let given = overrides
                .iter()
                .find(|(key, _)| err.var.ends_with(&format!("_{key}")));
            if let Some((key, _)) = given {
                err.var = format!("{} ({})", flag_name(key), err.var);
            }
            err.into()
        })
    }
}

/// The `serve` flag that overrides a setting.
fn flag_name(key: &str) -> String {
    match key {
        "PID_FILE" => "--pid".to_string(),
        _ => format!("--{}", key.to_ascii_lowercase().replace('_', "-")),
    }
}

/// Parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    crate::install_tls_provider();
    let cli = Cli::parse();
    match execute(cli, |var| std::env::var(var).ok()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line with the given environment.
pub fn execute(cli: Cli, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let settings = args.settings(env)?;
            let _log_writer = telemetry::init(&settings.log_level, settings.log_format);
            if settings.log_format == LogFormat::Pretty {
                tracing::debug!(?settings, "settings");
            }
            server::run(settings)
        }
        Command::Migrate(args) => {
            let settings = Settings::from_lookup(env)?;
            let report = crate::db::migrate_command(&args, &settings)?;
            println!("{report}");
            Ok(())
        }
        Command::Users(args) => {
            let settings = Settings::from_lookup(env)?;
            println!("{}", crate::app::auth::users_command(&args, &settings)?);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::ENV_PREFIX;

    #[test]
    fn flag_beats_env_beats_default() {
        let env = |var: &str| match var.strip_prefix(ENV_PREFIX) {
            Some("_BIND") => Some("127.0.0.1:9000".to_string()),
            Some("_WORKERS") => Some("3".to_string()),
            _ => None,
        };
        let args = ServeArgs {
            workers: Some("5".into()),
            ..ServeArgs::default()
        };
        let settings = args.settings(env).unwrap();
        assert_eq!(settings.bind.port(), 9000);
        assert_eq!(settings.workers, 5);
        assert_eq!(settings.body_limit, 2 * 1024 * 1024);
    }

    #[test]
    fn bad_flag_names_the_setting() {
        let args = ServeArgs {
            workers: Some("many".into()),
            ..ServeArgs::default()
        };
        let err = args.settings(|_| None).unwrap_err().to_string();
        assert!(err.contains(&format!("{ENV_PREFIX}_WORKERS")), "{err}");
        assert!(err.contains("--workers"), "{err}");
    }

    #[test]
    fn parses_serve_flags() {
        let argv = ["app", "serve", "--bind", "0.0.0.0:1", "--pid", "x.pid"];
        let cli = Cli::try_parse_from(argv).unwrap();
        assert!(matches!(
            cli.command,
            Command::Serve(ServeArgs { ref bind, ref pid, .. })
                if bind.as_deref() == Some("0.0.0.0:1") && *pid == Some(PathBuf::from("x.pid"))
        ));
    }

    #[test]
    fn execute_reports_bad_settings() {
        let cli = Cli::try_parse_from(["app", "serve"]).unwrap();
        let var = format!("{ENV_PREFIX}_BODY_LIMIT");
        let env = |name: &str| (name == var).then(|| "lots".to_string());
        let err = execute(cli, env).unwrap_err().to_string();
        assert!(err.contains(&var), "{err}");
    }
}
