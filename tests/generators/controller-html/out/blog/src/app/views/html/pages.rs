//! The pages of `/pages`, rendered from `templates/pages/`.

use askama::Template;

/// `templates/pages/index.html`
#[derive(Debug, Template)]
#[template(path = "pages/index.html")]
pub struct IndexPage {
    pub title: String,
}

/// `templates/pages/show.html`
#[derive(Debug, Template)]
#[template(path = "pages/show.html")]
pub struct ShowPage {
    pub title: String,
    pub id: String,
}

/// `templates/pages/about.html`
#[derive(Debug, Template)]
#[template(path = "pages/about.html")]
pub struct AboutPage {
    pub title: String,
}
