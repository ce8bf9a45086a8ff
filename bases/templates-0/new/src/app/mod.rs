//! The web application: the routes table plus the middleware production needs.

pub mod controllers;
pub mod errors;
pub mod middleware;
pub mod models;
<%- if p.openapi %>
pub mod openapi;
<%- endif %>
pub mod router;
pub mod state;
#[cfg(test)]
pub(crate) mod testing;
pub mod views;

use std::convert::Infallible;

use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use tower::Service;

pub use state::AppState;

/// The body limit axum's extractors apply by default.
const AXUM_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The complete application for `state`: every route from [`router::routes`],
/// a JSON 404 for unknown paths, and the production middleware of
/// [`middleware`] (request ids, request logging, panics, body limit,
/// timeout, JSON error bodies) around all of it.
pub fn build(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let settings = state.settings.clone();
    let mut router = router::routes().fallback(errors::not_found);
    // Extractors enforce axum's default of 2 MiB without a layer; another
    // limit costs a layer on every route.
    if settings.body_limit != AXUM_BODY_LIMIT {
        router = router.layer(DefaultBodyLimit::max(settings.body_limit));
    }
    let router = router.with_state(state);
    tower::ServiceBuilder::new()
        .layer(middleware::GuardLayer::new(
            settings.request_timeout,
            settings.body_limit,
        ))
        .service(router)
}
