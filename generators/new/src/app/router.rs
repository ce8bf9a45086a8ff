//! The routes table: every route of the application, in one place.
//! `cargo mvc generate` adds routes here; keep them in this chain.

use axum::Router;
use axum::routing::get;

use super::AppState;
use super::controllers::{health, ready};
<%- if p.openapi %>
use super::openapi;
<%- endif %>

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health::show))
        .route("/api/ready", get(ready::show))
<%- if p.openapi %>
        .route("/api/openapi.json", get(openapi::spec))
        .route("/api/docs", get(openapi::docs))
<%- endif %>
}
