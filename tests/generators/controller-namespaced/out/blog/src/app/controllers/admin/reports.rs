//! `/api/admin/reports`: the admin reports controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::admin::reports`.

use axum::Json;
use axum::extract::Path;

use crate::app::errors::AppError;
use crate::app::views::admin::reports::ReportsResponse;

/// `GET /api/admin/reports`
#[utoipa::path(
    get,
    path = "/api/admin/reports",
    operation_id = "admin_reports_index",
    tag = "admin/reports",
    responses((status = 200, description = "Success", body = ReportsResponse))
)]
pub async fn index() -> Result<Json<ReportsResponse>, AppError> {
    let view = ReportsResponse::new("index", None);
    Ok(Json(view))
}

/// `GET /api/admin/reports/{id}`
#[utoipa::path(
    get,
    path = "/api/admin/reports/{id}",
    operation_id = "admin_reports_show",
    tag = "admin/reports",
    params(("id" = String, Path, description = "The id of the item")),
    responses((status = 200, description = "Success", body = ReportsResponse))
)]
pub async fn show(Path(id): Path<String>) -> Result<Json<ReportsResponse>, AppError> {
    let view = ReportsResponse::new("show", Some(id));
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index, show), components(schemas(ReportsResponse)))]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/api/admin/reports").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "index");
    }

    #[tokio::test]
    async fn show_answers() {
        let (status, body) = call(Method::GET, "/api/admin/reports/42").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "show");
        assert_eq!(body["id"], "42");
    }
}
