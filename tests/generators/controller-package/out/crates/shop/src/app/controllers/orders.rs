//! `/api/orders`: the orders controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::orders`.

use axum::Json;
use axum::extract::Path;

use crate::app::errors::AppError;
use crate::app::views::orders::OrdersResponse;

/// `GET /api/orders`
#[utoipa::path(
    get,
    path = "/api/orders",
    operation_id = "orders_index",
    tag = "orders",
    responses((status = 200, description = "Success", body = OrdersResponse))
)]
pub async fn index() -> Result<Json<OrdersResponse>, AppError> {
    let view = OrdersResponse::new("index", None);
    Ok(Json(view))
}

/// `GET /api/orders/{id}`
#[utoipa::path(
    get,
    path = "/api/orders/{id}",
    operation_id = "orders_show",
    tag = "orders",
    params(("id" = String, Path, description = "The id of the item")),
    responses((status = 200, description = "Success", body = OrdersResponse))
)]
pub async fn show(Path(id): Path<String>) -> Result<Json<OrdersResponse>, AppError> {
    let view = OrdersResponse::new("show", Some(id));
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index, show), components(schemas(OrdersResponse)))]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/api/orders").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "index");
    }

    #[tokio::test]
    async fn show_answers() {
        let (status, body) = call(Method::GET, "/api/orders/42").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "show");
        assert_eq!(body["id"], "42");
    }
}
