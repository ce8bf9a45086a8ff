//! `cargo mvc update`: brings an application made by an earlier release to
//! the current templates, three ways.
//!
//! The base of the merge (what the earlier release wrote) is rendered
//! again, not stored: the binary carries the templates of every supported
//! earlier release under `bases/templates-N/` (see CHANGELOG.md), and the
//! generators render them, with the options `new` was given and the
//! generators run since, into a scratch directory. The current templates
//! are rendered the same way into another. Each file of either is then
//! merged with the application's own: untouched files take the new
//! version, files only the user changed stay, files both changed are
//! merged, and overlapping changes get git-style markers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::engine::record::{self, TEMPLATES_VERSION};
use crate::errors::nothing_written;
use crate::layout;
use crate::plan::{Change, Plan};
use crate::project::Project;
use crate::shell::{Shell, Tone};

pub mod merge;
pub mod replay;

/// How `update` runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub pretend: bool,
    /// Run even when the git work tree has uncommitted changes.
    pub allow_dirty: bool,
    /// Run `cargo check` after writing.
    pub check: bool,
    /// Ask, file by file, how to settle each conflict.
    pub interactive: bool,
}

/// `update` wrote files with conflict markers: the command's status is 2.
#[derive(Debug)]
pub struct Conflicted {
    pub files: usize,
}

impl std::fmt::Display for Conflicted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} file{} need{} your merge: edit the lines between `<<<<<<< {}` and `>>>>>>> templates {TEMPLATES_VERSION}` (the templates' lines are after `=======`), remove the markers, then run `cargo check`",
            self.files,
            if self.files == 1 { "" } else { "s" },
            if self.files == 1 { "s" } else { "" },
            merge::YOURS,
        )
    }
}

impl std::error::Error for Conflicted {}

/// The release that wrote templates `version`, from CHANGELOG.md's
/// headings (`## [0.1.0] - 2026-11-28 - templates 1`): the newest release
/// of that templates version.
pub fn release_of(version: i64) -> Option<&'static str> {
    let changelog = include_str!("../../CHANGELOG.md");
    changelog.lines().find_map(|line| {
        let rest = line.strip_prefix("## [")?;
        let (release, rest) = rest.split_once(']')?;
        let templates = rest.rsplit_once(" - templates ")?.1;
        (templates.trim().parse::<i64>().ok()? == version).then_some(release)
    })
}

/// The templates version the application was made or last updated with:
/// its record's (see [`before_record`] for one without a record).
pub fn templates_of(project: &Project) -> Result<i64> {
    let path = project.root.join(record::RECORD);
    let Some(text) = crate::fs::read_if_exists(&path)? else {
        let manifest = crate::fs::read_if_exists(&project.root.join(layout::MANIFEST))?;
        return Ok(before_record(manifest.as_deref()));
    };
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        nothing_written(format!(
            "{}: not valid TOML: {}",
            record::RECORD,
            e.to_string().trim_end()
        ))
    })?;
    doc.get("templates")
        .and_then(toml_edit::Item::as_integer)
        .ok_or_else(|| {
            nothing_written(format!(
                "{} does not say which templates made the application (`templates = N`)",
                record::RECORD
            ))
            .hint("restore the line from version control")
            .into()
        })
}

/// The templates version of an application without a record (the record
/// came with templates 2), from its manifest: 1 (release 0.1.0) when
/// `[package.metadata.mvc]` names the database, 0 (made before
/// applications had one) when it does not.
pub fn before_record(manifest: Option<&str>) -> i64 {
    let names_database = manifest
        .and_then(|m| m.parse::<toml_edit::DocumentMut>().ok())
        .is_some_and(|doc| {
            doc.get("package")
                .and_then(|p| p.get("metadata"))
                .and_then(|m| m.get("mvc"))
                .is_some_and(|mvc| mvc.get("database").is_some())
        });
    if names_database { 1 } else { 0 }
}

/// Files `update` never reads or writes.
fn ignored(rel: &Path) -> bool {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    ["target", ".git", "node_modules"].contains(&first.as_str())
        || rel == Path::new("Cargo.lock")
        || rel == Path::new(crate::fs::LOCK_FILE)
}

/// Runs `cargo mvc update` in `project`.
pub fn run(project: &Project, options: Options, shell: &Shell) -> Result<()> {
    // Markers left by an earlier update are settled first, whatever the
    // version says.
    refuse_markers(&project.root)?;
    let from = templates_of(project)?;
    if from == TEMPLATES_VERSION {
        shell.status(
            "identical",
            format!("the application is at templates {from}, the current ones: nothing to update"),
            Tone::Quiet,
        );
        return Ok(());
    }
    if from > TEMPLATES_VERSION {
        bail!(
            nothing_written(format!(
                "the application is at templates {from}, newer than this cargo-mvc's ({TEMPLATES_VERSION})"
            ))
            .hint("install a newer cargo-mvc: `cargo install cargo-mvc`")
        );
    }
    if !crate::engine::bases().contains(&from) {
        bail!(nothing_written(format!(
            "this cargo-mvc cannot update applications made with templates {from}; it can from templates {:?}",
            crate::engine::bases()
        )));
    }
    if !options.allow_dirty {
        refuse_dirty(&project.root)?;
    }
    let replay = replay::of(project)?;
    let scratch = tempfile::Builder::new()
        .prefix("cargo-mvc-update-")
        .tempdir()
        .context("could not make a scratch directory")?;
    let base_dir = scratch.path().join("base").join(replay.name());
    let new_dir = scratch.path().join("new").join(replay.name());
    render(&base_dir, project, &replay, Some(from))?;
    render(&new_dir, project, &replay, None)?;

    let mut plan = Plan::new(&project.root);
    plan.preformatted = true;
    let mut conflicts = Vec::new();
    let mut kept = Vec::new();
    let mut paths = BTreeSet::new();
    paths.extend(replay::files_in(&base_dir)?);
    paths.extend(replay::files_in(&new_dir)?);
    for rel in paths.into_iter().filter(|p| !ignored(p)) {
        let base = crate::fs::read_if_exists(&base_dir.join(&rel))?;
        let new = crate::fs::read_if_exists(&new_dir.join(&rel))?;
        // The record says what was generated, which the replay knows: it is
        // the tool's, not merged.
        if rel == Path::new(record::RECORD) {
            plan.set(&rel, new);
            continue;
        }
        if base == new {
            continue;
        }
        let yours = crate::fs::read_if_exists(&project.root.join(&rel))?;
        let shown = rel.display().to_string();
        match (base, yours, new) {
            // The user deleted a file the templates changed: it stays deleted.
            (Some(_), None, Some(_)) => kept.push(format!(
                "{shown} (you deleted it; the templates changed it)"
            )),
            (Some(_), None, None) | (None, None, None) => {}
            (None, None, Some(new)) => plan.set(&rel, Some(new)),
            (base, Some(yours), new) => {
                let base = base.unwrap_or_default();
                match new {
                    None if yours == base => plan.set(&rel, None),
                    None => kept.push(format!(
                        "{shown} (the templates no longer write it; it is yours now)"
                    )),
                    Some(new) if yours == base => plan.set(&rel, Some(new)),
                    Some(new) if yours == new => {}
                    Some(new) if rel == Path::new(layout::MANIFEST) => {
                        let Some((merged, clashes)) = merge::manifest(&base, &yours, &new) else {
                            bail!(
                                nothing_written(format!("{shown} is not valid TOML"))
                                    .hint("fix it and run `cargo mvc update` again")
                            );
                        };
                        for c in clashes {
                            kept.push(format!(
                                "{shown}: `{}` = {} (yours; the templates now have {})",
                                c.key,
                                c.yours.as_deref().unwrap_or("(removed)"),
                                c.theirs.as_deref().unwrap_or("nothing"),
                            ));
                        }
                        plan.set(&rel, Some(merged));
                    }
                    Some(new) => match merge::text(&base, &yours, &new, from, TEMPLATES_VERSION) {
                        merge::Text::Clean(merged) => plan.set(&rel, Some(merged)),
                        merge::Text::Conflict(marked) => {
                            conflicts.push((rel.clone(), yours.clone(), new.clone()));
                            plan.set(&rel, Some(marked));
                        }
                    },
                }
            }
        }
    }
    // db/schema.sql says what all the migrations make, the user's own too.
    if let Some(dialect) = crate::generate::fields::Dialect::of(project.database) {
        crate::generate::migration::update_schema_file(&mut plan, dialect)?;
    }
    bump_version(&mut plan)?;

    if options.interactive && !options.pretend && !conflicts.is_empty() {
        conflicts = settle(&mut plan, conflicts, shell)?;
    }
    for name in stale_overrides(project, from)? {
        plan.announce(
            "review",
            format!(
                "{}/{name} (your override; the built-in template changed since templates {from})",
                crate::engine::GENERATORS_DIR
            ),
        );
    }
    for (rel, _, _) in &conflicts {
        plan.announce("conflict", rel.display().to_string());
    }
    for k in kept {
        plan.announce("keep", k);
    }
    // --pretend shows the diffs: they are what the user reviews.
    let shown = if options.pretend {
        &shell.with_diffs()
    } else {
        shell
    };
    plan.execute(
        crate::plan::Options {
            pretend: options.pretend,
            on_conflict: crate::plan::OnConflict::Overwrite,
        },
        shown,
    )?;
    if !options.pretend {
        shell.status(
            "updated",
            format!("templates {from} to templates {TEMPLATES_VERSION}"),
            Tone::Good,
        );
        if options.check {
            check(&project.root, shell);
        }
    }
    // With --pretend, the conflict lines say what a real run would leave.
    if conflicts.is_empty() || options.pretend {
        Ok(())
    } else {
        Err(Conflicted {
            files: conflicts.len(),
        }
        .into())
    }
}

/// Renders the application `replay` describes into `dir`, as `new` and
/// each generator run would write it: with the templates of `base` and of
/// the version each run was made with (what the application got), or with
/// today's (`None`). The record is kept as the generators keep it.
fn render(dir: &Path, project: &Project, replay: &replay::Replay, base: Option<i64>) -> Result<()> {
    let under = |version: Option<i64>, f: &mut dyn FnMut() -> Result<()>| match version {
        Some(v) if v < TEMPLATES_VERSION => crate::engine::with_base(v, f),
        _ => f(),
    };
    std::fs::create_dir_all(dir)?;
    let tool = match base {
        Some(v) => release_of(v).unwrap_or(env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION"),
    };
    under(base, &mut || {
        let p = replay.project(dir, tool)?;
        for (path, contents) in crate::generate::new::files(&p) {
            write(dir, Path::new(&path), &contents)?;
        }
        Ok(())
    })?;
    // The project's overrides of the built-in templates render both sides.
    let overrides = project.root.join(crate::engine::GENERATORS_DIR);
    if overrides.is_dir() {
        for rel in replay::files_in(&overrides)? {
            let text = std::fs::read_to_string(overrides.join(&rel))?;
            write(
                dir,
                &Path::new(crate::engine::GENERATORS_DIR).join(rel),
                &text,
            )?;
        }
    }
    for run in &replay.runs {
        let mut record_plan = Plan::new(dir);
        if crate::engine::OVERRIDABLE.contains(&run.generator.as_str())
            || matches!(run.generator.as_str(), "migration" | "metrics")
        {
            let version = base.map(|_| run.templates);
            under(version, &mut || replay_run(dir, run))?;
        }
        // A generator of the project's own is not replayed: what it wrote
        // is the user's, and its entry stays in the record.
        record::generated(&mut record_plan, &run.generator, &run.args)?;
        if let Some(text) = record_plan.current(Path::new(record::RECORD))? {
            write(dir, Path::new(record::RECORD), &text)?;
        }
    }
    // Releases before templates 2 kept no record.
    if base.is_some_and(|v| v < 2) {
        let _ = std::fs::remove_file(dir.join(record::RECORD));
    }
    Ok(())
}

/// The project's overrides (`generators/model/model.rs`) of built-in
/// templates that changed between templates `from` and today's: both sides
/// of the merge render the override, so the change of the built-in one
/// reaches the application only through the user.
fn stale_overrides(project: &Project, from: i64) -> Result<Vec<String>> {
    let dir = project.root.join(crate::engine::GENERATORS_DIR);
    let mut out = Vec::new();
    for generator in crate::engine::OVERRIDABLE {
        let folder = dir.join(generator);
        if !folder.is_dir() {
            continue;
        }
        for rel in replay::files_in(&folder)? {
            let name = format!("{generator}/{}", rel.display());
            let now = crate::engine::builtin_template(&name);
            let then = crate::engine::with_base(from, || crate::engine::builtin_template(&name));
            if now.is_some() && then != now {
                out.push(name);
            }
        }
    }
    Ok(out)
}

/// Runs the built-in generator of `run` in the application at `dir`, at
/// the time it first ran.
fn replay_run(dir: &Path, run: &replay::Run) -> Result<()> {
    let at_dir = Project::find(dir, None)?;
    let plan = || crate::cli::builtin_plan(&at_dir, &run.generator, &run.args, true);
    let plan = match run.at {
        Some(secs) => crate::generate::with_time(secs, plan),
        None => plan(),
    }
    .with_context(|| {
        format!(
            "could not replay `generate {} {}`",
            run.generator,
            run.args.join(" ")
        )
    })?;
    // Templates of earlier releases left the layout to rustfmt.
    let mut plan = plan;
    plan.preformatted = false;
    let (changes, _) = plan.formatted();
    for change in changes {
        match change {
            Change::Create { path, contents } | Change::Edit { path, contents } => {
                write(dir, &path, &contents)?;
            }
            Change::Remove { path } => {
                let _ = std::fs::remove_file(dir.join(path));
            }
        }
    }
    Ok(())
}

fn write(dir: &Path, rel: &Path, contents: &str) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, contents).with_context(|| format!("could not write {}", path.display()))
}

/// `version` in `[package.metadata.mvc]`: the tool that last wrote the
/// templates.
fn bump_version(plan: &mut Plan) -> Result<()> {
    let rel = Path::new(layout::MANIFEST);
    let Some(text) = plan.current(rel)? else {
        return Ok(());
    };
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return Ok(());
    };
    let Some(mvc) = doc
        .get_mut("package")
        .and_then(|p| p.get_mut("metadata"))
        .and_then(|m| m.get_mut("mvc"))
        .and_then(toml_edit::Item::as_table_like_mut)
    else {
        return Ok(());
    };
    let version = env!("CARGO_PKG_VERSION");
    if mvc.get("version").and_then(toml_edit::Item::as_str) != Some(version) {
        let decor = mvc
            .get("version")
            .and_then(toml_edit::Item::as_value)
            .map(|v| v.decor().clone());
        let mut value = toml_edit::Value::from(version);
        if let Some(decor) = decor {
            *value.decor_mut() = decor;
        }
        mvc.insert("version", toml_edit::Item::Value(value));
        plan.set(rel, Some(doc.to_string()));
    }
    Ok(())
}

/// Refuses to start while a file of the project still has the markers of
/// an earlier update (or of git).
fn refuse_markers(root: &Path) -> Result<()> {
    let mut marked = Vec::new();
    for rel in replay::files_in(root)? {
        if ignored(&rel) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(root.join(&rel))
            && merge::has_markers(&text)
        {
            marked.push(rel.display().to_string());
        }
    }
    if marked.is_empty() {
        return Ok(());
    }
    bail!(
        nothing_written(format!(
            "these files still have conflict markers (`<<<<<<<` ... `>>>>>>>`): {}",
            marked.join(", ")
        ))
        .hint("settle each conflict and remove its markers, then run `cargo mvc update` again")
    )
}

/// Refuses to start in a git work tree with uncommitted changes, as
/// `cargo fix` does: the update is then easy to review and to undo.
fn refuse_dirty(root: &Path) -> Result<()> {
    let Ok(out) = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "status",
            "--porcelain",
            "--untracked-files=normal",
            "--",
            ".",
        ])
        .output()
    else {
        return Ok(());
    };
    if !out.status.success() {
        // Not a git work tree (or no git): nothing to protect this way.
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let dirty: Vec<&str> = text
        .lines()
        .map(|l| l.get(3..).unwrap_or(l))
        .filter(|path| !path.ends_with(crate::fs::LOCK_FILE))
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let shown = dirty.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    let more = if dirty.len() > 5 {
        format!(" and {} more", dirty.len() - 5)
    } else {
        String::new()
    };
    bail!(
        nothing_written(format!(
            "the git work tree has uncommitted changes: {shown}{more}"
        ))
        .hint("commit or stash them first, so the update can be reviewed and undone, or pass `--allow-dirty`")
    )
}

/// Asks, for each conflicting file, whether to keep the user's version,
/// take the templates', or keep the merge with markers. The conflicts left
/// are returned.
fn settle(
    plan: &mut Plan,
    conflicts: Vec<(PathBuf, String, String)>,
    shell: &Shell,
) -> Result<Vec<(PathBuf, String, String)>> {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut left = Vec::new();
    let mut lines = stdin.lock().lines();
    for (rel, yours, theirs) in conflicts {
        loop {
            shell.ask(format!(
                "{}: both you and the templates changed it. Keep (m)ine, take (t)heirs, or (e)dit the merge with markers? [m/t/e]",
                rel.display()
            ));
            let Some(answer) = lines.next().transpose()? else {
                bail!(nothing_written("no answer on standard input"));
            };
            match answer.trim() {
                "m" | "mine" => plan.set(&rel, Some(yours.clone())),
                "t" | "theirs" => plan.set(&rel, Some(theirs.clone())),
                "e" | "edit" | "merge" => left.push((rel.clone(), yours.clone(), theirs.clone())),
                _ => {
                    shell.warn("answer m, t or e");
                    continue;
                }
            }
            break;
        }
    }
    Ok(left)
}

/// Runs `cargo check` in the application and says how it went; a failure
/// is the user's to settle, not undone.
fn check(root: &Path, shell: &Shell) {
    shell.status("checking", "cargo check", Tone::Good);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["check", "--all-targets", "--quiet"])
        .current_dir(root)
        .status();
    match status {
        Ok(s) if s.success() => shell.status("checked", "cargo check passed", Tone::Good),
        Ok(_) => shell.warn(
            "cargo check failed: the update is written; fix the errors above (and any conflict) by hand",
        ),
        Err(e) => shell.warn(format!("could not run cargo check: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `update` renders as the earlier release's output is, byte for
    /// byte, what that release wrote: the fixtures under
    /// `fixtures/old-releases/` were made by its code (scripts/old-fixtures),
    /// and every file their user did not edit must come out the same.
    #[test]
    fn the_base_is_what_the_earlier_release_wrote() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/old-releases");
        // The files scripts/old-fixtures edits or adds after generating.
        let cases: &[(&str, i64, &[&str])] = &[
            (
                "blog",
                1,
                &[
                    "README.md",
                    "Cargo.toml",
                    "src/app/controllers/posts.rs",
                    "src/app/slug.rs",
                    "src/app/mod.rs",
                    "charts/blog/templates/hpa.yaml",
                    "tests/api/redis.rs",
                    "tests/api/main.rs",
                ],
            ),
            (
                "shop",
                1,
                &[
                    "Cargo.toml",
                    "src/app/middleware.rs",
                    "src/app/errors.rs",
                    "migrations/20261103080000_add_sku_to_products.up.sql",
                    "migrations/20261103080000_add_sku_to_products.down.sql",
                    ".dockerignore",
                ],
            ),
            // Its controller is the user's: update does not replay it.
            (
                "notes",
                0,
                &[
                    "Cargo.toml",
                    "src/app/controllers/mod.rs",
                    "src/app/controllers/pages.rs",
                    "src/app/router.rs",
                    "src/app/views",
                    "templates",
                    "tests/api/main.rs",
                    "tests/api/pages.rs",
                ],
            ),
        ];
        for (name, version, edited) in cases {
            let dir = fixtures.join(name);
            let project = Project::find(&dir, None).expect("the fixture is an application");
            assert_eq!(templates_of(&project).unwrap(), *version, "{name}");
            let replay = replay::of(&project).unwrap();
            let scratch = tempfile::tempdir().unwrap();
            let out = scratch.path().join(name);
            render(&out, &project, &replay, Some(*version)).unwrap();
            let edited = |rel: &Path| edited.iter().any(|e| rel.starts_with(e));
            let rendered = replay::files_in(&out).unwrap();
            for rel in &rendered {
                if edited(rel) {
                    continue;
                }
                let made = std::fs::read_to_string(dir.join(rel))
                    .unwrap_or_else(|e| panic!("{name}: {} was rendered: {e}", rel.display()));
                let base = std::fs::read_to_string(out.join(rel)).unwrap();
                assert!(
                    made == base,
                    "{name}: {} differs from what the release wrote",
                    rel.display()
                );
            }
            for rel in replay::files_in(&dir).unwrap() {
                assert!(
                    edited(&rel) || rendered.contains(&rel),
                    "{name}: {} was not rendered",
                    rel.display()
                );
            }
        }
    }
}
