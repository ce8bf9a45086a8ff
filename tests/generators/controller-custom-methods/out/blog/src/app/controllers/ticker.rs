//! `/api/ticker`: the ticker controller. Handlers stay thin: they
//! take the request apart and answer with a view from
//! `views::ticker`.

use axum::Json;

use crate::app::errors::AppError;
use crate::app::views::ticker::TickerResponse;

/// `GET /api/ticker/quote`
#[utoipa::path(
    get,
    path = "/api/ticker/quote",
    operation_id = "ticker_quote",
    tag = "ticker",
    responses((status = 200, description = "Success", body = TickerResponse))
)]
pub async fn quote() -> Result<Json<TickerResponse>, AppError> {
    let view = TickerResponse::new("quote", None);
    Ok(Json(view))
}

/// `POST /api/ticker/buy`
#[utoipa::path(
    post,
    path = "/api/ticker/buy",
    operation_id = "ticker_buy",
    tag = "ticker",
    responses((status = 200, description = "Success", body = TickerResponse))
)]
pub async fn buy() -> Result<Json<TickerResponse>, AppError> {
    let view = TickerResponse::new("buy", None);
    Ok(Json(view))
}

/// `DELETE /api/ticker/sell`
#[utoipa::path(
    delete,
    path = "/api/ticker/sell",
    operation_id = "ticker_sell",
    tag = "ticker",
    responses((status = 200, description = "Success", body = TickerResponse))
)]
pub async fn sell() -> Result<Json<TickerResponse>, AppError> {
    let view = TickerResponse::new("sell", None);
    Ok(Json(view))
}

/// `PUT /api/ticker/refresh`
#[utoipa::path(
    put,
    path = "/api/ticker/refresh",
    operation_id = "ticker_refresh",
    tag = "ticker",
    responses((status = 200, description = "Success", body = TickerResponse))
)]
pub async fn refresh() -> Result<Json<TickerResponse>, AppError> {
    let view = TickerResponse::new("refresh", None);
    Ok(Json(view))
}

/// `PATCH /api/ticker/adjust`
#[utoipa::path(
    patch,
    path = "/api/ticker/adjust",
    operation_id = "ticker_adjust",
    tag = "ticker",
    responses((status = 200, description = "Success", body = TickerResponse))
)]
pub async fn adjust() -> Result<Json<TickerResponse>, AppError> {
    let view = TickerResponse::new("adjust", None);
    Ok(Json(view))
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(quote, buy, sell, refresh, adjust),
    components(schemas(TickerResponse))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn quote_answers() {
        let (status, body) = call(Method::GET, "/api/ticker/quote").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "quote");
    }

    #[tokio::test]
    async fn buy_answers() {
        let (status, body) = call(Method::POST, "/api/ticker/buy").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "buy");
    }

    #[tokio::test]
    async fn sell_answers() {
        let (status, body) = call(Method::DELETE, "/api/ticker/sell").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "sell");
    }

    #[tokio::test]
    async fn refresh_answers() {
        let (status, body) = call(Method::PUT, "/api/ticker/refresh").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "refresh");
    }

    #[tokio::test]
    async fn adjust_answers() {
        let (status, body) = call(Method::PATCH, "/api/ticker/adjust").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["action"], "adjust");
    }
}
