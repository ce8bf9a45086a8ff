//! Every `/api/articles` route on the running server.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_articles_route_answers() {
    let app = spawn_app().await;
    let routes = [
        (Method::GET, "/articles", 200),
        (Method::GET, "/articles/42", 200),
        (Method::GET, "/articles/new", 200),
        (Method::GET, "/articles/42/edit", 200),
    ];
    for (method, path, expected) in routes {
        let request = app.client.request(method.clone(), app.url(path));
        let status = request.send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    app.stop().await.unwrap();
}
