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

/// `POST /api/users/create`
#[utoipa::path(
    post,
    path = "/api/users/create",
    operation_id = "users_create",
    tag = "users",
    responses((status = 200, description = "Success", body = UsersResponse))
)]
pub async fn create() -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("create", None);
    Ok(Json(view))
}

/// `DELETE /api/users/destroy`
#[utoipa::path(
    delete,
    path = "/api/users/destroy",
    operation_id = "users_destroy",
    tag = "users",
    responses((status = 200, description = "Success", body = UsersResponse))
)]
pub async fn destroy() -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("destroy", None);
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, destroy),
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
        let (status, body) = call(Method::POST, "/api/users/create").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "create");
    }

    #[tokio::test]
    async fn destroy_answers() {
        let (status, body) = call(Method::DELETE, "/api/users/destroy").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "destroy");
    }
}
