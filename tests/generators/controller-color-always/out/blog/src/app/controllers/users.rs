//! `/api/users`: the users controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::users`.

use axum::Json;

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

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index), components(schemas(UsersResponse)))]
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
}
