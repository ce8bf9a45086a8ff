//! `POST /api/orders`: takes order as JSON, checks its
//! fields and answers it back. Made by the `endpoint` generator of this
//! application (generators/endpoint/).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;

/// Order, as a request sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Order {
    pub placed: chrono::DateTime<chrono::Utc>,
    pub total: rust_decimal::Decimal,
}

/// `POST /api/orders`
pub async fn create(Json(input): Json<Order>) -> Result<Json<Order>, AppError> {
    Ok(Json(input))
}
