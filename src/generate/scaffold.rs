//! `cargo mvc generate scaffold` and `destroy scaffold`: a model, and a
//! controller with the five REST actions over it as a JSON API, its routes,
//! its OpenAPI part and its tests.

use std::path::PathBuf;

use anyhow::{Result, bail};
use askama::Template;

use super::fields::Kind;
use super::model::{self, Model};
use super::{render, rustfmt};
use crate::edit::rust;
use crate::names::{ModelName, ResourceName};
use crate::plan::Plan;
use crate::project::Project;

#[derive(Debug, Clone)]
pub struct WrongCtx {
    pub field: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ScaffoldCtx {
    pub model: String,
    pub pascal: String,
    pub plural: String,
    pub url: String,
    pub var: String,
    pub human: String,
    pub human_plural: String,
    pub openapi: bool,
    pub unique: String,
    pub references: String,
    pub required: Vec<String>,
    pub wrong: Vec<WrongCtx>,
    pub unique_fields: Vec<String>,
    /// A field and a new JSON value for it, for the PATCH test.
    pub patch: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "scaffold/controller.rs", escape = "none")]
struct ControllerRs<'a> {
    s: &'a ScaffoldCtx,
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn context(project: &Project, model: &Model) -> ScaffoldCtx {
    let fields = &model.fields;
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
            });
        }
        if f.kind == Kind::References {
            wrong.push(WrongCtx {
                field: f.name.clone(),
                value: "i64::MAX".to_string(),
                message: "does not exist".to_string(),
            });
        }
    }
    let name = &model.name;
    ScaffoldCtx {
        model: name.snake.clone(),
        pascal: name.pascal.clone(),
        plural: name.plural.clone(),
        url: name.url.clone(),
        var: name.snake.clone(),
        human: name.snake.replace('_', " "),
        human_plural: name.plural.replace('_', " "),
        openapi: project.openapi,
        unique: quoted(&unique),
        references: quoted(&references),
        required: fields
            .iter()
            .filter(|f| !f.nullable)
            .map(|f| f.name.clone())
            .collect(),
        wrong,
        unique_fields: unique.iter().map(|u| u.to_string()).collect(),
        patch: fields
            .iter()
            .find_map(|f| Some((f.name.clone(), f.changed_json()?.to_string()))),
    }
}

/// The controller's resource: `posts` under `/api/posts`.
fn resource(name: &ModelName) -> Result<ResourceName> {
    ResourceName::parse(&name.plural).map_err(|e| anyhow::anyhow!("{e}\n\nnothing was written"))
}

fn routes(ctx: &ScaffoldCtx) -> Vec<rust::RouteGroup> {
    let h = |action: &str| format!("{}::{action}", ctx.plural);
    let m = |method: &str, action: &str| (method.to_string(), h(action));
    vec![
        (
            format!("/api/{}", ctx.url),
            vec![m("get", "index"), m("post", "create")],
        ),
        (
            format!("/api/{}/{{id}}", ctx.url),
            vec![
                m("get", "show"),
                m("put", "update"),
                m("patch", "update"),
                m("delete", "destroy"),
            ],
        ),
    ]
}

/// Builds the plan of `generate scaffold`.
pub fn generate(project: &Project, name: &str, raw_fields: &[String]) -> Result<Plan> {
    let model = Model::parse(name, raw_fields)?;
    let resource = resource(&model.name)?;
    let top = resource.modules[0].as_str();
    if ["health", "ready", "openapi", "testing"].contains(&top) || rust::METHODS.contains(&top) {
        bail!(
            "the name `{top}` is taken by the application's own code or by axum's routing functions; choose another name\n\nnothing was written"
        );
    }
    let mut plan = Plan::new(&project.root);
    model::plan_model(&mut plan, project, &model, &model::version_now())?;
    let ctx = context(project, &model);
    let controller = PathBuf::from(format!("src/app/controllers/{}.rs", ctx.plural));
    plan.create(
        &controller,
        rustfmt(&project.root, render(&ControllerRs { s: &ctx })),
    );
    super::controller::declare(&mut plan, "src/app/controllers", "controllers", &resource)?;
    let mut text = plan.current(&project.router)?.ok_or_else(|| {
        anyhow::anyhow!(
            "the router {} is missing; set `router` under [package.metadata.mvc]",
            project.router.display()
        )
    })?;
    if let Some(t) = rust::insert_routes(&project.router, &text, &project.router_fn, &routes(&ctx))?
    {
        text = t;
    }
    plan.set(&project.router, Some(text));
    if project.openapi {
        super::controller::merge_document(&mut plan, &resource, true)?;
    }
    Ok(plan)
}

/// Builds the plan of `destroy scaffold`: the controller's and the model's.
pub fn destroy(project: &Project, name: &str) -> Result<Plan> {
    let name = ModelName::parse(name).map_err(|e| anyhow::anyhow!("{e}\n\nnothing was written"))?;
    let mut plan = super::controller::destroy(project, &name.plural)?;
    model::unplan_model(&mut plan, project, &name)?;
    Ok(plan)
}
