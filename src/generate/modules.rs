//! The `mod` lines that declare a generated module in its parent module
//! files (`controllers/mod.rs`, `controllers/admin/mod.rs`, ...), and the
//! namespace module files made for them.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::edit::rust;
use crate::errors::nothing_written;
use crate::names::ResourceName;
use crate::plan::Plan;

/// The file of the module `namespace` under `dir`: `dir/mod.rs` for none;
/// for `["admin"]`, `dir/admin.rs` if the project has it (a module with
/// children beside it, as Rust 2018 allows), else `dir/admin/mod.rs`.
fn module_file(plan: &Plan, dir: &str, namespace: &[String]) -> Result<PathBuf> {
    if namespace.is_empty() {
        return Ok(PathBuf::from(format!("{dir}/mod.rs")));
    }
    let flat = PathBuf::from(format!("{dir}/{}.rs", namespace.join("/")));
    if plan.current(&flat)?.is_some() {
        return Ok(flat);
    }
    Ok(PathBuf::from(format!(
        "{dir}/{}/mod.rs",
        namespace.join("/")
    )))
}

/// Refuses a module `modules` under `dir` whose other shape exists: a new
/// `dir/admin.rs` beside an existing `dir/admin/mod.rs` does not compile.
fn check_shape(plan: &Plan, dir: &str, modules: &[String]) -> Result<()> {
    let nested = PathBuf::from(format!("{dir}/{}/mod.rs", modules.join("/")));
    if plan.current(&nested)?.is_some() {
        bail!(
            nothing_written(format!(
                "{} already holds the module `{}` (with the modules inside it), and Rust does not allow {dir}/{}.rs beside it",
                nested.display(),
                modules.join("::"),
                modules.join("/")
            ))
            .hint(format!(
                "choose another name, or generate inside that module (`{}/NAME`)",
                modules.join("/")
            ))
        );
    }
    Ok(())
}

/// The doc line of a namespace module file we create.
fn namespace_header(kind: &str, path: &str) -> String {
    format!("//! The `{path}` {kind}.\n")
}

/// Declares `resource` in `dir/mod.rs` files: `pub mod admin;` in
/// `controllers/mod.rs`, then `pub mod users;` in `controllers/admin/mod.rs`
/// (created when missing).
pub fn declare(plan: &mut Plan, dir: &str, kind: &str, resource: &ResourceName) -> Result<()> {
    check_shape(plan, dir, &resource.modules)?;
    for depth in 0..resource.modules.len() {
        let parent = module_file(plan, dir, &resource.modules[..depth])?;
        let text = match plan.current(&parent)? {
            Some(t) => t,
            None if depth > 0 => namespace_header(kind, &resource.modules[..depth].join("/")),
            None => bail!(
                "{} is missing; is this an application made by `cargo mvc new`?",
                parent.display()
            ),
        };
        let name = &resource.modules[depth];
        let edited = rust::insert_mod(&parent, &text, name, "pub mod")?;
        plan.set(&parent, Some(edited.unwrap_or(text)));
    }
    Ok(())
}

/// The inverse of [`declare`]: namespace files left with nothing but their
/// header go, and so does their own declaration.
pub fn undeclare(plan: &mut Plan, dir: &str, kind: &str, resource: &ResourceName) -> Result<()> {
    for depth in (0..resource.modules.len()).rev() {
        let parent = module_file(plan, dir, &resource.modules[..depth])?;
        let Some(text) = plan.current(&parent)? else {
            continue;
        };
        let name = &resource.modules[depth];
        // A namespace still holding other modules stays declared.
        if depth + 1 < resource.modules.len() {
            let child = module_file(plan, dir, &resource.modules[..=depth])?;
            if plan.current(&child)?.is_some() {
                continue;
            }
        }
        let edited = rust::remove_mod(&parent, &text, name)?.unwrap_or(text);
        if depth > 0 && edited == namespace_header(kind, &resource.modules[..depth].join("/")) {
            plan.set(&parent, None);
        } else {
            plan.set(&parent, Some(edited));
        }
    }
    Ok(())
}
