//! The Plan: the ordered file changes a generator computed, checked against
//! the disk, printed, and then applied all-or-nothing.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::fs;
use crate::shell::{Shell, Tone};

/// One change to one file, with its final content already computed.
#[derive(Debug, Clone)]
pub enum Change {
    /// A file the generator owns. An existing, different file is a conflict.
    Create { path: PathBuf, contents: String },
    /// New content for a file the user owns (a surgical edit already
    /// spliced in).
    Edit { path: PathBuf, contents: String },
    /// Remove a file (`destroy`).
    Remove { path: PathBuf },
}

impl Change {
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. } | Change::Edit { path, .. } | Change::Remove { path } => {
                path
            }
        }
    }
}

/// What to do with a file the plan would create that already exists with
/// other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    #[default]
    Stop,
    Overwrite,
    Keep,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub pretend: bool,
    pub on_conflict: OnConflict,
}

thread_local! {
    /// Changes planned by a generator that runs another one: the inner
    /// generator reads files as they will be, not as they are on disk.
    static PENDING: std::cell::RefCell<Vec<Change>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The content a pending change of the running outer generator gives `rel`.
fn pending(rel: &Path) -> Option<Option<String>> {
    PENDING.with(|p| {
        p.borrow()
            .iter()
            .rev()
            .find(|c| c.path() == rel)
            .map(|c| match c {
                Change::Create { contents, .. } | Change::Edit { contents, .. } => {
                    Some(contents.clone())
                }
                Change::Remove { .. } => None,
            })
    })
}

/// Runs `f` (which plans another generator) as if `changes` were on disk.
pub fn with_pending<T>(changes: &[Change], f: impl FnOnce() -> T) -> T {
    let saved = PENDING.with(|p| p.replace(changes.to_vec()));
    let out = f();
    PENDING.with(|p| p.replace(saved));
    out
}

#[derive(Debug, Default)]
pub struct Plan {
    /// Directory every change's path is relative to.
    pub root: PathBuf,
    pub changes: Vec<Change>,
    /// Status lines printed after the changes' own: what the plan does that
    /// its file changes do not say by themselves.
    pub notes: Vec<(&'static str, String)>,
    /// Files outside `root` the plan may change: the one such write is
    /// adding a new application to its enclosing workspace's members.
    pub outside: Vec<PathBuf>,
    /// The Rust files are rustfmt-clean as they are (the templates of `new`,
    /// tested so for every name length): rustfmt runs only when a
    /// configuration asks for a style of its own.
    pub preformatted: bool,
}

/// What a step does to its file, as its status line says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A new file.
    Create,
    /// A file the user owns, edited.
    Update,
    /// The file has the content already.
    Identical,
    /// A file that exists with other content, overwritten (`--force`).
    Force,
    /// A file left as it is: a conflict kept (`--skip`), or one to remove
    /// that is gone already.
    Skip,
    Remove,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Create => "create",
            Status::Update => "update",
            Status::Identical => "identical",
            Status::Force => "force",
            Status::Skip => "skip",
            Status::Remove => "remove",
        })
    }
}

/// A change resolved against the current disk.
#[derive(Debug)]
pub struct Step {
    pub path: PathBuf,
    /// The file written or removed: `path` under the root, with links
    /// followed (see [`fs::target`]); a removed link goes as a link.
    pub target: PathBuf,
    pub status: Status,
    pub tone: Tone,
    pub action: fs::Action,
    /// Current content, for the `--verbose` diff.
    pub before: Option<String>,
}

/// Files the plan would create exist with other content.
#[derive(Debug)]
pub struct ConflictError {
    pub paths: Vec<String>,
}

impl std::fmt::Display for ConflictError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let one = self.paths.len() == 1;
        let them = if one { "it" } else { "them" };
        crate::errors::write(
            f,
            format_args!(
                "{} already exist{} with different content: {}",
                if one { "a file" } else { "files" },
                if one { "s" } else { "" },
                self.paths.join(", "),
            ),
            Some(format_args!(
                "rerun with `--force` to overwrite {them} or `--skip` to keep {them}"
            )),
        )
    }
}

impl std::error::Error for ConflictError {}

impl Plan {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            changes: Vec::new(),
            notes: Vec::new(),
            outside: Vec::new(),
            preformatted: false,
        }
    }

    /// The templates generators render into this plan: the built-in ones,
    /// or the project's overrides of them.
    pub fn templates(&self) -> crate::engine::Templates {
        crate::engine::Templates::for_project(&self.root)
    }

    /// Lets the plan change `path`, a file outside its root (given as an
    /// absolute path).
    pub fn allow_outside(&mut self, path: PathBuf) {
        self.outside.push(path);
    }

    /// Adds a status line to the plan's output, printed (with `--pretend`
    /// too) after the changes' lines.
    pub fn announce(&mut self, verb: &'static str, message: impl Into<String>) {
        self.notes.push((verb, message.into()));
    }

    /// Plans a file the generator owns: when it exists with other content,
    /// that is a conflict (see [`OnConflict`]), never a silent overwrite.
    pub fn create(&mut self, path: impl AsRef<Path>, contents: impl Into<String>) {
        self.changes.push(Change::Create {
            path: path.as_ref().to_path_buf(),
            contents: contents.into(),
        });
    }

    /// The content `rel` will have once the changes planned so far are
    /// applied: the latest planned change, else the disk.
    pub fn current(&self, rel: &Path) -> Result<Option<String>> {
        match self.changes.iter().rev().find(|c| c.path() == rel) {
            Some(Change::Create { contents, .. } | Change::Edit { contents, .. }) => {
                Ok(Some(contents.clone()))
            }
            Some(Change::Remove { .. }) => Ok(None),
            None => match pending(rel) {
                Some(contents) => Ok(contents),
                None => fs::read_if_exists(&self.root.join(rel)),
            },
        }
    }

    /// Takes `other`'s changes on top of this plan's (a generator run as
    /// part of another, planned with [`with_pending`] so that it saw this
    /// plan's changes): a later change to a path replaces the earlier one.
    pub fn absorb(&mut self, other: Plan) {
        for change in other.changes {
            let path = change.path().to_path_buf();
            let on_disk = self.root.join(&path).exists();
            let earlier = self.changes.iter().position(|c| c.path() == path);
            let created_here =
                earlier.is_some_and(|i| matches!(self.changes[i], Change::Create { .. }));
            let change = match change {
                Change::Edit { path, contents, .. } if created_here || !on_disk => {
                    Some(Change::Create { path, contents })
                }
                Change::Remove { .. } if !on_disk => None,
                other => Some(other),
            };
            match (earlier, change) {
                (Some(i), Some(c)) => self.changes[i] = c,
                (Some(i), None) => {
                    self.changes.remove(i);
                }
                (None, Some(c)) => self.changes.push(c),
                (None, None) => {}
            }
        }
        self.notes.extend(other.notes);
        self.outside.extend(other.outside);
    }

    /// Plans the final content of a file the user owns (an edit spliced into
    /// it), `None` to remove it: a create for a file not on disk, an edit of
    /// one that is. A later call for the same path replaces the earlier
    /// change.
    pub fn set(&mut self, rel: &Path, contents: Option<String>) {
        let on_disk = self.root.join(rel).exists();
        let path = rel.to_path_buf();
        let change = match (contents, on_disk) {
            (Some(contents), false) => Some(Change::Create { path, contents }),
            (Some(contents), true) => Some(Change::Edit { path, contents }),
            (None, true) => Some(Change::Remove { path }),
            (None, false) => None,
        };
        let existing = self.changes.iter().position(|c| c.path() == rel);
        match (existing, change) {
            (Some(i), Some(change)) => self.changes[i] = change,
            (Some(i), None) => {
                self.changes.remove(i);
            }
            (None, Some(change)) => self.changes.push(change),
            (None, None) => {}
        }
    }

    /// The plan's changes with every Rust file it creates formatted (see
    /// [`format_rust`]), and a warning when that could not be done and the
    /// project asks for a style of its own.
    pub fn formatted(&self) -> (Vec<Change>, Option<String>) {
        let mut changes = self.changes.clone();
        if self.preformatted && rustfmt_config(&self.root).is_none() {
            return (changes, None);
        }
        let warning = format_rust(&self.root, &mut changes);
        (changes, warning)
    }

    /// Compares `changes` (the plan's, formatted) with the disk. Fails,
    /// before anything is written, if files to create already exist and
    /// differ.
    fn resolve(&self, changes: &[Change], on_conflict: OnConflict) -> Result<Vec<Step>> {
        let mut steps = Vec::with_capacity(changes.len());
        let mut conflicts = Vec::new();
        for change in changes {
            let rel = change.path();
            let target = match change {
                _ if self.outside.iter().any(|p| p == rel) => {
                    let dir = rel.parent().unwrap_or(Path::new("/"));
                    fs::target(dir, Path::new(rel.file_name().unwrap_or_default()))?
                }
                Change::Remove { .. } => {
                    let parent = rel.parent().unwrap_or(Path::new(""));
                    let name = rel.file_name().unwrap_or_default();
                    fs::target(&self.root, parent)?.join(name)
                }
                _ => fs::target(&self.root, rel)?,
            };
            let current = fs::read_if_exists(&target)?;
            let step = |status, tone, action, before| Step {
                path: rel.to_path_buf(),
                target: target.clone(),
                status,
                tone,
                action,
                before,
            };
            let step = match (change, current) {
                (Change::Create { contents, .. }, None) => step(
                    Status::Create,
                    Tone::Good,
                    fs::Action::Write(contents.clone()),
                    None,
                ),
                (Change::Create { contents, .. } | Change::Edit { contents, .. }, Some(cur))
                    if cur == *contents =>
                {
                    step(Status::Identical, Tone::Quiet, fs::Action::Nothing, None)
                }
                (Change::Create { contents, .. }, Some(cur)) => match on_conflict {
                    OnConflict::Stop => {
                        conflicts.push(change.path().display().to_string());
                        continue;
                    }
                    OnConflict::Overwrite => step(
                        Status::Force,
                        Tone::Warn,
                        fs::Action::Write(contents.clone()),
                        Some(cur),
                    ),
                    OnConflict::Keep => {
                        step(Status::Skip, Tone::Warn, fs::Action::Nothing, Some(cur))
                    }
                },
                (Change::Edit { path, .. }, None) => {
                    anyhow::bail!(
                        "{} disappeared while the command ran; nothing was written",
                        path.display()
                    )
                }
                (Change::Edit { contents, .. }, Some(cur)) => step(
                    Status::Update,
                    Tone::Good,
                    fs::Action::Write(contents.clone()),
                    Some(cur),
                ),
                (Change::Remove { .. }, None) => {
                    step(Status::Skip, Tone::Quiet, fs::Action::Nothing, None)
                }
                (Change::Remove { .. }, Some(cur)) => {
                    step(Status::Remove, Tone::Bad, fs::Action::Remove, Some(cur))
                }
            };
            steps.push(step);
        }
        if !conflicts.is_empty() {
            return Err(ConflictError { paths: conflicts }.into());
        }
        Ok(steps)
    }

    /// Resolves and (unless pretending) applies the plan atomically, then
    /// prints what was done: a status line is never printed for a write that
    /// did not happen.
    pub fn execute(&self, options: Options, shell: &Shell) -> Result<Vec<Step>> {
        let (changes, warning) = self.formatted();
        if let Some(warning) = warning {
            shell.warn(warning);
        }
        let steps = self.resolve(&changes, options.on_conflict)?;
        if !options.pretend {
            let actions: Vec<(&Path, &fs::Action)> = steps
                .iter()
                .map(|s| (s.target.as_path(), &s.action))
                .collect();
            fs::apply(&self.root, &actions)?;
        }
        for s in &steps {
            shell.status(&s.status.to_string(), s.path.display(), s.tone);
            if shell.is_verbose() {
                print_diff(shell, s);
            }
        }
        for (verb, message) in &self.notes {
            shell.status(verb, message, Tone::Good);
        }
        if options.pretend {
            shell.status("pretend", crate::errors::NOTHING_WRITTEN, Tone::Warn);
        }
        Ok(steps)
    }
}

fn print_diff(shell: &Shell, step: &Step) {
    let after = match &step.action {
        fs::Action::Write(c) => c.as_str(),
        fs::Action::Remove => "",
        fs::Action::Nothing => return,
    };
    let before = step.before.as_deref().unwrap_or("");
    let name = step.path.display().to_string();
    let diff = similar::TextDiff::from_lines(before, after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string();
    if !text.is_empty() {
        shell.note(text.trim_end());
    }
}

/// The files rustfmt takes its configuration from, in the order it looks
/// for them in each directory.
const RUSTFMT_CONFIGS: &[&str] = &[".rustfmt.toml", "rustfmt.toml"];

/// The rustfmt configuration of the project at `root`: the first
/// `.rustfmt.toml` or `rustfmt.toml` in `root` or a directory above it (a
/// workspace's), as `cargo fmt` finds it for the project's files.
pub fn rustfmt_config(root: &Path) -> Option<PathBuf> {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors()
        .flat_map(|dir| RUSTFMT_CONFIGS.iter().map(move |name| dir.join(name)))
        .find(|path| path.is_file())
}

/// Why rustfmt did not format a plan's Rust files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unformatted {
    /// There is no rustfmt to run (not on `PATH`, or a rustup toolchain
    /// without the component).
    Missing,
    /// rustfmt ran and failed; its first line of error output.
    Failed(String),
}

/// Formats every Rust file `changes` create (`Create` of a `.rs` path) with
/// one run of rustfmt, as `cargo fmt` would: edition 2024, the project's
/// `rustfmt.toml` if it has one. Edits to existing files are left as they
/// are: those keep every byte of the user's own text.
///
/// When rustfmt cannot run, the files stay as generated, which is already
/// rustfmt's default style; the warning returned says so when the project
/// asks for a style of its own, or when rustfmt failed.
pub fn format_rust(root: &Path, changes: &mut [Change]) -> Option<String> {
    let mut rust: Vec<(&Path, &mut String)> = changes
        .iter_mut()
        .filter_map(|change| match change {
            Change::Create { path, contents } if is_rust(path) => Some((path.as_path(), contents)),
            _ => None,
        })
        .collect();
    if rust.is_empty() {
        return None;
    }
    let files: Vec<(&Path, &str)> = rust.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let config = rustfmt_config(root);
    let (formatted, failure) = rustfmt_files(root, &files, config.as_deref());
    for ((_, contents), text) in rust.iter_mut().zip(formatted) {
        **contents = text;
    }
    if failure == Some(Unformatted::Missing) {
        for (_, contents) in rust.iter_mut() {
            **contents = crate::reflow::file(contents);
        }
    }
    match failure? {
        Unformatted::Missing => {
            let config = config?;
            let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
            let shown = config.strip_prefix(&root).unwrap_or(&config);
            Some(format!(
                "rustfmt was not found, so the new Rust files follow rustfmt's default style, not the one {} asks for; install it (`rustup component add rustfmt`) and run `cargo fmt`",
                shown.display()
            ))
        }
        Unformatted::Failed(error) => Some(format!(
            "rustfmt could not format every new Rust file: {error}"
        )),
    }
}

/// A plain relative path to a `.rs` file of the application (not a
/// template under `generators/`), which formatting can mirror in a
/// directory of its own.
fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
        && !path.starts_with(crate::engine::GENERATORS_DIR)
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Formats `files` (paths relative to `root`, and their text) with one
/// rustfmt process, using `config` if given, and returns their text in the
/// same order: formatted, or as given where rustfmt could not (a file that
/// does not parse, or no rustfmt at all), with why. The files are written
/// to a temporary directory under the same relative paths; rustfmt runs in
/// `root` (or the nearest directory of it that exists), so rustup picks the
/// project's toolchain. `RUSTFMT` names another rustfmt, as for `cargo fmt`.
pub fn rustfmt_files(
    root: &Path,
    files: &[(&Path, &str)],
    config: Option<&Path>,
) -> (Vec<String>, Option<Unformatted>) {
    let given = || files.iter().map(|(_, text)| text.to_string()).collect();
    let dir = match TempDir::new() {
        Ok(dir) => dir,
        Err(e) => return (given(), Some(Unformatted::Failed(e.to_string()))),
    };
    let mut paths = Vec::with_capacity(files.len());
    for (rel, text) in files {
        let path = dir.0.join(rel);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            let error = format!("{}: {e}", path.display());
            return (given(), Some(Unformatted::Failed(error)));
        }
        paths.push(path);
    }
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut command = std::process::Command::new(program);
    // `skip_children`: a new `mod x;` must not send rustfmt looking for
    // `x.rs`, which is not among the files given.
    command.args(["--edition", "2024", "--config", "skip_children=true"]);
    if let Some(config) = config {
        command.arg("--config-path").arg(config);
    }
    let cwd = root.ancestors().find(|d| d.is_dir());
    if let Some(cwd) = cwd.filter(|d| !d.as_os_str().is_empty()) {
        command.current_dir(cwd);
    }
    let output = command
        .args(&paths)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output();
    let failure = match output {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (given(), Some(Unformatted::Missing));
        }
        Err(e) => return (given(), Some(Unformatted::Failed(e.to_string()))),
        // rustup's proxy answers for a toolchain without the component.
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("is not installed") => {
            return (given(), Some(Unformatted::Missing));
        }
        Ok(out) if out.status.success() => None,
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Some(Unformatted::Failed(first_error(&stderr, &dir.0)))
        }
    };
    // rustfmt writes every file it can format, even when another fails.
    let texts = paths
        .iter()
        .zip(files)
        .map(|(path, (_, text))| std::fs::read_to_string(path).unwrap_or_else(|_| text.to_string()))
        .collect();
    (texts, failure)
}

/// rustfmt's first error, and where it is, with the files named by their
/// paths in the project rather than in `dir`.
fn first_error(stderr: &str, dir: &Path) -> String {
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(error) = lines.next() else {
        return "it exited with an error".to_string();
    };
    let place = lines
        .find_map(|l| l.strip_prefix("--> "))
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    format!("{error}{place}").replace(&prefix, "")
}

/// A directory of its own under the system's temporary directory, removed
/// with everything in it when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir();
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("cargo-mvc-fmt-{}-{nanos}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_is_the_nearest_one_up_from_the_project() {
        let dir = TempDir::new().unwrap();
        let app = dir.0.join("crates/app");
        std::fs::create_dir_all(&app).unwrap();
        assert_eq!(rustfmt_config(&app), None);
        std::fs::write(dir.0.join("rustfmt.toml"), "").unwrap();
        assert_eq!(rustfmt_config(&app), Some(dir.0.join("rustfmt.toml")));
        std::fs::write(app.join(".rustfmt.toml"), "").unwrap();
        std::fs::write(app.join("rustfmt.toml"), "").unwrap();
        assert_eq!(rustfmt_config(&app), Some(app.join(".rustfmt.toml")));
    }

    #[test]
    fn one_run_formats_what_parses_and_names_what_does_not() {
        let dir = TempDir::new().unwrap();
        let files = [
            (Path::new("src/a.rs"), "fn  a( ) {}\nmod b;\n"),
            (Path::new("src/bad.rs"), "fn bad() { Self { , } }\n"),
        ];
        let (texts, failure) = rustfmt_files(&dir.0, &files, None);
        if failure == Some(Unformatted::Missing) {
            return;
        }
        assert_eq!(texts, ["fn a() {}\nmod b;\n", files[1].1]);
        let Some(Unformatted::Failed(error)) = failure else {
            panic!("{failure:?}");
        };
        assert!(error.contains("at src/bad.rs:1:"), "{error}");
    }

    #[test]
    fn only_new_rust_files_are_formatted() {
        let mut changes = vec![
            Change::Create {
                path: "src/new.rs".into(),
                contents: "fn  new() {}\n".into(),
            },
            Change::Edit {
                path: "src/old.rs".into(),
                contents: "fn  old() {}\n".into(),
            },
            Change::Create {
                path: "README.md".into(),
                contents: "fn  readme() {}\n".into(),
            },
        ];
        let dir = TempDir::new().unwrap();
        if format_rust(&dir.0, &mut changes).is_some() {
            return;
        }
        let texts: Vec<&str> = changes
            .iter()
            .map(|c| match c {
                Change::Create { contents, .. } | Change::Edit { contents, .. } => {
                    contents.as_str()
                }
                Change::Remove { .. } => "",
            })
            .collect();
        assert_eq!(
            texts,
            ["fn new() {}\n", "fn  old() {}\n", "fn  readme() {}\n"]
        );
    }
}
