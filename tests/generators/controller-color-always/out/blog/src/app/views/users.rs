//! What the users controller sends back.

use serde::{Deserialize, Serialize};

/// The body of the `/api/users` responses: which action answered,
/// and for the item the id it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersResponse {
    pub controller: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl UsersResponse {
    pub fn new(action: &str, id: Option<String>) -> Self {
        Self {
            controller: "users".to_string(),
            action: action.to_string(),
            id,
        }
    }
}
