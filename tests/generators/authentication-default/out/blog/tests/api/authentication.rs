//! Accounts over real HTTP, as an API client uses them: sign up, sign in for
//! a bearer token, call the API with it, sign out.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Signs `email` up and in; the token for `Authorization: Bearer`.
pub async fn sign_in(app: &TestApp, email: &str) -> String {
    let credentials = json!({"email": email, "password": "correct horse"});
    let response = app
        .client
        .post(app.url("/api/users"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .client
        .post(app.url("/api/session"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_api_client_signs_up_in_and_out() {
    let app = spawn_app().await;
    let token = sign_in(&app, "ann@example.com").await;
    let me = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ann@example.com");

    let wrong = json!({"email": "ann@example.com", "password": "wrong horse"});
    let response = app
        .client
        .post(app.url("/api/session"))
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let signed_out = app
        .client
        .delete(app.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    let me = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert_eq!(me.headers()["www-authenticate"], "Bearer");
    app.stop().await.unwrap();
}
