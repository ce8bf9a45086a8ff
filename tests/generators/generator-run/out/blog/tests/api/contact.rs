//! `POST /api/contacts` on the running server.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn contact_answers_the_record_back() {
    let app = spawn_app().await;
    let record = json!({
        "name": "name example",
        "age": 1,
        "born": "2026-01-31",
    });
    let response = app
        .client
        .post(app.url("/api/contacts"))
        .json(&record)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, record);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn contact_refuses_what_is_not_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/contacts"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    app.stop().await.unwrap();
}
