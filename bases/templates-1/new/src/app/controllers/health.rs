//! Liveness: answers as long as the process serves requests, without touching
//! any dependency, so an orchestrator restarts only a process that is stuck.

use axum::Json;

use crate::app::views::status::Status;

/// The process is alive.
<%- if p.openapi %>
#[utoipa::path(
    get,
    path = "/api/health",
    operation_id = "health",
    tag = "status",
    responses((status = 200, description = "The process is alive", body = Status))
)]
<%- endif %>
pub async fn show() -> Json<Status> {
    Json(Status::ok())
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use crate::app::testing::call;

    #[tokio::test]
    async fn health_is_ok() {
        let (status, body) = call(Method::GET, "/api/health").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"status": "ok"}));
    }
}
