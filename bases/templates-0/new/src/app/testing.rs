//! Helpers for controller tests: call the application in process, through the
//! full middleware stack, without a socket.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::app::{self, AppState};
use crate::config::Settings;

/// Sends a bodiless request and returns the status and the body: JSON as
/// JSON, any other text (an HTML page) as a JSON string, `null` when empty.
pub async fn call(method: Method, uri: &str) -> (StatusCode, serde_json::Value) {
    let state = AppState::new(Settings::default())
        .await
        .expect("state from default settings");
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("a valid request");
    let response = app::build(state)
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body can be read")
        .to_bytes();
    let json = if bytes.is_empty() {
        serde_json::Value::Null
    } else if is_json {
        serde_json::from_slice(&bytes).expect("the body is JSON")
    } else {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    (status, json)
}
