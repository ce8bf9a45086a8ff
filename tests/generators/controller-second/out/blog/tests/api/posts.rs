//! Every `/api/posts` route on the running server.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_posts_route_answers() {
    let app = spawn_app().await;
    let routes = [
        (Method::GET, "/api/posts", 200),
        (Method::POST, "/api/posts/create", 200),
    ];
    for (method, path, expected) in routes {
        let request = app.client.request(method.clone(), app.url(path));
        let status = request.send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn every_posts_route_is_documented() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    let spec: serde_json::Value = response.json().await.unwrap();
    let documented = |path: &str| spec["paths"][path].is_object();
    assert!(documented("/api/posts"));
    assert!(documented("/api/posts/create"));
    app.stop().await.unwrap();
}
