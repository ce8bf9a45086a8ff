//! Accounts and sign-in for API clients: sign up (`POST /api/users`), sign
//! in for a bearer token (`POST /api/session`) and out (`DELETE
//! /api/session`), the signed-in user (`GET /api/me`), the user's API
//! tokens and browser sessions, to list and revoke, and password resets by
//! mail (`POST /api/passwords`, `PUT /api/passwords/{token}`).
//!
//! `/api` routes accept bearer tokens only, never the session cookie, so a
//! cross-site page cannot act through them.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

use crate::app::AppState;
use crate::app::auth::{self, AuthError, CurrentUser};
use crate::app::errors::{AppError, ErrorBody};
use crate::app::mailers::{self, passwords};
use crate::app::models::api_token::ApiToken;
use crate::app::models::fields::Fields;
use crate::app::models::session::Session;
use crate::app::models::user::{User, UserParams, normalize_email};

/// The answer to a sign-in: a bearer token for the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// Shown this once; the server keeps only its hash.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// What `POST /api/session` reads: the credentials, and a name for the token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    #[schema(format = "email")]
    pub email: String,
    pub password: String,
    /// What to call the token in `GET /api/tokens` (default `API`).
    #[schema(max_length = 100)]
    pub name: Option<String>,
}

/// The email and password of a request's JSON body.
fn credentials(body: &[u8]) -> Result<(String, String, Option<String>), AppError> {
    let mut fields = Fields::json(body)?;
    let email = fields.take::<String>("email");
    let password = fields.take::<String>("password");
    let name = fields.take::<Option<String>>("name").flatten();
    fields.check(
        "name",
        name.as_ref().is_none_or(|n| n.chars().count() <= 100),
        "is too long (at most 100 characters)",
    );
    match (email, password) {
        (Some(email), Some(password)) if fields.is_valid() => Ok((email, password, name)),
        _ => Err(fields.into_error()),
    }
}

/// `POST /api/users`
#[utoipa::path(
    post,
    path = "/api/users",
    operation_id = "users_create",
    tag = "authentication",
    request_body = UserParams,
    responses(
        (status = 201, description = "Signed up; sign in with `POST /api/session`", body = User),
        (status = 409, description = "The email has an account", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid email or password, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let (email, password, _) = credentials(&body)?;
    let user = User::create(&state.db, &UserParams::new(&email, &password)).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, "/api/me")],
        Json(user),
    ))
}

/// `POST /api/session`
#[utoipa::path(
    post,
    path = "/api/session",
    operation_id = "session_create",
    tag = "authentication",
    request_body = SignIn,
    responses(
        (status = 201, description = "Signed in: a bearer token", body = SignedIn),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing fields, or the body is not a JSON object", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this address or for this account; see Retry-After", body = ErrorBody)
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, AuthError> {
    let (email, password, name) = credentials(&body)?;
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let ip = auth::client_ip(peer, &headers, &auth::TRUSTED_PROXIES);
    let keys = auth::attempt_keys(&email, ip);
    auth::check_attempts(&state, &keys).await?;
    let Some(user) = User::authenticate(&state.db, &email, &password).await? else {
        auth::count_failure(&state, &keys).await;
        return Err(AuthError::Unauthorized("Wrong email or password"));
    };
    auth::forget_failures(&state, &keys).await;
    let name = name.unwrap_or_else(|| "API".to_string());
    let (token, secret) =
        ApiToken::issue(&state.db, user.id, &name, auth::API_TOKEN_LIFETIME).await?;
    let body = SignedIn {
        token: secret,
        token_type: "Bearer".to_string(),
        expires_at: token.expires_at,
        user,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// `DELETE /api/session`: revokes the token the request is made with.
#[utoipa::path(
    delete,
    path = "/api/session",
    operation_id = "session_destroy",
    tag = "authentication",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out: the token no longer works"),
        (status = 401, description = "Not signed in", body = ErrorBody)
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<StatusCode, AuthError> {
    if let Some(id) = current.token_id() {
        ApiToken::revoke(&state.db, current.user.id, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`
#[utoipa::path(
    get,
    path = "/api/me",
    operation_id = "me_show",
    tag = "authentication",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody)
    )
)]
pub async fn me(current: CurrentUser) -> Json<User> {
    Json(current.user)
}

/// What `PUT /api/me/password` reads.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// `PUT /api/me/password`: a new password. Every other API token and every
/// browser session of the user ends; the token of the request goes on.
#[utoipa::path(
    put,
    path = "/api/me/password",
    operation_id = "password_update",
    tag = "authentication",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; the user's other tokens and sessions ended"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "A field is missing, the new password is too short or too long, or the body is not a JSON object", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords for this account; see Retry-After", body = ErrorBody)
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    body: Bytes,
) -> Result<StatusCode, AuthError> {
    let mut fields = Fields::json(&body)?;
    let old = fields.take::<String>("current_password");
    let new = fields.take::<String>("password");
    let (Some(old), Some(new)) = (old, new) else {
        return Err(fields.into_error().into());
    };
    let keys = auth::attempt_keys(&current.user.email, None);
    auth::check_attempts(&state, &keys).await?;
    if User::authenticate(&state.db, &current.user.email, &old)
        .await?
        .is_none()
    {
        auth::count_failure(&state, &keys).await;
        return Err(AuthError::Forbidden("The current password is wrong"));
    }
    User::set_password(&state.db, current.user.id, &new).await?;
    ApiToken::revoke_all(&state.db, current.user.id, current.token_id()).await?;
    Session::end_all(&state.db, current.user.id, current.session_id()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/tokens`
#[utoipa::path(
    get,
    path = "/api/tokens",
    operation_id = "tokens_index",
    tag = "authentication",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user's API tokens that have not expired, newest first", body = Vec<ApiToken>),
        (status = 401, description = "Not signed in", body = ErrorBody)
    )
)]
pub async fn tokens(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<ApiToken>>, AuthError> {
    Ok(Json(ApiToken::list(&state.db, current.user.id).await?))
}

/// `DELETE /api/tokens/{id}`
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    operation_id = "tokens_destroy",
    tag = "authentication",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "The user has no such token", body = ErrorBody)
    )
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AuthError> {
    if ApiToken::revoke(&state.db, current.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// `GET /api/sessions`
#[utoipa::path(
    get,
    path = "/api/sessions",
    operation_id = "sessions_index",
    tag = "authentication",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user's browser sessions that have not expired, newest first", body = Vec<Session>),
        (status = 401, description = "Not signed in", body = ErrorBody)
    )
)]
pub async fn sessions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<Session>>, AuthError> {
    Ok(Json(Session::list(&state.db, current.user.id).await?))
}

/// `DELETE /api/sessions/{id}`: signs a browser out.
#[utoipa::path(
    delete,
    path = "/api/sessions/{id}",
    operation_id = "sessions_destroy",
    tag = "authentication",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the session")),
    responses(
        (status = 204, description = "Ended"),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "The user has no such session", body = ErrorBody)
    )
)]
pub async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AuthError> {
    if Session::end(&state.db, current.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// What `POST /api/passwords` reads.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetRequest {
    #[schema(format = "email")]
    pub email: String,
}

/// Mails a reset link to the account of `email`, if there is one, without
/// the request waiting for the mail. At most [`auth::MAX_FAILED_ATTEMPTS`]
/// requests for one email within [`auth::ATTEMPT_WINDOW`], so nobody can
/// flood an inbox.
pub async fn send_password_reset(state: &AppState, email: &str) -> Result<(), AuthError> {
    let keys = [format!("reset:{}", normalize_email(email))];
    auth::check_attempts(state, &keys).await?;
    auth::count_failure(state, &keys).await;
    if let Some(user) = User::find_by_email(&state.db, email).await? {
        let token = auth::password_reset_token(&state.db, &user).await?;
        mailers::deliver_later(passwords::reset(&user.email, &token)).await;
    }
    Ok(())
}

/// `POST /api/passwords`: mails a link to reset the password. The answer is
/// the same whether the email has an account or not.
#[utoipa::path(
    post,
    path = "/api/passwords",
    operation_id = "passwords_create",
    tag = "authentication",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the email has an account, a reset link is on its way"),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "The email is missing, or the body is not a JSON object", body = ErrorBody),
        (status = 429, description = "Too many resets asked for this email; see Retry-After", body = ErrorBody)
    )
)]
pub async fn request_password_reset(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<StatusCode, AuthError> {
    let mut fields = Fields::json(&body)?;
    let Some(email) = fields.take::<String>("email") else {
        return Err(fields.into_error().into());
    };
    send_password_reset(&state, &email).await?;
    Ok(StatusCode::ACCEPTED)
}

/// What `PUT /api/passwords/{token}` reads.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// Sets the password of the user `token` was mailed to, and ends every
/// session and API token of the user: whoever knew the old password is
/// signed out. The token works once.
pub async fn reset_password_with(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<User, AppError> {
    let user = auth::password_reset_user(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    User::set_password(&state.db, user.id, password).await?;
    ApiToken::revoke_all(&state.db, user.id, None).await?;
    Session::end_all(&state.db, user.id, None).await?;
    Ok(user)
}

/// `PUT /api/passwords/{token}`: a new password, with the token of a reset
/// mail.
#[utoipa::path(
    put,
    path = "/api/passwords/{token}",
    operation_id = "passwords_update",
    tag = "authentication",
    params(("token" = String, Path, description = "The token of the reset mail's link")),
    request_body = PasswordReset,
    responses(
        (status = 204, description = "Changed; every session and token of the user ended"),
        (status = 404, description = "The token is invalid, used or expired", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "The password is missing, too short or too long, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let mut fields = Fields::json(&body)?;
    let Some(password) = fields.take::<String>("password") else {
        return Err(fields.into_error());
    };
    reset_password_with(&state, &token, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds the bearer scheme the operations above name.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A token from `POST /api/session`"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// This controller's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        sign_up,
        sign_in,
        sign_out,
        me,
        change_password,
        tokens,
        revoke_token,
        sessions,
        revoke_session,
        request_password_reset,
        reset_password
    ),
    components(schemas(
        User,
        UserParams,
        SignIn,
        SignedIn,
        PasswordChange,
        ApiToken,
        Session,
        PasswordResetRequest,
        PasswordReset
    )),
    modifiers(&BearerScheme),
    tags((name = "authentication", description = "Accounts, sign-in, API tokens and browser sessions"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing;
    use crate::db::Pool;
    use axum::body::Body;
    use axum::http::{Method, Request};
    use http_body_util::BodyExt;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    /// The application's state on the test's own database.
    async fn state(pool: &Pool) -> AppState {
        let mut state = testing::state().await;
        state.db = pool.clone();
        state
    }

    /// Sends `body` as JSON from `peer`, with `token` as bearer.
    async fn send(
        state: &AppState,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        peer: [u8; 4],
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        let response = crate::app::build(state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, value)
    }

    /// Signs `email` up and in; the bearer token.
    async fn signed_in(state: &AppState, email: &str) -> String {
        let credentials = json!({"email": email, "password": "correct horse"});
        let (status, _, _) = send(
            state,
            Method::POST,
            "/api/users",
            None,
            Some(credentials.clone()),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _, body) = send(
            state,
            Method::POST,
            "/api/session",
            None,
            Some(credentials),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    #[sqlx::test]
    async fn signs_up_in_and_out(pool: Pool) {
        let state = state(&pool).await;
        let credentials = json!({"email": "Ann@Example.com", "password": "correct horse"});
        let (status, headers, user) = send(
            &state,
            Method::POST,
            "/api/users",
            None,
            Some(credentials.clone()),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(headers[header::LOCATION], "/api/me");
        assert_eq!(user["email"], "ann@example.com");
        assert!(user.get("password_hash").is_none());

        let (status, _, signed_in) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(credentials),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(signed_in["token_type"], "Bearer");
        assert_eq!(signed_in["user"], user);
        let token = signed_in["token"].as_str().unwrap();

        let (status, _, me) = send(
            &state,
            Method::GET,
            "/api/me",
            Some(token),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!((status, me), (StatusCode::OK, user));

        let (status, _, _) = send(
            &state,
            Method::DELETE,
            "/api/session",
            Some(token),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, headers, body) = send(
            &state,
            Method::GET,
            "/api/me",
            Some(token),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(body["message"], "The token is invalid, expired or revoked");
    }

    #[sqlx::test]
    async fn without_a_token_the_api_answers_401(pool: Pool) {
        let state = state(&pool).await;
        for uri in ["/api/me", "/api/tokens", "/api/sessions"] {
            let (status, _, body) = send(&state, Method::GET, uri, None, None, [10, 0, 0, 1]).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
            assert_eq!(body["message"], "Sign in first");
        }
        let (status, _, _) = send(
            &state,
            Method::GET,
            "/api/me",
            Some("forged"),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[sqlx::test]
    async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: Pool) {
        let state = state(&pool).await;
        signed_in(&state, "ann@example.com").await;
        let wrong = json!({"email": "ann@example.com", "password": "wrong horse"});
        let unknown = json!({"email": "bob@example.com", "password": "correct horse"});
        let (s1, _, b1) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(wrong),
            [10, 0, 0, 2],
        )
        .await;
        let (s2, _, b2) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(unknown),
            [10, 0, 0, 3],
        )
        .await;
        assert_eq!((s1, &b1), (s2, &b2));
        assert_eq!(s1, StatusCode::UNAUTHORIZED);
        assert_eq!(b1["message"], "Wrong email or password");
    }

    #[sqlx::test]
    async fn failed_sign_ins_are_limited_per_account_and_per_address(pool: Pool) {
        let state = state(&pool).await;
        signed_in(&state, "carl@example.com").await;
        let wrong = json!({"email": "carl@example.com", "password": "wrong horse"});
        for n in 0..auth::MAX_FAILED_ATTEMPTS {
            // Each from another address: the account's own count trips.
            let peer = [10, 1, 0, n as u8];
            let (status, _, _) = send(
                &state,
                Method::POST,
                "/api/session",
                None,
                Some(wrong.clone()),
                peer,
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let right = json!({"email": "carl@example.com", "password": "correct horse"});
        let (status, headers, _) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(right),
            [10, 1, 1, 1],
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(headers.contains_key(header::RETRY_AFTER));

        // One address guessing many accounts trips its own count.
        for n in 0..auth::MAX_FAILED_ATTEMPTS {
            let guess = json!({"email": format!("guess{n}@example.com"), "password": "password"});
            let (status, _, _) = send(
                &state,
                Method::POST,
                "/api/session",
                None,
                Some(guess),
                [10, 2, 0, 1],
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let guess = json!({"email": "another@example.com", "password": "password"});
        let (status, _, _) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(guess),
            [10, 2, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }

    #[sqlx::test]
    async fn tokens_and_sessions_are_listed_and_revoked_by_their_owner_only(pool: Pool) {
        let state = state(&pool).await;
        let ann = signed_in(&state, "dora@example.com").await;
        let bob = signed_in(&state, "eve@example.com").await;
        let (status, _, tokens) = send(
            &state,
            Method::GET,
            "/api/tokens",
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(tokens.as_array().unwrap().len(), 1);
        assert_eq!(tokens[0]["name"], "API");
        let id = tokens[0]["id"].as_i64().unwrap();
        let uri = format!("/api/tokens/{id}");
        let (status, _, _) = send(
            &state,
            Method::DELETE,
            &uri,
            Some(&bob),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = send(
            &state,
            Method::DELETE,
            &uri,
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = send(
            &state,
            Method::GET,
            "/api/me",
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let dora = User::find_by_email(&state.db, "dora@example.com")
            .await
            .unwrap()
            .unwrap();
        let (session, _) = Session::start(
            &state.db,
            dora.id,
            Some("Firefox"),
            None,
            auth::API_TOKEN_LIFETIME,
        )
        .await
        .unwrap();
        let ann = signed_in_again(&state, "dora@example.com").await;
        let (_, _, sessions) = send(
            &state,
            Method::GET,
            "/api/sessions",
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(sessions[0]["user_agent"], "Firefox");
        let uri = format!("/api/sessions/{}", session.id);
        let (status, _, _) = send(
            &state,
            Method::DELETE,
            &uri,
            Some(&bob),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = send(
            &state,
            Method::DELETE,
            &uri,
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, _, sessions) = send(
            &state,
            Method::GET,
            "/api/sessions",
            Some(&ann),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(sessions, json!([]));
    }

    async fn signed_in_again(state: &AppState, email: &str) -> String {
        let credentials = json!({"email": email, "password": "correct horse", "name": "again"});
        let (_, _, body) = send(
            state,
            Method::POST,
            "/api/session",
            None,
            Some(credentials),
            [10, 0, 0, 1],
        )
        .await;
        body["token"].as_str().unwrap().to_string()
    }

    #[sqlx::test]
    async fn a_new_password_ends_every_other_token_and_session(pool: Pool) {
        let state = state(&pool).await;
        let token = signed_in(&state, "ida@example.com").await;
        let other = signed_in_again(&state, "ida@example.com").await;
        let ida = User::find_by_email(&state.db, "ida@example.com")
            .await
            .unwrap()
            .unwrap();
        let day = auth::API_TOKEN_LIFETIME;
        let (_, cookie) = Session::start(&state.db, ida.id, None, None, day)
            .await
            .unwrap();
        let change = |body: Value| {
            let (state, token) = (state.clone(), token.clone());
            async move {
                let uri = "/api/me/password";
                send(
                    &state,
                    Method::PUT,
                    uri,
                    Some(&token),
                    Some(body),
                    [10, 3, 0, 1],
                )
                .await
            }
        };

        let wrong = json!({"current_password": "wrong horse", "password": "new horse battery"});
        let (status, _, body) = change(wrong).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["message"], "The current password is wrong");
        let short = json!({"current_password": "correct horse", "password": "short"});
        let (status, _, body) = change(short).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["password"].is_array(), "{body}");
        let (status, _, body) = change(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"]["current_password"], json!(["is required"]));

        let right = json!({"current_password": "correct horse", "password": "new horse battery"});
        let (status, _, _) = change(right).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let me = |token: String| {
            let state = state.clone();
            async move {
                send(
                    &state,
                    Method::GET,
                    "/api/me",
                    Some(&token),
                    None,
                    [10, 0, 0, 1],
                )
                .await
                .0
            }
        };
        assert_eq!(
            me(token).await,
            StatusCode::OK,
            "the request's own token goes on"
        );
        assert_eq!(
            me(other).await,
            StatusCode::UNAUTHORIZED,
            "other tokens end"
        );
        assert_eq!(
            Session::authenticate(&state.db, &cookie).await.unwrap(),
            None
        );
        let old = User::authenticate(&state.db, "ida@example.com", "correct horse").await;
        assert_eq!(old.unwrap(), None);
        let new = User::authenticate(&state.db, "ida@example.com", "new horse battery").await;
        assert_eq!(new.unwrap().map(|u| u.id), Some(ida.id));
    }

    #[sqlx::test]
    async fn bad_bodies_are_422_with_each_field(pool: Pool) {
        let state = state(&pool).await;
        let (status, _, body) = send(
            &state,
            Method::POST,
            "/api/users",
            None,
            Some(json!({})),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"]["email"], json!(["is required"]));
        assert_eq!(body["errors"]["password"], json!(["is required"]));
        let (status, _, body) = send(
            &state,
            Method::POST,
            "/api/users",
            None,
            Some(json!({"email": "x", "password": "y"})),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"]["email"], json!(["is not an email address"]));
        let long_name = json!({"email": "a@b.co", "password": "password", "name": "n".repeat(101)});
        let (status, _, _) = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(long_name),
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[sqlx::test]
    async fn the_guard_puts_a_whole_router_behind_sign_in(pool: Pool) {
        let state = state(&pool).await;
        let token = signed_in(&state, "fay@example.com").await;
        let app = axum::Router::new()
            .route(
                "/api/private",
                axum::routing::get(|current: CurrentUser| async move { current.user.email }),
            )
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_user,
            ))
            .with_state(state.clone());
        let get = |token: Option<String>| {
            let mut request = Request::get("/api/private");
            if let Some(token) = token {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            app.clone().oneshot(request.body(Body::empty()).unwrap())
        };
        assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let response = get(Some(token)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "fay@example.com");
    }

    #[sqlx::test]
    async fn signing_in_may_be_optional(pool: Pool) {
        let state = state(&pool).await;
        let token = signed_in(&state, "gil@example.com").await;
        let app = axum::Router::new()
            .route(
                "/api/greeting",
                axum::routing::get(|current: Option<CurrentUser>| async move {
                    match current {
                        Some(current) => format!("Hello, {}", current.user.email),
                        None => "Hello, stranger".to_string(),
                    }
                }),
            )
            .with_state(state.clone());
        let get = |token: &str| {
            let mut request = Request::get("/api/greeting");
            if !token.is_empty() {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            app.clone().oneshot(request.body(Body::empty()).unwrap())
        };
        for (token, status, text) in [
            ("", StatusCode::OK, "Hello, stranger"),
            (token.as_str(), StatusCode::OK, "Hello, gil@example.com"),
            ("revoked", StatusCode::UNAUTHORIZED, ""),
        ] {
            let response = get(token).await.unwrap();
            assert_eq!(response.status(), status);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            if status == StatusCode::OK {
                assert_eq!(body, text);
            }
        }
    }

    #[sqlx::test]
    async fn a_database_failure_is_a_500(pool: Pool) {
        let state = state(&pool).await;
        let token = signed_in(&state, "hal@example.com").await;
        pool.close().await;
        let (status, _, _) = send(
            &state,
            Method::GET,
            "/api/tokens",
            Some(&token),
            None,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// The token of the last reset link mailed to `email`.
    fn mailed_reset_token(email: &str) -> String {
        let mail = mailers::testing::sent_to(email);
        let last = mail.last().expect("a reset mail");
        let link = last
            .text
            .split_whitespace()
            .find(|word| word.contains("/passwords/"))
            .expect("a link in the mail");
        let token = link.trim_end_matches("/edit").rsplit('/').next().unwrap();
        token.to_string()
    }

    #[sqlx::test]
    async fn a_password_reset_link_works_once_and_signs_everyone_out(pool: Pool) {
        let state = state(&pool).await;
        let old_token = signed_in(&state, "reset@example.com").await;
        let ask = |email: &'static str| {
            let state = state.clone();
            async move {
                let body = Some(json!({ "email": email }));
                send(
                    &state,
                    Method::POST,
                    "/api/passwords",
                    None,
                    body,
                    [10, 0, 0, 2],
                )
                .await
                .0
            }
        };
        assert_eq!(ask("Reset@Example.com").await, StatusCode::ACCEPTED);
        // An unknown email gets the same answer, and no mail.
        assert_eq!(ask("nobody-here@example.com").await, StatusCode::ACCEPTED);
        assert!(mailers::testing::sent_to("nobody-here@example.com").is_empty());
        let token = mailed_reset_token("reset@example.com");

        let reset = |token: String, password: &'static str| {
            let state = state.clone();
            async move {
                let uri = format!("/api/passwords/{token}");
                let body = Some(json!({ "password": password }));
                send(&state, Method::PUT, &uri, None, body, [10, 0, 0, 2])
                    .await
                    .0
            }
        };
        assert_eq!(
            reset(token.clone(), "short").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let no_password = send(
            &state,
            Method::PUT,
            &format!("/api/passwords/{token}"),
            None,
            Some(json!({})),
            [10, 0, 0, 2],
        )
        .await;
        assert_eq!(no_password.0, StatusCode::UNPROCESSABLE_ENTITY);
        let no_email = send(
            &state,
            Method::POST,
            "/api/passwords",
            None,
            Some(json!({})),
            [10, 0, 0, 2],
        )
        .await;
        assert_eq!(no_email.0, StatusCode::UNPROCESSABLE_ENTITY);
        // A token whose signature was changed is refused.
        let forged = format!("{}0", &token[..token.len() - 1]);
        let forged = if forged == token {
            format!("{}1", &token[..token.len() - 1])
        } else {
            forged
        };
        assert_eq!(reset(forged, "a new password").await, StatusCode::NOT_FOUND);
        assert_eq!(
            reset("1-2-zz".into(), "a new password").await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            reset(token.clone(), "a new password").await,
            StatusCode::NO_CONTENT
        );
        // Once only.
        assert_eq!(
            reset(token, "another password").await,
            StatusCode::NOT_FOUND
        );
        // The old token no longer works; the new password does.
        let me = send(
            &state,
            Method::GET,
            "/api/me",
            Some(&old_token),
            None,
            [10, 0, 0, 2],
        )
        .await;
        assert_eq!(me.0, StatusCode::UNAUTHORIZED);
        let credentials = json!({"email": "reset@example.com", "password": "a new password"});
        let signed = send(
            &state,
            Method::POST,
            "/api/session",
            None,
            Some(credentials),
            [10, 0, 0, 2],
        )
        .await;
        assert_eq!(signed.0, StatusCode::CREATED);
    }

    #[sqlx::test]
    async fn an_expired_reset_link_is_refused(pool: Pool) {
        let user = User::create(&pool, &UserParams::new("late@example.com", "correct horse"))
            .await
            .unwrap();
        let token = auth::password_reset_token(&pool, &user).await.unwrap();
        assert_eq!(
            auth::password_reset_user(&pool, &token).await.unwrap(),
            Some(user.clone())
        );
        let mut parts = token.splitn(3, '-');
        let (id, _, signature) = (parts.next().unwrap(), parts.next(), parts.next().unwrap());
        let past = chrono::Utc::now().timestamp() - 1;
        let expired = format!("{id}-{past}-{signature}");
        assert_eq!(
            auth::password_reset_user(&pool, &expired).await.unwrap(),
            None
        );
        // Malformed, or for nobody.
        let future = chrono::Utc::now().timestamp() + 60;
        for token in [
            "abc".to_string(),
            format!("x-{future}-{signature}"),
            format!("{id}-{future}-abc"),
            format!("{id}-{future}-zz"),
            format!("999999-{future}-{signature}"),
        ] {
            assert_eq!(
                auth::password_reset_user(&pool, &token).await.unwrap(),
                None,
                "{token}"
            );
        }
    }

    #[test]
    fn documents_the_bearer_scheme_and_each_route() {
        use utoipa::OpenApi;
        let doc = crate::app::openapi::document();
        let schemes = &doc.components.as_ref().unwrap().security_schemes;
        assert!(schemes.contains_key("bearer"));
        for path in [
            "/api/users",
            "/api/session",
            "/api/me",
            "/api/tokens/{id}",
            "/api/sessions/{id}",
            "/api/passwords",
            "/api/passwords/{token}",
        ] {
            assert!(doc.paths.paths.contains_key(path), "{path}");
        }
        let me = serde_json::to_value(&ApiDoc::openapi().paths.paths["/api/me"]).unwrap();
        assert_eq!(me["get"]["security"], json!([{"bearer": []}]));
    }
}
