//! Readiness: answers 200 only when the application and the services it
//! needs can take traffic.

use axum::Json;
use axum::extract::State;

use crate::app::AppState;
use crate::app::errors::AppError;
use crate::app::errors::ErrorBody;
use crate::app::views::status::Status;

/// The application can serve requests and reach the services it needs.
#[utoipa::path(
    get,
    path = "/api/ready",
    operation_id = "ready",
    tag = "status",
    responses(
        (status = 200, description = "Ready to take traffic", body = Status),
        (status = 503, description = "A dependency does not answer, or the service is shutting down", body = ErrorBody)
    )
)]
pub async fn show(State(state): State<AppState>) -> Result<Json<Status>, AppError> {
    state.check().await?;
    Ok(Json(Status::ok()))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use crate::app::testing::{self, call};

    #[tokio::test]
    async fn ready_is_ok() {
        let (status, body) = call(Method::GET, "/api/ready").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"status": "ok"}));
    }

    #[tokio::test]
    async fn ready_is_503_when_the_database_does_not_answer() {
        let state = testing::state().await;
        state.db.close().await;
        let (status, body) =
            testing::send(state, Method::GET, "/api/ready", Body::empty(), None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body,
            json!({"code": 503, "message": "Could not connect to the database"})
        );
    }

    #[tokio::test]
    async fn ready_is_503_while_shutting_down() {
        let state = crate::app::testing::state().await;
        state.start_draining();
        let (status, body) = crate::app::testing::send(
            state,
            Method::GET,
            "/api/ready",
            axum::body::Body::empty(),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, json!({"code": 503, "message": "Shutting down"}));
    }

    #[tokio::test]
    async fn other_methods_get_a_json_405() {
        let (status, body) = call(Method::DELETE, "/api/ready").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["code"], 405);
    }
}
