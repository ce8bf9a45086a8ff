//! A project generator's manifest, `generators/NAME/generator.toml`: what the
//! generator is for, the arguments and options it takes, and the wiring steps
//! that connect what it renders to the rest of the application.
//!
//! ```toml
//! description = "A JSON endpoint that takes a record"
//!
//! [[argument]]
//! name = "name"
//! type = "name"        # name | fields | string
//! help = "The endpoint's name, e.g. `contact`"
//!
//! [[option]]
//! name = "method"
//! type = "choice"      # string | bool | choice
//! choices = ["post", "put"]
//! default = "post"
//! help = "The HTTP method"
//!
//! [[wire]]
//! kind = "route"
//! method = "<@ method @>"
//! path = "/api/<@ name.url @>"
//! handler = "<@ name.snake @>::create"
//! ```
//!
//! Every string of a wiring step is a template, rendered with the same
//! context as the files; `when` (an expression such as `not skip_tests`)
//! leaves a step out.

use std::path::Path;

use crate::errors::nothing_written;
use anyhow::{Result, bail};
use serde::Deserialize;

/// The manifest's file name inside the generator's folder.
pub const MANIFEST: &str = "generator.toml";
/// The folder of a generator's templates, inside the generator's folder.
pub const TEMPLATES: &str = "templates";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// One line: what the generator creates (shown by `generate list` and
    /// `--help`).
    pub description: String,
    /// More help, shown after the options by `--help`.
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default, rename = "argument")]
    pub arguments: Vec<Argument>,
    #[serde(default, rename = "option")]
    pub options: Vec<Opt>,
    #[serde(default, rename = "wire")]
    pub wiring: Vec<Wire>,
}

/// A positional argument.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argument {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ArgKind,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgKind {
    /// A resource name (`post`, `blog_post`): the templates see its
    /// spellings (`snake`, `pascal`, `plural`, `url`, `human`, `raw`).
    Name,
    /// The rest of the command line, as `name:type` fields (the types of
    /// `generate model`).
    Fields,
    /// Any text.
    String,
}

/// An option (`--NAME`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opt {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: OptKind,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub default: Option<OptDefault>,
}

/// An option's default: `true`/`false` or a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OptDefault {
    Bool(bool),
    Text(String),
}

impl std::fmt::Display for OptDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptDefault::Bool(b) => write!(f, "{b}"),
            OptDefault::Text(t) => f.write_str(t),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptKind {
    String,
    Bool,
    Choice,
}

/// A wiring step: one of the edits cargo mvc knows how to make safely in a
/// file the user owns, and undo.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Wire {
    /// A route in the application's routes table (through the routes graph
    /// and its conflict rules): `method` (`get`, `post`, … or several as
    /// `get,post`), `path`, `handler` (`module::function` of a controller).
    Route {
        method: String,
        path: String,
        handler: String,
        #[serde(default)]
        when: Option<String>,
    },
    /// `pub mod NAME;` (or `mod NAME;` with `public = false`) in `file`.
    Mod {
        file: String,
        name: String,
        #[serde(default = "yes")]
        public: bool,
        #[serde(default)]
        when: Option<String>,
    },
    /// `use PATH;` in `file`, among its last group of `use` lines.
    Use {
        file: String,
        path: String,
        #[serde(default)]
        when: Option<String>,
    },
    /// A dependency in Cargo.toml's `[dependencies]`.
    Dependency {
        #[serde(rename = "crate")]
        krate: String,
        version: String,
        #[serde(default)]
        features: Vec<String>,
        #[serde(default)]
        when: Option<String>,
    },
    /// Code inserted at a place syn finds in `file`: `into` is
    /// `struct NAME` (a field), `enum NAME` (a variant), `match in fn NAME`
    /// (an arm), `fn NAME` (a statement, first in the body) or
    /// `PATH { .. } in fn NAME` (a field of a struct expression).
    Insert {
        file: String,
        into: String,
        code: String,
        #[serde(default)]
        when: Option<String>,
    },
    /// The OpenAPI document of the controller `module` merged into the
    /// application's (`ApiDoc` of `src/app/controllers/MODULE.rs`).
    Openapi {
        module: String,
        #[serde(default)]
        when: Option<String>,
    },
    /// Runs a built-in generator, as `cargo mvc generate GENERATOR ARGS…`
    /// would, as part of this one.
    Invoke {
        generator: String,
        #[serde(default)]
        args: Vec<String>,
        #[serde(default)]
        when: Option<String>,
    },
}

fn yes() -> bool {
    true
}

impl Wire {
    pub fn when(&self) -> Option<&str> {
        match self {
            Wire::Route { when, .. }
            | Wire::Mod { when, .. }
            | Wire::Use { when, .. }
            | Wire::Dependency { when, .. }
            | Wire::Insert { when, .. }
            | Wire::Openapi { when, .. }
            | Wire::Invoke { when, .. } => when.as_deref(),
        }
    }
}

/// Names a project generator cannot take: the built-in generators and the
/// words `generate` itself uses.
pub const RESERVED: &[&str] = &[
    "controller",
    "view",
    "model",
    "scaffold",
    "migration",
    "list",
    "override",
    "generator",
    "script",
    "help",
    "new",
    "routes",
    "serve",
    "destroy",
    "generate",
];

/// `file:line:column` of a byte offset.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Manifest {
    /// Reads and checks `generators/NAME/generator.toml` (`shown` is its path
    /// relative to the project, for messages).
    pub fn parse(shown: &Path, text: &str) -> Result<Manifest> {
        let manifest: Manifest = toml_edit::de::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = position(text, s.start);
                    format!(":{l}:{c}")
                })
                .unwrap_or_default();
            anyhow::Error::from(
                nothing_written(format!(
                    "{}{at}: {}",
                    shown.display(),
                    e.message().trim_end()
                ))
                .hint(
                    "fix the manifest (its format is in the README, under \"Writing a generator\")",
                ),
            )
        })?;
        manifest.check(shown, text)?;
        Ok(manifest)
    }

    fn check(&self, shown: &Path, text: &str) -> Result<()> {
        let at = |needle: &str| -> String {
            text.find(needle)
                .map(|o| {
                    let (l, c) = position(text, o);
                    format!(":{l}:{c}")
                })
                .unwrap_or_default()
        };
        let fail = |needle: &str, what: String| -> anyhow::Error {
            anyhow::Error::from(
                nothing_written(format!("{}{}: {what}", shown.display(), at(needle)))
                    .hint("fix the manifest"),
            )
        };
        if self.description.trim().is_empty() || self.description.contains('\n') {
            return Err(fail(
                "description",
                "`description` must be one line saying what the generator creates".into(),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        let valid = |n: &str| {
            !n.is_empty()
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        };
        for (i, a) in self.arguments.iter().enumerate() {
            let quoted = format!("\"{}\"", a.name);
            if !valid(&a.name) {
                return Err(fail(
                    &quoted,
                    format!(
                        "argument name `{}` must be lowercase letters, digits, `_` or `-`, starting with a letter",
                        a.name
                    ),
                ));
            }
            if a.kind == ArgKind::Fields && i + 1 != self.arguments.len() {
                return Err(fail(
                    &quoted,
                    format!(
                        "argument `{}` takes the rest of the command line (type \"fields\"), so it must be the last argument",
                        a.name
                    ),
                ));
            }
            if seen.contains(&a.name.as_str()) {
                return Err(fail(&quoted, format!("`{}` is declared twice", a.name)));
            }
            seen.push(&a.name);
        }
        for o in &self.options {
            let quoted = format!("\"{}\"", o.name);
            if !valid(&o.name)
                || matches!(
                    o.name.as_str(),
                    "pretend"
                        | "force"
                        | "skip"
                        | "help"
                        | "package"
                        | "quiet"
                        | "verbose"
                        | "color"
                )
            {
                return Err(fail(
                    &quoted,
                    format!(
                        "option name `{}` must be lowercase letters, digits, `_` or `-`, and not one cargo mvc takes itself (pretend, force, skip, help, package, quiet, verbose, color)",
                        o.name
                    ),
                ));
            }
            if seen.contains(&o.name.as_str()) {
                return Err(fail(&quoted, format!("`{}` is declared twice", o.name)));
            }
            seen.push(&o.name);
            match o.kind {
                OptKind::Choice if o.choices.is_empty() => {
                    return Err(fail(
                        &quoted,
                        format!("option `{}` is a choice but lists no `choices`", o.name),
                    ));
                }
                OptKind::String | OptKind::Bool if !o.choices.is_empty() => {
                    return Err(fail(
                        &quoted,
                        format!(
                            "option `{}` has `choices` but is not of type \"choice\"",
                            o.name
                        ),
                    ));
                }
                _ => {}
            }
        }
        for w in &self.wiring {
            if let Wire::Insert { into, .. } = w
                && crate::edit::item::Place::parse(into).is_none()
            {
                return Err(fail(
                    &format!("\"{into}\""),
                    format!(
                        "`into = \"{into}\"` is not a place cargo mvc can insert into; use `struct NAME`, `enum NAME`, `match in fn NAME`, `fn NAME` or `PATH {{ .. }} in fn NAME`"
                    ),
                ));
            }
            if let Wire::Invoke { generator, .. } = w
                && !matches!(
                    generator.as_str(),
                    "controller" | "model" | "scaffold" | "view"
                )
            {
                return Err(fail(
                    &format!("\"{generator}\""),
                    format!(
                        "`invoke` runs a built-in generator (controller, model, scaffold, view), not `{generator}`"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The application around `dir`: the nearest directory above it whose
/// `Cargo.toml` has a `[package.metadata.mvc]` table. A quick look, for the
/// command line to list the project's generators; commands find their
/// project with `Project::find`.
pub fn application_root(dir: &Path) -> Option<std::path::PathBuf> {
    dir.ancestors()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|text| text.contains("[package.metadata.mvc]"))
        })
        .map(Path::to_path_buf)
}

/// The names of the project's generators (folders of `generators/` with a
/// manifest), sorted.
pub fn project_generators(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(super::GENERATORS_DIR)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(MANIFEST).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Reads the manifest of the project generator `name`.
pub fn read(root: &Path, name: &str) -> Result<Manifest> {
    let rel = Path::new(super::GENERATORS_DIR).join(name).join(MANIFEST);
    let text = match std::fs::read_to_string(root.join(&rel)) {
        Ok(text) => text,
        Err(e) => bail!("{}: cannot read the manifest: {e}", rel.display()),
    };
    Manifest::parse(&rel, &text)
}
