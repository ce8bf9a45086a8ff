//! The pages of `/<@ s.url @>`, rendered from `templates/<@ s.url @>/`.

use std::collections::BTreeMap;

use askama::Template;

use crate::app::errors::FieldErrors;
use crate::app::models::<@ s.model @>::{<@ s.pascal @>, <@ s.pascal @>Page};

/// `templates/<@ s.url @>/index.html`: one page of <@ s.human_plural @>.
#[derive(Debug, Template)]
#[template(path = "<@ s.url @>/index.html")]
pub struct IndexPage {
    pub page: <@ s.pascal @>Page,
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

/// `templates/<@ s.url @>/show.html`: one <@ s.human @>.
#[derive(Debug, Template)]
#[template(path = "<@ s.url @>/show.html")]
pub struct ShowPage {
    pub <@ s.var @>: <@ s.pascal @>,
}

/// `templates/<@ s.url @>/form.html`: the form of a new <@ s.human @>, or of
/// one being edited, with the values entered and what is wrong with them.
#[derive(Debug, Template)]
#[template(path = "<@ s.url @>/form.html")]
pub struct FormPage {
    pub title: String,
    /// Where the form is sent.
    pub action: String,
    /// The <@ s.human @> being edited.
    pub id: Option<i64>,
    pub values: BTreeMap<String, String>,
    pub errors: FieldErrors,
}

impl FormPage {
    /// The form of a new <@ s.human @>.
    pub fn new_<@ s.var @>(values: BTreeMap<String, String>, errors: FieldErrors) -> Self {
        Self {
            title: "New <@ s.human @>".to_string(),
            action: "/<@ s.url @>".to_string(),
            id: None,
            values,
            errors,
        }
    }

    /// The form of the <@ s.human @> `id`.
    pub fn edit(id: i64, values: BTreeMap<String, String>, errors: FieldErrors) -> Self {
        Self {
            title: "Edit <@ s.human @>".to_string(),
            action: format!("/<@ s.url @>/{id}"),
            id: Some(id),
            values,
            errors,
        }
    }

    /// The entered value of a field, empty when none.
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
<%- if s.checkboxes %>

    /// Whether a checkbox is ticked.
    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "true" | "on" | "1")
    }
<%- endif %>

    /// What is wrong with a field.
    pub fn errors_on(&self, field: &str) -> &[String] {
        self.errors.get(field).map_or(&[], Vec::as_slice)
    }
}
