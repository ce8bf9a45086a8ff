//! Every `/api/<@ c.url @>` route on the running server.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_<@ c.test_name @>_route_answers() {
    let app = spawn_app().await;
    let routes = [
<%- for a in c.actions %>
<%- for m in a.methods %>
        (Method::<@ m|upper @>, "<@ a.example_path @>", <@ a.status_code @>),
<%- endfor %>
<%- endfor %>
    ];
    for (method, path, expected) in routes {
        let request = app.client.request(method.clone(), app.url(path));
        let status = request.send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    app.stop().await.unwrap();
}
<%- if c.openapi %>

#[tokio::test]
async fn every_<@ c.test_name @>_route_is_documented() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    let spec: serde_json::Value = response.json().await.unwrap();
    let documented = |path: &str| spec["paths"][path].is_object();
<%- for path in c.doc_paths %>
    assert!(documented("<@ path @>"));
<%- endfor %>
    app.stop().await.unwrap();
}
<%- endif %>
