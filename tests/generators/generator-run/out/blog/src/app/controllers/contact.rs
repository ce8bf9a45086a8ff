//! `POST /api/contacts`: takes contact as JSON, checks its
//! fields and answers it back. Made by the `endpoint` generator of this
//! application (generators/endpoint/).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;

/// Contact, as a request sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Contact {
    #[schema(max_length = 255)]
    pub name: String,
    pub age: Option<i32>,
    #[schema(
    value_type = String,
    format = Date,
    pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
)]
    pub born: chrono::NaiveDate,
}

/// `POST /api/contacts`
#[utoipa::path(
    post,
    path = "/api/contacts",
    operation_id = "contact_create",
    tag = "contacts",
    request_body = Contact,
    responses(
        (status = 200, description = "The record, as received", body = Contact),
        (status = 422, description = "A field is missing or has the wrong type")
    )
)]
pub async fn create(Json(input): Json<Contact>) -> Result<Json<Contact>, AppError> {
    Ok(Json(input))
}

/// The OpenAPI description of this endpoint, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create), components(schemas(Contact)))]
pub struct ApiDoc;
