//! The pages of `/reports`, rendered from `templates/reports/`.

use askama::Template;

/// `templates/reports/index.html`
#[derive(Debug, Template)]
#[template(path = "reports/index.html")]
pub struct IndexPage {
    pub title: String,
}

/// `templates/reports/show.html`
#[derive(Debug, Template)]
#[template(path = "reports/show.html")]
pub struct ShowPage {
    pub title: String,
    pub id: String,
}
