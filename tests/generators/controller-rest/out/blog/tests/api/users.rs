//! Every `/api/users` route on the running server.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_users_route_answers() {
    let app = spawn_app().await;
    let routes = [
        (Method::GET, "/api/users", 200),
        (Method::GET, "/api/users/42", 200),
        (Method::POST, "/api/users", 201),
        (Method::PUT, "/api/users/42", 200),
        (Method::PATCH, "/api/users/42", 200),
        (Method::DELETE, "/api/users/42", 204),
    ];
    for (method, path, expected) in routes {
        let request = app.client.request(method.clone(), app.url(path));
        let status = request.send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn every_users_route_is_documented() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    let spec: serde_json::Value = response.json().await.unwrap();
    let documented = |path: &str| spec["paths"][path].is_object();
    assert!(documented("/api/users"));
    assert!(documented("/api/users/{id}"));
    app.stop().await.unwrap();
}
