//! Authentication: password hashing, the random tokens of sessions and API
//! clients, the [`CurrentUser`] extractor, the [`require_user`] guard for a
//! whole router, the limit on failed sign-ins (by account, and by client
//! address: see [`TRUSTED_PROXIES`] behind a proxy), and the signed links of
//! password resets.
//!
//! Passwords are hashed with Argon2id at OWASP's recommended cost (19 MiB of
//! memory, 2 passes, 1 lane), each with its own random salt, stored as a PHC
//! string. Tokens are 32 random bytes; the database keeps only their SHA-256
//! hash, so a leaked table signs no one in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::app::errors::{AppError, error_response};
use crate::app::models::api_token::ApiToken;
use crate::app::models::user::User;

/// Argon2id's memory cost in KiB, passes and lanes (OWASP's first choice).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;
const ARGON2_LANES: u32 = 1;

/// How long a token made by `POST /api/session` lasts.
pub const API_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long the link of a password reset works (once).
pub const PASSWORD_RESET_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// Failed sign-ins allowed per client address and per account within
/// [`ATTEMPT_WINDOW`]; the next ones answer 429 until the window ends.
pub const MAX_FAILED_ATTEMPTS: u32 = 10;
pub const ATTEMPT_WINDOW: Duration = Duration::from_secs(3 * 60);

/// The unit tests hash with 1 MiB and 1 pass, so that the many accounts
/// they make do not cost seconds; a hash records its parameters, and every
/// other build uses the ones above.
const TEST_MEMORY_KIB: u32 = 1024;

fn argon2() -> Argon2<'static> {
    argon2_with(cfg!(test))
}

fn argon2_with(light: bool) -> Argon2<'static> {
    let (memory, passes) = if light {
        (TEST_MEMORY_KIB, 1)
    } else {
        (ARGON2_MEMORY_KIB, ARGON2_PASSES)
    };
    let params = Params::new(memory, passes, ARGON2_LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a new random salt. Slow on purpose (tens of
/// milliseconds): call it from a blocking task, as [`hash_password_async`] does.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = argon2()
        .hash_password(password.as_bytes())
        .map_err(|err| anyhow::anyhow!("hashing a password: {err}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches `hash`, compared in constant time. A hash
/// that does not parse matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// [`hash_password`] on tokio's blocking threads.
pub async fn hash_password_async(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// [`verify_password`] on tokio's blocking threads; with no hash (an unknown
/// email) it checks against a dummy hash, so the answer takes as long.
pub async fn verify_password_async(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&hash, &password),
        None => {
            verify_password(&DUMMY_HASH, &password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password nobody knows, made once.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_token()).expect("hashing a random password succeeds"));

/// A new random token: 32 bytes from the operating system, as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    hex(&bytes)
}

/// The SHA-256 of `token` as hex: what the database stores.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Why a request is not signed in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials, or ones that are wrong, expired or revoked (401).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Signed in, but a password the request gives is wrong (403).
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many failed sign-ins (429).
    #[error("Too many failed sign-in attempts; try again later")]
    TooManyAttempts { retry_after: Duration },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        Self::App(err.into())
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        match self {
            AuthError::Unauthorized(message) => {
                let mut response = error_response(StatusCode::UNAUTHORIZED, message);
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            AuthError::Forbidden(message) => error_response(StatusCode::FORBIDDEN, message),
            AuthError::TooManyAttempts { retry_after } => {
                let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, self.to_string());
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.as_millis().div_ceil(1000).max(1) as u64),
                );
                response
            }
            AuthError::App(err) => err.into_response(),
        }
    }
}

/// The signed-in user of a request. A handler that takes it answers 401
/// unless the request carries a valid `Authorization: Bearer` token. Take
/// `Option<CurrentUser>` where signing in is optional.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// What the request signed in with.
    pub credential: Credential,
}

/// An API token or a browser session, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    ApiToken(i64),
    Session(i64),
}

impl CurrentUser {
    /// The API token of the request, if it was made with one.
    pub fn token_id(&self) -> Option<i64> {
        match self.credential {
            Credential::ApiToken(id) => Some(id),
            Credential::Session(_) => None,
        }
    }

    /// The browser session of the request, if it was made with one.
    pub fn session_id(&self) -> Option<i64> {
        match self.credential {
            Credential::Session(id) => Some(id),
            Credential::ApiToken(_) => None,
        }
    }
}

/// Whether `path` is the JSON API's, which takes bearer tokens only.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AuthError> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let token = bearer_token(parts).ok_or(AuthError::Unauthorized("Sign in first"))?;
        let (user, token_id) =
            ApiToken::authenticate(&state.db, token)
                .await?
                .ok_or(AuthError::Unauthorized(
                    "The token is invalid, expired or revoked",
                ))?;
        let current = CurrentUser {
            user,
            credential: Credential::ApiToken(token_id),
        };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthError;
    /// `None` for a request without credentials; a request with a bad token
    /// is still refused, so a client learns its token no longer works.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AuthError> {
        if bearer_token(parts).is_none() {
            return Ok(None);
        }
        <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// The token of an `Authorization: Bearer TOKEN` header.
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware that answers 401 to every request of a router that is not
/// signed in, so its handlers need not take [`CurrentUser`] (they still can,
/// at no cost):
///
/// ```ignore
/// Router::new()
///     .route("/api/reports", get(reports::index))
///     .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_user))
/// ```
pub async fn require_user(
    State(_): State<AppState>,
    user: CurrentUser,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(user);
    next.run(request).await
}

/// The key that signs password reset links, from `<PREFIX>_SECRET_KEY` (at
/// least 32 characters; `openssl rand -hex 32` makes one). Required in
/// release builds, where [`check_secret_key`] stops the server from starting
/// without it; a debug build without it makes a random one when it starts
/// (links sent before a restart then stop working).
static SECRET_KEY: LazyLock<Result<Vec<u8>, String>> = LazyLock::new(|| {
    let name = format!("{}_SECRET_KEY", crate::config::ENV_PREFIX);
    secret_key_from(&name, std::env::var(&name).ok(), cfg!(debug_assertions))
});

fn secret_key_from(name: &str, value: Option<String>, debug: bool) -> Result<Vec<u8>, String> {
    match value {
        Some(key) if key.len() >= 32 => Ok(key.into_bytes()),
        Some(_) => Err(format!(
            "{name} is too short: give it at least 32 characters (`openssl rand -hex 32` makes one)"
        )),
        None if debug => {
            tracing::warn!("{name} is not set: using a random key until the server stops");
            Ok(new_token().into_bytes())
        }
        None => Err(format!(
            "{name} is not set: it signs password reset links; set it to at least 32 random characters (`openssl rand -hex 32` makes one)"
        )),
    }
}

/// Fails when the secret key is missing (release builds) or too short, so
/// the server refuses to start rather than fail its first password reset.
pub fn check_secret_key() -> anyhow::Result<()> {
    SECRET_KEY
        .as_ref()
        .map(|_| ())
        .map_err(|err| anyhow::anyhow!("{err}"))
}

type HmacSha256 = Hmac<Sha256>;

/// The signature of a reset link for user `id`, whose password hash is
/// `hash`, that ends at `expires` (Unix seconds). It covers the hash, so the
/// link works once: a reset changes the hash, and with it the signature.
fn reset_signature(id: i64, hash: &str, expires: i64) -> Result<HmacSha256, AppError> {
    let key = SECRET_KEY
        .as_ref()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("{err}")))?;
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("password-reset\n{id}\n{expires}\n{hash}").as_bytes());
    Ok(mac)
}

/// A signed token resetting the password of `user`, for the link of the
/// reset mail: the user's id, when it expires and the signature, as
/// `ID-EXPIRES-SIGNATURE`.
pub async fn password_reset_token(db: &crate::db::Pool, user: &User) -> Result<String, AppError> {
    let hash = User::password_hash(db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expires = chrono::Utc::now().timestamp() + PASSWORD_RESET_LIFETIME.as_secs() as i64;
    let signature = reset_signature(user.id, &hash, expires)?
        .finalize()
        .into_bytes();
    Ok(format!("{}-{expires}-{}", user.id, hex(&signature)))
}

/// The user a reset token was made for, if it is well formed, not expired,
/// signed with this application's key, and not used yet.
pub async fn password_reset_user(
    db: &crate::db::Pool,
    token: &str,
) -> Result<Option<User>, AppError> {
    let mut parts = token.splitn(3, '-');
    let (Some(id), Some(expires), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let (Ok(id), Ok(expires), Some(signature)) =
        (id.parse::<i64>(), expires.parse::<i64>(), unhex(signature))
    else {
        return Ok(None);
    };
    if expires < chrono::Utc::now().timestamp() {
        return Ok(None);
    }
    let Some(hash) = User::password_hash(db, id).await? else {
        return Ok(None);
    };
    if reset_signature(id, &hash, expires)?
        .verify_slice(&signature)
        .is_err()
    {
        return Ok(None);
    }
    Ok(User::find(db, id).await?)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Failed sign-ins by client address and by account, in this process (each
/// replica counts its own).
#[derive(Debug)]
pub struct Attempts {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    /// Past this many keys, those whose window ended are dropped.
    capacity: usize,
}

/// The counters of this process.
pub static ATTEMPTS: LazyLock<Attempts> = LazyLock::new(|| Attempts::new(100_000));

impl Attempts {
    pub fn new(capacity: usize) -> Self {
        Self {
            failures: Mutex::default(),
            capacity,
        }
    }

    /// Refuses a sign-in when any of `keys` failed too often lately.
    pub fn check(&self, keys: &[String]) -> Result<(), AuthError> {
        self.check_at(keys, Instant::now())
    }

    fn check_at(&self, keys: &[String], now: Instant) -> Result<(), AuthError> {
        let failures = self.failures.lock().expect("the counters are not poisoned");
        for (count, since) in keys.iter().filter_map(|key| failures.get(key)) {
            let elapsed = now.saturating_duration_since(*since);
            if *count >= MAX_FAILED_ATTEMPTS && elapsed < ATTEMPT_WINDOW {
                return Err(AuthError::TooManyAttempts {
                    retry_after: ATTEMPT_WINDOW - elapsed,
                });
            }
        }
        Ok(())
    }

    /// Counts a failed sign-in against each of `keys`.
    pub fn failed(&self, keys: &[String]) {
        self.failed_at(keys, Instant::now());
    }

    fn failed_at(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().expect("the counters are not poisoned");
        let current = |since: &Instant| now.saturating_duration_since(*since) < ATTEMPT_WINDOW;
        if failures.len() >= self.capacity {
            failures.retain(|_, (_, since)| current(since));
        }
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert((0, now));
            if !current(&entry.1) {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    /// Forgets the failures of `keys` after a successful sign-in.
    pub fn succeeded(&self, keys: &[String]) {
        let mut failures = self.failures.lock().expect("the counters are not poisoned");
        for key in keys {
            failures.remove(key);
        }
    }
}

/// Refuses a sign-in when any of `keys` failed too often lately: counted in
/// Redis when the application uses it, so that every replica sees the same
/// counts, else in this process ([`ATTEMPTS`]).
pub async fn check_attempts(state: &AppState, keys: &[String]) -> Result<(), AuthError> {
    if let Some(redis) = &state.redis {
        match redis_attempts::check(redis, keys).await {
            Ok(result) => return result,
            Err(error) => {
                tracing::warn!(%error, "Redis does not answer; counting sign-ins in this process")
            }
        }
    }
    ATTEMPTS.check(keys)
}

/// Counts a failed sign-in against each of `keys` (see [`check_attempts`]).
pub async fn count_failure(state: &AppState, keys: &[String]) {
    if let Some(redis) = &state.redis {
        match redis_attempts::failed(redis, keys).await {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, "Redis does not answer; counting sign-ins in this process")
            }
        }
    }
    ATTEMPTS.failed(keys);
}

/// Forgets the failures of `keys` after a successful sign-in.
pub async fn forget_failures(state: &AppState, keys: &[String]) {
    if let Some(redis) = &state.redis
        && let Err(error) = redis_attempts::succeeded(redis, keys).await
    {
        tracing::warn!(%error, "Redis does not answer; the failures stay counted there");
    }
    ATTEMPTS.succeeded(keys);
}

/// Failed sign-ins in Redis: one counter a key (`auth:attempts:KEY`), which
/// starts with the first failure and expires with the window.
mod redis_attempts {
    use redis::RedisResult;

    use super::{ATTEMPT_WINDOW, AuthError, MAX_FAILED_ATTEMPTS};
    use crate::utils::redis::Redis;

    fn counter(key: &str) -> String {
        format!("auth:attempts:{key}")
    }

    pub async fn check(redis: &Redis, keys: &[String]) -> RedisResult<Result<(), AuthError>> {
        for key in keys {
            let count: Option<u32> = redis.query(redis::cmd("GET").arg(counter(key))).await?;
            if count.unwrap_or(0) >= MAX_FAILED_ATTEMPTS {
                let left: i64 = redis.query(redis::cmd("PTTL").arg(counter(key))).await?;
                let left = std::time::Duration::from_millis(left.max(1000) as u64);
                return Ok(Err(AuthError::TooManyAttempts { retry_after: left }));
            }
        }
        Ok(Ok(()))
    }

    pub async fn failed(redis: &Redis, keys: &[String]) -> RedisResult<()> {
        let window = ATTEMPT_WINDOW.as_millis() as u64;
        for key in keys {
            let mut start = redis::cmd("SET");
            start
                .arg(counter(key))
                .arg(0)
                .arg("PX")
                .arg(window)
                .arg("NX");
            let _: Option<String> = redis.query(&start).await?;
            let _: i64 = redis.query(redis::cmd("INCR").arg(counter(key))).await?;
        }
        Ok(())
    }

    pub async fn succeeded(redis: &Redis, keys: &[String]) -> RedisResult<()> {
        let mut delete = redis::cmd("DEL");
        for key in keys {
            delete.arg(counter(key));
        }
        let _: i64 = redis.query(&delete).await?;
        Ok(())
    }
}

/// The proxies in front of the application, from
/// `<PREFIX>_TRUSTED_PROXIES` (addresses separated by commas): a request from
/// one of them counts against the address it forwards in `X-Forwarded-For`.
/// Without it, the socket's peer is the client, since anyone can send that
/// header.
pub static TRUSTED_PROXIES: LazyLock<Vec<IpAddr>> = LazyLock::new(|| {
    let name = format!("{}_TRUSTED_PROXIES", crate::config::ENV_PREFIX);
    parse_proxies(&name, &std::env::var(&name).unwrap_or_default())
});

/// The addresses of the comma-separated list in `variable`; an entry that is
/// not one is left out with a warning.
fn parse_proxies(variable: &str, list: &str) -> Vec<IpAddr> {
    let mut proxies = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match entry.parse() {
            Ok(ip) => proxies.push(ip),
            Err(_) => tracing::warn!(variable, entry, "not an IP address: ignored"),
        }
    }
    proxies
}

/// The client's address: the socket's `peer`, or when that is one of the
/// `trusted` proxies, the nearest address in `X-Forwarded-For` that is not.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// The keys a sign-in counts against: the account, and the client's address
/// when it is known.
pub fn attempt_keys(email: &str, ip: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("email:{}", email.trim().to_lowercase())];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

/// `APP users`: accounts from the command line.
#[derive(Debug, clap::Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Create an account. The password is read from standard input; on a
    /// terminal, a random one is made and shown once.
    Create {
        /// The account's email
        email: String,
    },
}

/// Runs `APP users ...` against the database of `settings`. The password
/// is a line of standard input, or on a terminal a random one.
pub fn users_command(
    args: &UsersArgs,
    settings: &crate::config::Settings,
) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let UsersCommand::Create { email } = &args.command;
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        None
    } else {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let pool = crate::db::pool(&settings.database)?;
        let out = create_user(&pool, email, password).await;
        pool.close().await;
        out
    })
}

/// Creates the account of `email` with `password`, or with a random one
/// that the answer shows.
pub async fn create_user(
    pool: &crate::db::Pool,
    email: &str,
    password: Option<String>,
) -> anyhow::Result<String> {
    let made = password.is_none();
    let password = password.unwrap_or_else(|| new_token()[..24].to_string());
    let params = crate::app::models::user::UserParams::new(email, &password);
    let user = User::create(pool, &params)
        .await
        .map_err(|err| anyhow::anyhow!("{email}: {err}"))?;
    let mut out = format!("created user {} <{}>", user.id, user.email);
    if made {
        out.push_str(&format!(
            " with the password {password} (shown once: sign in with it and change it)"
        ));
    }
    Ok(out)
}

/// Signing in from the application's tests: an account and a bearer token
/// without a password check, and requests made with the token.
#[cfg(test)]
pub mod testing {
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use crate::app::AppState;
    use crate::app::models::api_token::ApiToken;
    use crate::app::models::user::{User, UserParams};
    use crate::db::Pool;

    /// The account of `email`, made on first use.
    pub async fn user(pool: &Pool, email: &str) -> User {
        if let Some(user) = User::find_by_email(pool, email)
            .await
            .expect("the users table")
        {
            return user;
        }
        User::create(pool, &UserParams::new(email, "correct horse"))
            .await
            .expect("a valid account")
    }

    /// A new bearer token of the account of `email`.
    pub async fn sign_in(pool: &Pool, email: &str) -> String {
        let user = user(pool, email).await;
        let hour = std::time::Duration::from_secs(3600);
        let (_, token) = ApiToken::issue(pool, user.id, "tests", hour)
            .await
            .expect("a token");
        token
    }
    /// Sends a request, signed in with `token` when there is one, through the
    /// whole application; the status and the body as JSON (`null` when
    /// empty, a JSON string when it is not JSON).
    pub async fn send_as(
        state: AppState,
        token: Option<&str>,
        method: Method,
        uri: &str,
        body: Body,
        content_type: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = if content_type == Some(crate::app::testing::FORM) {
            crate::app::testing::browser_form(request, body).await
        } else {
            request.body(body).expect("a valid request")
        };
        let response = crate::app::build(state)
            .oneshot(request)
            .await
            .expect("the application is infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("the body can be read")
            .to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            if bytes.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
        });
        (status, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Attempts {
        fn tracked(&self) -> usize {
            self.failures
                .lock()
                .expect("the counters are not poisoned")
                .len()
        }
    }

    #[test]
    fn passwords_hash_with_argon2id_and_a_salt_of_their_own() {
        let first = hash_password("correct horse battery staple").unwrap();
        let second = hash_password("correct horse battery staple").unwrap();
        assert!(
            first.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{first}"
        );
        assert_ne!(first, second);
        // Outside the unit tests: OWASP's first choice.
        let strong = argon2_with(false)
            .hash_password(b"correct horse battery staple")
            .unwrap()
            .to_string();
        assert!(
            strong.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{strong}"
        );
        assert!(verify_password(&strong, "correct horse battery staple"));
        assert!(verify_password(&first, "correct horse battery staple"));
        assert!(!verify_password(&first, "correct horse battery stapler"));
        assert!(!verify_password("not a hash", "anything"));
    }

    #[tokio::test]
    async fn an_unknown_account_is_checked_against_a_dummy_hash() {
        assert!(!verify_password_async(None, "password".to_string()).await);
        let hash = hash_password_async("password".to_string()).await.unwrap();
        assert!(verify_password_async(Some(hash), "password".to_string()).await);
    }

    #[test]
    fn tokens_are_random_and_stored_as_their_hash() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(token, new_token());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header() {
        let parts = |value: &str| {
            let (parts, ()) = axum::http::Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(())
                .unwrap()
                .into_parts();
            parts
        };
        assert_eq!(bearer_token(&parts("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&parts("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&parts("Basic abc")), None);
        assert_eq!(bearer_token(&parts("Bearer ")), None);
    }

    #[test]
    fn failures_past_the_limit_are_refused_until_the_window_ends() {
        let attempts = Attempts::new(100);
        let keys = attempt_keys(" Ann@Example.com", Some([10, 0, 0, 1].into()));
        assert_eq!(keys, ["email:ann@example.com", "ip:10.0.0.1"]);
        let start = Instant::now();
        for _ in 0..MAX_FAILED_ATTEMPTS {
            assert!(attempts.check_at(&keys, start).is_ok());
            attempts.failed_at(&keys, start);
        }
        let later = start + Duration::from_secs(60);
        let refused = attempts.check_at(&keys, later);
        let left = ATTEMPT_WINDOW - Duration::from_secs(60);
        assert!(
            matches!(refused, Err(AuthError::TooManyAttempts { retry_after }) if retry_after == left),
            "{refused:?}"
        );
        // Another account from another address is not affected.
        assert!(
            attempts
                .check(&attempt_keys("bob@example.com", None))
                .is_ok()
        );
        // Once the window is over, counting starts again.
        let next_window = start + ATTEMPT_WINDOW;
        assert!(attempts.check_at(&keys, next_window).is_ok());
        attempts.failed_at(&keys, next_window);
        assert!(attempts.check_at(&keys, next_window).is_ok());
        attempts.succeeded(&keys);
        assert_eq!(attempts.tracked(), 0);
    }

    #[test]
    fn behind_trusted_proxies_the_forwarded_address_counts() {
        let proxies = parse_proxies("APP_TRUSTED_PROXIES", " 10.0.0.1, ::1,,proxy.internal ");
        let local: IpAddr = [10, 0, 0, 1].into();
        assert_eq!(proxies, [local, "::1".parse::<IpAddr>().unwrap()]);

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, bad, 10.0.0.1"),
        );
        let client: IpAddr = [203, 0, 113, 9].into();
        let peer: IpAddr = [198, 51, 100, 7].into();
        // Without trusted proxies the header is anyone's to send.
        assert_eq!(client_ip(Some(peer), &headers, &[]), Some(peer));
        assert_eq!(client_ip(Some(local), &headers, &[local]), Some(client));
        assert_eq!(
            client_ip(Some(local), &HeaderMap::new(), &[local]),
            Some(local)
        );
        assert_eq!(client_ip(None, &headers, &[local]), None);
        assert!(
            TRUSTED_PROXIES.is_empty(),
            "no proxies configured for the tests"
        );
    }

    #[test]
    fn past_capacity_keys_whose_window_ended_are_dropped() {
        let attempts = Attempts::new(2);
        let start = Instant::now();
        attempts.failed_at(&["a".into(), "b".into()], start);
        attempts.failed_at(&["c".into()], start + Duration::from_secs(1));
        assert_eq!(attempts.tracked(), 3);
        attempts.failed_at(&["d".into()], start + ATTEMPT_WINDOW);
        // `a` and `b` are gone; `c` is still in its window.
        assert_eq!(attempts.tracked(), 2);
    }

    #[sqlx::test]
    async fn tests_sign_in_without_a_password(pool: crate::db::Pool) {
        use axum::body::Body;
        use axum::http::Method;
        let mut state = crate::app::testing::state().await;
        state.db = pool.clone();
        let token = testing::sign_in(&pool, "ann@example.com").await;
        let again = testing::sign_in(&pool, "ann@example.com").await;
        assert_ne!(token, again);
        let me = |token: Option<String>| {
            let state = state.clone();
            async move {
                let token = token.as_deref();
                testing::send_as(state, token, Method::GET, "/api/me", Body::empty(), None).await
            }
        };
        let (status, body) = me(Some(token)).await;
        assert_eq!(
            (status, body["email"].as_str()),
            (StatusCode::OK, Some("ann@example.com"))
        );
        assert_eq!(me(None).await.0, StatusCode::UNAUTHORIZED);
        let body = Body::from(r#"{"email": "bob@example.com", "password": "correct horse"}"#);
        let json = Some("application/json");
        let (status, _) =
            testing::send_as(state, None, Method::POST, "/api/users", body, json).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    /// A Redis stand-in on loopback that keeps string values in a map: enough
    /// of `GET`, `SET ... NX`, `INCR`, `PTTL` and `DEL` for the counters.
    async fn counting_redis() -> (
        crate::utils::redis::Redis,
        std::sync::Arc<Mutex<HashMap<String, i64>>>,
    ) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let values = std::sync::Arc::new(Mutex::new(HashMap::<String, i64>::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let shared = values.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let values = shared.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    while let Ok(Some(header)) = lines.next_line().await {
                        let count: usize = header.trim_start_matches('*').parse().unwrap_or(0);
                        let mut args = Vec::new();
                        for _ in 0..count {
                            let _ = lines.next_line().await;
                            args.push(lines.next_line().await.ok().flatten().unwrap_or_default());
                        }
                        let name = args
                            .first()
                            .map(|a| a.to_ascii_uppercase())
                            .unwrap_or_default();
                        let reply = {
                            let mut values = values.lock().unwrap();
                            match name.as_str() {
                                "GET" => match values.get(&args[1]) {
                                    Some(v) => format!("${}\r\n{v}\r\n", v.to_string().len()),
                                    None => "$-1\r\n".to_string(),
                                },
                                "SET" if values.contains_key(&args[1]) => "$-1\r\n".to_string(),
                                "SET" => {
                                    values.insert(args[1].clone(), args[2].parse().unwrap());
                                    "+OK\r\n".to_string()
                                }
                                "INCR" => {
                                    let v = values.entry(args[1].clone()).or_default();
                                    *v += 1;
                                    format!(":{v}\r\n")
                                }
                                "PTTL" => ":60000\r\n".to_string(),
                                "DEL" => {
                                    let gone =
                                        args[1..].iter().filter(|k| values.remove(*k).is_some());
                                    format!(":{}\r\n", gone.count())
                                }
                                _ => "+OK\r\n".to_string(),
                            }
                        };
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let settings = crate::config::RedisSettings {
            enabled: true,
            urls: vec![url],
            mode: crate::config::RedisMode::Standalone,
            sentinel_master: "mymaster".into(),
            timeout: Duration::from_secs(2),
        };
        let redis = crate::utils::redis::Redis::connect(&settings)
            .await
            .unwrap();
        (redis, values)
    }

    #[tokio::test]
    async fn with_redis_every_replica_counts_the_same_failures() {
        let (redis, values) = counting_redis().await;
        let mut state = crate::app::testing::state().await;
        state.redis = Some(redis);
        let keys = attempt_keys("shared@example.com", Some([10, 9, 8, 7].into()));
        for _ in 0..MAX_FAILED_ATTEMPTS {
            assert!(check_attempts(&state, &keys).await.is_ok());
            count_failure(&state, &keys).await;
        }
        let counted = values
            .lock()
            .unwrap()
            .get("auth:attempts:email:shared@example.com")
            .copied();
        assert_eq!(counted, Some(i64::from(MAX_FAILED_ATTEMPTS)));
        assert!(ATTEMPTS.check(&keys).is_ok(), "not counted in this process");
        let refused = check_attempts(&state, &keys).await;
        assert!(
            matches!(refused, Err(AuthError::TooManyAttempts { retry_after }) if retry_after == Duration::from_secs(60)),
            "{refused:?}"
        );
        forget_failures(&state, &keys).await;
        assert!(values.lock().unwrap().is_empty());
        assert!(check_attempts(&state, &keys).await.is_ok());
    }

    #[tokio::test]
    async fn without_an_answer_from_redis_this_process_counts() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        drop(listener);
        let settings = crate::config::RedisSettings {
            enabled: true,
            urls: vec![url],
            mode: crate::config::RedisMode::Standalone,
            sentinel_master: "mymaster".into(),
            timeout: Duration::from_millis(200),
        };
        let mut state = crate::app::testing::state().await;
        state.redis = Some(
            crate::utils::redis::Redis::connect(&settings)
                .await
                .unwrap(),
        );
        let keys = attempt_keys("fallback@example.com", None);
        for _ in 0..MAX_FAILED_ATTEMPTS {
            count_failure(&state, &keys).await;
        }
        assert!(ATTEMPTS.check(&keys).is_err(), "counted in this process");
        assert!(check_attempts(&state, &keys).await.is_err());
        forget_failures(&state, &keys).await;
        assert!(check_attempts(&state, &keys).await.is_ok());
    }
    #[test]
    fn a_credential_is_a_token_or_a_session() {
        let user = |credential| CurrentUser {
            user: User {
                id: 1,
                email: "ann@example.com".into(),
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            },
            credential,
        };
        let token = user(Credential::ApiToken(7));
        assert_eq!((token.token_id(), token.session_id()), (Some(7), None));
        let session = user(Credential::Session(8));
        assert_eq!((session.token_id(), session.session_id()), (None, Some(8)));
    }

    #[test]
    fn the_secret_key_is_long_required_in_release_and_made_in_debug() {
        let long = "k".repeat(32);
        assert_eq!(
            secret_key_from("KEY", Some(long.clone()), false),
            Ok(long.into_bytes())
        );
        let short = secret_key_from("KEY", Some("short".into()), true).unwrap_err();
        assert!(short.starts_with("KEY is too short"), "{short}");
        let missing = secret_key_from("KEY", None, false).unwrap_err();
        assert!(missing.starts_with("KEY is not set"), "{missing}");
        let made = secret_key_from("KEY", None, true).unwrap();
        assert_eq!(made.len(), 64);
        assert_ne!(made, secret_key_from("KEY", None, true).unwrap());
        check_secret_key().unwrap();
    }

    #[sqlx::test]
    async fn accounts_are_created_from_the_command_line(pool: crate::db::Pool) {
        let out = create_user(&pool, "Cli@Example.com", Some("correct horse".into()))
            .await
            .unwrap();
        assert!(
            out.starts_with("created user ") && out.ends_with(" <cli@example.com>"),
            "{out}"
        );
        let found = User::authenticate(&pool, "cli@example.com", "correct horse").await;
        assert!(found.unwrap().is_some());
        let made = create_user(&pool, "made@example.com", None).await.unwrap();
        let password = made
            .split("with the password ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        let found = User::authenticate(&pool, "made@example.com", password).await;
        assert!(found.unwrap().is_some(), "{made}");
        let taken = create_user(&pool, "cli@example.com", Some("another one".into())).await;
        let err = taken.unwrap_err().to_string();
        assert!(err.starts_with("cli@example.com: "), "{err}");
        let short = create_user(&pool, "short@example.com", Some("short".into())).await;
        assert!(short.is_err());
    }

    #[tokio::test]
    async fn refusals_are_json_with_their_headers() {
        let response = AuthError::Unauthorized("Sign in first").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let response = AuthError::TooManyAttempts {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
