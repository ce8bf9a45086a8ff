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
}
