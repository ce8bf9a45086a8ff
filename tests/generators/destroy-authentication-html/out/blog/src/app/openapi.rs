//! The OpenAPI description of the API (`/api/openapi.json`) and its
//! reference page (`/api/docs`): [`ApiDoc`] for the status endpoints, merged
//! with the `ApiDoc` of every controller in [`document`].

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::OpenApi;
use utoipa_scalar::Scalar;

use super::controllers::*;
use super::errors::ErrorBody;
use super::views::status::Status;

/// Title, version and description come from Cargo.toml.
#[derive(OpenApi)]
#[openapi(
    paths(health::show, ready::show),
    components(schemas(Status, ErrorBody)),
    tags((name = "status", description = "Liveness and readiness of the service"))
)]
pub struct ApiDoc;

/// The whole document. `cargo mvc generate controller` adds a
/// `.merge_from(..)` of the new controller's `ApiDoc` here.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

static SPEC: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_json()
        .expect("the OpenAPI document serializes")
});

/// The title of the reference page.
const DOCS_TITLE: &str = "Blog API";

static DOCS: LazyLock<String> =
    LazyLock::new(|| Scalar::new(document()).title(DOCS_TITLE).to_html());

/// The OpenAPI document as JSON.
pub async fn spec() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], SPEC.as_str())
}

/// An interactive API reference (Scalar; the page loads its script from a CDN).
pub async fn docs() -> Html<&'static str> {
    Html(DOCS.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_every_route_of_the_router() {
        let doc = document();
        for path in ["/api/health", "/api/ready"] {
            let documented = doc.paths.paths.contains_key(path);
            assert!(documented, "{path} is not documented");
        }
    }
}
