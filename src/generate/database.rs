//! The database layer of an application made with `--database none`, added
//! by the first `generate model`: SQLite, wired in exactly where `cargo mvc
//! new --database sqlite` would have put it, by edits that keep the user's
//! code.
//!
//! Everything comes from `new`'s own templates, rendered for SQLite: the
//! files of the layer ([`new::database_files`]), the dependencies (those its
//! Cargo.toml has with a database and not without), and the snippets. A
//! snippet is a block of a template that `new` writes only with a database
//! and that names where it goes in a comment:
//!
//! ```text
//! <%- if p.database %><# database layer: struct Settings #>
//!     pub database: crate::db::DatabaseSettings,
//! <%- endif %>
//! ```
//!
//! The place is one of a generator manifest's `insert` places (`struct
//! NAME`, `enum NAME`, `match in fn NAME`, `fn NAME`, `PATH { .. } in fn
//! NAME`), `after let NAME in fn NAME`, or `mod` for a `pub mod NAME;` line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::fields::Dialect;
use super::new;
use crate::edit::item::{self, Place};
use crate::edit::manifest;
use crate::errors::nothing_written;
use crate::layout;
use crate::names::ProjectName;
use crate::plan::Plan;
use crate::project::{Database, Project};

/// A part of `new`'s application that a generator adds to one made
/// without it: the database (by `generate model`), the metrics (by
/// `generate metrics`). Its blocks are marked `<%- if p.NAME %><# NAME
/// layer: PLACE #>` in `new`'s templates.
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    /// The option of `new` (`p.NAME`) and the name in its marks.
    pub name: &'static str,
    /// The files of `new` the layer is wired into, in the order they are
    /// edited (so their status lines come in that order).
    pub wired: &'static [&'static str],
}

/// The database layer.
pub const DATABASE: Layer = Layer {
    name: "database",
    wired: &[
        "src/lib.rs",
        layout::MODELS_MOD,
        "src/config.rs",
        "src/app/state.rs",
        "src/app/testing.rs",
        "src/server.rs",
        "src/cli.rs",
        "tests/api/helpers.rs",
    ],
};

/// The metrics layer.
pub const METRICS: Layer = Layer {
    name: "metrics",
    wired: &[
        "src/app/mod.rs",
        "src/config.rs",
        "src/app/state.rs",
        "src/server.rs",
        "tests/api/helpers.rs",
    ],
};

impl Layer {
    /// What opens a marked block of a template, before its place.
    fn mark(self) -> String {
        format!("<%- if p.{0} %><# {0} layer: ", self.name)
    }
}

/// Where a snippet goes.
#[derive(Debug, Clone, Copy)]
pub enum Wiring<'a> {
    /// A `pub mod NAME;` line.
    Mod,
    /// An item at a place syn finds.
    Item(Place<'a>),
}

impl<'a> Wiring<'a> {
    fn parse(place: &'a str) -> Option<Self> {
        if place == "mod" {
            return Some(Wiring::Mod);
        }
        if let Some(rest) = place.strip_prefix("after let ") {
            let (binding, function) = rest.split_once(" in fn ")?;
            return Some(Wiring::Item(Place::AfterLet { function, binding }));
        }
        Place::parse(place).map(Wiring::Item)
    }
}

/// A marked block of a template: where it goes, and its text (a template
/// itself, rendered with the project).
#[derive(Debug)]
pub struct Block<'t> {
    pub place: &'t str,
    pub text: &'t str,
}

/// The blocks of `template` marked as part of `layer`, in order.
pub fn blocks(template: &str, layer: Layer) -> Vec<Block<'_>> {
    let mark = layer.mark();
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find(&mark) {
        let after = &rest[start + mark.len()..];
        let (place, body) = after
            .split_once(" #>")
            .expect("a layer mark closes its comment");
        let end = body
            .find("<%- endif %>")
            .expect("a layer block ends with endif");
        out.push(Block {
            place,
            text: &body[..end],
        });
        rest = &body[end..];
    }
    out
}

/// The dialect of the project's database; for a project without one, the
/// SQLite layer is added to `plan` first.
pub fn ensure(plan: &mut Plan, project: &Project) -> Result<Dialect> {
    if let Some(dialect) = Dialect::of(project.database) {
        return Ok(dialect);
    }
    add_sqlite(plan, project)?;
    Ok(Dialect::Sqlite)
}

pub(crate) fn edit(
    plan: &mut Plan,
    rel: &str,
    f: impl FnOnce(&Path, &str) -> Result<Option<String>>,
) -> Result<()> {
    let path = PathBuf::from(rel);
    let text = plan.current(&path)?.with_context(|| {
        nothing_written(format!(
            "{rel} is missing, so it cannot be wired in; is this an application made by `cargo mvc new`?"
        ))
    })?;
    if let Some(edited) = f(&path, &text)? {
        plan.set(&path, Some(edited));
    }
    Ok(())
}

/// A snippet as its template block renders for `p`: without the blank
/// lines around it, and without the indentation it has in the template
/// (the edit indents it like its neighbours).
pub fn snippet(p: &new::Project, shown: &str, block: &str) -> Result<String> {
    let text = crate::engine::render_str(shown, block, crate::engine::vars! { p => p })?;
    let lines: Vec<&str> = text.trim_matches('\n').lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Ok(lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The dependencies `new`'s manifest has for `with` and not for
/// `without`: (name, version, features, default features).
fn dependencies(
    with: &new::Project,
    without: &new::Project,
) -> Vec<(String, String, Vec<String>, bool)> {
    let parse = |p: &new::Project| -> toml_edit::DocumentMut {
        new::render(p, "new/Cargo.toml.in")
            .parse()
            .expect("the manifest template renders valid TOML")
    };
    let (with, without) = (parse(with), parse(without));
    let table = |doc: &toml_edit::DocumentMut| {
        doc["dependencies"]
            .as_table_like()
            .expect("[dependencies]")
            .iter()
            .map(|(name, dep)| (name.to_string(), dep.clone()))
            .collect::<Vec<_>>()
    };
    let others = table(&without);
    table(&with)
        .into_iter()
        .filter(|(name, _)| !others.iter().any(|(other, _)| other == name))
        .map(|(name, dep)| {
            let get = |key: &str| dep.get(key).and_then(|v| v.as_value().cloned());
            let version = dep
                .as_str()
                .map(str::to_string)
                .or_else(|| get("version")?.as_str().map(str::to_string))
                .expect("a dependency has a version");
            let features = get("features")
                .and_then(|f| {
                    f.as_array().map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                })
                .unwrap_or_default();
            let default_features = get("default-features")
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            (name, version, features, default_features)
        })
        .collect()
}

fn add_sqlite(plan: &mut Plan, project: &Project) -> Result<()> {
    let name = ProjectName::parse(&project.name, &[]).map_err(nothing_written)?;
    let p = new::database_layer(&name, Database::Sqlite, project.openapi);
    for (path, contents) in new::database_files(&p) {
        plan.create(path, contents);
    }
    let without = new::Project {
        database: false,
        sqlite: false,
        postgres: false,
        ..p.clone()
    };
    add_dependencies(plan, &p, &without, |path, text| {
        manifest::set_mvc_setting(path, text, "database", Database::Sqlite.name())
    })?;
    wire(plan, DATABASE, &p)
}

/// Takes out what [`add_sqlite`] added to an application made without a
/// database: its files (those still as written), dependencies and wiring,
/// and `database = "none"` again. For `destroy` of the generator that added
/// it, once nothing else uses the database.
pub(crate) fn remove_sqlite(plan: &mut Plan, project: &Project) -> Result<()> {
    let name = ProjectName::parse(&project.name, &[]).map_err(nothing_written)?;
    let p = new::database_layer(&name, Database::Sqlite, project.openapi);
    for (path, contents) in new::database_files(&p) {
        let path = PathBuf::from(path);
        if plan.current(&path)?.as_deref() == Some(contents.as_str()) {
            plan.set(&path, None);
        }
    }
    let without = new::Project {
        database: false,
        sqlite: false,
        postgres: false,
        ..p.clone()
    };
    edit(plan, layout::MANIFEST, |path, text| {
        let mut text = text.to_string();
        for (krate, ..) in dependencies(&p, &without) {
            if let Some(t) = manifest::remove_dependency(path, &text, &krate)? {
                text = t;
            }
        }
        if let Some(t) = manifest::set_mvc_setting(path, &text, "database", Database::None.name())?
        {
            text = t;
        }
        Ok(Some(text))
    })?;
    unwire(plan, DATABASE, &p)
}

/// Takes out the blocks of `layer` that [`wire`] inserted.
fn unwire(plan: &mut Plan, layer: Layer, p: &new::Project) -> Result<()> {
    for file in layer.wired {
        if plan.current(Path::new(file))?.is_none() {
            continue;
        }
        let template = format!("new/{file}");
        let source = crate::engine::builtin_template(&template)
            .unwrap_or_else(|| panic!("no built-in template `{template}`"));
        for block in blocks(source, layer) {
            let shown = format!("generators/{template}");
            let wiring = Wiring::parse(block.place)
                .unwrap_or_else(|| panic!("{shown}: `{}` is not a place", block.place));
            let snippet = snippet(p, &shown, block.text)?;
            match wiring {
                Wiring::Mod => {
                    let module = snippet
                        .strip_prefix("pub mod ")
                        .and_then(|m| m.strip_suffix(';'))
                        .unwrap_or_else(|| panic!("{shown}: `{snippet}` is not a `pub mod` line"));
                    edit(plan, file, |path, text| {
                        Ok(crate::edit::rust::remove_mod(path, text, module)?)
                    })?;
                }
                Wiring::Item(place) => edit(plan, file, |path, text| {
                    Ok(item::remove(path, text, place, &snippet)?)
                })?,
            }
        }
    }
    Ok(())
}

/// Adds to the manifest the dependencies `with` has and `without` has not,
/// then makes the edit `setting` of its `[package.metadata.mvc]`.
pub(crate) fn add_dependencies(
    plan: &mut Plan,
    with: &new::Project,
    without: &new::Project,
    setting: impl FnOnce(&Path, &str) -> Result<Option<String>, manifest::ManifestError>,
) -> Result<()> {
    edit(plan, layout::MANIFEST, |path, text| {
        let mut text = text.to_string();
        for (krate, version, features, default_features) in dependencies(with, without) {
            let features: Vec<&str> = features.iter().map(String::as_str).collect();
            if let Some(t) = manifest::add_dependency_with(
                path,
                &text,
                &krate,
                &version,
                &features,
                default_features,
            )? {
                text = t;
            }
        }
        if let Some(t) = setting(path, &text)? {
            text = t;
        }
        Ok(Some(text))
    })
}

/// Inserts the blocks of `layer`, rendered for `p`, where they go.
pub(crate) fn wire(plan: &mut Plan, layer: Layer, p: &new::Project) -> Result<()> {
    for file in layer.wired {
        // A project without integration tests has no helpers to edit.
        if file.starts_with("tests/") && plan.current(Path::new(file))?.is_none() {
            continue;
        }
        let template = format!("new/{file}");
        let source = crate::engine::builtin_template(&template)
            .unwrap_or_else(|| panic!("no built-in template `{template}`"));
        for block in blocks(source, layer) {
            let shown = format!("generators/{template}");
            let wiring = Wiring::parse(block.place)
                .unwrap_or_else(|| panic!("{shown}: `{}` is not a place", block.place));
            let snippet = snippet(p, &shown, block.text)?;
            match wiring {
                Wiring::Mod => {
                    let module = snippet
                        .strip_prefix("pub mod ")
                        .and_then(|m| m.strip_suffix(';'))
                        .unwrap_or_else(|| panic!("{shown}: `{snippet}` is not a `pub mod` line"));
                    edit(plan, file, |path, text| {
                        Ok(crate::edit::rust::insert_mod(
                            path, text, module, "pub mod",
                        )?)
                    })?;
                }
                Wiring::Item(place) => edit(plan, file, |path, text| {
                    Ok(item::insert(path, text, place, &snippet)?)
                })?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block of `new`'s templates marked as part of a layer is in a
    /// file the layer is wired into, names a place, and is plain text: one
    /// source for `new` and the generator that adds the layer.
    #[test]
    fn the_marked_blocks_are_wired_in() {
        for layer in [DATABASE, METRICS] {
            marked_blocks_are_wired_in(layer);
        }
    }

    fn marked_blocks_are_wired_in(layer: Layer) {
        let mut marked = Vec::new();
        for (rel, text) in crate::engine::builtin_templates("new") {
            let blocks = blocks(text, layer);
            if blocks.is_empty() {
                assert!(
                    !text.contains(&format!("{} layer:", layer.name)),
                    "new/{rel}: a mark not read"
                );
                continue;
            }
            assert!(
                layer.wired.contains(&rel),
                "new/{rel} has marks of {} but is not wired",
                layer.name
            );
            for block in blocks {
                assert!(
                    Wiring::parse(block.place).is_some(),
                    "new/{rel}: {}",
                    block.place
                );
                assert!(!block.text.contains("<%"), "new/{rel}: a block in a block");
            }
            marked.push(rel);
        }
        for file in layer.wired {
            assert!(marked.contains(file), "{file} is wired but has no mark");
        }
    }

    #[test]
    fn the_snippets_are_the_blocks_rendered_and_dedented() {
        let name = ProjectName::parse("blog-api", &[]).unwrap();
        let p = new::database_layer(&name, Database::Sqlite, true);
        let text = "\n        Command::Migrate(args) => {\n            Ok(())\n        }\n";
        assert_eq!(
            snippet(&p, "t", text).unwrap(),
            "Command::Migrate(args) => {\n    Ok(())\n}"
        );
        let text = "\n        database: <@ p.crate_name @>::db::DatabaseSettings::for_tests(),\n";
        assert_eq!(
            snippet(&p, "t", text).unwrap(),
            "database: blog_api::db::DatabaseSettings::for_tests(),"
        );
        let without = new::Project {
            database: false,
            sqlite: false,
            postgres: false,
            ..p.clone()
        };
        let deps: Vec<String> = dependencies(&p, &without)
            .into_iter()
            .map(|d| d.0)
            .collect();
        // uuid is every application's (its form tokens).
        assert_eq!(deps, ["chrono", "rust_decimal", "sqlx"]);
        let metrics = new::Project {
            metrics: true,
            ..p.clone()
        };
        let deps: Vec<String> = dependencies(&metrics, &p)
            .into_iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(deps, ["prometheus-client"]);
    }
}
