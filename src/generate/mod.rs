//! Generators: each builds a [`crate::plan::Plan`] and nothing else touches disk.

pub mod authentication;
pub mod controller;
pub mod database;
pub mod evolve;
pub mod fields;
pub mod metrics;
pub mod migration;
pub mod model;
pub mod modules;
pub mod new;
pub mod scaffold;
pub mod schema;
pub mod syntax;
pub mod view;

use anyhow::{Result, bail};

use crate::errors::nothing_written;
use crate::project::Project;

thread_local! {
    /// The time [`with_time`] gives generators.
    static AT: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with [`now_secs`] answering `secs`: `update` replays a
/// generator at the time it first ran, so its migration keeps its version.
pub fn with_time<T>(secs: i64, f: impl FnOnce() -> T) -> T {
    let saved = AT.with(|at| at.replace(Some(secs)));
    let out = f();
    AT.with(|at| at.set(saved));
    out
}

/// The time generators write into files (migration versions, a license's
/// year), in seconds since 1970: `SOURCE_DATE_EPOCH` when it is set, as
/// reproducible builds define it, otherwise the clock.
pub fn now_secs() -> i64 {
    if let Some(secs) = AT.with(std::cell::Cell::get) {
        return secs;
    }
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        return secs;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Whether a Rust file of the application (under `src/` or `tests/`),
/// other than those in `except`, names the crate `snake` (`snake::` or
/// `use snake`) once the plan is applied: a dependency a generator added
/// goes with it only when nothing else uses it.
pub fn crate_in_use(
    plan: &crate::plan::Plan,
    snake: &str,
    except: &[&std::path::PathBuf],
) -> Result<bool> {
    let needles = [format!("{snake}::"), format!("use {snake}")];
    Ok(!rust_files_naming(plan, &needles, except)?.is_empty())
}

/// The application's Rust files (under `src/` and `tests/`), other than
/// those in `except`, whose text once the plan is applied holds any of
/// `needles`.
pub fn rust_files_naming(
    plan: &crate::plan::Plan,
    needles: &[String],
    except: &[&std::path::PathBuf],
) -> Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    for dir in [crate::layout::SRC, "tests"] {
        for path in crate::fs::files_under(&plan.root.join(dir)) {
            let Ok(rel) = path.strip_prefix(&plan.root) else {
                continue;
            };
            if rel.extension().is_none_or(|e| e != "rs") || except.iter().any(|e| *e == rel) {
                continue;
            }
            if plan
                .current(rel)?
                .is_some_and(|text| needles.iter().any(|n| text.contains(n.as_str())))
            {
                found.push(rel.to_path_buf());
            }
        }
    }
    Ok(found)
}

/// Names every Rust program sees: the built-in crates and the primitive
/// types. A module of that name, glob-imported beside them, breaks the build.
const BUILTIN_NAMES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "bool",
    "char",
    "str",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f16",
    "f32",
    "f64",
    "f128",
];

/// What `use axum::routing::*` brings into the router besides the method
/// routers, which the router's `use super::controllers::*` would clash with.
const ROUTING_NAMES: &[&str] = &[
    "any",
    "any_service",
    "connect",
    "connect_service",
    "delete_service",
    "get_service",
    "head_service",
    "on",
    "on_service",
    "options_service",
    "patch_service",
    "post_service",
    "put_service",
    "trace_service",
    "method_routing",
    "future",
];

/// Checks that `module`, a module the generator adds beside the others of
/// `kind` (`controller`, `model`), cannot break the build: it is not a crate
/// the application depends on (nor the application's own), a built-in crate,
/// a primitive type, or (for the controllers, which the router imports with
/// a glob beside `axum::routing::*`) a name axum's routing glob brings.
pub fn check_module_name(project: &Project, kind: &str, module: &str) -> Result<()> {
    let globbed = kind == "controller";
    let why = if BUILTIN_NAMES.contains(&module) {
        "it is a built-in crate or primitive type of Rust".to_string()
    } else if project.crate_names()?.iter().any(|c| c == module) {
        "the application depends on a crate with that name (see Cargo.toml), and the two would be ambiguous".to_string()
    } else if globbed
        && (ROUTING_NAMES.contains(&module) || crate::edit::rust::METHODS.contains(&module))
    {
        "the router imports axum's routing functions and controllers with globs, and the two would clash".to_string()
    } else {
        return Ok(());
    };
    bail!(
        nothing_written(format!("the {kind} name `{module}` cannot be used: {why}")).hint(format!(
            "choose another name (for example `{module}s` or `app_{module}`)"
        ))
    );
}

/// Types every generated module sees: the prelude's, and the ones the
/// generated code imports. A model type of that name would shadow it.
const TAKEN_TYPES: &[&str] = &[
    // The prelude.
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "Debug",
    "Hash",
    // Imported by the generated models, controllers, views and tests.
    "AppError",
    "AppState",
    "BTreeMap",
    "Body",
    "BodyExt",
    "Bytes",
    "Deserialize",
    "ErrorBody",
    "FieldErrors",
    "Fields",
    "Form",
    "FormPage",
    "Html",
    "IndexPage",
    "IntoResponse",
    "Json",
    "Method",
    "Page",
    "PageQuery",
    "Params",
    "Path",
    "Pool",
    "Query",
    "Redirect",
    "Request",
    "Response",
    "Serialize",
    "ServiceExt",
    "Settings",
    "ShowPage",
    "State",
    "StatusCode",
    "Template",
    "Value",
    "ToSchema",
    "FromRow",
    "OpenApi",
    "Router",
    "DateTime",
    "Utc",
    "NaiveDate",
    "NaiveDateTime",
    "Decimal",
    "Uuid",
];

/// Checks that the type `pascal` a generator names after the user's word
/// shadows nothing the generated code relies on (`generate model result`
/// would make a `Result`).
pub fn check_type_name(kind: &str, raw: &str, pascal: &str) -> Result<()> {
    if TAKEN_TYPES.contains(&pascal) {
        bail!(
            nothing_written(format!(
                "the {kind} name `{raw}` cannot be used: it would define the type `{pascal}`, a name the generated code already uses (from Rust's prelude or its imports)"
            ))
            .hint(format!(
                "choose another name (for example `{raw}_record` or `app_{raw}`)"
            ))
        );
    }
    Ok(())
}
