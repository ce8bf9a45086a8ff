//! `cargo mvc generate scaffold` and `destroy scaffold`: a model, and a
//! controller with the five REST actions over it as a JSON API, its routes,
//! its OpenAPI part and its tests.

use crate::engine::vars;
use crate::layout;
use anyhow::{Result, bail};
use quote::quote;
use serde::Serialize;

use super::fields::Kind;
use super::model::{self, Model};
use super::syntax;
use crate::edit::rust::{MethodRoute, RouteGroup};
use crate::errors::nothing_written;
use crate::names::{ModelName, ResourceName};
use crate::plan::Plan;
use crate::project::Project;

#[derive(Debug, Clone, Serialize)]
pub struct WrongCtx {
    /// The field.
    pub field: String,
    /// A JSON value it refuses.
    pub value: String,
    /// The message the error gives for it.
    pub message: String,
    /// The status: `UNPROCESSABLE_ENTITY`, or `CONFLICT` for a reference
    /// to a row that does not exist.
    pub status: String,
}

/// A field as the HTML pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct FormFieldCtx {
    /// The field.
    pub name: String,
    /// Its label: `Published at`.
    pub label: String,
    /// It may be left empty.
    pub nullable: bool,
    /// The `<input>` (or `<textarea>`) of the form.
    pub input: String,
}

/// The handler of the nested route of a scaffold whose model refers to
/// `target`: `index_of_post`.
pub fn nested_handler(target: &ModelName) -> String {
    format!("index_of_{}", target.snake)
}

/// A model the scaffold's model refers to: its rows get a nested route,
/// `GET /api/posts/{id}/comments`.
#[derive(Debug, Clone, Serialize)]
pub struct NestedCtx {
    /// The handler: `index_of_post`.
    pub handler: String,
    /// The parent's URL segment: `posts`.
    pub parent_url: String,
    /// The parent's module and type: `post`, `Post`.
    pub module: String,
    pub pascal: String,
    /// The variable the parent is kept in: `post`.
    pub var: String,
    /// For prose: `post`.
    pub human: String,
    /// The column that refers to it: `post_id`.
    pub field: String,
}

/// A field of the `PATCH` body's OpenAPI schema (`PostChanges`).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeCtx {
    pub name: String,
    /// Its Rust type, as in the model's params.
    pub ty: String,
    /// Its `#[schema(...)]` attribute, when it needs one.
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaffoldCtx {
    /// The nested routes, one for each model referred to.
    pub nested: Vec<NestedCtx>,
    /// The fields a `PATCH` may set, for its OpenAPI schema.
    pub changes: Vec<ChangeCtx>,
    /// With `--html`: pages and forms.
    pub html: bool,
    /// The title of one: `Blog post`.
    pub title: String,
    /// Of many: `Blog posts`.
    pub title_plural: String,
    /// The form's fields.
    pub fields: Vec<FormFieldCtx>,
    /// The model module: `blog_post`.
    pub model: String,
    /// The model's module sorts before `fields` among the imports of
    /// `crate::app::models`, as rustfmt orders them.
    pub model_before_fields: bool,
    /// The model type: `BlogPost`.
    pub pascal: String,
    /// The controller module and table: `blog_posts`.
    pub plural: String,
    /// The URL segment: `blog-posts`.
    pub url: String,
    /// The variable of one row: `blog_post`.
    pub var: String,
    /// For prose: `blog post`.
    pub human: String,
    /// For prose: `blog posts`.
    pub human_plural: String,
    /// The project has an OpenAPI document.
    pub openapi: bool,
    /// `const UNIQUE: &[&str] = &[..];`: the fields whose values are unique.
    pub unique: String,
    /// `const REFERENCES: &[&str] = &[..];`: the fields referring to rows.
    pub references: String,
    /// The fields a request must give.
    pub required: Vec<String>,
    /// A value each field refuses, with its message.
    pub wrong: Vec<WrongCtx>,
    /// The fields whose values are unique.
    pub unique_fields: Vec<String>,
    /// A request can conflict with the data (409): some field is unique or
    /// refers to another row.
    pub conflicts: bool,
    /// A field and a new JSON value for it, for the PATCH test.
    pub patch: Option<(String, String)>,
    /// Some field is a checkbox in the HTML form.
    pub checkboxes: bool,
    /// With `--auth` (or `--owned`): every route needs a signed-in user.
    pub auth: bool,
    /// With `--owned`: each row belongs to the user who made it, and only
    /// they read or change it.
    pub owned: bool,
    /// The handlers' `CurrentUser` argument: `current`, or `_current` where
    /// it is not read.
    pub current: String,
}

/// Who may use a scaffold's routes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    /// Signed-in users only (`--auth`).
    pub auth: bool,
    /// Each user their own rows (`--owned`, which implies `--auth`).
    pub owned: bool,
}

/// The field `--owned` adds: the row's owner.
const OWNER_FIELD: &str = "user_id";

/// The form control of a field.
fn input(f: &super::fields::Field) -> String {
    let name = &f.name;
    let value = format!("{{{{ self.value(\"{name}\") }}}}");
    let required = if f.nullable { "" } else { " required" };
    let input = |ty: &str, extra: &str| {
        format!(
            "<input id=\"{name}\" name=\"{name}\" type=\"{ty}\"{extra} value=\"{value}\"{required}>"
        )
    };
    match f.kind {
        Kind::String => input("text", " maxlength=\"255\""),
        Kind::Text | Kind::Json => format!(
            "<textarea id=\"{name}\" name=\"{name}\" rows=\"5\"{required}>{value}</textarea>"
        ),
        Kind::Integer | Kind::Bigint | Kind::References => input("number", " step=\"1\""),
        Kind::Float => input("number", " step=\"any\""),
        Kind::Decimal => input("text", " inputmode=\"decimal\""),
        Kind::Boolean => format!(
            "<input id=\"{name}\" name=\"{name}\" type=\"checkbox\" value=\"true\"{{% if self.checked(\"{name}\") %}} checked{{% endif %}}>"
        ),
        Kind::Date => input("date", ""),
        Kind::Datetime => input("datetime-local", ""),
        Kind::Uuid => input("text", ""),
    }
}

/// `const NAME: &[&str] = &["a", "b"];`
fn str_list(name: &str, items: &[&str]) -> String {
    let name = syntax::ident(name);
    syntax::items(quote!(const #name: &[&str] = &[#(#items),*];))
}

fn context(project: &Project, model: &Model, html: bool, access: Access) -> ScaffoldCtx {
    // The owner is set by the server, never by a request.
    let owned = |f: &&super::fields::Field| !(access.owned && f.name == OWNER_FIELD);
    let all_fields = &model.fields;
    let fields: Vec<super::fields::Field> = all_fields.iter().filter(owned).cloned().collect();
    let fields = &fields;
    let unique: Vec<&str> = fields
        .iter()
        .filter(|f| f.unique)
        .map(|f| f.name.as_str())
        .collect();
    let references: Vec<&str> = fields
        .iter()
        .filter(|f| f.kind == Kind::References)
        .map(|f| f.name.as_str())
        .collect();
    let mut wrong = Vec::new();
    for f in fields {
        let (value, message) = f.wrong_json();
        if !value.is_empty() {
            wrong.push(WrongCtx {
                field: f.name.clone(),
                value: value.to_string(),
                message: message.to_string(),
                status: "UNPROCESSABLE_ENTITY".to_string(),
            });
        }
        if f.kind == Kind::References {
            wrong.push(WrongCtx {
                field: f.name.clone(),
                value: "i64::MAX".to_string(),
                message: "does not exist".to_string(),
                status: "CONFLICT".to_string(),
            });
        }
    }
    let name = &model.name;
    let title = heck::ToTitleCase::to_title_case(name.snake.as_str());
    ScaffoldCtx {
        changes: fields
            .iter()
            .map(|f| ChangeCtx {
                name: f.name.clone(),
                // The struct only describes the body: what the document
                // shows as a string is a `String` here, so the controller
                // needs no imports for it.
                ty: match f.kind {
                    Kind::Decimal | Kind::Date | Kind::Datetime | Kind::Uuid if f.nullable => {
                        "Option<String>".to_string()
                    }
                    Kind::Decimal | Kind::Date | Kind::Datetime | Kind::Uuid => {
                        "String".to_string()
                    }
                    _ => f.rust_type(),
                },
                schema: f.schema_attr(),
            })
            .collect(),
        // A parent's list would show every user's rows: an owned
        // scaffold has none.
        nested: fields
            .iter()
            .filter(|_| !access.owned)
            .filter_map(|f| f.target.as_ref().map(|t| (f, t)))
            .map(|(f, t)| NestedCtx {
                handler: nested_handler(t),
                parent_url: t.url.clone(),
                module: t.snake.clone(),
                pascal: t.pascal.clone(),
                var: t.snake.clone(),
                human: t.snake.replace('_', " "),
                field: f.name.clone(),
            })
            .collect(),
        html,
        title_plural: heck::ToTitleCase::to_title_case(name.plural.as_str()),
        title,
        fields: fields
            .iter()
            .map(|f| FormFieldCtx {
                name: f.name.clone(),
                label: heck::ToTitleCase::to_title_case(f.name.as_str()),
                nullable: f.nullable,
                input: input(f),
            })
            .collect(),
        model: name.snake.clone(),
        model_before_fields: name.snake.as_str() < "fields",
        pascal: name.pascal.clone(),
        plural: name.plural.clone(),
        url: name.url.clone(),
        var: name.snake.clone(),
        human: name.snake.replace('_', " "),
        human_plural: name.plural.replace('_', " "),
        openapi: project.openapi,
        unique: str_list("UNIQUE", &unique),
        references: str_list("REFERENCES", &references),
        required: fields
            .iter()
            .filter(|f| !f.nullable)
            .map(|f| f.name.clone())
            .collect(),
        wrong,
        unique_fields: unique.iter().map(|u| u.to_string()).collect(),
        conflicts: !unique.is_empty() || !references.is_empty(),
        patch: fields
            .iter()
            .find_map(|f| Some((f.name.clone(), f.changed_json()?.to_string()))),
        checkboxes: fields.iter().any(|f| f.kind == Kind::Boolean),
        auth: access.auth || access.owned,
        owned: access.owned,
        current: if access.owned { "current" } else { "_current" }.to_string(),
    }
}

/// The controller's resource: `posts` under `/api/posts`.
fn resource(name: &ModelName) -> Result<ResourceName> {
    Ok(ResourceName::parse(&name.plural).map_err(nothing_written)?)
}

fn routes(ctx: &ScaffoldCtx) -> Vec<RouteGroup> {
    let m =
        |method: &str, action: &str| MethodRoute::new(method, format!("{}::{action}", ctx.plural));
    let group = |path: String, methods: Vec<MethodRoute>| RouteGroup { path, methods };
    let mut out = vec![
        group(
            format!("/api/{}", ctx.url),
            vec![m("get", "index"), m("post", "create")],
        ),
        group(
            format!("/api/{}/{{id}}", ctx.url),
            vec![
                m("get", "show"),
                m("put", "update"),
                // One handler did both before templates 2.
                m(
                    "patch",
                    if crate::engine::base().is_some_and(|v| v < 2) {
                        "update"
                    } else {
                        "patch"
                    },
                ),
                m("delete", "destroy"),
            ],
        ),
    ];
    if ctx.html {
        let base = format!("/{}", ctx.url);
        out.extend([
            group(
                base.clone(),
                vec![m("get", "index_page"), m("post", "create_form")],
            ),
            group(format!("{base}/new"), vec![m("get", "new_page")]),
            group(
                format!("{base}/{{id}}"),
                vec![m("get", "show_page"), m("post", "update_form")],
            ),
            group(format!("{base}/{{id}}/edit"), vec![m("get", "edit_page")]),
            group(
                format!("{base}/{{id}}/delete"),
                vec![m("post", "destroy_form")],
            ),
        ]);
    }
    out
}

/// The fields of a scaffold with `access`: with `--owned`, the owner
/// (`user:references`) first, unless the fields name it already. Refuses
/// `--auth` and `--owned` in an application without authentication, and
/// with `--html` in one whose authentication has no sign-in pages.
fn with_owner(
    project: &Project,
    raw_fields: &[String],
    html: bool,
    access: Access,
) -> Result<Vec<String>> {
    let flag = if access.owned { "--owned" } else { "--auth" };
    if !(access.auth || access.owned) {
        return Ok(raw_fields.to_vec());
    }
    if !project
        .root
        .join(super::authentication::AUTH_MODULE)
        .is_file()
    {
        bail!(
            nothing_written(format!(
                "`{flag}` puts the scaffold behind sign-in, but the application has no authentication ({} is missing)",
                super::authentication::AUTH_MODULE
            ))
            .hint("generate it first: cargo mvc generate authentication")
        );
    }
    if html
        && !project
            .root
            .join(layout::rust_file(layout::CONTROLLERS, "accounts"))
            .is_file()
    {
        bail!(
            nothing_written(format!(
                "`{flag}` with `--html` puts pages behind a browser sign-in, but the application's authentication has no sign-in pages"
            ))
            .hint(format!(
                "`cargo mvc destroy authentication` and `cargo mvc generate authentication --html` add them; or generate the scaffold without --html, or without {flag}"
            ))
        );
    }
    let mut fields = raw_fields.to_vec();
    if access.owned {
        let owner = OWNER_FIELD.trim_end_matches("_id");
        match fields.iter().find(|f| {
            f.split(':').next() == Some(owner) || f.split(':').next() == Some(OWNER_FIELD)
        }) {
            Some(f) if f == "user:references" => {}
            Some(f) => bail!(nothing_written(format!(
                "`--owned` gives each row its owner as `user:references`, and the field `{f}` takes that name"
            ))),
            None => fields.insert(0, "user:references".to_string()),
        }
    }
    Ok(fields)
}

/// Builds the plan of `generate scaffold`.
pub fn generate(
    project: &Project,
    name: &str,
    raw_fields: &[String],
    html: bool,
    joins: &[String],
    access: Access,
) -> Result<Plan> {
    let raw_fields = &with_owner(project, raw_fields, html, access)?;
    let mut model = Model::parse(name, raw_fields)?;
    if access.owned {
        model.owner = Some(OWNER_FIELD.to_string());
    }
    let resource = resource(&model.name)?;
    super::controller::check_free(project, &resource)?;
    super::check_module_name(project, "model", &model.name.snake)?;
    let mut plan = Plan::new(&project.root);
    model::plan_model(&mut plan, project, &model, &model::version_now())?;
    model::plan_joins(&mut plan, project, &model.name, joins)?;
    let ctx = context(project, &model, html, access);
    let controller = layout::rust_file(layout::CONTROLLERS, &ctx.plural);
    let code = plan
        .templates()
        .render("scaffold/controller.rs", vars! { s => &ctx })?;
    // A project's copy of the template made before `--auth` would leave the
    // routes open without a word.
    if ctx.auth && !code.contains("CurrentUser") {
        let copy = plan
            .templates()
            .override_of("scaffold/controller.rs")
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "scaffold/controller.rs".to_string());
        bail!(
            nothing_written(format!(
                "{copy} renders no `CurrentUser` argument, so `--auth` would leave the routes open"
            ))
            .hint("bring the copy up to date: compare it with the built-in one (`cargo mvc generate override scaffold --force --pretend --verbose` shows the differences)")
        );
    }
    plan.create(&controller, code);
    super::modules::declare(&mut plan, layout::CONTROLLERS, "controllers", &resource)?;
    if html {
        // The layout, `views/html/mod.rs`, the `mod` lines and askama, as for
        // any HTML view; then this scaffold's own pages.
        let dir = format!("{}/{}", layout::TEMPLATES, resource.file_path());
        plan.create(
            format!("{dir}/index.html"),
            plan.templates()
                .render("scaffold/index.html", vars! { s => &ctx })?,
        );
        plan.create(
            format!("{dir}/show.html"),
            plan.templates()
                .render("scaffold/show.html", vars! { s => &ctx })?,
        );
        plan.create(
            format!("{dir}/form.html"),
            plan.templates()
                .render("scaffold/form.html", vars! { s => &ctx })?,
        );
        plan.create(
            layout::rust_file(layout::HTML_VIEWS, &resource.file_path()),
            plan.templates()
                .render("scaffold/html_view.rs", vars! { s => &ctx })?,
        );
        super::view::plan_html_support(&mut plan, &resource)?;
    }
    let base = format!("/api/{}", model.name.url);
    super::controller::add_routes(&mut plan, project, &base, &routes(&ctx))?;
    // `GET /api/posts/{id}/comments`, where the parent's routes are.
    for n in &ctx.nested {
        let route = RouteGroup {
            path: format!("/api/{}/{{id}}/{}", n.parent_url, ctx.url),
            methods: vec![MethodRoute::new(
                "get",
                format!("{}::{}", ctx.plural, n.handler),
            )],
        };
        super::controller::add_routes(
            &mut plan,
            project,
            &format!("/api/{}", n.parent_url),
            &[route],
        )?;
    }
    if project.openapi {
        super::controller::merge_document(&mut plan, &resource, true)?;
    }
    Ok(plan)
}

/// Builds the plan of `destroy scaffold`: the controller's and the model's.
pub fn destroy(project: &Project, name: &str, force: bool) -> Result<Plan> {
    let name = ModelName::parse(name).map_err(nothing_written)?;
    super::authentication::check_not_ours(project, &name.snake)?;
    let mut joins = Plan::new(&project.root);
    let going = model::unplan_joins(&mut joins, project, "scaffold", &name)?;
    model::check_unreferenced(project, &name, force, &going)?;
    let mut plan = super::controller::destroy(project, &name.plural)?;
    plan.absorb(joins);
    model::unplan_model(&mut plan, project, &name)?;
    Ok(plan)
}
