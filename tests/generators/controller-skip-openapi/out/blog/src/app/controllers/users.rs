//! `/api/users`: the users controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::users`.

use axum::Json;
use axum::extract::Path;

use crate::app::errors::AppError;
use crate::app::views::users::UsersResponse;

/// `GET /api/users`
pub async fn index() -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("index", None);
    Ok(Json(view))
}

/// `GET /api/users/{id}`
pub async fn show(Path(id): Path<String>) -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("show", Some(id));
    Ok(Json(view))
}

/// `POST /api/users/create`
pub async fn create() -> Result<Json<UsersResponse>, AppError> {
    let view = UsersResponse::new("create", None);
    Ok(Json(view))
}

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
}
