//! What the admin reports controller sends back.

use serde::{Deserialize, Serialize};

/// The body of the `/api/admin/reports` responses: which action answered,
/// and for the item the id it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportsResponse {
    pub controller: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl ReportsResponse {
    pub fn new(action: &str, id: Option<String>) -> Self {
        Self {
            controller: "admin/reports".to_string(),
            action: action.to_string(),
            id,
        }
    }
}
