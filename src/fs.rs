//! Writing a plan to disk all-or-nothing: temp files beside their targets,
//! renamed into place, and everything undone if any step fails.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::errors::nothing_written;
use anyhow::bail;
use anyhow::{Context, Result};

/// What a resolved step does to its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Write(String),
    Remove,
    Nothing,
}

/// Reads a file as UTF-8, or `None` if it does not exist.
pub fn read_if_exists(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .with_context(|| format!("{} is not UTF-8 text", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Every file below `dir`, recursively, in a stable (sorted) order; an
/// unreadable or missing directory has none.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// How to undo one thing already done.
#[derive(Debug)]
enum Undo {
    Restore(PathBuf, Vec<u8>),
    Delete(PathBuf),
    RemoveDir(PathBuf),
}

/// The real file a change to `rel` (relative to `root`) writes: `rel` with
/// every symbolic link on the way followed, so an edit goes to the file a
/// link points to and the link stays. Refused when `rel` leaves the project
/// (an absolute path, `..`, or a link whose target is outside it), or when the
/// file is read-only: nothing has been written when this fails.
pub fn target(root: &Path, rel: &Path) -> Result<PathBuf> {
    use std::path::Component;
    if !rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        bail!(nothing_written(format!(
            "{} is outside the project at {}; cargo mvc only writes inside the project",
            rel.display(),
            root.display()
        )));
    }
    let real_root = real_path(root)?;
    let full = root.join(rel);
    let real = real_path(&full)?;
    if !real.starts_with(&real_root) {
        bail!(
            nothing_written(format!(
                "{} is a link to {}, outside the project at {}; cargo mvc only writes inside the project",
                rel.display(),
                real.display(),
                real_root.display()
            ))
            .hint("replace the link with the file, or edit it by hand")
        );
    }
    if let Ok(meta) = fs::metadata(&real)
        && meta.is_file()
        && meta.permissions().readonly()
    {
        anyhow::bail!(
            "{} is read-only, so nothing was written; make it writable (`chmod u+w {}`) and run the command again",
            rel.display(),
            rel.display()
        );
    }
    Ok(real)
}

/// `path` with its symbolic links resolved; a part that does not exist yet
/// is appended to its nearest existing ancestor, resolved.
fn real_path(path: &Path) -> Result<PathBuf> {
    let mut missing = Vec::new();
    let mut cur = path.to_path_buf();
    loop {
        match fs::canonicalize(&cur) {
            Ok(real) => {
                return Ok(missing.iter().rev().fold(real, |acc, part| acc.join(part)));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A dangling link is not a missing file: resolving it would
                // write wherever it points.
                if fs::symlink_metadata(&cur).is_ok() {
                    bail!(nothing_written(format!(
                        "{} is a link to a file that does not exist; fix or remove the link",
                        cur.display()
                    )));
                }
                let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) else {
                    return Err(e).with_context(|| format!("could not resolve {}", path.display()));
                };
                missing.push(name.to_os_string());
                cur = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            Err(e) => {
                return Err(e).with_context(|| format!("could not resolve {}", path.display()));
            }
        }
    }
}

/// Applies the steps, each an action on its resolved [`target`]. On
/// failure every file already changed is restored and every file or
/// directory created is removed, so the tree is as it was; the original
/// error is returned.
pub fn apply(root: &Path, steps: &[(&Path, &Action)]) -> Result<()> {
    let root = real_path(root)?;
    let mut undo = Vec::new();
    let result = apply_all(&root, steps, &mut undo);
    if result.is_err() {
        rollback(undo);
    }
    result
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | 0o111);
    fs::set_permissions(path, permissions)
        .with_context(|| format!("could not make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

fn apply_all(root: &Path, steps: &[(&Path, &Action)], undo: &mut Vec<Undo>) -> Result<()> {
    // Stage every new content first, so a full disk or a permission error is
    // found before any target is touched.
    let mut staged = Vec::new();
    let result = (|| -> Result<()> {
        for (target, action) in steps {
            if let Action::Write(contents) = action {
                create_dirs(target.parent().expect("a file is in a directory"), undo)?;
                let tmp = temp_path(target);
                // The rename must not replace a file's old content by one a
                // crash could leave empty: content that replaces a file is
                // on disk first. A new file has no old content to lose, and
                // is not synced (a new project's sixty files are written in
                // a few milliseconds, not one disk flush each).
                let replaces = fs::symlink_metadata(target).is_ok();
                write_file(&tmp, contents.as_bytes(), replaces)
                    .with_context(|| format!("could not write {}", tmp.display()))?;
                staged.push(tmp.clone());
                // The file keeps its mode (a 0640 file stays 0640); a new
                // script (`#!`) is executable.
                if let Ok(meta) = fs::metadata(target) {
                    fs::set_permissions(&tmp, meta.permissions())
                        .with_context(|| format!("could not set the mode of {}", tmp.display()))?;
                } else if contents.starts_with("#!") {
                    make_executable(&tmp)?;
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        for tmp in staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut staged = staged.into_iter();
    for (target, action) in steps {
        let target = target.to_path_buf();
        match action {
            Action::Nothing => {}
            Action::Write(_) => {
                let tmp = staged.next().expect("one staged file per write");
                match fs::read(&target) {
                    Ok(old) => undo.push(Undo::Restore(target.clone(), old)),
                    Err(_) => undo.push(Undo::Delete(target.clone())),
                }
                if let Err(e) = fs::rename(&tmp, &target) {
                    let _ = fs::remove_file(&tmp);
                    for rest in staged {
                        let _ = fs::remove_file(rest);
                    }
                    return Err(e).with_context(|| format!("could not write {}", target.display()));
                }
            }
            Action::Remove => {
                let old = fs::read(&target)
                    .with_context(|| format!("could not read {}", target.display()))?;
                fs::remove_file(&target)
                    .with_context(|| format!("could not remove {}", target.display()))?;
                undo.push(Undo::Restore(target.clone(), old));
                remove_empty_parents(root, &target);
            }
        }
    }
    Ok(())
}

fn rollback(undo: Vec<Undo>) {
    for u in undo.into_iter().rev() {
        match u {
            Undo::Restore(path, bytes) => {
                if let Some(parent) = path.parent() {
                    let _ = fs::create_dir_all(parent);
                }
                let _ = fs::write(path, bytes);
            }
            Undo::Delete(path) => {
                let _ = fs::remove_file(path);
            }
            Undo::RemoveDir(path) => {
                let _ = fs::remove_dir(path);
            }
        }
    }
}

/// Creates `dir` and its missing ancestors, remembering each for rollback.
fn create_dirs(dir: &Path, undo: &mut Vec<Undo>) -> Result<()> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(&d).with_context(|| format!("could not create {}", d.display()))?;
        undo.push(Undo::RemoveDir(d));
    }
    Ok(())
}

/// After `destroy` removes a file, directories it leaves empty go too, up to
/// (not including) the project root.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut cur = file.parent();
    while let Some(d) = cur {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        cur = d.parent();
    }
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.mvc-{}.tmp", std::process::id()))
}

fn write_file(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    if sync { f.sync_all() } else { Ok(()) }
}

/// The project's lock, held by a command from its first read of the project
/// to its last write, so that no command plans from a file another one is
/// about to change. The lock is the operating system's (released when the
/// process ends, even when killed); its file goes when the command ends.
#[derive(Debug)]
pub struct ProjectLock {
    file: fs::File,
    path: PathBuf,
}

/// The lock file, in the project root.
pub const LOCK_FILE: &str = ".cargo-mvc.lock";

impl ProjectLock {
    /// Takes the lock of the project at `root`, waiting for another command
    /// that holds it; `waiting` is called once if it has to wait.
    pub fn acquire(root: &Path, waiting: impl FnOnce()) -> Result<Self> {
        let path = root.join(LOCK_FILE);
        let mut waiting = Some(waiting);
        loop {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .with_context(|| format!("could not create the lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if let Some(w) = waiting.take() {
                        w();
                    }
                    file.lock()
                        .with_context(|| format!("could not lock {}", path.display()))?;
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("could not lock {}", path.display()));
                }
            }
            // The holder before us removes the file as it ends: a lock on
            // that removed file guards nothing, so lock the new one.
            if same_file(&file, &path) {
                return Ok(Self { file, path });
            }
        }
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // Removed while still locked, so a waiter sees it gone and retries.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(all(unix, not(mvc_portable)))]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(all(unix, not(mvc_portable))))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    // Elsewhere an open file cannot be removed, so it is the same one.
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, contents: &str) -> (PathBuf, Action) {
        (root.join(path), Action::Write(contents.into()))
    }

    fn apply(root: &Path, steps: &[(PathBuf, Action)]) -> Result<()> {
        let steps: Vec<(&Path, &Action)> = steps.iter().map(|(t, a)| (t.as_path(), a)).collect();
        super::apply(root, &steps)
    }

    #[test]
    fn failure_midway_restores_everything() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep.txt"), "original").unwrap();
        // A directory where a file must go makes the rename fail late.
        fs::create_dir_all(dir.path().join("blocker/inner")).unwrap();
        let steps = vec![
            write(dir.path(), "keep.txt", "changed"),
            write(dir.path(), "new/deep/file.txt", "new"),
            write(
                dir.path(),
                "blocker",
                "cannot replace a non-empty directory",
            ),
        ];
        assert!(apply(dir.path(), &steps).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "original"
        );
        assert!(!dir.path().join("new").exists());
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["blocker", "keep.txt"]);
    }

    #[test]
    fn writes_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join("a/b/old.txt"), "x").unwrap();
        let remove = (dir.path().join("a/b/old.txt"), Action::Remove);
        apply(
            dir.path(),
            &[write(dir.path(), "c/new.txt", "hello"), remove],
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("c/new.txt")).unwrap(),
            "hello"
        );
        assert!(
            !dir.path().join("a").exists(),
            "emptied directories are removed"
        );
    }
}
