//! `cargo mvc generate view` and `destroy view`: askama templates under
//! `templates/NAME/`, the page structs that fill them under
//! `views/html/`, and the askama dependency they need.

use std::path::{Path, PathBuf};

use crate::engine::vars;
use crate::{layout, versions};
use anyhow::Result;
use serde::Serialize;

use crate::edit::{manifest, rust};
use crate::errors::nothing_written;
use crate::names::{ResourceName, action_name};
use crate::plan::Plan;
use anyhow::bail;

/// The crate the HTML views are rendered with.
const ASKAMA: &str = "askama";

/// One page of a resource.
#[derive(Debug, Clone, Serialize)]
pub struct PageCtx {
    /// The action, e.g. `index`.
    pub name: String,
    /// The page struct, e.g. `IndexPage`.
    pub page: String,
    /// Whether the page shows one item (`show`, `edit`).
    pub has_id: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ViewCtx {
    /// `/users`, `/admin/users`.
    pub base: String,
    /// `users`, `admin/users`.
    pub template_dir: String,
    /// `users`, `admin users`: for prose.
    pub human: String,
    pub pages: Vec<PageCtx>,
}

/// The pages for `actions` of `resource`; `show` and `edit` show one item.
pub fn context(resource: &ResourceName, actions: &[String]) -> Result<ViewCtx> {
    let mut pages: Vec<PageCtx> = Vec::new();
    let actions: Vec<String> = if actions.is_empty() {
        vec!["index".to_string()]
    } else {
        actions.to_vec()
    };
    for raw in &actions {
        let name = action_name(raw).map_err(nothing_written)?;
        if pages.iter().any(|p| p.name == name) {
            bail!(nothing_written(format!("page `{name}` is given twice")));
        }
        pages.push(PageCtx {
            page: format!("{}Page", heck::ToPascalCase::to_pascal_case(name.as_str())),
            has_id: matches!(name.as_str(), "show" | "edit"),
            name,
        });
    }
    Ok(ViewCtx {
        base: format!("/{}", resource.url),
        template_dir: resource.file_path(),
        human: resource.url.replace(['/', '-'], " "),
        pages,
    })
}

fn view_module(resource: &ResourceName) -> PathBuf {
    layout::rust_file(layout::HTML_VIEWS, &resource.file_path())
}

/// Adds the pages of `ctx` to the plan: templates, page structs, `mod`
/// lines, the layout and the askama dependency when missing.
pub fn plan_views(plan: &mut Plan, resource: &ResourceName, ctx: &ViewCtx) -> Result<()> {
    for v in &ctx.pages {
        let path = PathBuf::from(format!(
            "{}/{}/{}.html",
            layout::TEMPLATES,
            ctx.template_dir,
            v.name
        ));
        plan.create(
            path,
            plan.templates()
                .render("view/page.html", vars! { c => ctx, v => v })?,
        );
    }
    plan.create(
        view_module(resource),
        plan.templates()
            .render("view/html_view.rs", vars! { c => ctx })?,
    );
    plan_html_support(plan, resource)
}

/// What every HTML view of `resource` needs besides its own templates and
/// module: the layout, `views/html/mod.rs`, the `mod` lines and askama.
pub fn plan_html_support(plan: &mut Plan, resource: &ResourceName) -> Result<()> {
    if plan.current(Path::new(layout::LAYOUT_TEMPLATE))?.is_none() {
        plan.create(
            layout::LAYOUT_TEMPLATE,
            plan.templates().render("view/layout.html", vars! {})?,
        );
    }
    let views = Path::new(layout::VIEWS_MOD);
    if let Some(text) = plan.current(views)? {
        let edited = rust::insert_mod(views, &text, "html", "pub mod")?;
        plan.set(views, Some(edited.unwrap_or(text)));
    }
    let html_mod = layout::rust_file(layout::HTML_VIEWS, "mod");
    if plan.current(&html_mod)?.is_none() {
        plan.create(
            &html_mod,
            plan.templates().render("view/html_mod.rs", vars! {})?,
        );
    }
    super::modules::declare(plan, layout::HTML_VIEWS, "views", resource)?;
    let manifest_path = Path::new(layout::MANIFEST);
    if let Some(text) = plan.current(manifest_path)?
        && let Some(edited) =
            manifest::add_dependency(manifest_path, &text, ASKAMA, versions::version(ASKAMA))?
    {
        plan.set(manifest_path, Some(edited));
    }
    Ok(())
}

/// The templates a view module renders, from its `#[template(path = ..)]`.
fn template_paths(file: &Path, text: &str) -> Result<Vec<String>> {
    let parsed = syn::parse_file(text)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was written", file.display()))?;
    let mut out = Vec::new();
    for item in &parsed.items {
        let syn::Item::Struct(s) = item else { continue };
        for attr in s.attrs.iter().filter(|a| a.path().is_ident("template")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("path") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    out.push(lit.value());
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            })?;
        }
    }
    Ok(out)
}

/// Takes out what [`plan_views`] added: the templates the view module
/// names, the module and its `mod` line; once no HTML view is left, also the
/// layout (if unchanged), `views/html/mod.rs` and the askama dependency
/// (if nothing else in `src/` uses askama).
pub fn unplan_views(plan: &mut Plan, resource: &ResourceName) -> Result<()> {
    let module = view_module(resource);
    let Some(text) = plan.current(&module)? else {
        return Ok(());
    };
    for path in template_paths(&module, &text)? {
        plan.set(&Path::new(layout::TEMPLATES).join(path), None);
    }
    plan.set(&module, None);
    super::modules::undeclare(plan, layout::HTML_VIEWS, "views", resource)?;
    let html_mod = layout::rust_file(layout::HTML_VIEWS, "mod");
    let Some(html_text) = plan.current(&html_mod)? else {
        return Ok(());
    };
    if html_text != plan.templates().render("view/html_mod.rs", vars! {})? {
        return Ok(());
    }
    plan.set(&html_mod, None);
    let views = Path::new(layout::VIEWS_MOD);
    if let Some(text) = plan.current(views)? {
        let edited = rust::remove_mod(views, &text, "html")?;
        plan.set(views, Some(edited.unwrap_or(text)));
    }
    if plan.current(Path::new(layout::LAYOUT_TEMPLATE))?.as_deref()
        == Some(
            plan.templates()
                .render("view/layout.html", vars! {})?
                .as_str(),
        )
        && !other_templates(plan)?
    {
        plan.set(Path::new(layout::LAYOUT_TEMPLATE), None);
    }
    if !super::crate_in_use(plan, ASKAMA, &[])? {
        let manifest_path = Path::new(layout::MANIFEST);
        if let Some(text) = plan.current(manifest_path)?
            && let Some(edited) = manifest::remove_dependency(manifest_path, &text, ASKAMA)?
        {
            plan.set(manifest_path, Some(edited));
        }
    }
    Ok(())
}

/// Files under `dir`, relative to the plan's root.
fn files_under(plan: &Plan, dir: &str) -> Vec<PathBuf> {
    crate::fs::files_under(&plan.root.join(dir))
        .into_iter()
        .filter_map(|p| p.strip_prefix(&plan.root).ok().map(Path::to_path_buf))
        .collect()
}

/// Whether a template other than the layout stays once the plan is applied.
fn other_templates(plan: &Plan) -> Result<bool> {
    for path in files_under(plan, layout::TEMPLATES) {
        let is_html = path.extension().is_some_and(|e| e == "html");
        if is_html && path != Path::new(layout::LAYOUT_TEMPLATE) && plan.current(&path)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Builds the plan of `generate view NAME ACTION...`.
pub fn generate(root: &Path, name: &str, actions: &[String]) -> Result<Plan> {
    let resource = ResourceName::parse(name).map_err(nothing_written)?;
    let ctx = context(&resource, actions)?;
    let mut plan = Plan::new(root);
    plan_views(&mut plan, &resource, &ctx)?;
    Ok(plan)
}

/// Builds the plan of `destroy view NAME`.
pub fn destroy(root: &Path, name: &str) -> Result<Plan> {
    let resource = ResourceName::parse(name).map_err(nothing_written)?;
    let mut plan = Plan::new(root);
    unplan_views(&mut plan, &resource)?;
    if plan.changes.is_empty() {
        bail!(nothing_written(format!(
            "there are no views `{name}` to destroy: neither templates/{} nor their page structs exist",
            resource.file_path()
        )));
    }
    Ok(plan)
}
