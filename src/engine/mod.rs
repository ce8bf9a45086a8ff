//! The generator engine: built-in and project generators render their
//! templates here, at run time, so that a project can override a built-in
//! generator's templates (`cargo mvc generate override`) and write its own
//! generators (`cargo mvc generate generator`).
//!
//! Templates are Jinja (minijinja) with the delimiters `<% %>` (blocks),
//! `<@ @>` (values) and `<# #>` (comments), so that the `{{ }}` of the Helm
//! charts, workflows and askama templates they emit need no escaping. An
//! unknown variable is an error, never an empty string.

use std::path::{Path, PathBuf};

use crate::errors::nothing_written;
use anyhow::Result;
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

pub mod builtins;
pub mod manifest;
pub mod project;
pub mod record;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_templates.rs"));
}

/// Where a project keeps its generators and its overrides of the built-in
/// ones (`generators/controller/…` overrides the built-in `controller`).
pub const GENERATORS_DIR: &str = "generators";

/// The built-in generators whose templates a project can override.
pub const OVERRIDABLE: &[&str] = &["controller", "model", "scaffold", "view", "script"];

thread_local! {
    /// The templates version of an earlier release whose templates stand in
    /// for the built-in ones while `update` renders what that release wrote.
    static BASE: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// The templates versions of earlier releases the binary carries
/// (`bases/templates-N/`), oldest first.
pub fn bases() -> Vec<i64> {
    let mut out: Vec<i64> = builtin::BASES
        .iter()
        .filter_map(|(name, _)| {
            name.strip_prefix("templates-")?
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    out.dedup();
    out.sort_unstable();
    out.dedup();
    out
}

/// Runs `f` with the templates of templates version `version` (one of
/// [`bases`]) in place of the built-in ones: the generators then write what
/// the release of that version wrote.
pub fn with_base<T>(version: i64, f: impl FnOnce() -> T) -> T {
    let saved = BASE.with(|b| b.replace(Some(version)));
    let out = f();
    BASE.with(|b| b.set(saved));
    out
}

/// The earlier templates version being rendered, if any (see [`with_base`]).
pub fn base() -> Option<i64> {
    BASE.with(std::cell::Cell::get)
}

/// The templates in use, `(name, text)`: the built-in ones, or those of the
/// earlier release [`with_base`] names.
fn table() -> Box<dyn Iterator<Item = (&'static str, &'static str)>> {
    match base() {
        None => Box::new(builtin::BUILTIN.iter().copied()),
        Some(version) => {
            let prefix = format!("templates-{version}/");
            Box::new(
                builtin::BASES.iter().filter_map(move |(name, text)| {
                    Some((name.strip_prefix(prefix.as_str())?, *text))
                }),
            )
        }
    }
}

/// The built-in templates of `generator`, as `(path in the generator, text)`.
pub fn builtin_templates(generator: &str) -> impl Iterator<Item = (&'static str, &'static str)> {
    let prefix = format!("{generator}/");
    table()
        .filter_map(move |(name, text)| name.strip_prefix(prefix.as_str()).map(|rel| (rel, text)))
}

/// The text of the built-in template `name` (`controller/controller.rs`).
pub fn builtin_template(name: &str) -> Option<&'static str> {
    table().find(|(n, _)| *n == name).map(|(_, text)| text)
}

/// A minijinja environment set up as every generator's templates expect.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .block_delimiters("<%", "%>")
            .variable_delimiters("<@", "@>")
            .comment_delimiters("<#", "#>")
            .build()
            .expect("the delimiters are distinct"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // The files generated are Rust, TOML and YAML: a boolean prints as
    // `true`/`false`, not Python's `True`.
    env.set_formatter(|out, state, value| {
        if value.kind() == minijinja::value::ValueKind::Bool {
            let text = if value.is_true() { "true" } else { "false" };
            return out.write_str(text).map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    env
}

/// The variables a template sees: `vars! { c => &ctx, v => page }` binds
/// each name to its value, serialized.
macro_rules! vars {
    ($($name:ident => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut vars = std::collections::BTreeMap::<String, minijinja::Value>::new();
        $(vars.insert(stringify!($name).to_string(), minijinja::Value::from(minijinja::value::Serde(&$value)));)*
        minijinja::Value::from(vars)
    }};
}
pub(crate) use vars;

/// Renders the templates of the built-in generators, taking a project's
/// override of a template in its place.
#[derive(Debug)]
pub struct Templates {
    /// The project whose `generators/` may override built-in templates.
    root: Option<PathBuf>,
}

impl Templates {
    /// The built-in templates only (`cargo mvc new`, before there is a
    /// project).
    pub fn builtin() -> Self {
        Templates { root: None }
    }

    /// The built-in templates, overridden by the project's.
    pub fn for_project(root: &Path) -> Self {
        Templates {
            root: Some(root.to_path_buf()),
        }
    }

    /// The project's override of `name`, if it has one.
    pub fn override_of(&self, name: &str) -> Option<PathBuf> {
        let root = self.root.as_ref()?;
        let rel = Path::new(GENERATORS_DIR).join(name);
        root.join(&rel).is_file().then_some(rel)
    }

    /// Renders `name` (`controller/controller.rs`) with `ctx`, which binds
    /// the generator's context to its variable (`c`, `m`, `s`, `v` or `p`):
    /// `vars! { c => ctx }`.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String> {
        let (shown, source) = match self.override_of(name) {
            Some(rel) => {
                let path = self
                    .root
                    .as_ref()
                    .expect("an override has a root")
                    .join(&rel);
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    anyhow::Error::from(nothing_written(format!(
                        "{}: cannot read the template: {e}",
                        rel.display()
                    )))
                })?;
                (rel.display().to_string(), text)
            }
            None => {
                let text = builtin_template(name)
                    .unwrap_or_else(|| panic!("no built-in template `{name}`"));
                (format!("generators/{name}"), text.to_string())
            }
        };
        render_str(&shown, &source, ctx)
    }
}

/// Renders the template `source`, which `shown` names in errors, with the
/// context `ctx`. Every text file a generator writes ends with exactly one
/// newline.
pub fn render_str(shown: &str, source: &str, ctx: Value) -> Result<String> {
    // One environment for every template a command renders (`new` renders
    // about fifty).
    static ENV: std::sync::LazyLock<Environment<'static>> = std::sync::LazyLock::new(environment);
    let mut s = ENV
        .render_named_str(shown, source, ctx)
        .map_err(|e| template_error(shown, &e))?;
    let trimmed = s.trim_end_matches('\n').len();
    s.truncate(trimmed);
    s.push('\n');
    Ok(s)
}

/// `file:line: what is wrong`, the way the compiler names a place.
pub fn template_error(shown: &str, e: &minijinja::Error) -> anyhow::Error {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let what = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    anyhow::Error::from(
        nothing_written(format!("{shown}{line}: {what}"))
            .hint("fix the template and run the command again"),
    )
}

#[cfg(test)]
mod tests {
    /// The serialized fields of the context structs in a generator's source:
    /// `(struct, field)` for every `pub` field not skipped by serde.
    fn context_fields(source: &str) -> Vec<(String, String)> {
        let file = syn::parse_file(source).expect("the generator parses");
        let mut out = Vec::new();
        for item in file.items {
            let syn::Item::Struct(s) = item else { continue };
            let serialized = s.attrs.iter().any(|a| {
                a.path().is_ident("derive") && quote::quote!(#a).to_string().contains("Serialize")
            });
            if !serialized {
                continue;
            }
            for f in &s.fields {
                let skipped = f
                    .attrs
                    .iter()
                    .any(|a| quote::quote!(#a).to_string().contains("skip"));
                if let Some(ident) = &f.ident
                    && !skipped
                {
                    out.push((s.ident.to_string(), ident.to_string()));
                }
            }
        }
        out
    }

    /// The README says what every built-in template sees, field by field.
    #[test]
    fn the_readme_names_every_field_of_the_built_in_contexts() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("### What the built-in templates see")
            .expect("the README's section on the contexts");
        let section = &readme[start..];
        let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
        let sources = [
            include_str!("../generate/controller.rs"),
            include_str!("../generate/model.rs"),
            include_str!("../generate/scaffold.rs"),
            include_str!("../generate/view.rs"),
        ];
        let mut missing = Vec::new();
        let mut seen = 0;
        for source in sources {
            for (ty, field) in context_fields(source) {
                seen += 1;
                if !section.contains(&format!("`{field}`")) {
                    missing.push(format!("{ty}.{field}"));
                }
            }
        }
        assert!(seen > 80, "only {seen} fields found: is the parsing right?");
        assert!(
            missing.is_empty(),
            "the README does not describe {missing:?}"
        );
    }
}
