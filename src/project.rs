//! Finding the application a command runs in, and its recorded shape
//! (`[package.metadata.mvc]`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// An application made by `cargo mvc new`.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// The routes table, relative to `root`.
    pub router: PathBuf,
    /// The function in `router` that builds the routes.
    pub router_fn: String,
    pub openapi: bool,
}

impl Project {
    /// The project containing the current directory.
    pub fn discover() -> Result<Self> {
        let cwd = std::env::current_dir().context("could not read the current directory")?;
        Self::find(&cwd)
    }

    pub fn find(dir: &Path) -> Result<Self> {
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
        let package = metadata
            .packages
            .iter()
            .filter(|p| !p.metadata["mvc"].is_null())
            .find(|p| p.manifest_path.parent().is_some_and(|d| dir.starts_with(d)))
            .or_else(|| {
                metadata
                    .packages
                    .iter()
                    .find(|p| !p.metadata["mvc"].is_null())
            });
        let Some(package) = package else {
            bail!(
                "{} is not inside an application made by `cargo mvc new` (no [package.metadata.mvc] in its Cargo.toml)\n\nrun the command inside the application, or create one with `cargo mvc new <PATH>`",
                dir.display()
            );
        };
        let mvc = &package.metadata["mvc"];
        let root = package
            .manifest_path
            .parent()
            .expect("a manifest is in a directory")
            .as_std_path()
            .to_path_buf();
        Ok(Self {
            root,
            router: PathBuf::from(mvc["router"].as_str().unwrap_or("src/app/router.rs")),
            router_fn: mvc["router-fn"].as_str().unwrap_or("routes").to_string(),
            openapi: mvc["openapi"].as_bool().unwrap_or(false),
        })
    }

    /// Reads a file of the project, relative to its root.
    pub fn read(&self, rel: &Path) -> Result<String> {
        let path = self.root.join(rel);
        std::fs::read_to_string(&path).with_context(|| format!("could not read {}", rel.display()))
    }
}
