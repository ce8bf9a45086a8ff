//! `cargo mvc generate controller` and its inverse, `destroy controller`:
//! the controller module, its view type, its tests, the `mod` lines and the
//! routes.

use std::path::PathBuf;

use crate::engine::vars;
use crate::layout;
use anyhow::{Result, bail};
use quote::quote;
use serde::Serialize;

use super::{modules, syntax};

use crate::edit::graph::{self, Standing};
use crate::edit::rust::{self, METHODS, MethodRoute, RouteGroup};
use crate::errors::nothing_written;
use crate::names::{ResourceName, action_name};
use crate::plan::Plan;
use crate::project::Project;

/// What an action answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// 200 with the view.
    Ok,
    /// 201 with the view.
    Created,
    /// 204, no body.
    NoContent,
}

impl Reply {
    fn status(self) -> (u16, &'static str, &'static str) {
        match self {
            Reply::Ok => (200, "OK", "Success"),
            Reply::Created => (201, "CREATED", "Created"),
            Reply::NoContent => (204, "NO_CONTENT", "Deleted"),
        }
    }
}

/// One action as the user asked for it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionCtx {
    /// The action: `index`, `show`, `buy`.
    pub name: String,
    /// Its HTTP methods, lowercase: `["put", "patch"]`.
    pub methods: Vec<String>,
    /// The first of them, for `#[utoipa::path]`.
    pub method: String,
    /// The methods for the doc comment: `PUT|PATCH`.
    pub methods_doc: String,
    /// The route: `/api/users/{id}`.
    pub path: String,
    /// The route with `42` for `{id}`, for the tests.
    pub example_path: String,
    /// The route takes an `{id}`.
    pub has_id: bool,
    /// 201 with the view.
    pub created: bool,
    /// 204 without a body: the template leaves out the body checks.
    pub no_content: bool,
    /// What the action answers with.
    #[serde(skip)]
    pub reply: Reply,
    /// The status it answers: `200`.
    pub status_code: u16,
    /// The status as `StatusCode`'s constant: `OK`.
    pub status_const: &'static str,
    /// The page struct an HTML action renders: `IndexPage`.
    pub page: String,
    /// `#[utoipa::path(..)]`: the route as OpenAPI documents it.
    pub openapi_path: String,
    /// `pub async fn index(..) -> .. {`: the handler's signature, up to its
    /// opening brace.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControllerCtx {
    /// The URL segment: `admin/user-profiles`.
    pub url: String,
    /// For prose: `admin user profiles`.
    pub human: String,
    /// The title of the HTML pages: `Admin Users`.
    pub title: String,
    /// The module under `controllers`: `admin::user_profiles`.
    pub module_path: String,
    /// The view type prefix: `UserProfiles`.
    pub pascal: String,
    /// Unique in test names: `admin_user_profiles`.
    pub test_name: String,
    /// The `use` declarations, in groups to be separated by a blank line.
    pub imports: Vec<String>,
    /// The actions, in the order given.
    pub actions: Vec<ActionCtx>,
    /// The project has an OpenAPI document.
    pub openapi: bool,
    /// Actions render pages.
    pub html: bool,
    /// `#[openapi(paths(..), components(..))]`: the controller's part of the
    /// OpenAPI document.
    pub openapi_attr: String,
    /// The distinct paths, for the test that finds them in the OpenAPI
    /// document.
    pub doc_paths: Vec<String>,
    /// `(Method::GET, "/api/users", 200)`: every route with the status it
    /// answers, for the integration test.
    pub test_routes: Vec<String>,
    /// Tests are generated (not `--skip-tests`).
    pub tests: bool,
}

/// Parses `name[:method]` actions into their routes, by REST convention:
/// JSON under `/api`, or with `html` pages (GET only, `new` and `edit`
/// included) at the top level.
pub fn actions(resource: &ResourceName, raw: &[String], html: bool) -> Result<Vec<ActionCtx>> {
    let pascal = &resource.pascal;
    let url = &resource.url;
    let raw: Vec<String> = if raw.is_empty() {
        vec!["index".to_string()]
    } else {
        raw.to_vec()
    };
    let base = if html {
        format!("/{}", resource.url)
    } else {
        format!("/api/{}", resource.url)
    };
    let mut out: Vec<ActionCtx> = Vec::new();
    for spec in &raw {
        let (name, method) = match spec.split_once(':') {
            Some((n, m)) => (n, Some(m.to_ascii_lowercase())),
            None => (spec.as_str(), None),
        };
        let name = action_name(name).map_err(nothing_written)?;
        if let Some(m) = &method
            && !METHODS.contains(&m.as_str())
        {
            bail!(nothing_written(format!(
                "unknown HTTP method `{m}` in action `{spec}`; use one of {}",
                METHODS.join(", ")
            )));
        }
        let member = format!("{base}/{{id}}");
        let (methods, path, has_id, reply): (Vec<&str>, String, bool, Reply) =
            match (name.as_str(), method.as_deref()) {
                ("new", None) if html => (vec!["get"], format!("{base}/new"), false, Reply::Ok),
                ("edit", None) if html => (vec!["get"], format!("{member}/edit"), true, Reply::Ok),
                ("index", None) => (vec!["get"], base.clone(), false, Reply::Ok),
                ("show", None) => (vec!["get"], member, true, Reply::Ok),
                ("create", None) => (vec!["post"], base.clone(), false, Reply::Created),
                ("update", None) => (vec!["put", "patch"], member, true, Reply::Ok),
                ("destroy", None) => (vec!["delete"], member, true, Reply::NoContent),
                (other, m) => {
                    let segment = heck::ToKebabCase::to_kebab_case(other);
                    (
                        vec![m.unwrap_or("get")],
                        format!("{base}/{segment}"),
                        false,
                        Reply::Ok,
                    )
                }
            };
        if html && (reply != Reply::Ok || methods != ["get"]) {
            bail!(nothing_written(format!(
                "action `{spec}` is not a page: with --html every action renders a page on GET (index, show, new, edit, or a name of your own); forms that change data need a model (`cargo mvc generate scaffold --html`)"
            )));
        }
        if out.iter().any(|a| a.name == name) {
            bail!(nothing_written(format!("action `{name}` is given twice")));
        }
        let (status_code, status_const, status_text) = reply.status();
        let response = syntax::ident(&format!("{pascal}Response"));
        let ident = syntax::ident(&name);
        let param = has_id.then(|| quote!(Path(id): Path<String>));
        let ret = match reply {
            Reply::Ok if html => quote!(Result<Html<String>, AppError>),
            Reply::Created => quote!(Result<(StatusCode, Json<#response>), AppError>),
            Reply::NoContent => quote!(Result<StatusCode, AppError>),
            Reply::Ok => quote!(Result<Json<#response>, AppError>),
        };
        let signature = syntax::signature(quote!(pub async fn #ident(#param) -> #ret));
        let operation_id = format!("{}_{name}", resource.modules.join("_"));
        let params = has_id.then(|| {
            quote!(params((
                "id" = String,
                Path,
                description = "The id of the item"
            )),)
        });
        let body = (reply != Reply::NoContent).then(|| quote!(, body = #response));
        let status = proc_macro2::Literal::u16_unsuffixed(status_code);
        // Every method the route answers is documented (`update` answers
        // PUT and PATCH).
        let method = match methods.as_slice() {
            [one] => {
                let one = syntax::ident(one);
                quote!(#one)
            }
            several => {
                let several = several.iter().map(|m| syntax::ident(m));
                quote!(method(#(#several),*))
            }
        };
        let openapi_path = syntax::attribute(quote! {
            #[utoipa::path(
                #method,
                path = #path,
                operation_id = #operation_id,
                tag = #url,
                #params
                responses((status = #status, description = #status_text #body))
            )]
        });
        let example_path = path.replace("{id}", "42");
        out.push(ActionCtx {
            methods_doc: methods
                .iter()
                .map(|m| m.to_uppercase())
                .collect::<Vec<_>>()
                .join("|"),
            method: methods[0].to_string(),
            methods: methods.iter().map(|m| m.to_string()).collect(),
            page: format!("{}Page", heck::ToPascalCase::to_pascal_case(name.as_str())),
            name,
            path,
            example_path,
            has_id,
            created: reply == Reply::Created,
            no_content: reply == Reply::NoContent,
            reply,
            status_code,
            status_const,
            openapi_path,
            signature,
        });
    }
    Ok(out)
}

pub struct Options {
    /// Actions render askama pages instead of JSON.
    pub html: bool,
    pub skip_routes: bool,
    pub skip_tests: bool,
}

fn context(
    project: &Project,
    resource: &ResourceName,
    raw: &[String],
    opts: &Options,
) -> Result<ControllerCtx> {
    let actions = actions(resource, raw, opts.html)?;
    let mut axum = Vec::new();
    if !opts.html && actions.iter().any(|a| a.reply != Reply::NoContent) {
        axum.push(quote!(
            use axum::Json;
        ));
    }
    if actions.iter().any(|a| a.has_id) {
        axum.push(quote!(
            use axum::extract::Path;
        ));
    }
    if actions.iter().any(|a| a.reply != Reply::Ok) {
        axum.push(quote!(
            use axum::http::StatusCode;
        ));
    }
    if opts.html {
        axum.push(quote!(
            use axum::response::Html;
        ));
    }
    let module_path = syntax::path(&resource.module_path());
    let response = syntax::ident(&format!("{}Response", resource.pascal));
    let mut own = vec![quote!(
        use crate::app::errors::AppError;
    )];
    if opts.html {
        // The page structs are `pages::IndexPage`, whatever the resource.
        let alias = if resource.modules.last().is_some_and(|m| m == "pages") {
            None
        } else {
            Some(quote!(as pages))
        };
        own.push(quote!(
            use crate::app::views::html;
        ));
        own.push(quote!(use crate::app::views::html::#module_path #alias;));
    } else {
        own.push(quote!(use crate::app::views::#module_path::#response;));
    }
    let handlers = actions.iter().map(|a| syntax::ident(&a.name));
    let openapi_attr = syntax::attribute(quote! {
        #[openapi(paths(#(#handlers),*), components(schemas(#response)))]
    });
    let test_routes = actions
        .iter()
        .flat_map(|a| {
            a.methods.iter().map(|m| {
                let method = syntax::ident(&m.to_uppercase());
                let path = &a.example_path;
                let status = proc_macro2::Literal::u16_unsuffixed(a.status_code);
                syntax::expr(quote!((Method::#method, #path, #status)))
            })
        })
        .collect();
    let mut paths: Vec<String> = Vec::new();
    for a in &actions {
        if !paths.contains(&a.path) {
            paths.push(a.path.clone());
        }
    }
    let title = resource.url.replace(['/', '-'], " ");
    Ok(ControllerCtx {
        doc_paths: paths,
        openapi_attr,
        test_routes,
        url: resource.url.clone(),
        human: resource.url.replace(['/', '-'], " "),
        title: heck::ToTitleCase::to_title_case(title.as_str()),
        module_path: resource.module_path(),
        pascal: resource.pascal.clone(),
        test_name: resource.modules.join("_"),
        imports: vec![
            syntax::items(quote!(#(#axum)*)),
            syntax::items(quote!(#(#own)*)),
        ],
        actions,
        html: opts.html,
        openapi: project.openapi && !opts.html,
        tests: !opts.skip_tests && !opts.skip_routes,
    })
}

/// The files a controller consists of, relative to the project root.
struct Files {
    controller: PathBuf,
    view: PathBuf,
    api_test: PathBuf,
}

fn files(resource: &ResourceName) -> Files {
    let file = resource.file_path();
    Files {
        controller: layout::rust_file(layout::CONTROLLERS, &file),
        view: layout::rust_file(layout::VIEWS, &file),
        api_test: layout::rust_file(layout::API_TESTS, &resource.modules.join("_")),
    }
}

/// The routes of the controller, grouped by path in order of appearance.
/// Handlers are named through the router's `use super::controllers::*`.
fn routes(ctx: &ControllerCtx) -> Vec<RouteGroup> {
    let mut out: Vec<RouteGroup> = Vec::new();
    for a in &ctx.actions {
        let handler = format!("{}::{}", ctx.module_path, a.name);
        let methods = a.methods.iter().map(|m| MethodRoute::new(m, &handler));
        match out.iter_mut().find(|g| g.path == a.path) {
            Some(group) => group.methods.extend(methods),
            None => out.push(RouteGroup {
                path: a.path.clone(),
                methods: methods.collect(),
            }),
        }
    }
    out
}

/// `users::ApiDoc::openapi()`: how the document names a controller's part.
fn doc_merge(resource: &ResourceName) -> String {
    format!("{}::ApiDoc::openapi()", resource.module_path())
}

/// Changes the `.merge_from(..)` list of the OpenAPI document, if the file
/// is there.
/// With `keep_unchanged`, a document that needs no change is in the plan
/// unchanged, so a second `generate` reports it `identical`.
fn edit_document(
    plan: &mut Plan,
    keep_unchanged: bool,
    update: &dyn Fn(&mut Vec<String>),
) -> Result<()> {
    let file = PathBuf::from(layout::OPENAPI);
    let Some(text) = plan.current(&file)? else {
        return Ok(());
    };
    match rust::edit_chain_calls(&file, &text, layout::OPENAPI_FN, "merge_from", update)? {
        Some(edited) => plan.set(&file, Some(edited)),
        None if keep_unchanged => plan.set(&file, Some(text)),
        None => {}
    }
    Ok(())
}

/// Adds (or with `add` false, removes) the controller's `ApiDoc` in the
/// application's OpenAPI document.
pub(crate) fn merge_document(plan: &mut Plan, resource: &ResourceName, add: bool) -> Result<()> {
    let doc = doc_merge(resource);
    edit_document(plan, add, &|merges: &mut Vec<String>| {
        let present = merges.iter().any(|m| m.replace(' ', "") == doc);
        if add && !present {
            merges.push(doc.clone());
        } else if !add {
            merges.retain(|m| m.replace(' ', "") != doc);
        }
    })
}

/// The controllers `cargo mvc new` writes, which the rest of the
/// application relies on.
const BUILT_IN: &[&str] = &["health", "ready", "openapi", "testing"];

/// Names a controller cannot take because the files that name controllers
/// already use them: the built-in `status` view, the `html` pages module,
/// and what `openapi.rs` imports or declares (`header`, `tests`), which
/// would hide the controller from its glob import.
const TAKEN: &[&str] = &[
    "status", "html", "header", "tests", "errors", "views", "models",
];

/// A controller may not take the name of the application's own modules or
/// of axum's method routers (the router imports both with globs).
pub(super) fn check_free(project: &Project, resource: &ResourceName) -> Result<()> {
    let top = resource.modules[0].as_str();
    if BUILT_IN.contains(&top) || TAKEN.contains(&top) || METHODS.contains(&top) {
        bail!(nothing_written(format!(
            "the name `{top}` is taken by the application's own code or by axum's routing functions; choose another name"
        )));
    }
    super::check_module_name(project, "controller", top)
}

/// The resource's own path in `path`: `/api/admin/users` in
/// `/api/admin/users/{id}/edit` for the url `admin/users`.
pub(super) fn base_of(path: &str, url: &str) -> String {
    match path.find(url) {
        Some(i) => path[..i + url.len()].to_string(),
        None => path.to_string(),
    }
}

/// Adds `routes` (of the resource served under `base`) to the project's
/// routes table, or to the sub-router that already serves the resource.
/// A route the routes graph already serves is left out when it goes to the
/// same handler, and refused when it goes to another.
pub(crate) fn add_routes(
    plan: &mut Plan,
    project: &Project,
    base: &str,
    routes: &[RouteGroup],
) -> Result<()> {
    let text = plan.current(&project.router)?.ok_or_else(|| {
        anyhow::anyhow!(
            "the router {} is missing; set `router` under [package.metadata.mvc]",
            project.router.display()
        )
    })?;
    let graph = crate::routes::graph(project, &text).map_err(|e| match e {
        // Say what to add by hand, as the edit itself would.
        rust::EditError::Parse {
            file,
            line,
            column,
            message,
            ..
        } => rust::EditError::Parse {
            file,
            line,
            column,
            message,
            snippet: rust::route_snippet(routes),
        },
        other => other,
    })?;
    let mut missing: Vec<RouteGroup> = Vec::new();
    for RouteGroup { path, methods } in routes {
        let mut new = Vec::new();
        for route in methods {
            let MethodRoute { method, handler } = route;
            let absolute = format!("{}::{handler}", layout::CONTROLLERS_PATH);
            match graph::standing(&graph.routes, method, path, &[handler, &absolute]) {
                Standing::New => new.push(route.clone()),
                Standing::Identical => {}
                Standing::Clash(r) => {
                    let method = method.to_uppercase();
                    let some_paths = if r.conditional {
                        " (on some paths through the router)"
                    } else {
                        ""
                    };
                    if r.path == *path && (r.method == method || r.method == "ANY") {
                        bail!(
                            nothing_written(format!(
                                "{method} {path} is already served by `{}` at {}:{}{some_paths}",
                                r.handler,
                                r.file,
                                r.line
                            ))
                            .hint("a second route would make axum panic at startup or take requests from the first: remove that route first, or choose other actions or another name")
                        );
                    }
                    bail!(
                        nothing_written(format!(
                            "{method} {path} clashes with {} {}, served by `{}` at {}:{}{some_paths}: axum's router cannot tell apart paths that differ only in parameter names, nor serve a path under a catch-all or a nested service beside it",
                            r.method,
                            r.path,
                            r.handler,
                            r.file,
                            r.line
                        ))
                        .hint("remove or change that route first, or choose other actions or another name")
                    );
                }
            }
        }
        if !new.is_empty() {
            missing.push(RouteGroup {
                path: path.clone(),
                methods: new,
            });
        }
    }
    if let Some(sub) = resource_home(&graph, base, &missing) {
        // The resource's own sub-router: paths relative to where it is
        // nested, handlers named from the crate root.
        let file = sub.file.clone();
        let sub_text = plan.current(&file)?.unwrap_or_default();
        let groups: Vec<RouteGroup> = missing
            .iter()
            .map(|RouteGroup { path, methods }| {
                let relative = path.strip_prefix(sub.prefix.as_str()).unwrap_or(path);
                let relative = if relative.is_empty() { "/" } else { relative };
                let methods = methods
                    .iter()
                    .map(|m| {
                        let absolute = format!("{}::{}", layout::CONTROLLERS_PATH, m.handler);
                        MethodRoute::new(&m.method, absolute)
                    })
                    .collect();
                RouteGroup {
                    path: relative.to_string(),
                    methods,
                }
            })
            .collect();
        let edited = rust::insert_routes(&file, &sub_text, &sub.function, &groups)?;
        plan.set(&file, Some(edited.unwrap_or(sub_text)));
        return Ok(());
    }
    if missing.is_empty() {
        plan.set(&project.router, Some(text));
        return Ok(());
    }
    // A router that does not see the controllers' modules (ours has
    // `use super::controllers::*`) names the handlers from the crate root.
    if let Ok(parsed) = syn::parse_file(&text) {
        for group in &mut missing {
            for MethodRoute { handler, .. } in &mut group.methods {
                let module = handler.split("::").next().unwrap_or_default();
                if !rust::in_scope(&parsed, module, "controllers") {
                    *handler = format!("{}::{handler}", layout::CONTROLLERS_PATH);
                }
            }
        }
    }
    let edited = rust::insert_routes(&project.router, &text, &project.router_fn, &missing)?;
    plan.set(&project.router, Some(edited.unwrap_or(text)));
    Ok(())
}

/// The sub-router that serves every route the graph has under `base` (the
/// resource's path), when there is one and the new routes fit under where
/// it is nested.
fn resource_home<'g>(
    graph: &'g graph::Graph,
    base: &str,
    missing: &[RouteGroup],
) -> Option<&'g graph::SubRouter> {
    if missing.is_empty() {
        return None;
    }
    let under = |path: &str, prefix: &str| {
        prefix.is_empty()
            || path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let existing: Vec<&graph::ListedRoute> = graph
        .routes
        .iter()
        .filter(|r| under(&r.path, base))
        .collect();
    let via = existing.first()?.via?;
    if existing.iter().any(|r| r.via != Some(via)) {
        return None;
    }
    let sub = &graph.subrouters[via];
    let fits = missing.iter().all(|g| under(&g.path, &sub.prefix));
    (sub.editable && !sub.conditional && fits).then_some(sub)
}

/// Builds the plan of `generate controller`.
pub fn generate(project: &Project, name: &str, raw: &[String], opts: &Options) -> Result<Plan> {
    let resource = ResourceName::parse(name).map_err(nothing_written)?;
    check_free(project, &resource)?;
    let ctx = context(project, &resource, raw, opts)?;
    let files = files(&resource);
    let templates = project.templates();
    let mut plan = Plan::new(&project.root);
    plan.create(
        &files.controller,
        templates.render("controller/controller.rs", vars! { c => &ctx })?,
    );
    modules::declare(&mut plan, layout::CONTROLLERS, "controllers", &resource)?;
    if opts.html {
        let pages: Vec<String> = ctx.actions.iter().map(|a| a.name.clone()).collect();
        let views = super::view::context(&resource, &pages)?;
        super::view::plan_views(&mut plan, &resource, &views)?;
    } else {
        plan.create(
            &files.view,
            templates.render("controller/view.rs", vars! { c => &ctx })?,
        );
        modules::declare(&mut plan, layout::VIEWS, "views", &resource)?;
    }
    if !opts.skip_routes {
        let base = ctx
            .actions
            .first()
            .map_or(String::new(), |a| base_of(&a.path, &ctx.url));
        add_routes(&mut plan, project, &base, &routes(&ctx))?;
    }
    if ctx.openapi {
        merge_document(&mut plan, &resource, true)?;
    }
    if ctx.tests {
        plan.create(
            &files.api_test,
            templates.render("controller/api_test.rs", vars! { c => &ctx })?,
        );
        let main = PathBuf::from(layout::API_TESTS_MAIN);
        if let Some(text) = plan.current(&main)? {
            let module = resource.modules.join("_");
            let edited = rust::insert_mod(&main, &text, &module, "mod")?;
            plan.set(&main, Some(edited.unwrap_or(text)));
        }
    }
    Ok(plan)
}

/// Takes out of the routes table (and the sub-routers routes were added to)
/// every route whose handler `is_ours`; whether there was one.
pub(crate) fn remove_routes_of(
    plan: &mut Plan,
    project: &Project,
    is_ours: &dyn Fn(&str) -> bool,
) -> Result<bool> {
    let mut routed = false;
    if let Some(text) = plan.current(&project.router)? {
        // The sub-routers `generate` may have added the routes to.
        if let Ok(graph) = crate::routes::graph(project, &text) {
            for (i, sub) in graph.subrouters.iter().enumerate() {
                let ours = graph
                    .routes
                    .iter()
                    .any(|r| r.via == Some(i) && is_ours(&r.handler.replace(' ', "")));
                if !sub.editable || !ours {
                    continue;
                }
                if let Some(sub_text) = plan.current(&sub.file)?
                    && let Some(edited) =
                        rust::remove_routes(&sub.file, &sub_text, &sub.function, is_ours)?
                {
                    routed = true;
                    plan.set(&sub.file, Some(edited));
                }
            }
        }
        let text = plan.current(&project.router)?.unwrap_or(text);
        let edited = rust::remove_routes(&project.router, &text, &project.router_fn, is_ours)?;
        routed |= edited.is_some();
        plan.set(&project.router, Some(edited.unwrap_or(text)));
    }
    Ok(routed)
}

/// Builds the plan of `destroy controller`: what `generate` created goes,
/// what it inserted is taken out.
pub fn destroy(project: &Project, name: &str) -> Result<Plan> {
    let resource = ResourceName::parse(name).map_err(nothing_written)?;
    if let [top] = resource.modules.as_slice()
        && (BUILT_IN.contains(&top.as_str()) || top == "status")
    {
        bail!(nothing_written(format!(
            "the `{top}` controller is part of the application itself: the router, the OpenAPI document, the Helm chart's probes and the tests rely on it, so it cannot be destroyed"
        )));
    }
    let files = files(&resource);
    let mut plan = Plan::new(&project.root);
    if let Some(text) = plan.current(&files.controller)? {
        let inner = rust::declared_mod_names(&files.controller, &text)?;
        if !inner.is_empty() {
            bail!(nothing_written(format!(
                "{} declares modules of its own ({}); destroy them first (`cargo mvc destroy controller {}/{}`)",
                files.controller.display(),
                inner.join(", "),
                resource.file_path(),
                inner[0]
            )));
        }
    }
    // The routes pointing at this controller's handlers, whatever actions it had.
    let prefix = format!("{}::", resource.module_path());
    let absolute = format!("{}::{prefix}", layout::CONTROLLERS_PATH);
    let is_ours = |handler: &str| {
        handler
            .strip_prefix(&prefix)
            .or_else(|| handler.strip_prefix(&absolute))
            .is_some_and(|rest| !rest.contains("::"))
    };
    let routed = remove_routes_of(&mut plan, project, &is_ours)?;
    if !routed && plan.current(&files.controller)?.is_none() {
        bail!(
            nothing_written(format!(
                "there is no controller `{name}` to destroy: {} does not exist and no route of {} points at it",
                files.controller.display(),
                project.router.display()
            ))
            .hint("`cargo mvc routes` lists the application's routes")
        );
    }
    if project.openapi {
        merge_document(&mut plan, &resource, false)?;
    }
    let main = PathBuf::from(layout::API_TESTS_MAIN);
    if let Some(text) = plan.current(&main)? {
        let edited = rust::remove_mod(&main, &text, &resource.modules.join("_"))?;
        plan.set(&main, Some(edited.unwrap_or(text)));
    }
    for f in [&files.controller, &files.view, &files.api_test] {
        plan.set(f, None);
    }
    modules::undeclare(&mut plan, layout::CONTROLLERS, "controllers", &resource)?;
    modules::undeclare(&mut plan, layout::VIEWS, "views", &resource)?;
    super::view::unplan_views(&mut plan, &resource)?;
    Ok(plan)
}
