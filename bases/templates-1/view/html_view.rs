//! The pages of `<@ c.base @>`, rendered from `templates/<@ c.template_dir @>/`.

use askama::Template;
<%- for v in c.pages %>

/// `templates/<@ c.template_dir @>/<@ v.name @>.html`
#[derive(Debug, Template)]
#[template(path = "<@ c.template_dir @>/<@ v.name @>.html")]
pub struct <@ v.page @> {
    pub title: String,
<%- if v.has_id %>
    pub id: String,
<%- endif %>
}
<%- endfor %>
