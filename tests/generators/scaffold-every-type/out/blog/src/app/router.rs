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
        .route("/api/posts", get(posts::index).post(posts::create))
        .route(
            "/api/posts/{id}",
            get(posts::show)
                .put(posts::update)
                .patch(posts::patch)
                .delete(posts::destroy),
        )
        .route("/api/items", get(items::index).post(items::create))
        .route(
            "/api/items/{id}",
            get(items::show)
                .put(items::update)
                .patch(items::patch)
                .delete(items::destroy),
        )
        .route("/api/posts/{id}/items", get(items::index_of_post))
}
