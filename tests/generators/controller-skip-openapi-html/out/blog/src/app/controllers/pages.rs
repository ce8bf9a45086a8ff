//! `/pages`: HTML pages. Handlers stay thin: they take the request
//! apart and render a page from `views::html::pages`.

use axum::extract::Path;
use axum::response::Html;

use crate::app::errors::AppError;
use crate::app::views::html;
use crate::app::views::html::pages;

/// `GET /pages`
pub async fn index() -> Result<Html<String>, AppError> {
    html::render(&pages::IndexPage {
        title: "Pages".to_string(),
    })
}

/// `GET /pages/{id}`
pub async fn show(Path(id): Path<String>) -> Result<Html<String>, AppError> {
    html::render(&pages::ShowPage {
        title: "Pages".to_string(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/pages").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }

    #[tokio::test]
    async fn show_answers() {
        let (status, body) = call(Method::GET, "/pages/42").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }
}
