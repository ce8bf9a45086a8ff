//! Runs a project's own generator (`generators/NAME/`): its command line
//! comes from the manifest, its templates are rendered with the context the
//! arguments and options give, and its wiring steps go through the same edit
//! code as the built-in generators'. `destroy NAME …` builds the inverse.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use clap::{Arg, ArgAction, ArgMatches, Command};
use minijinja::Value;
use serde_json::{Map, Value as Json, json};

use super::manifest::{self, ArgKind, Manifest, OptKind, Wire};
use crate::edit::item::{self, Place};
use crate::edit::rust::{MethodRoute, RouteGroup};
use crate::edit::{manifest as cargo_toml, rust};
use crate::errors::nothing_written;
use crate::generate::fields::{Field, Kind};
use crate::layout;
use crate::names::ModelName;
use crate::plan::Plan;
use crate::project::Project;

/// The command line of the project generator `name`, from its manifest.
pub fn command(name: &str, m: &Manifest) -> Command {
    let mut cmd = Command::new(name.to_string()).about(m.description.clone());
    if let Some(help) = &m.help {
        cmd = cmd.after_help(help.clone());
    }
    for a in &m.arguments {
        let arg = Arg::new(a.name.clone())
            .help(a.help.clone())
            .value_name(a.name.to_uppercase());
        cmd = cmd.arg(match a.kind {
            ArgKind::Fields => arg
                .num_args(0..)
                .action(ArgAction::Append)
                .value_name("NAME:TYPE"),
            ArgKind::Name | ArgKind::String => arg.required(true),
        });
    }
    for o in &m.options {
        let arg = Arg::new(o.name.clone())
            .long(o.name.clone())
            .help(o.help.clone());
        let default = o.default.as_ref().map(|d| d.to_string());
        cmd = cmd.arg(match o.kind {
            OptKind::Bool => arg.action(ArgAction::SetTrue),
            OptKind::String => match default {
                Some(d) => arg.default_value(d),
                None => arg.required(true),
            },
            OptKind::Choice => {
                let arg =
                    arg.value_parser(clap::builder::PossibleValuesParser::new(o.choices.clone()));
                match default {
                    Some(d) => arg.default_value(d),
                    None => arg.required(true),
                }
            }
        });
    }
    cmd.arg(
        Arg::new("pretend")
            .long("pretend")
            .short('p')
            .action(ArgAction::SetTrue)
            .help("Print what would change; write nothing"),
    )
    .arg(
        Arg::new("force")
            .long("force")
            .short('f')
            .action(ArgAction::SetTrue)
            .conflicts_with("skip")
            .help("Overwrite files that exist with other content"),
    )
    .arg(
        Arg::new("skip")
            .long("skip")
            .short('s')
            .action(ArgAction::SetTrue)
            .help("Keep files that exist with other content"),
    )
}

/// The spellings of a name the templates see.
fn name_context(raw: &str) -> Result<Json> {
    let n = ModelName::parse(raw).map_err(nothing_written)?;
    Ok(json!({
        "raw": raw,
        "snake": n.snake,
        "pascal": n.pascal,
        "plural": n.plural,
        "url": n.url,
        "human": n.snake.replace('_', " "),
        "table": n.plural,
    }))
}

fn fields_context(raw: &[String]) -> Result<Json> {
    let fields = crate::generate::fields::parse(raw)?;
    Ok(Json::Array(
        fields
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "type": crate::generate::fields::KINDS
                        .iter()
                        .find(|(_, k)| *k == f.kind)
                        .map(|(n, _)| *n)
                        .unwrap_or_default(),
                    "rust_type": f.rust_type(),
                    "nullable": f.nullable,
                    "unique": f.unique,
                    "index": f.index,
                    "path_type": path_type(f),
                    "schema": if f.kind == Kind::References { None } else { f.schema_attr() },
                    "example_json": example_json(f),
                })
            })
            .collect(),
    ))
}

/// A field's Rust type with the crates its types come from.
fn path_type(f: &Field) -> String {
    let base = match f.kind {
        Kind::Decimal => "rust_decimal::Decimal".to_string(),
        Kind::Date => "chrono::NaiveDate".to_string(),
        Kind::Datetime => "chrono::DateTime<chrono::Utc>".to_string(),
        Kind::Uuid => "uuid::Uuid".to_string(),
        _ => f.base_type().to_string(),
    };
    if f.nullable {
        format!("Option<{base}>")
    } else {
        base
    }
}

/// A JSON value of the field's type, as the type serializes it (for tests).
fn example_json(f: &Field) -> String {
    match f.kind {
        Kind::String | Kind::Text => format!("\"{} example\"", f.name.replace('_', " ")),
        Kind::Integer | Kind::Bigint | Kind::References => "1".to_string(),
        Kind::Float => "1.5".to_string(),
        Kind::Decimal => "\"1.50\"".to_string(),
        Kind::Boolean => "true".to_string(),
        Kind::Date => "\"2026-01-31\"".to_string(),
        Kind::Datetime => "\"2026-01-31T12:00:00Z\"".to_string(),
        Kind::Uuid => "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"".to_string(),
        Kind::Json => "{ \"key\": \"value\" }".to_string(),
    }
}

/// What a run of a project generator was given.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub generator: String,
    /// The arguments as typed (for the record and messages).
    pub args: Vec<String>,
    pub context: Json,
    pub options: crate::plan::Options,
}

/// The arguments and options given on the command line, as the record
/// keeps them: the positional values in order, then each option typed
/// (`--skip-tests`, `--method put`).
pub fn given_args(m: &Manifest, matches: &ArgMatches) -> Vec<String> {
    let mut out = Vec::new();
    for a in &m.arguments {
        if let Some(values) = matches.get_many::<String>(&a.name) {
            out.extend(values.cloned());
        }
    }
    for o in &m.options {
        if matches.value_source(&o.name) != Some(clap::parser::ValueSource::CommandLine) {
            continue;
        }
        match o.kind {
            OptKind::Bool => out.push(format!("--{}", o.name)),
            OptKind::String | OptKind::Choice => {
                if let Some(v) = matches.get_one::<String>(&o.name) {
                    out.push(format!("--{}", o.name));
                    out.push(v.clone());
                }
            }
        }
    }
    out
}

/// Turns parsed arguments into the templates' context: each argument and
/// option by its name (`-` as `_`), and `app`, the application.
pub fn invocation(
    project: &Project,
    generator: &str,
    m: &Manifest,
    matches: &ArgMatches,
    args: Vec<String>,
) -> Result<Invocation> {
    let mut ctx = Map::new();
    for a in &m.arguments {
        let key = a.name.replace('-', "_");
        let value = match a.kind {
            ArgKind::Name => name_context(
                matches
                    .get_one::<String>(&a.name)
                    .map(String::as_str)
                    .unwrap_or_default(),
            )?,
            ArgKind::String => Json::String(
                matches
                    .get_one::<String>(&a.name)
                    .cloned()
                    .unwrap_or_default(),
            ),
            ArgKind::Fields => {
                let raw: Vec<String> = matches
                    .get_many::<String>(&a.name)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default();
                fields_context(&raw)?
            }
        };
        ctx.insert(key, value);
    }
    for o in &m.options {
        let key = o.name.replace('-', "_");
        let value = match o.kind {
            OptKind::Bool => Json::Bool(matches.get_flag(&o.name)),
            OptKind::String | OptKind::Choice => Json::String(
                matches
                    .get_one::<String>(&o.name)
                    .cloned()
                    .unwrap_or_default(),
            ),
        };
        ctx.insert(key, value);
    }
    ctx.insert("generator".to_string(), Json::String(generator.to_string()));
    ctx.insert(
        "app".to_string(),
        json!({
            "name": project.name,
            "crate_name": project.name.replace('-', "_"),
            "env_prefix": project.name.replace('-', "_").to_uppercase(),
            "database": project.database,
            "openapi": project.openapi,
        }),
    );
    let on_conflict = if matches.get_flag("force") {
        crate::plan::OnConflict::Overwrite
    } else if matches.get_flag("skip") {
        crate::plan::OnConflict::Keep
    } else {
        crate::plan::OnConflict::Stop
    };
    Ok(Invocation {
        generator: generator.to_string(),
        args,
        context: Json::Object(ctx),
        options: crate::plan::Options {
            pretend: matches.get_flag("pretend"),
            on_conflict,
        },
    })
}

fn json_value(ctx: &Json) -> Value {
    Value::from(minijinja::value::Serde(ctx))
}

/// Renders a string of the manifest (a path, a wiring value).
fn render_line(shown: &str, text: &str, ctx: &Json) -> Result<String> {
    let out = super::render_str(shown, text, json_value(ctx))?;
    Ok(out.trim_end_matches('\n').to_string())
}

/// Whether a step's `when` holds.
fn holds(shown: &str, when: Option<&str>, ctx: &Json) -> Result<bool> {
    let Some(when) = when else {
        return Ok(true);
    };
    let env = super::environment();
    let expr = env
        .compile_expression(when)
        .map_err(|e| super::template_error(shown, &e))?;
    let value = expr
        .eval(json_value(ctx))
        .map_err(|e| super::template_error(shown, &e))?;
    Ok(value.is_true())
}

/// The templates of a generator: `(path under templates/, text)`.
fn template_files(dir: &Path) -> Result<Vec<(String, String)>> {
    crate::fs::files_under(dir)
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(dir)
                .expect("under the templates folder")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow!("{}: cannot read the template: {e}", path.display()))?;
            Ok((rel, text))
        })
        .collect()
}

/// The files the generator renders: `(path in the project, contents)`. A
/// path that renders with an empty segment (`<% if tests %>…<% endif %>`)
/// leaves its file out.
fn rendered_files(project: &Project, inv: &Invocation) -> Result<Vec<(PathBuf, String)>> {
    let base = Path::new(super::GENERATORS_DIR)
        .join(&inv.generator)
        .join(manifest::TEMPLATES);
    let mut out = Vec::new();
    for (rel, text) in template_files(&project.root.join(&base))? {
        let shown = format!("{}/{rel}", base.display());
        // A path is written with `{{ }}` and `{% %}`, which file names can
        // hold everywhere, where the files use `<@ @>` and `<% %>`.
        let path_template = rel
            .replace("{{", "<@")
            .replace("}}", "@>")
            .replace("{%", "<%")
            .replace("%}", "%>");
        let path = render_line(&format!("{shown} (its path)"), &path_template, &inv.context)?;
        if path.split('/').any(|s| s.trim().is_empty()) {
            continue;
        }
        if path.split('/').any(|s| s == ".." || s == ".") || path.starts_with('/') {
            bail!(
                nothing_written(format!(
                    "{shown}: the path renders as `{path}`, which leaves the project"
                ))
                .hint("fix the template's path")
            );
        }
        let contents = super::render_str(&shown, &text, json_value(&inv.context))?;
        out.push((PathBuf::from(path), contents));
    }
    Ok(out)
}

/// A wiring step with its strings rendered.
fn rendered_wire(shown: &str, w: &Wire, ctx: &Json) -> Result<Wire> {
    let r = |s: &String| render_line(shown, s, ctx);
    Ok(match w {
        Wire::Route {
            method,
            path,
            handler,
            ..
        } => Wire::Route {
            method: r(method)?,
            path: r(path)?,
            handler: r(handler)?,
            when: None,
        },
        Wire::Mod {
            file, name, public, ..
        } => Wire::Mod {
            file: r(file)?,
            name: r(name)?,
            public: *public,
            when: None,
        },
        Wire::Use { file, path, .. } => Wire::Use {
            file: r(file)?,
            path: r(path)?,
            when: None,
        },
        Wire::Dependency {
            krate,
            version,
            features,
            ..
        } => Wire::Dependency {
            krate: r(krate)?,
            version: r(version)?,
            features: features.iter().map(r).collect::<Result<_>>()?,
            when: None,
        },
        Wire::Insert {
            file, into, code, ..
        } => Wire::Insert {
            file: r(file)?,
            into: r(into)?,
            code: super::render_str(shown, code, json_value(ctx))?,
            when: None,
        },
        Wire::Openapi { module, .. } => Wire::Openapi {
            module: r(module)?,
            when: None,
        },
        Wire::Invoke {
            generator, args, ..
        } => Wire::Invoke {
            generator: generator.clone(),
            args: args.iter().map(r).collect::<Result<_>>()?,
            when: None,
        },
    })
}

/// The wiring steps that apply, rendered.
fn steps(project: &Project, inv: &Invocation, m: &Manifest) -> Result<Vec<Wire>> {
    let shown = Path::new(super::GENERATORS_DIR)
        .join(&inv.generator)
        .join(manifest::MANIFEST)
        .display()
        .to_string();
    let _ = project;
    let mut out = Vec::new();
    for w in &m.wiring {
        if holds(&shown, w.when(), &inv.context)? {
            out.push(rendered_wire(&shown, w, &inv.context)?);
        }
    }
    Ok(out)
}

fn methods_of(shown: &str, method: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for m in method.split(',') {
        let m = m.trim().to_ascii_lowercase();
        if !rust::METHODS.contains(&m.as_str()) {
            bail!(
                nothing_written(format!(
                    "{shown}: `{m}` is not an HTTP method axum routes ({})",
                    rust::METHODS.join(", ")
                ))
                .hint("fix the manifest")
            );
        }
        out.push(m);
    }
    Ok(out)
}

fn edit_file(
    plan: &mut Plan,
    file: &str,
    edit: impl FnOnce(&Path, &str) -> Result<Option<String>>,
) -> Result<()> {
    edit_file_or(plan, file, false, edit)
}

/// [`edit_file`] for a step that adds: a file that already holds the
/// addition is in the plan unchanged, so a second run reports it
/// `identical`.
fn add_to_file(
    plan: &mut Plan,
    file: &str,
    edit: impl FnOnce(&Path, &str) -> Result<Option<String>>,
) -> Result<()> {
    edit_file_or(plan, file, true, edit)
}

fn edit_file_or(
    plan: &mut Plan,
    file: &str,
    keep_unchanged: bool,
    edit: impl FnOnce(&Path, &str) -> Result<Option<String>>,
) -> Result<()> {
    let path = PathBuf::from(file);
    let Some(text) = plan.current(&path)? else {
        bail!(nothing_written(format!(
            "{file} does not exist, so the generator cannot add to it"
        )));
    };
    match edit(&path, &text)? {
        Some(edited) => plan.set(&path, Some(edited)),
        None if keep_unchanged => plan.set(&path, Some(text)),
        None => {}
    }
    Ok(())
}

/// Plans a built-in generator for an `invoke` step: `(generator, args,
/// generate)`, `generate` false for its `destroy` of the name in `args`.
pub type Invoke<'a> = &'a dyn Fn(&str, &[String], bool) -> Result<Plan>;

/// Builds the plan of `generate NAME …` for a project generator.
pub fn generate(project: &Project, m: &Manifest, inv: &Invocation, invoke: Invoke) -> Result<Plan> {
    let shown = format!("generators/{}/{}", inv.generator, manifest::MANIFEST);
    let steps = steps(project, inv, m)?;
    let mut plan = Plan::new(&project.root);
    for w in &steps {
        if let Wire::Invoke {
            generator, args, ..
        } = w
        {
            let invoked =
                crate::plan::with_pending(&plan.changes, || invoke(generator, args, true))?;
            plan.absorb(invoked);
        }
    }
    for (path, contents) in rendered_files(project, inv)? {
        plan.create(path, contents);
    }
    for w in steps {
        match w {
            Wire::Invoke { .. } => {}
            Wire::Route {
                method,
                path,
                handler,
                ..
            } => {
                let methods = methods_of(&shown, &method)?;
                let group = RouteGroup {
                    path: path.clone(),
                    methods: methods
                        .into_iter()
                        .map(|m| MethodRoute::new(m, &handler))
                        .collect(),
                };
                crate::generate::controller::add_routes(&mut plan, project, &path, &[group])?;
            }
            Wire::Mod {
                file, name, public, ..
            } => {
                let keyword = if public { "pub mod" } else { "mod" };
                add_to_file(&mut plan, &file, |p, t| {
                    Ok(rust::insert_mod(p, t, &name, keyword)?)
                })?;
            }
            Wire::Use { file, path, .. } => {
                add_to_file(&mut plan, &file, |p, t| Ok(rust::insert_use(p, t, &path)?))?;
            }
            Wire::Dependency {
                krate,
                version,
                features,
                ..
            } => {
                let features: Vec<&str> = features.iter().map(String::as_str).collect();
                add_to_file(&mut plan, layout::MANIFEST, |p, t| {
                    Ok(cargo_toml::add_dependency_with(
                        p, t, &krate, &version, &features, true,
                    )?)
                })?;
            }
            Wire::Insert {
                file, into, code, ..
            } => {
                let place = Place::parse(&into)
                    .ok_or_else(|| anyhow!("{shown}: `into = \"{into}\"` is not a place"))?;
                add_to_file(&mut plan, &file, |p, t| {
                    Ok(item::insert(p, t, place, &code)?)
                })?;
            }
            Wire::Openapi { module, .. } => {
                if project.openapi {
                    let resource = crate::names::ResourceName::parse(&module)
                        .map_err(|e| nothing_written(format!("{shown}: {e}")))?;
                    crate::generate::controller::merge_document(&mut plan, &resource, true)?;
                }
            }
        }
    }
    super::record::generated(&mut plan, &inv.generator, &inv.args)?;
    Ok(plan)
}

/// Builds the plan of `destroy NAME …` for a project generator: the files it
/// renders go, its wiring comes out in reverse order, and the generators it
/// invoked are destroyed last.
pub fn destroy(project: &Project, m: &Manifest, inv: &Invocation, invoke: Invoke) -> Result<Plan> {
    let shown = format!("generators/{}/{}", inv.generator, manifest::MANIFEST);
    let steps = steps(project, inv, m)?;
    let mut plan = Plan::new(&project.root);
    let files = rendered_files(project, inv)?;
    let present = files.iter().any(|(p, _)| project.root.join(p).exists());
    for w in steps.iter().rev() {
        match w {
            Wire::Invoke { .. } => {}
            Wire::Route { handler, .. } => {
                let ours = handler.replace(' ', "");
                let absolute = format!("{}::{ours}", layout::CONTROLLERS_PATH);
                crate::generate::controller::remove_routes_of(&mut plan, project, &|h: &str| {
                    h == ours || h == absolute
                })?;
            }
            Wire::Mod { file, name, .. } => {
                if plan.current(Path::new(file))?.is_some() {
                    edit_file(&mut plan, file, |p, t| Ok(rust::remove_mod(p, t, name)?))?;
                }
            }
            Wire::Use { file, path, .. } => {
                if plan.current(Path::new(file))?.is_some() {
                    edit_file(&mut plan, file, |p, t| Ok(rust::remove_use(p, t, path)?))?;
                }
            }
            Wire::Dependency { krate, .. } => {
                // Only when nothing else in the project uses the crate.
                let snake = krate.replace('-', "_");
                let removed: Vec<&PathBuf> = files.iter().map(|(p, _)| p).collect();
                if !crate::generate::crate_in_use(&plan, &snake, &removed)? {
                    edit_file(&mut plan, layout::MANIFEST, |p, t| {
                        Ok(cargo_toml::remove_dependency(p, t, krate)?)
                    })?;
                }
            }
            Wire::Insert {
                file, into, code, ..
            } => {
                let place = Place::parse(into)
                    .ok_or_else(|| anyhow!("{shown}: `into = \"{into}\"` is not a place"))?;
                if plan.current(Path::new(file))?.is_some() {
                    edit_file(&mut plan, file, |p, t| Ok(item::remove(p, t, place, code)?))?;
                }
            }
            Wire::Openapi { module, .. } => {
                if project.openapi {
                    let resource = crate::names::ResourceName::parse(module)
                        .map_err(|e| nothing_written(format!("{shown}: {e}")))?;
                    crate::generate::controller::merge_document(&mut plan, &resource, false)?;
                }
            }
        }
    }
    for (path, _) in &files {
        plan.set(path, None);
    }
    for w in steps.iter().rev() {
        if let Wire::Invoke {
            generator, args, ..
        } = w
        {
            let name = args.first().cloned().unwrap_or_default();
            let invoked =
                crate::plan::with_pending(&plan.changes, || invoke(generator, &[name], false))?;
            plan.absorb(invoked);
        }
    }
    if plan.changes.is_empty() && !present {
        bail!(nothing_written(format!(
            "there is no `{}` generated by `{}` to destroy: none of its files exist",
            inv.args.first().map(String::as_str).unwrap_or_default(),
            inv.generator
        )));
    }
    let name = inv.args.first().cloned().unwrap_or_default();
    super::record::destroyed(&mut plan, &inv.generator, &name)?;
    Ok(plan)
}
