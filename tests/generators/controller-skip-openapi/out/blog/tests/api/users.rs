//! Every `/api/users` route on the running server.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_users_route_answers() {
    let app = spawn_app().await;
    let routes = [
        (Method::GET, "/api/users", 200),
        (Method::GET, "/api/users/42", 200),
        (Method::POST, "/api/users/create", 200),
    ];
    for (method, path, expected) in routes {
        let request = app.client.request(method.clone(), app.url(path));
        let status = request.send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    app.stop().await.unwrap();
}
