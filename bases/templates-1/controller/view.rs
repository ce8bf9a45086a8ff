//! What the <@ c.human @> controller sends back.

use serde::{Deserialize, Serialize};

/// The body of the `/api/<@ c.url @>` responses: which action answered,
/// and for the item the id it was asked for.
<%- if c.openapi %>
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
<%- else %>
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
<%- endif %>
pub struct <@ c.pascal @>Response {
    pub controller: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl <@ c.pascal @>Response {
    pub fn new(action: &str, id: Option<String>) -> Self {
        Self {
            controller: "<@ c.url @>".to_string(),
            action: action.to_string(),
            id,
        }
    }
}
