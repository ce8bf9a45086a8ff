//! `POST /api/contacts`: takes contact as JSON, checks its
//! fields and answers it back. Made by the `endpoint` generator of this
//! application (generators/endpoint/).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;

/// Contact, as a request sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: String,
    pub age: Option<i32>,
    #[schema(value_type = String, format = Date)]
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
