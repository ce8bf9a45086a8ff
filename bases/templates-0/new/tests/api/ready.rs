//! The status endpoints and the error responses, over real HTTP.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn ready_and_health_answer_ok() {
    let app = spawn_app().await;
    for path in ["/api/ready", "/api/health"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"status": "ok"}));
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"code": 404, "message": "Not found"})
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn wrong_methods_get_a_json_405_with_allow() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/api/ready")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let allow = response.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET"), "{allow}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 405);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn oversized_bodies_get_a_json_413() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/ready"))
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 413);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn request_ids_are_kept() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    app.stop().await.unwrap();
}
<%- if p.openapi %>

#[tokio::test]
async fn openapi_document_and_docs_page() {
    let app = spawn_app().await;
    let spec: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with('3'));
    assert!(spec["paths"]["/api/ready"]["get"].is_object());
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("/api/ready"), "the page embeds the document");
    app.stop().await.unwrap();
}
<%- endif %>
