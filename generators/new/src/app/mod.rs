//! The web application: the routes table plus the middleware production needs.

pub mod controllers;
pub mod errors;
pub mod models;
<%- if p.openapi %>
pub mod openapi;
<%- endif %>
pub mod router;
pub mod state;
#[cfg(test)]
pub(crate) mod testing;
pub mod views;

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use tower_http::ServiceBuilderExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::MakeRequestUuid;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// The complete application for `state`: every route from [`router::routes`],
/// a JSON 404 for unknown paths, and the middleware stack (outermost first):
/// request id, tracing, panic catching, JSON bodies for error responses that
/// have none, timeout, body limit.
pub fn build(state: AppState) -> Router {
    let settings = &state.settings;
    let outer = tower::ServiceBuilder::new()
        .set_request_id(HeaderName::from_static("x-request-id"), MakeRequestUuid)
        .layer(TraceLayer::new_for_http())
        .propagate_request_id(HeaderName::from_static("x-request-id"))
        .layer(CatchPanicLayer::custom(errors::panic_response));
    router::routes()
        .fallback(errors::not_found)
        .layer(RequestBodyLimitLayer::new(settings.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(axum::middleware::map_response(errors::json_error_body))
        .layer(outer)
        .with_state(state)
}
