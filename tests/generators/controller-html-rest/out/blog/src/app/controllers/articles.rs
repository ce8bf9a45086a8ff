//! `/articles`: HTML pages. Handlers stay thin: they take the request
//! apart and render a page from `views::html::articles`.

use axum::extract::Path;
use axum::response::Html;

use crate::app::errors::AppError;
use crate::app::views::html;
use crate::app::views::html::articles as pages;

/// `GET /articles`
pub async fn index() -> Result<Html<String>, AppError> {
    html::render(&pages::IndexPage {
        title: "Articles".to_string(),
    })
}

/// `GET /articles/{id}`
pub async fn show(Path(id): Path<String>) -> Result<Html<String>, AppError> {
    html::render(&pages::ShowPage {
        title: "Articles".to_string(),
        id,
    })
}

/// `GET /articles/new`
pub async fn new() -> Result<Html<String>, AppError> {
    html::render(&pages::NewPage {
        title: "Articles".to_string(),
    })
}

/// `GET /articles/{id}/edit`
pub async fn edit(Path(id): Path<String>) -> Result<Html<String>, AppError> {
    html::render(&pages::EditPage {
        title: "Articles".to_string(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};

    use crate::app::testing::call;

    #[tokio::test]
    async fn index_answers() {
        let (status, body) = call(Method::GET, "/articles").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }

    #[tokio::test]
    async fn show_answers() {
        let (status, body) = call(Method::GET, "/articles/42").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }

    #[tokio::test]
    async fn new_answers() {
        let (status, body) = call(Method::GET, "/articles/new").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }

    #[tokio::test]
    async fn edit_answers() {
        let (status, body) = call(Method::GET, "/articles/42/edit").await;
        assert_eq!(status, StatusCode::OK);
        let page = body.as_str().expect("an HTML page");
        assert!(page.contains("<h1>"), "{page}");
    }
}
