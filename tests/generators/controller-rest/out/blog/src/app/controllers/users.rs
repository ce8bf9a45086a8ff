//! `/api/users`: the users controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::users`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

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

/// `POST /api/users`
#[utoipa::path(
    post,
    path = "/api/users",
    operation_id = "users_create",
    tag = "users",
    responses((status = 201, description = "Created", body = UsersResponse))
)]
pub async fn create() -> Result<(StatusCode, Json<UsersResponse>), AppError> {
    let view = UsersResponse::new("create", None);
    Ok((StatusCode::CREATED, Json(view)))
}

/// `PUT|PATCH /api/users/{id}`
#[utoipa::path(
    method(put, patch),
    path = "/api/users/{id}",
    operation_id = "users_update",
    tag = "users",
    params(("id" = String, Path, description = "The id of the item")),
    responses((status = 200, description = "Success", body = UsersResponse))
)]
pub async fn update(Path(id): Path<String>) -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("update", Some(id));
    Ok(Json(view))
}

/// `DELETE /api/users/{id}`
#[utoipa::path(
    delete,
    path = "/api/users/{id}",
    operation_id = "users_destroy",
    tag = "users",
    params(("id" = String, Path, description = "The id of the item")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn destroy(Path(id): Path<String>) -> Result<StatusCode, AppError> {
    tracing::debug!(%id, "deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, destroy),
    components(schemas(UsersResponse))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/api/users").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "index");
    }

    #[tokio::test]
    async fn show_answers() {
        let (status, body) = call(Method::GET, "/api/users/42").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "show");
        assert_eq!(body["id"], "42");
    }

    #[tokio::test]
    async fn create_answers() {
        let (status, body) = call(Method::POST, "/api/users").await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["action"], "create");
    }

    #[tokio::test]
    async fn update_answers() {
        let (status, body) = call(Method::PUT, "/api/users/42").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "update");
        assert_eq!(body["id"], "42");
        let (status, body) = call(Method::PATCH, "/api/users/42").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "update");
        assert_eq!(body["id"], "42");
    }

    #[tokio::test]
    async fn destroy_answers() {
        let (status, body) = call(Method::DELETE, "/api/users/42").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(body.is_null());
    }
}
