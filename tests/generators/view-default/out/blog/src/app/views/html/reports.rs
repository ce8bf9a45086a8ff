//! The pages of `/reports`, rendered from `templates/reports/`.

use askama::Template;

/// `templates/reports/index.html`
#[derive(Debug, Template)]
#[template(path = "reports/index.html")]
pub struct IndexPage {
    pub title: String,
}
