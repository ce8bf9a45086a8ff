<%- if c.html -%>
//! `/<@ c.url @>`: HTML pages. Handlers stay thin: they take the request
//! apart and render a page from `views::html::<@ c.module_path @>`.
<%- else -%>
//! `/api/<@ c.url @>`: the <@ c.human @> controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::<@ c.module_path @>`.
<%- endif %>

<@ c.imports @>
<%- for a in c.actions %>

/// `<@ a.methods_doc @> <@ a.path @>`
<%- if c.openapi %>
#[utoipa::path(
    <@ a.method @>,
    path = "<@ a.path @>",
    operation_id = "<@ c.test_name @>_<@ a.name @>",
    tag = "<@ c.url @>",
<%- if a.has_id %>
    params(("id" = String, Path, description = "The id of the item")),
<%- endif %>
    responses((status = <@ a.status_code @>, description = "<@ a.status_text @>"<@ a.body_doc @>))
)]
<%- endif %>
<@ a.signature @>
<@ a.body @>
}
<%- endfor %>
<%- if c.openapi %>

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
<@ c.openapi_attr @>
pub struct ApiDoc;
<%- endif %>
<%- if c.tests %>

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;
<%- for a in c.actions %>

    #[tokio::test]
    async fn <@ a.name @>_answers() {
<%- for m in a.methods %>
        let (status, body) = call(Method::<@ m|upper @>, "<@ a.example_path @>").await;
        assert_eq!(status, StatusCode::<@ a.status_const @>);
<%- if a.no_content %>
        assert!(body.is_null());
<%- elif c.html %>
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
<%- else %>
        assert_eq!(body["action"], "<@ a.name @>");
<%- if a.has_id %>
        assert_eq!(body["id"], "42");
<%- endif %>
<%- endif %>
<%- endfor %>
    }
<%- endfor %>
}
<%- endif %>
