//! Readiness: answers 200 only when the application and the services it
//! needs can take traffic.

use axum::Json;
<%- if p.redis %>
use axum::extract::State;

use crate::app::AppState;
use crate::app::errors::AppError;
<%- else %>

use crate::app::errors::AppError;
<%- endif %>
<%- if p.openapi %>
use crate::app::errors::ErrorBody;
<%- endif %>
use crate::app::views::status::Status;

/// The application can serve requests<%- if p.redis %> (and reach Redis, when enabled)<%- endif %>.
<%- if p.openapi %>
#[utoipa::path(
    get,
    path = "/api/ready",
    operation_id = "ready",
    tag = "status",
    responses(
        (status = 200, description = "Ready to take traffic", body = Status),
        (status = 502, description = "A dependency does not answer", body = ErrorBody)
    )
)]
<%- endif %>
<%- if p.redis %>
pub async fn show(State(state): State<AppState>) -> Result<Json<Status>, AppError> {
    if let Some(redis) = &state.redis {
        redis.ping().await.map_err(AppError::RedisUnavailable)?;
    }
    Ok(Json(Status::ok()))
}
<%- else %>
pub async fn show() -> Result<Json<Status>, AppError> {
    Ok(Json(Status::ok()))
}
<%- endif %>

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use crate::app::testing::call;

    #[tokio::test]
    async fn ready_is_ok() {
        let (status, body) = call(Method::GET, "/api/ready").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"status": "ok"}));
    }

    #[tokio::test]
    async fn other_methods_get_a_json_405() {
        let (status, body) = call(Method::DELETE, "/api/ready").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["code"], 405);
    }
}
