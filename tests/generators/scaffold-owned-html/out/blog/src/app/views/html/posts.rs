//! The pages of `/posts`, rendered from `templates/posts/`.

use std::collections::BTreeMap;

use askama::Template;

use crate::app::errors::FieldErrors;
use crate::app::models::post::{Post, PostPage};

/// `templates/posts/index.html`: one page of posts.
#[derive(Debug, Template)]
#[template(path = "posts/index.html")]
pub struct IndexPage {
    pub page: PostPage,
}

impl IndexPage {
    /// The number of the next page, if there is one.
    pub fn next(&self) -> Option<i64> {
        (self.page.page * self.page.per_page < self.page.total).then_some(self.page.page + 1)
    }

    /// The number of the previous page, if there is one.
    pub fn previous(&self) -> Option<i64> {
        (self.page.page > 1).then_some(self.page.page - 1)
    }
}

/// `templates/posts/show.html`: one post.
#[derive(Debug, Template)]
#[template(path = "posts/show.html")]
pub struct ShowPage {
    pub post: Post,
}

/// `templates/posts/form.html`: the form of a new post, or of
/// one being edited, with the values entered and what is wrong with them.
#[derive(Debug, Template)]
#[template(path = "posts/form.html")]
pub struct FormPage {
    pub title: String,
    /// Where the form is sent.
    pub action: String,
    /// The post being edited.
    pub id: Option<i64>,
    pub values: BTreeMap<String, String>,
    pub errors: FieldErrors,
}

impl FormPage {
    /// The form of a new post.
    pub fn new_post(values: BTreeMap<String, String>, errors: FieldErrors) -> Self {
        Self {
            title: "New post".to_string(),
            action: "/posts".to_string(),
            id: None,
            values,
            errors,
        }
    }

    /// The form of the post `id`.
    pub fn edit(id: i64, values: BTreeMap<String, String>, errors: FieldErrors) -> Self {
        Self {
            title: "Edit post".to_string(),
            action: format!("/posts/{id}"),
            id: Some(id),
            values,
            errors,
        }
    }

    /// The entered value of a field, empty when none.
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// Whether a checkbox is ticked.
    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "true" | "on" | "1")
    }

    /// What is wrong with a field.
    pub fn errors_on(&self, field: &str) -> &[String] {
        self.errors.get(field).map_or(&[], Vec::as_slice)
    }
}
