//! `cargo mvc routes`: the routes table as the router states it, read by syn.

use std::path::PathBuf;

use anyhow::Result;

use crate::edit::rust;
use crate::project::Project;
use crate::shell::Shell;

pub fn run(json: bool, shell: &Shell) -> Result<()> {
    let project = Project::discover()?;
    let text = project.read(&project.router)?;
    let root = project.root.clone();
    // Sub-routers built by functions elsewhere in the project.
    let lookup = move |name: &str| find_function(&root, name);
    let routes = rust::list_routes(&project.router, &text, &project.router_fn, &lookup)?;
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
        shell.data(format!("{:mw$}  {:pw$}  {}", r.method, r.path, r.handler));
    }
    Ok(())
}

/// The first `.rs` file under `src/` defining `fn name`, with its text.
fn find_function(root: &std::path::Path, name: &str) -> Option<(PathBuf, String)> {
    let needle = format!("fn {name}(");
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).ok()?;
                if text.contains(&needle) {
                    let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                    return Some((rel, text));
                }
            }
        }
    }
    None
}
