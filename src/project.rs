//! Finding the application a command runs in, and its recorded shape
//! (`[package.metadata.mvc]`).

use std::path::{Path, PathBuf};

use crate::errors::nothing_written;
use crate::layout;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The database an application is set up for (`[package.metadata.mvc]`'s
/// `database`, and `cargo mvc new --database`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    // Embedded: a file under data/, nothing to run.
    Sqlite,
    // For many replicas.
    Postgres,
    // `generate model` adds SQLite later; also projects older than the
    // setting.
    #[default]
    None,
}

impl Database {
    /// The name the manifest and the command line spell it with.
    pub fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
            Database::None => "none",
        }
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `[package.metadata.mvc]`: the application's shape as `cargo mvc new`
/// recorded it, as far as the commands read it (`new` also records its
/// `version`, `redis` and `http-client`). A setting left out takes the value
/// that was implied before it existed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    /// The routes table, relative to the project root.
    #[serde(default = "default_router")]
    pub router: String,
    /// The function in `router` that builds the routes.
    #[serde(default = "default_router_fn")]
    pub router_fn: String,
    #[serde(default)]
    pub openapi: bool,
    #[serde(default)]
    pub database: Database,
    /// Serves Prometheus metrics (`new --metrics`, `generate metrics`).
    #[serde(default)]
    pub metrics: bool,
}

fn default_router() -> String {
    layout::ROUTER.to_string()
}

fn default_router_fn() -> String {
    layout::ROUTER_FN.to_string()
}

/// The part of a package's manifest that names it and holds its metadata.
#[derive(Debug, Deserialize)]
struct Manifest {
    package: Option<Package>,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: Option<String>,
    metadata: Option<PackageMetadata>,
}

#[derive(Debug, Deserialize)]
struct PackageMetadata {
    mvc: Option<Metadata>,
}

/// An error in `[package.metadata.mvc]` of `manifest`.
fn bad_metadata(manifest: &Path, e: impl std::fmt::Display) -> anyhow::Error {
    nothing_written(format!(
        "{}: [package.metadata.mvc] cannot be read: {e}",
        manifest.display()
    ))
    .hint("fix it and run the command again")
    .into()
}

/// An application made by `cargo mvc new`.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// The package (and binary) name.
    pub name: String,
    /// The routes table, relative to `root`.
    pub router: PathBuf,
    /// The function in `router` that builds the routes.
    pub router_fn: String,
    pub openapi: bool,
    pub database: Database,
    pub metrics: bool,
}

impl Project {
    /// The templates the generators render in this project: the built-in
    /// ones, or the project's overrides of them under `generators/`.
    pub fn templates(&self) -> crate::engine::Templates {
        crate::engine::Templates::for_project(&self.root)
    }

    /// The project containing the current directory, or the workspace
    /// member named `package`.
    pub fn discover(package: Option<&str>) -> Result<Self> {
        let cwd = std::env::current_dir().context("could not read the current directory")?;
        Self::find(&cwd, package)
    }

    /// The application around `dir`: the nearest `Cargo.toml` above it with
    /// `[package.metadata.mvc]`, read directly (the common case, and fast);
    /// otherwise, as from a workspace root, or when `package` names another
    /// package than that one, the workspace member cargo_metadata finds.
    pub fn find(dir: &Path, package: Option<&str>) -> Result<Self> {
        if let Some(project) = Self::around(dir)?
            && package.is_none_or(|name| name == project.name)
        {
            return Ok(project);
        }
        Self::from_workspace(dir, package)
    }

    /// The nearest application above `dir`, from its manifest alone.
    fn around(dir: &Path) -> Result<Option<Self>> {
        for ancestor in dir.ancestors() {
            let manifest = ancestor.join(layout::MANIFEST);
            let Ok(text) = std::fs::read_to_string(&manifest) else {
                continue;
            };
            let doc: toml_edit::DocumentMut = text.parse().with_context(|| {
                format!(
                    "{} is not valid TOML; fix it and run the command again",
                    manifest.display()
                )
            })?;
            let package = toml_edit::de::from_document::<Manifest>(doc)
                .map_err(|e| bad_metadata(&manifest, e.message()))?
                .package;
            if let Some(Package {
                name,
                metadata:
                    Some(PackageMetadata {
                        mvc: Some(metadata),
                    }),
            }) = package
            {
                let name = name.unwrap_or_default();
                return Self::new(ancestor.to_path_buf(), name, metadata, &manifest).map(Some);
            }
        }
        Ok(None)
    }

    /// The application among the members of the workspace around `dir`:
    /// the one named `package`, else the only one there is.
    fn from_workspace(dir: &Path, package: Option<&str>) -> Result<Self> {
        let metadata = cargo_metadata::MetadataCommand::new()
            .current_dir(dir)
            .no_deps()
            .exec()
            .with_context(|| {
                format!(
                    "could not read the Cargo project around {}; run the command inside an application made by `cargo mvc new`",
                    dir.display()
                )
            })?;
        let members: Vec<&cargo_metadata::Package> = metadata.workspace_packages();
        let apps: Vec<&cargo_metadata::Package> = members
            .iter()
            .copied()
            .filter(|p| !p.metadata["mvc"].is_null())
            .collect();
        let names = |packages: &[&cargo_metadata::Package]| {
            let mut names: Vec<String> = packages.iter().map(|p| format!("`{}`", p.name)).collect();
            names.sort();
            names.join(", ")
        };
        let root = metadata.workspace_root.as_std_path().display().to_string();
        let package = match package {
            Some(name) => {
                let hint = if apps.is_empty() {
                    "the workspace has no application made by `cargo mvc new`".to_string()
                } else {
                    format!(
                        "the workspace's applications made by `cargo mvc new`: {}; pass one of them to `--package`",
                        names(&apps)
                    )
                };
                let Some(found) = members.iter().find(|p| p.name.as_str() == name) else {
                    bail!("there is no package `{name}` in the workspace at {root}\n\n{hint}");
                };
                if found.metadata["mvc"].is_null() {
                    bail!(
                        "package `{name}` is not an application made by `cargo mvc new` (no [package.metadata.mvc] in {})\n\n{hint}",
                        found.manifest_path
                    );
                }
                *found
            }
            None => match apps.as_slice() {
                [] => bail!(
                    "{} is not inside an application made by `cargo mvc new` (no [package.metadata.mvc] in its Cargo.toml)\n\nrun the command inside the application, or create one with `cargo mvc new <PATH>`",
                    dir.display()
                ),
                [one] => *one,
                several => bail!(
                    "the workspace at {root} has {} applications made by `cargo mvc new`: {}\n\npass `--package NAME` to choose one, or run the command inside its directory",
                    several.len(),
                    names(several)
                ),
            },
        };
        let manifest = package.manifest_path.as_std_path();
        let metadata: Metadata = serde_json::from_value(package.metadata["mvc"].clone())
            .map_err(|e| bad_metadata(manifest, e))?;
        let root = manifest
            .parent()
            .expect("a manifest is in a directory")
            .to_path_buf();
        Self::new(root, package.name.to_string(), metadata, manifest)
    }

    /// The project at `root` whose manifest, `manifest`, names it `name`
    /// and holds `metadata`.
    fn new(root: PathBuf, name: String, metadata: Metadata, manifest: &Path) -> Result<Self> {
        Ok(Self {
            root,
            name,
            router: router_path(&metadata.router, manifest)?,
            router_fn: metadata.router_fn,
            openapi: metadata.openapi,
            database: metadata.database,
            metrics: metadata.metrics,
        })
    }

    /// Reads a file of the project, relative to its root.
    pub fn read(&self, rel: &Path) -> Result<String> {
        let path = self.root.join(rel);
        std::fs::read_to_string(&path).with_context(|| format!("could not read {}", rel.display()))
    }
}

/// The `router` setting as a path inside the project: relative, and not
/// climbing out of it with `..`.
fn router_path(value: &str, manifest: &Path) -> Result<PathBuf> {
    use std::path::Component;
    let path = PathBuf::from(value);
    let inside = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside || value.is_empty() {
        bail!(
            nothing_written(format!(
                "{}: `router = \"{value}\"` under [package.metadata.mvc] is not a file inside the project; cargo mvc only edits files inside the project",
                manifest.display()
            ))
            .hint(format!(
                "set it to a path relative to the project root, such as \"{}\"", layout::ROUTER
            ))
        );
    }
    Ok(path)
}

impl Project {
    /// The names the application's code sees its dependencies by (normal,
    /// dev and build, also target-specific), in their `snake_case` form.
    pub fn crate_names(&self) -> Result<Vec<String>> {
        let text = self.read(Path::new(layout::MANIFEST))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .context("Cargo.toml is not valid TOML; fix it and run the command again")?;
        let mut tables = Vec::new();
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(doc.get(key));
            if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
                for (_, target) in targets.iter() {
                    tables.extend(target.get(key));
                }
            }
        }
        let mut names: Vec<String> = tables
            .into_iter()
            .filter_map(|t| t.as_table_like())
            .flat_map(|t| t.iter().map(|(k, _)| k.replace('-', "_")))
            .collect();
        names.push(self.name.replace('-', "_"));
        names.sort();
        names.dedup();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project_with(metadata: &str) -> Result<Project> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(layout::MANIFEST),
            format!("[package]\nname = \"blog\"\n\n[package.metadata.mvc]\n{metadata}"),
        )
        .unwrap();
        Project::find(dir.path(), None)
    }

    #[test]
    fn the_metadata_is_read_into_the_project() {
        let p = project_with(
            "version = \"0.1.0\"\nrouter = \"src/web.rs\"\nrouter-fn = \"build\"\nredis = true\nopenapi = true\ndatabase = \"postgres\"\n",
        )
        .unwrap();
        assert_eq!(p.name, "blog");
        assert_eq!(p.router, Path::new("src/web.rs"));
        assert_eq!(p.router_fn, "build");
        assert!(p.openapi);
        assert_eq!(p.database, Database::Postgres);
    }

    #[test]
    fn settings_left_out_take_their_defaults() {
        let p = project_with("").unwrap();
        assert_eq!(p.router, Path::new(layout::ROUTER));
        assert_eq!(p.router_fn, layout::ROUTER_FN);
        assert!(!p.openapi);
        assert_eq!(p.database, Database::None);
    }

    #[test]
    fn a_setting_of_the_wrong_kind_is_an_error_naming_the_manifest() {
        let err = project_with("database = \"mysql\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Cargo.toml: [package.metadata.mvc] cannot be read"),
            "{err}"
        );
        assert!(err.contains("mysql"), "{err}");
        let err = project_with("openapi = \"yes\"\n").unwrap_err().to_string();
        assert!(err.contains("nothing was written"), "{err}");
    }
}
