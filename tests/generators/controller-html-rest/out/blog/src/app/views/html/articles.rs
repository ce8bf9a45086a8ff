//! The pages of `/articles`, rendered from `templates/articles/`.

use askama::Template;

/// `templates/articles/index.html`
#[derive(Debug, Template)]
#[template(path = "articles/index.html")]
pub struct IndexPage {
    pub title: String,
}

/// `templates/articles/show.html`
#[derive(Debug, Template)]
#[template(path = "articles/show.html")]
pub struct ShowPage {
    pub title: String,
    pub id: String,
}

/// `templates/articles/new.html`
#[derive(Debug, Template)]
#[template(path = "articles/new.html")]
pub struct NewPage {
    pub title: String,
}

/// `templates/articles/edit.html`
#[derive(Debug, Template)]
#[template(path = "articles/edit.html")]
pub struct EditPage {
    pub title: String,
    pub id: String,
}
