//! The body of the liveness and readiness responses.

use serde::Serialize;

/// `{"status": "ok"}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Status {
    /// Always `ok`: any other state is an error response.
    #[schema(example = "ok")]
    pub status: &'static str,
}

impl Status {
    pub fn ok() -> Self {
        Self { status: "ok" }
    }
}
