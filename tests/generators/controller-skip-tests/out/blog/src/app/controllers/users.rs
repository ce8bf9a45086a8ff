//! `/api/users`: the users controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::users`.

use axum::Json;
use axum::extract::Path;

use crate::app::errors::AppError;
use crate::app::views::users::UsersResponse;

/// `GET /api/users`
#[utoipa::path(
    get,
    path = "/api/users",
    operation_id = "users_index",
    tag = "users",
    responses((status = 200, description = "Success", body = UsersResponse))
)]
pub async fn index() -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("index", None);
    Ok(Json(view))
}

/// `GET /api/users/{id}`
#[utoipa::path(
    get,
    path = "/api/users/{id}",
    operation_id = "users_show",
    tag = "users",
    params(("id" = String, Path, description = "The id of the item")),
    responses((status = 200, description = "Success", body = UsersResponse))
)]
pub async fn show(Path(id): Path<String>) -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("show", Some(id));
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index, show), components(schemas(UsersResponse)))]
pub struct ApiDoc;
