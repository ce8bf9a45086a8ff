//! What `update` replays: the options `new` was given and the generators
//! run since, read from the application's record (`cargo-mvc.toml`), or,
//! for applications made before there was one (templates 1), from its
//! files: `Cargo.toml`, the ops files present, the license, and the
//! migrations that `generate model` and `generate scaffold` wrote.

use std::path::{Path, PathBuf};

use anyhow::Result;
use toml_edit::DocumentMut;

use crate::errors::nothing_written;
use crate::generate::fields::{self, Dialect, Kind};
use crate::generate::new::{self, License};
use crate::generate::schema::{self, Schema};
use crate::layout;
use crate::names::ModelName;
use crate::project::Project;

/// One generator run to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub generator: String,
    pub args: Vec<String>,
    /// The time it ran (seconds since 1970), when its output says so: a
    /// model's migration version.
    pub at: Option<i64>,
    /// The templates version it was run with.
    pub templates: i64,
}

/// Everything needed to render the application again.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The options `new` was given (its path is where it renders).
    pub new: new::Options,
    /// The license's year and holder, as the application's LICENSE says.
    pub year: Option<String>,
    pub holder: Option<String>,
    pub workspace_member: bool,
    pub runs: Vec<Run>,
}

impl Replay {
    /// The package name.
    pub fn name(&self) -> &str {
        self.new.name.as_deref().unwrap_or_default()
    }

    /// The context `new` renders its templates with, for a project at `dir`.
    pub fn project(&self, dir: &Path, tool_version: &str) -> Result<new::Project> {
        let options = new::Options {
            path: dir.to_path_buf(),
            ..self.new.clone()
        };
        let mut p = new::project(&options)?;
        if let Some(year) = &self.year {
            p.year = year.clone();
        }
        if let Some(holder) = &self.holder {
            p.copyright_holder = holder.clone();
        }
        p.tool_version = tool_version.to_string();
        p.workspace_member = self.workspace_member;
        Ok(p)
    }
}

/// Reads what to replay for `project`: from its record when it has one,
/// otherwise from its files.
pub fn of(project: &Project) -> Result<Replay> {
    let manifest = read(&project.root, layout::MANIFEST)?.unwrap_or_default();
    let doc: DocumentMut = manifest.parse().map_err(|e: toml_edit::TomlError| {
        nothing_written(format!(
            "{}: not valid TOML: {}",
            layout::MANIFEST,
            e.to_string().trim_end()
        ))
    })?;
    let mut replay = from_files(project, &doc)?;
    let (top, recorded) = recorded(&project.root)?.unwrap_or((0, Vec::new()));
    // An application made before the record (templates 2) holds what its
    // models and scaffolds wrote before it: rebuilt from the migrations
    // the record does not account for.
    if top < 2 {
        let covered = |run: &Run| {
            recorded.iter().any(|r| {
                matches!(r.generator.as_str(), "model" | "scaffold")
                    && r.args.first() == run.args.first()
            })
        };
        let from = crate::update::templates_of(project)?;
        replay.runs = models_from_migrations(project, from)?
            .into_iter()
            .filter(|run| !covered(run))
            .collect();
    }
    replay.runs.extend(recorded);
    Ok(replay)
}

fn read(root: &Path, rel: impl AsRef<Path>) -> Result<Option<String>> {
    crate::fs::read_if_exists(&root.join(rel))
}

/// The options of `new`, from the application's files. The record names
/// them too; the files are what every version wrote.
fn from_files(project: &Project, doc: &DocumentMut) -> Result<Replay> {
    let root = &project.root;
    let package = doc.get("package");
    let meta = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("mvc"));
    // `redis` and `http-client` were on unless said otherwise; the later
    // options are off unless said.
    let flag = |key: &str, default: bool| {
        meta.and_then(|m| m.get(key))
            .and_then(|v| v.as_bool())
            .unwrap_or(default)
    };
    let text = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    // A license `new` does not write is the user's choice: rendered
    // without one, both sides leave it to the user.
    let license = text("license")
        .and_then(|id| <License as clap::ValueEnum>::from_str(&id, false).ok())
        .unwrap_or(License::None);
    let (year, holder) = read(root, "LICENSE")?
        .as_deref()
        .and_then(copyright)
        .map_or((None, None), |(y, h)| (Some(y), Some(h)));
    Ok(Replay {
        new: new::Options {
            path: root.clone(),
            name: Some(project.name.clone()),
            database: project.database,
            redis: flag("redis", true),
            http_client: flag("http-client", true),
            openapi: project.openapi,
            metrics: flag("metrics", false),
            otel: flag("otel", false),
            docker: root.join("Dockerfile").exists() || root.join(".dockerignore").exists(),
            helm: root.join("charts").join(&project.name).is_dir(),
            actions: root.join(".github/workflows/ci.yml").exists(),
            git: false,
            install: false,
            license,
            repo_url: text("repository"),
            pretend: false,
            force: false,
        },
        year,
        holder,
        workspace_member: !doc.contains_key("profile") && in_workspace(root),
        runs: Vec::new(),
    })
}

/// The year and holder of a license's `Copyright (c) 2026 Name` line.
fn copyright(license: &str) -> Option<(String, String)> {
    license.lines().find_map(|line| {
        let line = line.trim().strip_prefix("Copyright ")?;
        let line = line.strip_prefix("(c) ").unwrap_or(line);
        let (year, holder) = line.split_once(' ')?;
        let year = year.trim_end_matches(',');
        (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (year.to_string(), holder.trim().to_string()))
    })
}

/// Whether a directory above `root` holds a workspace's manifest.
fn in_workspace(root: &Path) -> bool {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().skip(1).any(|dir| {
        std::fs::read_to_string(dir.join("Cargo.toml"))
            .ok()
            .and_then(|t| t.parse::<DocumentMut>().ok())
            .is_some_and(|d| d.contains_key("workspace"))
    })
}

/// The record's top-level templates version and the runs it lists after
/// `new`, each with the time of the migration it wrote. A model's entry
/// holds its latest fields (a migration that changed them rewrote it, and
/// kept the fields before it in its `follows`): the run is replayed with
/// the fields it was first given.
fn recorded(root: &Path) -> Result<Option<(i64, Vec<Run>)>> {
    let Some(text) = read(root, crate::engine::record::RECORD)? else {
        return Ok(None);
    };
    let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        nothing_written(format!(
            "{}: not valid TOML: {}",
            crate::engine::record::RECORD,
            e.to_string().trim_end()
        ))
    })?;
    let top = doc
        .get("templates")
        .and_then(toml_edit::Item::as_integer)
        .unwrap_or(crate::engine::record::TEMPLATES_VERSION);
    let strings = |entry: &toml_edit::Table, key: &str| -> Vec<String> {
        entry
            .get(key)
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let entries: Vec<&toml_edit::Table> = doc
        .get("generated")
        .and_then(|g| g.as_array_of_tables())
        .into_iter()
        .flatten()
        .collect();
    let migrations = migrations(root)?;
    let mut runs = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let generator = entry
            .get("generator")
            .and_then(|g| g.as_str())
            .unwrap_or_default()
            .to_string();
        if generator == "new" {
            continue;
        }
        let mut args = strings(entry, "args");
        if matches!(generator.as_str(), "model" | "scaffold")
            && let Some(first) = entries[i + 1..].iter().find_map(|later| {
                let before = strings(later, "follows");
                (before.first() == args.first()).then_some(before)
            })
        {
            args = first;
        }
        let file = match (generator.as_str(), args.first()) {
            ("model" | "scaffold", Some(name)) => ModelName::parse(name)
                .ok()
                .map(|m| format!("create_{}", m.plural)),
            ("migration", Some(name)) => Some(name.clone()),
            _ => None,
        };
        let at = file.and_then(|f| {
            migrations
                .iter()
                .find(|m| m.name == f)
                .map(|m| secs_of_version(m.version))
        });
        runs.push(Run {
            generator,
            args,
            at,
            templates: entry
                .get("templates")
                .and_then(toml_edit::Item::as_integer)
                .unwrap_or(top),
        });
    }
    Ok(Some((top, runs)))
}

fn migrations(root: &Path) -> Result<Vec<schema::Migration>> {
    let dir = root.join(layout::MIGRATIONS);
    let mut names = Vec::new();
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir)? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(schema::migrations_in(&names))
}

/// The seconds since 1970 of a migration version `YYYYMMDDHHMMSS`.
pub fn secs_of_version(version: u64) -> i64 {
    let v = version as i64;
    let (date, time) = (v / 1_000_000, v % 1_000_000);
    let (y, m, d) = (date / 10_000, date / 100 % 100, date % 100);
    let days = days_from_civil(y, m, d);
    days * 86_400 + time / 10_000 * 3600 + time / 100 % 100 * 60 + time % 100
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of
/// `new::civil_from_days`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `generate model` and `generate scaffold` runs of an application
/// without a record, rebuilt from its `create_TABLE` migrations: the fields
/// from the table, their types from the column types and the model's
/// struct, `scaffold` when the controller is there, `--html` when its pages
/// are.
fn models_from_migrations(project: &Project, templates: i64) -> Result<Vec<Run>> {
    let Some(dialect) = Dialect::of(project.database) else {
        return Ok(Vec::new());
    };
    let root = &project.root;
    let mut runs = Vec::new();
    for m in migrations(root)? {
        let Some(table) = m.name.strip_prefix("create_") else {
            continue;
        };
        let Some(up) = read(root, &m.up)? else {
            continue;
        };
        let mut schema = Schema::default();
        schema.apply_sql(&m.up, &up);
        let Some(t) = schema.table(table) else {
            continue;
        };
        let Ok(model) = ModelName::parse(table) else {
            continue;
        };
        if model.plural != table {
            continue;
        }
        let source = read(root, layout::rust_file(layout::MODELS, &model.snake))?;
        let Some(source) = source else {
            // Without its model, the table is the user's own.
            continue;
        };
        let mut args = vec![model.snake.clone()];
        for column in &t.columns {
            if ["id", "created_at", "updated_at"].contains(&column.name.as_str()) {
                continue;
            }
            args.push(field_arg(&schema, table, column, dialect, &source));
        }
        let controller = root.join(layout::rust_file(layout::CONTROLLERS, &model.plural));
        let scaffold = controller.is_file();
        if scaffold
            && root
                .join(layout::TEMPLATES)
                .join(&model.plural)
                .join("index.html")
                .is_file()
        {
            args.push("--html".to_string());
        }
        runs.push(Run {
            generator: if scaffold { "scaffold" } else { "model" }.to_string(),
            args,
            at: Some(secs_of_version(m.version)),
            templates,
        });
    }
    Ok(runs)
}

/// `title:string`, `post:references?`, `email:string:unique`: the field
/// a column was generated from. Where the column type fits several field
/// types, the model's struct and its checks decide.
fn field_arg(
    schema: &Schema,
    table: &str,
    column: &schema::Column,
    dialect: Dialect,
    model_source: &str,
) -> String {
    let nullable = !column.not_null();
    let only = |index: &schema::Index| index.columns.len() == 1 && index.columns[0] == column.name;
    let unique = schema.indexes_of(table).any(|i| i.unique && only(i));
    let index = schema.indexes_of(table).any(|i| !i.unique && only(i));
    let q = if nullable { "?" } else { "" };
    if column.references().is_some()
        && let Some(name) = column.name.strip_suffix("_id")
    {
        let unique = if unique { ":unique" } else { "" };
        return format!("{name}:references{q}{unique}");
    }
    let declared = struct_type(model_source, &column.name);
    let candidates: Vec<Kind> = fields::KINDS
        .iter()
        .map(|(_, k)| *k)
        .filter(|k| *k != Kind::References)
        .filter(|k| fields::sql_type(*k, dialect).eq_ignore_ascii_case(&column.ty))
        .filter(|k| {
            declared.as_deref().is_none_or(|ty| {
                let field = fields::Field {
                    name: column.name.clone(),
                    kind: *k,
                    nullable,
                    unique: false,
                    index: false,
                    target: None,
                    default: None,
                };
                field.rust_type() == ty
            })
        })
        .collect();
    let kind = match candidates.as_slice() {
        [] => Kind::Text,
        [one] => *one,
        several if several.contains(&Kind::String) && several.contains(&Kind::Text) => {
            if checks_length(model_source, &column.name) {
                Kind::String
            } else {
                Kind::Text
            }
        }
        several => several[0],
    };
    let mut arg = format!("{}:{}{q}", column.name, fields::kind_name(kind));
    if unique {
        arg.push_str(":unique");
    } else if index {
        arg.push_str(":index");
    }
    arg
}

/// The type of `pub NAME: TYPE,` in a model's struct, spaces removed.
fn struct_type(source: &str, name: &str) -> Option<String> {
    let needle = format!("pub {name}: ");
    source.lines().find_map(|line| {
        let ty = line.trim().strip_prefix(&needle)?.trim_end_matches(',');
        Some(ty.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// Whether the model checks the length of `name`, as it does for a
/// `string` (at most 255 characters) and not for a `text`.
fn checks_length(source: &str, name: &str) -> bool {
    let quoted = format!("\"{name}\"");
    source.match_indices("fields.check(").any(|(at, _)| {
        let call = &source[at..];
        let call = &call[..call.find(");").unwrap_or(call.len())];
        call.contains(&quoted) && call.contains(&format!("<= {}", fields::STRING_MAX))
    })
}

/// The paths of the files below `dir`, relative to it, sorted.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(crate::fs::files_under(dir)
        .into_iter()
        .map(|path| path.strip_prefix(dir).expect("under dir").to_path_buf())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_turn_back_into_their_time() {
        let secs = 1_795_900_000;
        let version: u64 = crate::generate::model::version_at(secs)
            .parse()
            .expect("digits");
        assert_eq!(secs_of_version(version), secs);
        assert_eq!(secs_of_version(19_700_101_000_000), 0);
        assert_eq!(secs_of_version(20_000_301_000_001), 951_868_801);
    }

    #[test]
    fn copyright_lines_give_year_and_holder() {
        assert_eq!(
            copyright("MIT License\n\nCopyright (c) 2026 Ada Lovelace\n"),
            Some(("2026".into(), "Ada Lovelace".into()))
        );
        assert_eq!(
            copyright("x\n\nCopyright (c) 2025, The Blog authors\n"),
            Some(("2025".into(), "The Blog authors".into()))
        );
        assert_eq!(
            copyright("2. Grant of Copyright License.\n   Copyright 2024 Shop Inc.\n"),
            Some(("2024".into(), "Shop Inc.".into()))
        );
        assert_eq!(copyright("Apache License\n"), None);
    }

    #[test]
    fn string_and_text_are_told_apart_by_the_length_check() {
        let model = "pub struct Post {\n    pub title: String,\n    pub body: Option<String>,\n}\n\
                     fields.check(\n    \"title\",\n    title.chars().count() <= 255,\n    \"is too long\",\n);\n";
        assert!(checks_length(model, "title"));
        assert!(!checks_length(model, "body"));
        assert_eq!(
            struct_type(model, "body").as_deref(),
            Some("Option<String>")
        );
    }
}
