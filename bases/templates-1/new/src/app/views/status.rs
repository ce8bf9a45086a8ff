//! The body of the liveness and readiness responses.

use serde::Serialize;

/// `{"status": "ok"}`
<%- if p.openapi %>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
<%- else %>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
<%- endif %>
pub struct Status {
    /// Always `ok`: any other state is an error response.
<%- if p.openapi %>
    #[schema(example = "ok")]
<%- endif %>
    pub status: &'static str,
}

impl Status {
    pub fn ok() -> Self {
        Self { status: "ok" }
    }
}
