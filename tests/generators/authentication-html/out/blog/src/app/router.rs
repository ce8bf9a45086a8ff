//! The routes table: every route of the application, in one place.
//! `cargo mvc generate` adds routes here; keep them in this chain.

use axum::Router;
// Every method router (`get`, `post`, ...) for the routes below.
use axum::routing::*;

use super::AppState;
// Every controller module, so routes name handlers as `users::index`.
use super::controllers::*;
use super::openapi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health::show))
        .route("/api/ready", get(ready::show))
        .route("/api/openapi.json", get(openapi::spec))
        .route("/api/docs", get(openapi::docs))
        .route("/api/users", post(authentication::sign_up))
        .route(
            "/api/session",
            post(authentication::sign_in).delete(authentication::sign_out),
        )
        .route("/api/me", get(authentication::me))
        .route("/api/me/password", put(authentication::change_password))
        .route("/api/tokens", get(authentication::tokens))
        .route("/api/tokens/{id}", delete(authentication::revoke_token))
        .route("/api/sessions", get(authentication::sessions))
        .route("/api/sessions/{id}", delete(authentication::revoke_session))
        .route(
            "/api/passwords",
            post(authentication::request_password_reset),
        )
        .route(
            "/api/passwords/{token}",
            put(authentication::reset_password),
        )
        .route("/users/new", get(accounts::sign_up_page))
        .route("/users", post(accounts::sign_up))
        .route("/session/new", get(accounts::sign_in_page))
        .route("/session", post(accounts::sign_in))
        .route("/session/delete", post(accounts::sign_out))
        .route("/sessions", get(accounts::sessions_page))
        .route("/sessions/{id}/delete", post(accounts::revoke_session))
        .route("/passwords/new", get(accounts::forgot_password_page))
        .route("/passwords", post(accounts::forgot_password))
        .route(
            "/passwords/{token}/edit",
            get(accounts::reset_password_page),
        )
        .route("/passwords/{token}", post(accounts::reset_password))
}
