//! `POST /api/<@ name.url @>`: takes <@ name.human @> as JSON, checks its
//! fields and answers it back. Made by the `<@ generator @>` generator of this
//! application (generators/<@ generator @>/).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;

/// <@ name.human | capitalize @>, as a request sends it.
<%- if app.openapi %>
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
<%- else %>
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
<%- endif %>
pub struct <@ name.pascal @> {
<%- for f in fields %>
<%- if app.openapi and f.schema is not none %>
    <@ f.schema @>
<%- endif %>
    pub <@ f.name @>: <@ f.path_type @>,
<%- endfor %>
}

/// `POST /api/<@ name.url @>`
<%- if app.openapi %>
#[utoipa::path(
    post,
    path = "/api/<@ name.url @>",
    operation_id = "<@ name.snake @>_create",
    tag = "<@ name.url @>",
    request_body = <@ name.pascal @>,
    responses(
        (status = 200, description = "The record, as received", body = <@ name.pascal @>),
        (status = 422, description = "A field is missing or has the wrong type")
    )
)]
<%- endif %>
pub async fn create(Json(input): Json<<@ name.pascal @>>) -> Result<Json<<@ name.pascal @>>, AppError> {
    Ok(Json(input))
}
<%- if app.openapi %>

/// The OpenAPI description of this endpoint, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create), components(schemas(<@ name.pascal @>)))]
pub struct ApiDoc;
<%- endif %>
