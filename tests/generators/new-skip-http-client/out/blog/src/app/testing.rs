//! Helpers for controller tests: call the application in process, through the
//! full middleware stack, without a socket.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::app::{self, AppState};
use crate::config::Settings;

/// The state built from default settings.
pub async fn state() -> AppState {
    let settings = Settings::default();
    // The database for tests (see `DatabaseSettings::for_tests`).
    let settings = Settings {
        database: crate::db::DatabaseSettings::for_tests(),
        ..settings
    };
    AppState::new(settings)
        .await
        .expect("state from default settings")
}

/// Sends a bodiless request and returns the status and the body: JSON as
/// JSON, any other text (an HTML page) as a JSON string, `null` when empty.
pub async fn call(method: Method, uri: &str) -> (StatusCode, serde_json::Value) {
    send(state().await, method, uri, Body::empty(), None).await
}

/// Sends `body` as JSON to the application built from `state`.
pub async fn call_json(
    state: AppState,
    method: Method,
    uri: &str,
    body: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let bytes = serde_json::to_vec(body).expect("JSON serializes");
    send(
        state,
        method,
        uri,
        Body::from(bytes),
        Some("application/json"),
    )
    .await
}

/// The type of the forms of HTML pages.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// The form token of the tests' browser (see `middleware::form_tokens`).
pub const FORM_TOKEN: &str = "5e55107f0c3b4a6e9d1c2b7a8f6e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e";

/// A form as a browser sends it from one of the application's pages: with
/// the form token in its cookie and as the form's first field.
pub async fn browser_form(request: axum::http::request::Builder, form: Body) -> Request<Body> {
    use crate::app::middleware::{FORM_TOKEN_COOKIE, FORM_TOKEN_FIELD};
    let form = axum::body::to_bytes(form, usize::MAX)
        .await
        .expect("the form can be read");
    let mut body = format!("{FORM_TOKEN_FIELD}={FORM_TOKEN}&").into_bytes();
    body.extend_from_slice(&form);
    request
        .header(header::COOKIE, format!("{FORM_TOKEN_COOKIE}={FORM_TOKEN}"))
        .body(Body::from(body))
        .expect("a valid request")
}

/// Sends a request to the application built from `state`, through the full
/// middleware stack; a form (`FORM`) carries the form token.
pub async fn send(
    state: AppState,
    method: Method,
    uri: &str,
    body: Body,
    content_type: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let request = if content_type == Some(FORM) {
        browser_form(request, body).await
    } else {
        request.body(body).expect("a valid request")
    };
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
    (status, body_value(&bytes, is_json))
}

/// A response body as tests compare it: JSON as JSON, any other text as a
/// JSON string, `null` when empty.
fn body_value(bytes: &[u8], is_json: bool) -> serde_json::Value {
    if bytes.is_empty() {
        serde_json::Value::Null
    } else if is_json {
        serde_json::from_slice(bytes).expect("the body is JSON")
    } else {
        serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_read_as_json_text_or_null() {
        assert_eq!(body_value(b"", true), serde_json::Value::Null);
        assert_eq!(body_value(br#"{"a":1}"#, true), json!({"a": 1}));
        assert_eq!(body_value(b"<p>Hi</p>", false), json!("<p>Hi</p>"));
    }

    #[tokio::test]
    async fn json_requests_go_through_the_whole_stack() {
        let (status, body) = call(Method::GET, "/api/health").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
        // The method is checked by the router, and its error is JSON too.
        let (status, body) =
            call_json(state().await, Method::POST, "/api/health", &json!({})).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["code"], 405, "{body}");
    }
}
