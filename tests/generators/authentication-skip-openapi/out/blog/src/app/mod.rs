//! The web application: the routes table plus the middleware production needs.

pub mod auth;
pub mod controllers;
pub mod errors;
pub mod mailers;
pub mod middleware;
pub mod models;
pub mod router;
pub mod state;
#[cfg(test)]
pub mod testing;
pub mod views;

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::Response;
use tower::Service;

pub use state::AppState;

/// The complete application for `state`: every route from [`router::routes`],
/// a JSON 404 for unknown paths, and the production middleware of
/// [`middleware`] (request ids, request logs, security headers, CORS,
/// compression, panics, timeout, body limit) around all of it.
pub fn build(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let settings = state.settings.clone();
    let router = middleware::route_layers(router::routes().fallback(errors::not_found), &settings);
    middleware::around(router.with_state(state), &settings)
}
