//! The pages of `/admin/reports`, rendered from `templates/admin/reports/`.

use askama::Template;

/// `templates/admin/reports/index.html`
#[derive(Debug, Template)]
#[template(path = "admin/reports/index.html")]
pub struct IndexPage {
    pub title: String,
}

/// `templates/admin/reports/show.html`
#[derive(Debug, Template)]
#[template(path = "admin/reports/show.html")]
pub struct ShowPage {
    pub title: String,
    pub id: String,
}
