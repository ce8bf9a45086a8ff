//! `cargo mvc routes`: the routes table as the router states it, read by syn.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::edit::graph;
use crate::layout;
use crate::project::Project;
use crate::shell::Shell;

/// Every route the application serves, read from `router_text` (the
/// router's current content) and the files its sub-routers are in.
pub fn graph(
    project: &Project,
    router_text: &str,
) -> Result<graph::Graph, crate::edit::rust::EditError> {
    let root = project.root.clone();
    // Sub-routers built by functions elsewhere in the project.
    let lookup = move |file: &Path, segments: &[String]| find_function(&root, file, segments);
    graph::routes_graph(&project.router, router_text, &project.router_fn, &lookup)
}

pub fn run(project: &Project, json: bool, shell: &Shell) -> Result<()> {
    let text = project.read(&project.router)?;
    let routes = match graph(project, &text) {
        Ok(graph) => graph.routes,
        // Listing writes nothing and has nothing to paste: only where.
        Err(crate::edit::rust::EditError::Parse {
            file,
            line,
            column,
            message,
            ..
        }) => anyhow::bail!(
            "{file}:{line}:{column}: {message}\n\nfix the file and list the routes again"
        ),
        Err(other) => return Err(other.into()),
    };
    if json {
        shell.data(serde_json::to_string_pretty(&routes)?);
        return Ok(());
    }
    let mw = routes
        .iter()
        .map(|r| r.method.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let pw = routes
        .iter()
        .map(|r| r.path.len())
        .max()
        .unwrap_or(4)
        .max(4);
    shell.data(format!("{:mw$}  {:pw$}  HANDLER", "METHOD", "PATH").trim_end());
    for r in &routes {
        let mut notes = Vec::new();
        if r.kind != "route" {
            notes.push(format!("({})", r.kind));
        }
        if r.conditional {
            notes.push("(conditional)".to_string());
        }
        let line = format!(
            "{:mw$}  {:pw$}  {} {}",
            r.method,
            r.path,
            r.handler,
            notes.join(" ")
        );
        shell.data(line.trim_end());
    }
    Ok(())
}

/// The file defining the function `segments` names, called from `file`
/// (relative to `root`): a module path (`super::admin::routes`,
/// `crate::app::admin::routes`) is followed through the module files; a bare
/// name imported from elsewhere is looked for in every file under `src/`.
fn find_function(root: &Path, file: &Path, segments: &[String]) -> Option<(PathBuf, String)> {
    let (name, modules) = segments.split_last()?;
    let found = if modules.is_empty() {
        search(root, None, name)
    } else {
        // A module path from `file`, or a module brought in by a `use`
        // (`use super::articles;` then `articles::router()`): a file of
        // that module's name that defines the function.
        module_file(root, file, modules)
            .filter(|f| defines(root, f, name))
            .or_else(|| search(root, Some(modules.last()?), name))
    }?;
    let text = std::fs::read_to_string(root.join(&found)).ok()?;
    text.contains(&format!("fn {name}("))
        .then_some((found, text))
}

/// The directory holding the child modules of the module in `file`:
/// `src/app/` for `src/app/mod.rs`, `src/app/router/` for `src/app/router.rs`.
fn children_dir(file: &Path) -> PathBuf {
    let stem = file.file_stem().unwrap_or_default();
    let parent = file.parent().unwrap_or(Path::new(""));
    if stem == "mod" || stem == "lib" || stem == "main" {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    }
}

/// Follows `super`, `self`, `crate` and module names from `file` to the
/// file of the module they name.
fn module_file(root: &Path, file: &Path, modules: &[String]) -> Option<PathBuf> {
    let mut dir = children_dir(file);
    let mut current: Option<PathBuf> = Some(file.to_path_buf());
    for segment in modules {
        match segment.as_str() {
            "self" => {}
            "crate" => {
                dir = PathBuf::from(layout::SRC);
                current = None;
            }
            "super" => {
                dir = dir.parent()?.to_path_buf();
                current = None;
            }
            name => {
                let flat = dir.join(format!("{name}.rs"));
                let nested = dir.join(name).join("mod.rs");
                let found = [flat, nested]
                    .into_iter()
                    .find(|p| root.join(p).is_file())?;
                dir = children_dir(&found);
                current = Some(found);
            }
        }
    }
    current.or_else(|| {
        let lib = dir.join("mod.rs");
        if root.join(&lib).is_file() {
            Some(lib)
        } else {
            Some(dir.join("lib.rs"))
        }
    })
}

fn defines(root: &Path, file: &Path, name: &str) -> bool {
    std::fs::read_to_string(root.join(file)).is_ok_and(|t| t.contains(&format!("fn {name}(")))
}

/// The first `.rs` file under `src/` defining `fn name`; with `module`,
/// only `module.rs` or `module/mod.rs`.
fn search(root: &Path, module: Option<&str>, name: &str) -> Option<PathBuf> {
    let is_module = |p: &Path| match module {
        None => true,
        Some(m) => {
            p.file_stem().is_some_and(|s| s == m)
                || (p.file_name().is_some_and(|f| f == "mod.rs")
                    && p.parent()
                        .and_then(|d| d.file_name())
                        .is_some_and(|d| d == m))
        }
    };
    crate::fs::files_under(&root.join(layout::SRC))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && is_module(p))
        .find(|p| defines(root, p, name))
        .map(|p| p.strip_prefix(root).unwrap_or(&p).to_path_buf())
}
