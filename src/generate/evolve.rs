//! A generated model, and its scaffold, following a migration of its
//! table: the generator is run again with the fields before and after the
//! migration, and what changed between the two renderings is merged into
//! each file three ways, so that the user's own changes around it stay.
//! Where the user changed the same lines, the file is left alone and the
//! command prints the change to make by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::fields;
use super::migration::{Change, SCHEMA_FILE};
use crate::engine::record;
use crate::layout;
use crate::names::ModelName;
use crate::plan::{self, Plan};
use crate::project::Project;

/// Runs a built-in generator with arguments: its plan, not applied.
pub type Invoke<'a> = &'a dyn Fn(&str, &[String]) -> Result<Plan>;

/// The generators whose files follow their table.
const FOLLOWING: &[&str] = &["scaffold", "model"];

/// The latest model or scaffold run for `table`: (generator, arguments).
fn run_for(plan: &Plan, table: &str) -> Result<Option<(String, Vec<String>)>> {
    Ok(record::runs(plan)?
        .into_iter()
        .rev()
        .find(|run| {
            FOLLOWING.contains(&run.generator.as_str())
                && run
                    .args
                    .first()
                    .and_then(|n| ModelName::parse(n).ok())
                    .is_some_and(|m| m.plural == table)
        })
        .map(|run| (run.generator, run.args)))
}

/// The column a field argument makes: `post:references` → `post_id`.
fn column_of(spec: &str) -> Option<String> {
    fields::parse(&[spec.to_string()])
        .ok()
        .and_then(|mut f| f.pop())
        .map(|f| f.name)
}

/// The model's arguments once `change` is made, or None when the change
/// leaves the model as it is or cannot be said in fields.
pub fn evolved(args: &[String], change: &Change, given: &[String]) -> Option<Vec<String>> {
    let (name, rest) = args.split_first()?;
    // Options, with the value of `--join MODEL`, stay as they are.
    let mut fields: Vec<&String> = Vec::new();
    let mut flags: Vec<&String> = Vec::new();
    let mut rest = rest.iter();
    while let Some(a) = rest.next() {
        if a == "--join" {
            flags.push(a);
            flags.extend(rest.next());
        } else if a.starts_with("--") {
            flags.push(a);
        } else {
            fields.push(a);
        }
    }
    let mut out: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    match change {
        Change::AddColumns { .. } => out.extend(given.iter().cloned()),
        Change::RemoveColumns { columns, .. } => {
            for (c, _) in columns {
                let at = out
                    .iter()
                    .position(|s| column_of(s).as_deref() == Some(c))?;
                out.remove(at);
            }
        }
        Change::RenameColumn { from, to, .. } => {
            let at = out
                .iter()
                .position(|s| column_of(s).as_deref() == Some(from))?;
            let (field, ty) = out[at].split_once(':')?;
            // A reference's column is named after its model; a renamed one
            // is a plain integer column, which a field cannot say.
            if ty.starts_with("references") || field != from {
                return None;
            }
            out[at] = format!("{to}:{ty}");
        }
        Change::AlterColumns {
            fields: changed, ..
        } => {
            for (f, spec) in changed.iter().zip(given) {
                let at = out
                    .iter()
                    .position(|s| column_of(s).as_deref() == Some(f.name.as_str()))?;
                // The new type, nullability and default, with the old
                // field's `unique` and `index`, which `change_` keeps.
                let old: Vec<&str> = out[at].split(':').collect();
                let kept: Vec<&str> = old
                    .iter()
                    .skip(2)
                    .copied()
                    .filter(|m| !m.starts_with("default="))
                    .collect();
                let mut new: Vec<&str> = spec.split(':').take(2).collect();
                new[0] = old[0];
                new.extend(kept);
                new.extend(spec.split(':').skip(2));
                out[at] = new.join(":");
            }
        }
        Change::AddIndex { .. }
        | Change::JoinTable { .. }
        | Change::DropTable { .. }
        | Change::Empty => return None,
    }
    let mut all = vec![name.clone()];
    all.extend(out);
    all.extend(flags.into_iter().cloned());
    (all != args).then_some(all)
}

/// Whether a file of a generator's plan follows the fields (migrations and
/// the schema are the migration's own business).
fn follows(path: &Path) -> bool {
    !path.starts_with(layout::MIGRATIONS)
        && path != Path::new(SCHEMA_FILE)
        && path != Path::new(record::RECORD)
}

/// The contents each following file of `plan` is given, formatted as the
/// plan writes it, and whether it is an edit of a file already there.
fn rendered(plan: &Plan) -> BTreeMap<PathBuf, (String, bool)> {
    let (changes, _) = plan.formatted();
    changes
        .into_iter()
        .filter_map(|c| match c {
            plan::Change::Create { path, contents } => {
                follows(&path).then_some((path, (contents, false)))
            }
            plan::Change::Edit { path, contents } => {
                follows(&path).then_some((path, (contents, true)))
            }
            plan::Change::Remove { .. } => None,
        })
        .collect()
}

/// The nested-route handlers (`index_of_post`) a scaffold with `args`
/// has, one for each model its fields refer to.
fn nested_handlers(args: &[String]) -> Vec<String> {
    let specs: Vec<String> = super::model::split_joins(args)
        .0
        .into_iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    fields::parse(&specs)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.target.as_ref())
                .map(super::scaffold::nested_handler)
                .collect()
        })
        .unwrap_or_default()
}

/// Brings the files of `generator` from rendering `from` to rendering `to`
/// in `plan`: files as generated are replaced, files the user changed get
/// the difference merged in; where that is not possible the file stays and
/// the plan says what to change by hand.
pub fn bring(
    plan: &mut Plan,
    project: &Project,
    generator: &str,
    from: &[String],
    to: &[String],
    invoke: Invoke<'_>,
) -> Result<()> {
    // The join tables of `--join` are their own migrations, made once.
    let before = invoke(generator, &super::model::split_joins(from).0)?;
    let after = invoke(generator, &super::model::split_joins(to).0)?;
    let before = rendered(&before);
    let after = rendered(&after);
    for (path, (new, edit)) in &after {
        let Some((old, _)) = before.get(path) else {
            // A file only the new fields make is created if it is not
            // there; an edit only they make (a nested route in the router)
            // was made on the file as it is, and is taken as it is.
            if *edit || plan.current(path)?.is_none() {
                plan.set(path, Some(new.clone()));
            }
            continue;
        };
        if old == new {
            continue;
        }
        let Some(current) = plan.current(path)? else {
            plan.announce(
                "skip",
                format!("{}: it was deleted, so it does not follow", path.display()),
            );
            continue;
        };
        if current == *old {
            plan.set(path, Some(new.clone()));
            continue;
        }
        match diffy::merge(old, &current, new) {
            Ok(merged) => plan.set(path, Some(merged)),
            Err(_) => {
                let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str())
                    .unified_diff()
                    .context_radius(2)
                    .header(&path.display().to_string(), &path.display().to_string())
                    .to_string();
                plan.announce(
                    "by hand",
                    format!(
                        "{}: your changes overlap the generated lines that change; make this change yourself:\n{}",
                        path.display(),
                        diff.trim_end()
                    ),
                );
            }
        }
    }
    // The nested routes of references the new fields no longer have.
    if generator == "scaffold"
        && let Some(name) = from.first().and_then(|n| ModelName::parse(n).ok())
    {
        let kept = nested_handlers(to);
        let gone: Vec<String> = nested_handlers(from)
            .into_iter()
            .filter(|h| !kept.contains(h))
            .map(|h| format!("{}::{h}", name.plural))
            .collect();
        if !gone.is_empty() {
            let absolute: Vec<String> = gone
                .iter()
                .map(|h| format!("{}::{h}", layout::CONTROLLERS_PATH))
                .collect();
            let is_gone = |handler: &str| {
                gone.iter().any(|h| h == handler) || absolute.iter().any(|h| h == handler)
            };
            super::controller::remove_routes_of(plan, project, &is_gone)?;
        }
    }
    Ok(())
}

/// Makes the model (and scaffold) of `table` follow `change`; returns the
/// model's recorded arguments before, when it did.
pub fn follow(
    plan: &mut Plan,
    project: &Project,
    table: &str,
    change: &Change,
    given: &[String],
    invoke: Invoke<'_>,
) -> Result<Option<Vec<String>>> {
    let Some((generator, args)) = run_for(plan, table)? else {
        return Ok(None);
    };
    let Some(new_args) = evolved(&args, change, given) else {
        if !matches!(
            change,
            Change::AddIndex { .. } | Change::JoinTable { .. } | Change::Empty
        ) {
            plan.announce(
                "by hand",
                format!(
                    "the {generator} `{}` does not follow this change by itself; change its fields in its files",
                    args.first().map_or("", String::as_str)
                ),
            );
        }
        return Ok(None);
    };
    if let Err(e) = bring(plan, project, &generator, &args, &new_args, invoke) {
        plan.announce(
            "by hand",
            format!(
                "the {generator} `{}` could not be rendered with its new fields ({}); change its files yourself",
                args.first().map_or("", String::as_str),
                e.to_string().lines().next().unwrap_or_default()
            ),
        );
        return Ok(None);
    }
    record::replace_args(plan, &generator, &args, &new_args)?;
    Ok(Some(args))
}

/// Undoes [`follow`] when the migration goes: the model's files go back
/// from its current arguments to `before`.
pub fn unfollow(
    plan: &mut Plan,
    project: &Project,
    table: &str,
    before: &[String],
    invoke: Invoke<'_>,
) -> Result<()> {
    let Some((generator, args)) = run_for(plan, table)? else {
        return Ok(());
    };
    bring(plan, project, &generator, &args, before, invoke)?;
    record::replace_args(plan, &generator, &args, before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fields_follow_each_kind_of_change() {
        let args = a(&["post", "title:string:unique", "body:text", "--html"]);
        let add = Change::AddColumns {
            table: "posts".into(),
            fields: Vec::new(),
        };
        assert_eq!(
            evolved(&args, &add, &a(&["email:string?"])).unwrap(),
            a(&[
                "post",
                "title:string:unique",
                "body:text",
                "email:string?",
                "--html"
            ])
        );
        let rename = Change::RenameColumn {
            table: "posts".into(),
            from: "title".into(),
            to: "headline".into(),
        };
        assert_eq!(
            evolved(&args, &rename, &[]).unwrap(),
            a(&["post", "headline:string:unique", "body:text", "--html"])
        );
        let remove = Change::RemoveColumns {
            table: "posts".into(),
            columns: vec![("body".into(), None)],
        };
        assert_eq!(
            evolved(&args, &remove, &[]).unwrap(),
            a(&["post", "title:string:unique", "--html"])
        );
        let f = fields::parse(&a(&["title:text?:default=x"])).unwrap();
        let change = Change::AlterColumns {
            table: "posts".into(),
            fields: f,
        };
        assert_eq!(
            evolved(&args, &change, &a(&["title:text?:default=x"])).unwrap(),
            a(&[
                "post",
                "title:text?:unique:default=x",
                "body:text",
                "--html"
            ])
        );
        // A column the model does not have: nothing to follow.
        let remove = Change::RemoveColumns {
            table: "posts".into(),
            columns: vec![("legacy".into(), None)],
        };
        assert_eq!(evolved(&args, &remove, &[]), None);
    }
}
