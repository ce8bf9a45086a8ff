//! Writing a plan to disk all-or-nothing: temp files beside their targets,
//! renamed into place, and everything undone if any step fails.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// Applies the steps under `root`. On failure every file already changed is
/// restored and every file or directory created is removed, so the tree is as
/// it was; the original error is returned.
pub fn apply(root: &Path, steps: &[crate::plan::Step]) -> Result<()> {
    let mut undo = Vec::new();
    let result = apply_all(root, steps, &mut undo);
    if result.is_err() {
        rollback(undo);
    }
    result
}

fn apply_all(root: &Path, steps: &[crate::plan::Step], undo: &mut Vec<Undo>) -> Result<()> {
    // Stage every new content first, so a full disk or a permission error is
    // found before any target is touched.
    let mut staged = Vec::new();
    let result = (|| -> Result<()> {
        for step in steps {
            let target = root.join(&step.path);
            if let Action::Write(contents) = &step.action {
                create_dirs(target.parent().unwrap_or(root), undo)?;
                let tmp = temp_path(&target);
                write_synced(&tmp, contents.as_bytes())
                    .with_context(|| format!("could not write {}", tmp.display()))?;
                staged.push(tmp);
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
    for step in steps {
        let target = root.join(&step.path);
        match &step.action {
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

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;
    use crate::shell::Tone;

    fn write(path: &str, contents: &str) -> Step {
        Step {
            path: path.into(),
            verb: "create",
            tone: Tone::Good,
            action: Action::Write(contents.into()),
            before: None,
        }
    }

    #[test]
    fn failure_midway_restores_everything() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep.txt"), "original").unwrap();
        // A directory where a file must go makes the rename fail late.
        fs::create_dir_all(dir.path().join("blocker/inner")).unwrap();
        let steps = vec![
            write("keep.txt", "changed"),
            write("new/deep/file.txt", "new"),
            write("blocker", "cannot replace a non-empty directory"),
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
        let remove = Step {
            path: "a/b/old.txt".into(),
            verb: "remove",
            tone: Tone::Bad,
            action: Action::Remove,
            before: None,
        };
        apply(dir.path(), &[write("c/new.txt", "hello"), remove]).unwrap();
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
