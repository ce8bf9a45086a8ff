//! `cargo-mvc.toml`: what was generated into the application, kept in the
//! project (and committed with it) so that `cargo mvc update` can replay it
//! and later generators know what exists.
//!
//! ```toml
//! templates = 2
//!
//! [[generated]]
//! generator = "new"
//! args = ["blog", "--database", "sqlite"]
//! templates = 2
//!
//! [[generated]]
//! generator = "scaffold"
//! args = ["post", "title:string"]
//! templates = 2
//! ```
//!
//! Each `generate` adds its entry (a re-run of the same command adds
//! nothing), and `destroy` takes out the latest entry of that generator and
//! name, so the file lists what the application holds now.

use std::path::Path;

use anyhow::{Result, anyhow};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::errors::nothing_written;
use crate::plan::Plan;

/// The record's file, at the project root.
pub const RECORD: &str = "cargo-mvc.toml";

/// The version of the built-in templates: bumped whenever the output of
/// any template changes (the CHANGELOG's headings name it).
pub const TEMPLATES_VERSION: i64 = 2;

const HEADER: &str = "# What cargo mvc generated in this application, newest last: `cargo mvc\n# update` replays it, and `destroy` takes entries out. Commit this file.\n";

fn entry(generator: &str, args: &[String]) -> Table {
    let mut t = Table::new();
    t.insert("generator", value(generator));
    let mut list = toml_edit::Array::new();
    for a in args {
        list.push(a.as_str());
    }
    t.insert("args", value(list));
    t.insert("templates", value(TEMPLATES_VERSION));
    t
}

/// The record a new application starts with.
pub fn new_record(args: &[String]) -> String {
    let mut doc = DocumentMut::new();
    doc.insert("templates", value(TEMPLATES_VERSION));
    let mut list = ArrayOfTables::new();
    list.push(entry("new", args));
    doc.insert("generated", Item::ArrayOfTables(list));
    format!("{HEADER}{doc}")
}

fn read(plan: &Plan) -> Result<Option<DocumentMut>> {
    let Some(text) = plan.current(Path::new(RECORD))? else {
        return Ok(None);
    };
    text.parse::<DocumentMut>().map(Some).map_err(|e| {
        // The parser's message ends with its own line break.
        nothing_written(format!(
            "{RECORD} is not valid TOML: {}",
            e.to_string().trim_end()
        ))
        .hint("fix the file (or delete it: it only records what was generated)")
        .into()
    })
}

fn args_of(t: &Table) -> Vec<String> {
    t.get("args")
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The arguments the latest run of `generator` for `name` was given, as
/// recorded (for `destroy NAME name`, which undoes exactly that run).
pub fn args_of_run(root: &Path, generator: &str, name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(root.join(RECORD)).ok()?;
    let doc = text.parse::<DocumentMut>().ok()?;
    let list = doc.get("generated")?.as_array_of_tables()?;
    list.iter()
        .filter(|t| {
            t.get("generator").and_then(Item::as_str) == Some(generator)
                && args_of(t).first().map(String::as_str) == Some(name)
        })
        .last()
        .map(args_of)
}

/// Adds `generator ARGS…` to the record, unless it is the latest entry
/// already (a re-run).
pub fn generated(plan: &mut Plan, generator: &str, args: &[String]) -> Result<()> {
    let existing = read(plan)?;
    let fresh = existing.is_none();
    let mut doc = match existing {
        Some(doc) => doc,
        None => {
            // An application made before the record: its files are still
            // those of its templates version, which `update` reads here.
            let manifest = plan.current(Path::new(crate::layout::MANIFEST))?;
            let mut doc = DocumentMut::new();
            doc.insert(
                "templates",
                value(crate::update::before_record(manifest.as_deref())),
            );
            doc
        }
    };
    if !doc.contains_key("generated") {
        doc.insert("generated", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let Some(list) = doc
        .get_mut("generated")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Err(anyhow!(
            "{RECORD}: `generated` is not a list of tables ([[generated]])\nnothing was written; fix the file"
        ));
    };
    let again = list.iter().any(|t| {
        t.get("generator").and_then(Item::as_str) == Some(generator) && args_of(t) == args
    });
    if again {
        return Ok(());
    }
    list.push(entry(generator, args));
    let text = if fresh {
        format!("{HEADER}{doc}")
    } else {
        doc.to_string()
    };
    plan.set(Path::new(RECORD), Some(text));
    Ok(())
}

/// One run of a generator, as the record lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub generator: String,
    pub args: Vec<String>,
    /// For a migration that changed a model's fields: the model's
    /// arguments before it.
    pub follows: Vec<String>,
}

/// Every run the record lists, oldest first.
pub fn runs(plan: &Plan) -> Result<Vec<Run>> {
    let Some(doc) = read(plan)? else {
        return Ok(Vec::new());
    };
    let Some(list) = doc.get("generated").and_then(Item::as_array_of_tables) else {
        return Ok(Vec::new());
    };
    Ok(list
        .iter()
        .map(|t| {
            let follows = t
                .get("follows")
                .and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Run {
                generator: t
                    .get("generator")
                    .and_then(Item::as_str)
                    .unwrap_or_default()
                    .to_string(),
                args: args_of(t),
                follows,
            }
        })
        .collect())
}

/// Gives the latest entry of `generator` with arguments `old` the
/// arguments `new` (a model whose fields a migration changed).
pub fn replace_args(
    plan: &mut Plan,
    generator: &str,
    old: &[String],
    new: &[String],
) -> Result<()> {
    let Some((mut doc, i)) = latest_where(plan, generator, &|args| args == old)? else {
        return Ok(());
    };
    let mut array = toml_edit::Array::new();
    for a in new {
        array.push(a.as_str());
    }
    if let Some(t) = doc
        .get_mut("generated")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|l| l.get_mut(i))
    {
        t.insert("args", value(array));
    }
    plan.set(Path::new(RECORD), Some(doc.to_string()));
    Ok(())
}

/// The record, and the index of the latest entry of `generator` whose
/// arguments `which` accepts, if there is one.
fn latest_where(
    plan: &Plan,
    generator: &str,
    which: &dyn Fn(&[String]) -> bool,
) -> Result<Option<(DocumentMut, usize)>> {
    let Some(doc) = read(plan)? else {
        return Ok(None);
    };
    let Some(list) = doc.get("generated").and_then(Item::as_array_of_tables) else {
        return Ok(None);
    };
    let found = (0..list.len()).rev().find(|&i| {
        let t = list.get(i).expect("an index in range");
        t.get("generator").and_then(Item::as_str) == Some(generator) && which(&args_of(t))
    });
    Ok(found.map(|i| (doc, i)))
}

/// Adds `generator ARGS…` to the record with a `follows` list (see
/// [`runs`]).
pub fn generated_following(
    plan: &mut Plan,
    generator: &str,
    args: &[String],
    follows: &[String],
) -> Result<()> {
    generated(plan, generator, args)?;
    let Some(mut doc) = read(plan)? else {
        return Ok(());
    };
    if let Some(t) = doc
        .get_mut("generated")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|l| {
            let n = l.len();
            n.checked_sub(1).and_then(|i| l.get_mut(i))
        })
    {
        let mut array = toml_edit::Array::new();
        for a in follows {
            array.push(a.as_str());
        }
        t.insert("follows", value(array));
    }
    plan.set(Path::new(RECORD), Some(doc.to_string()));
    Ok(())
}

/// Takes the latest entry of `generator` for `name` out of the record; the
/// record goes when nothing is left in it.
pub fn destroyed(plan: &mut Plan, generator: &str, name: &str) -> Result<()> {
    destroyed_where(plan, generator, &|args| {
        args.first().map(String::as_str) == Some(name)
    })
}

/// Takes the latest entry of `generator` whose arguments `which` accepts
/// out of the record.
pub fn destroyed_where(
    plan: &mut Plan,
    generator: &str,
    which: &dyn Fn(&[String]) -> bool,
) -> Result<()> {
    let Some((mut doc, i)) = latest_where(plan, generator, which)? else {
        return Ok(());
    };
    let Some(list) = doc
        .get_mut("generated")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Ok(());
    };
    list.remove(i);
    if list.is_empty() {
        plan.set(Path::new(RECORD), None);
    } else {
        plan.set(Path::new(RECORD), Some(doc.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_then_destroy_gives_back_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let start = new_record(&["blog".to_string()]);
        std::fs::write(dir.path().join(RECORD), &start).unwrap();
        let mut plan = Plan::new(dir.path());
        let args = vec!["users".to_string(), "index".to_string()];
        generated(&mut plan, "controller", &args).unwrap();
        let after = plan.current(Path::new(RECORD)).unwrap().unwrap();
        assert!(after.contains("generator = \"controller\""), "{after}");
        std::fs::write(dir.path().join(RECORD), &after).unwrap();
        let mut again = Plan::new(dir.path());
        generated(&mut again, "controller", &args).unwrap();
        assert!(again.changes.is_empty(), "a re-run records nothing");
        destroyed(&mut again, "controller", "users").unwrap();
        assert_eq!(again.current(Path::new(RECORD)).unwrap().unwrap(), start);
    }

    #[test]
    fn the_record_goes_with_its_last_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = Plan::new(dir.path());
        generated(&mut plan, "model", &["post".to_string()]).unwrap();
        let text = plan.current(Path::new(RECORD)).unwrap().unwrap();
        std::fs::write(dir.path().join(RECORD), text).unwrap();
        let mut plan = Plan::new(dir.path());
        destroyed(&mut plan, "model", "post").unwrap();
        assert_eq!(plan.current(Path::new(RECORD)).unwrap(), None);
    }
}
