//! The shared HTTP client against a local server.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use blog::app::middleware;
use blog::config::HttpClientSettings;
use blog::utils::http_client::HttpClient;

async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

async fn upstream() -> String {
    let app = axum::Router::new()
        .route("/item", get(|| async { Json(json!({"id": 7})) }))
        .route("/echo", post(echo))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/id",
            get(|headers: axum::http::HeaderMap| async move {
                Json(json!(
                    headers.get("x-request-id").and_then(|v| v.to_str().ok())
                ))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn fetches_and_posts_json() {
    let base = upstream().await;
    let client = HttpClient::new(&HttpClientSettings {
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let item: Value = client.get_json(&format!("{base}/item")).await.unwrap();
    assert_eq!(item, json!({"id": 7}));
    let echoed: Value = client
        .post_json(&format!("{base}/echo"), &json!({"a": 1}))
        .await
        .unwrap();
    assert_eq!(echoed, json!({"a": 1}));
    let missing = client.get_json::<Value>(&format!("{base}/missing")).await;
    assert_eq!(missing.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    assert!(client.client().get(&base).build().is_ok());
}

/// A handler's calls through the client carry its request's id.
#[tokio::test]
async fn passes_on_the_request_id() {
    let base = upstream().await;
    let client = HttpClient::new(&HttpClientSettings {
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let outside: Value = client.get_json(&format!("{base}/id")).await.unwrap();
    assert_eq!(outside, Value::Null);
    let app = axum::Router::new().route(
        "/call",
        get(move || async move {
            let seen: Value = client.get_json(&format!("{base}/id")).await.unwrap();
            Json(seen)
        }),
    );
    let settings = Default::default();
    let app = middleware::around(middleware::route_layers(app, &settings), &settings);
    let request = axum::http::Request::builder()
        .uri("/call")
        .header("x-request-id", "caller-42")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let seen: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(seen, json!("caller-42"));
}
