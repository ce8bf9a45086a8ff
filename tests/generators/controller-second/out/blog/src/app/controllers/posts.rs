//! `/api/posts`: the posts controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::posts`.

use axum::Json;

use crate::app::errors::AppError;
use crate::app::views::posts::PostsResponse;

/// `GET /api/posts`
#[utoipa::path(
    get,
    path = "/api/posts",
    operation_id = "posts_index",
    tag = "posts",
    responses((status = 200, description = "Success", body = PostsResponse))
)]
pub async fn index() -> Result<Json<PostsResponse>, AppError> {
    let view = PostsResponse::new("index", None);
    Ok(Json(view))
}

/// `POST /api/posts/create`
#[utoipa::path(
    post,
    path = "/api/posts/create",
    operation_id = "posts_create",
    tag = "posts",
    responses((status = 200, description = "Success", body = PostsResponse))
)]
pub async fn create() -> Result<Json<PostsResponse>, AppError> {
    let view = PostsResponse::new("create", None);
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index, create), components(schemas(PostsResponse)))]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/api/posts").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "index");
    }

    #[tokio::test]
    async fn create_answers() {
        let (status, body) = call(Method::POST, "/api/posts/create").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "create");
    }
}
