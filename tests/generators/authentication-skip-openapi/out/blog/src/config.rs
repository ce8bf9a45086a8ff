//! Typed settings, read from `BLOG_*` environment variables. Every
//! setting has a default; a bad value stops startup with an error naming the
//! variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Prefix of every environment variable this application reads.
pub const ENV_PREFIX: &str = "BLOG";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for development.
    Pretty,
    /// One JSON object a line, for log collectors.
    Json,
}

/// How the Redis nodes in `BLOG_REDIS_URL` are deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    Standalone,
    Sentinel,
    Cluster,
}

#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// Connect to Redis at startup and check it in `/api/ready`.
    pub enabled: bool,
    /// One URL (standalone), or the sentinel or cluster nodes.
    pub urls: Vec<String>,
    pub mode: RedisMode,
    /// The service name the sentinels monitor.
    pub sentinel_master: String,
    /// Limit for connecting and for each command.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct HttpClientSettings {
    /// Limit for a whole outgoing request.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub workers: usize,
    pub pid_file: Option<PathBuf>,
    pub log_level: String,
    pub log_format: LogFormat,
    /// One `info` line per request (probes at debug).
    pub request_log: bool,
    pub request_timeout: Duration,
    pub body_limit: usize,
    pub shutdown_timeout: Duration,
    /// Origins allowed to call the API from a browser (CORS); none when
    /// empty, any with `*`.
    pub cors_origins: Vec<String>,
    /// gzip for clients that accept it.
    pub compression: bool,
    /// `Strict-Transport-Security` on every response, for a site served
    /// only over HTTPS.
    pub hsts: bool,
    /// Time a client has to send a request's headers, from opening the
    /// connection or from the first byte of a later request.
    pub header_read_timeout: Duration,
    /// Time an idle keep-alive connection stays open between requests.
    pub keep_alive_timeout: Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    pub redis: RedisSettings,
    pub http_client: HttpClientSettings,
    pub database: crate::db::DatabaseSettings,
}

/// A setting whose value could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid value {value:?} for {var}: expected {expected}")]
pub struct ConfigError {
    pub var: String,
    pub value: String,
    pub expected: &'static str,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// Reads settings through `get`, which maps a variable name to its value.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env { get: &get };
        Ok(Self {
            bind: env.parse(
                "BIND",
                "127.0.0.1:8000",
                "an address such as 0.0.0.0:8000",
                |v| v.parse().ok(),
            )?,
            workers: env.parse(
                "WORKERS",
                &default_workers().to_string(),
                "a positive integer",
                |v| v.parse().ok().filter(|n| *n > 0),
            )?,
            pid_file: env
                .value("PID_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            log_level: env.parse(
                "LOG_LEVEL",
                "info",
                "a log filter such as info or debug",
                |v| {
                    tracing_subscriber::EnvFilter::try_new(v)
                        .ok()
                        .map(|_| v.to_string())
                },
            )?,
            log_format: env.parse("LOG_FORMAT", "pretty", "pretty or json", |v| {
                match v.to_ascii_lowercase().as_str() {
                    "pretty" => Some(LogFormat::Pretty),
                    "json" => Some(LogFormat::Json),
                    _ => None,
                }
            })?,
            request_log: env.flag("REQUEST_LOG", "true")?,
            request_timeout: env.seconds("REQUEST_TIMEOUT", "30")?,
            body_limit: env.parse("BODY_LIMIT", "2097152", "a size in bytes", |v| {
                v.parse().ok()
            })?,
            shutdown_timeout: env.seconds("SHUTDOWN_TIMEOUT", "30")?,
            cors_origins: env.parse(
                "CORS_ORIGINS",
                "",
                "origins such as https://example.com separated by commas, or *",
                cors_origins,
            )?,
            compression: env.flag("COMPRESSION", "true")?,
            hsts: env.flag("HSTS", "false")?,
            header_read_timeout: env.seconds("HEADER_READ_TIMEOUT", "10")?,
            keep_alive_timeout: env.seconds("KEEP_ALIVE_TIMEOUT", "75")?,
            max_connections: env.parse("MAX_CONNECTIONS", "4096", "a positive integer", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            redis: RedisSettings {
                enabled: env.flag("USE_REDIS", "false")?,
                urls: env.parse(
                    "REDIS_URL",
                    "redis://127.0.0.1:6379",
                    "redis:// URLs separated by commas",
                    redis_urls,
                )?,
                mode: env.parse(
                    "REDIS_MODE",
                    "standalone",
                    "standalone, sentinel or cluster",
                    |v| match v.to_ascii_lowercase().as_str() {
                        "standalone" => Some(RedisMode::Standalone),
                        "sentinel" => Some(RedisMode::Sentinel),
                        "cluster" => Some(RedisMode::Cluster),
                        _ => None,
                    },
                )?,
                sentinel_master: env.parse(
                    "REDIS_SENTINEL_MASTER",
                    "mymaster",
                    "a service name",
                    |v| (!v.is_empty()).then(|| v.to_string()),
                )?,
                timeout: env.seconds("REDIS_TIMEOUT", "5")?,
            },
            http_client: HttpClientSettings {
                timeout: env.seconds("HTTP_TIMEOUT", "10")?,
            },
            database: crate::db::DatabaseSettings::read(&env)?,
        })
    }
}

impl Default for Settings {
    /// Every setting at its default.
    fn default() -> Self {
        Self::from_lookup(|_| None).expect("the defaults are valid")
    }
}

/// A comma-separated list of Redis URLs.
fn redis_urls(value: &str) -> Option<Vec<String>> {
    let urls: Vec<String> = value.split(',').map(|u| u.trim().to_string()).collect();
    let schemes = ["redis://", "rediss://", "redis+unix://"];
    urls.iter()
        .all(|u| schemes.iter().any(|s| u.starts_with(s)))
        .then_some(urls)
}

/// A comma-separated list of origins (`scheme://host[:port]`), or `*`.
fn cors_origins(value: &str) -> Option<Vec<String>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    if value == "*" {
        return Some(vec!["*".to_string()]);
    }
    let origins: Vec<String> = value
        .split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .collect();
    origins
        .iter()
        .all(|o| {
            let rest = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"));
            rest.is_some_and(|host| {
                !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
        })
        .then_some(origins)
}

/// The default worker count: one per CPU.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Reads `BLOG_*` variables through a lookup function; what every
/// group of settings is parsed with.
pub struct Env<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    /// The full variable name of the setting `name`.
    pub fn var(name: &str) -> String {
        format!("{ENV_PREFIX}_{name}")
    }

    /// The raw value of the setting `name`, if set.
    pub fn value(&self, name: &str) -> Option<String> {
        (self.get)(&Self::var(name))
    }

    /// The value of a variable read without the prefix, such as `DATABASE_URL`.
    pub fn unprefixed(&self, var: &str) -> Option<String> {
        (self.get)(var)
    }

    /// The setting `name` (or `default`) parsed by `parse`; `expected` says
    /// what a valid value looks like.
    pub fn parse<T>(
        &self,
        name: &str,
        default: &str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        let value = self.value(name).unwrap_or_else(|| default.to_string());
        parse(value.trim()).ok_or_else(|| ConfigError {
            var: Self::var(name),
            value,
            expected,
        })
    }

    /// A duration in (fractional) seconds.
    pub fn seconds(&self, name: &str, default: &str) -> Result<Duration, ConfigError> {
        let expected = "a number of seconds, such as 30 or 0.5";
        self.parse(name, default, expected, |v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
        })
    }

    /// A boolean: true/false, yes/no, on/off or 1/0.
    pub fn flag(&self, name: &str, default: &str) -> Result<bool, ConfigError> {
        self.parse(name, default, "true or false", |v| {
            match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(true),
                "0" | "false" | "no" | "off" => Some(false),
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (format!("{ENV_PREFIX}_{k}"), v.to_string()))
            .collect();
        Settings::from_lookup(|var| pairs.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(s.workers, default_workers());
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert_eq!(s.request_timeout, Duration::from_secs(30));
        assert_eq!(s.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(s.pid_file, None);
        assert!(s.request_log);
        assert!(s.cors_origins.is_empty());
        assert!(s.compression);
        assert!(!s.hsts);
        assert_eq!(s.header_read_timeout, Duration::from_secs(10));
        assert_eq!(s.keep_alive_timeout, Duration::from_secs(75));
        assert_eq!(s.max_connections, 4096);
        assert!(!s.redis.enabled);
        assert_eq!(s.redis.mode, RedisMode::Standalone);
    }

    #[test]
    fn reads_every_variable() {
        let s = with(&[
            ("BIND", "0.0.0.0:9000"),
            ("WORKERS", "3"),
            ("PID_FILE", "/tmp/app.pid"),
            ("LOG_LEVEL", "debug,hyper=info"),
            ("LOG_FORMAT", "JSON"),
            ("REQUEST_TIMEOUT", "2.5"),
            ("BODY_LIMIT", "1024"),
            ("SHUTDOWN_TIMEOUT", "1"),
            ("REQUEST_LOG", "off"),
            (
                "CORS_ORIGINS",
                "https://app.example.com, http://localhost:3000/",
            ),
            ("COMPRESSION", "no"),
            ("HSTS", "on"),
            ("HEADER_READ_TIMEOUT", "2"),
            ("KEEP_ALIVE_TIMEOUT", "20"),
            ("MAX_CONNECTIONS", "100"),
            ("USE_REDIS", "yes"),
            ("REDIS_URL", "redis://a:26379, redis://b:26379"),
            ("REDIS_MODE", "sentinel"),
            ("REDIS_SENTINEL_MASTER", "primary"),
            ("REDIS_TIMEOUT", "1"),
            ("HTTP_TIMEOUT", "4"),
        ])
        .unwrap();
        assert_eq!(s.bind.port(), 9000);
        assert_eq!(s.workers, 3);
        assert_eq!(s.pid_file, Some(PathBuf::from("/tmp/app.pid")));
        assert_eq!(s.log_level, "debug,hyper=info");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.request_timeout, Duration::from_millis(2500));
        assert_eq!(s.body_limit, 1024);
        assert_eq!(s.shutdown_timeout, Duration::from_secs(1));
        assert!(!s.request_log);
        assert_eq!(
            s.cors_origins,
            ["https://app.example.com", "http://localhost:3000"]
        );
        assert!(!s.compression);
        assert!(s.hsts);
        assert_eq!(s.header_read_timeout, Duration::from_secs(2));
        assert_eq!(s.keep_alive_timeout, Duration::from_secs(20));
        assert_eq!(s.max_connections, 100);
        assert!(s.redis.enabled);
        assert_eq!(s.redis.urls, ["redis://a:26379", "redis://b:26379"]);
        assert_eq!(s.redis.mode, RedisMode::Sentinel);
        assert_eq!(s.redis.sentinel_master, "primary");
        assert_eq!(s.http_client.timeout, Duration::from_secs(4));
    }

    #[test]
    fn cors_origins_are_a_list_or_any() {
        assert_eq!(cors_origins(""), Some(Vec::new()));
        assert_eq!(cors_origins("*"), Some(vec!["*".to_string()]));
        assert_eq!(
            cors_origins("https://app.example.com/, http://[::1]:3000"),
            Some(vec![
                "https://app.example.com".to_string(),
                "http://[::1]:3000".to_string()
            ])
        );
        assert_eq!(cors_origins("app.example.com"), None);
        assert_eq!(cors_origins("https://"), None);
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        let read = Settings::from_env().map_err(|e| e.to_string());
        let looked_up =
            Settings::from_lookup(|var| std::env::var(var).ok()).map_err(|e| e.to_string());
        assert_eq!(format!("{read:?}"), format!("{looked_up:?}"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&str, &str)] = &[
            ("BIND", "localhost"),
            ("WORKERS", "0"),
            ("LOG_LEVEL", "[[["),
            ("LOG_FORMAT", "xml"),
            ("REQUEST_TIMEOUT", "-1"),
            ("BODY_LIMIT", "2MB"),
            ("REQUEST_LOG", "sometimes"),
            ("CORS_ORIGINS", "example.com"),
            ("CORS_ORIGINS", "https://a.example.com/path"),
            ("HSTS", "2"),
            ("HEADER_READ_TIMEOUT", "soon"),
            ("MAX_CONNECTIONS", "0"),
            ("USE_REDIS", "maybe"),
            ("REDIS_URL", "http://x"),
            ("REDIS_MODE", "mesh"),
            ("REDIS_SENTINEL_MASTER", ""),
        ];
        for (name, value) in cases {
            let err = with(&[(name, value)]).unwrap_err();
            assert_eq!(err.var, format!("{ENV_PREFIX}_{name}"));
            assert!(err.to_string().contains(&err.var), "{err}");
        }
    }
}
