//! The shared HTTP client against a local server.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use <@ p.crate_name @>::config::HttpClientSettings;
use <@ p.crate_name @>::utils::http_client::HttpClient;

async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

async fn upstream() -> String {
    let app = axum::Router::new()
        .route("/item", get(|| async { Json(json!({"id": 7})) }))
        .route("/echo", post(echo))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }));
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
