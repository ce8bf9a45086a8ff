<%- if c.html -%>
//! `/<@ c.url @>`: HTML pages. Handlers stay thin: they take the request
//! apart and render a page from `views::html::<@ c.module_path @>`.
<%- else -%>
//! `/api/<@ c.url @>`: the <@ c.human @> controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::<@ c.module_path @>`.
<%- endif %>

<@ c.imports | join("\n\n") @>
<%- for a in c.actions %>

/// `<@ a.methods_doc @> <@ a.path @>`
<%- if c.openapi %>
<@ a.openapi_path @>
<%- endif %>
<@ a.signature @>
<%- if c.html %>
    html::render(&pages::<@ a.page @> {
        title: "<@ c.title @>".to_string(),
<%- if a.has_id %>
        id,
<%- endif %>
    })
<%- elif a.no_content %>
<%- if a.has_id %>
    tracing::debug!(%id, "deleted");
<%- endif %>
    Ok(StatusCode::NO_CONTENT)
<%- else %>
    let view = <@ c.pascal @>Response::new("<@ a.name @>", <% if a.has_id %>Some(id)<% else %>None<% endif %>);
<%- if a.created %>
    Ok((StatusCode::CREATED, Json(view)))
<%- else %>
    Ok(Json(view))
<%- endif %>
<%- endif %>
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
