//! What the ticker controller sends back.

use serde::{Deserialize, Serialize};

/// The body of the `/api/ticker` responses: which action answered,
/// and for the item the id it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TickerResponse {
    pub controller: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl TickerResponse {
    pub fn new(action: &str, id: Option<String>) -> Self {
        Self {
            controller: "ticker".to_string(),
            action: action.to_string(),
            id,
        }
    }
}
