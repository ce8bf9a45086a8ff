//! HTML views: askama templates under `templates/`, and the page structs
//! that fill them.

use askama::Template;
use axum::response::Html;

use crate::app::errors::AppError;

pub mod accounts;

/// Renders a page; a template error is a 500 whose detail goes to the log.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}
