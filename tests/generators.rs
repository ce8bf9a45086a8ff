//! Golden cases for every built-in generator and option set: each folder
//! under `tests/generators/` runs one `cargo mvc` command in a fresh
//! directory and holds, byte for byte, every file the command created or
//! changed (`out/`, plus `out/.removed` for what it removed) and its exact
//! stdout and stderr. See `tests/generators/README.md` for the case format.
//! Every case runs twice: as it is, and with no rustfmt to run, which must
//! give the same bytes.
//!
//! ```console
//! $ cargo test --test generators                                   # check every case
//! $ MVC_BLESS=1 cargo test --test generators                       # rewrite out/, stdout, stderr
//! $ MVC_GOLDEN_BIN=/path/to/cargo-mvc cargo test --test generators  # check another build
//! $ MVC_GOLDEN_CASE=scaffold cargo test --test generators          # only cases whose name has this
//! ```
//!
//! `MVC_GOLDEN_BIN` runs that binary instead of the one this test was built
//! with: bless with one build, then check another against the result (the
//! goldens were made this way, from the commit before a refactor).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tempfile::TempDir;

/// The time generators write into files (migration versions, the license's
/// year), so their output is the same on every run.
const SOURCE_DATE_EPOCH: &str = "1796000000";

/// Lines of diff shown for one mismatching file.
const DIFF_LINES: usize = 40;

/// The list of removed files, inside `out/`.
const REMOVED: &str = ".removed";

#[test]
fn generators() {
    check_cases(true);
}

/// The same cases, with no rustfmt to run: the output is the same, byte for
/// byte (the tool lays out what it writes as rustfmt would).
#[test]
fn generators_without_rustfmt() {
    check_cases(false);
}

/// The binary under test, and whether it may find rustfmt.
struct Bin {
    path: PathBuf,
    rustfmt: bool,
}

impl Bin {
    fn display(&self) -> std::path::Display<'_> {
        self.path.display()
    }
}

fn check_cases(rustfmt: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generators");
    let filter = std::env::var("MVC_GOLDEN_CASE").unwrap_or_default();
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/generators exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("case.toml").is_file())
        .filter(|path| name_of(path).contains(&filter))
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no case under {} (MVC_GOLDEN_CASE={filter:?})",
        root.display()
    );

    let path = std::env::var_os("MVC_GOLDEN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cargo-mvc")));
    let bin = Bin { path, rustfmt };
    // Blessing writes what the build with rustfmt gives.
    let bless = rustfmt && std::env::var_os("MVC_BLESS").is_some_and(|v| !v.is_empty() && v != "0");

    // A case is a few short processes, which often wait on each other
    // (cargo metadata, rustfmt): run more cases than there are cores.
    let setups = Setups::default();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().clamp(4, 8));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let problems =
                        check_case(&bin, &setups, case, bless).unwrap_or_else(|e| vec![e]);
                    if !problems.is_empty() {
                        failures.lock().unwrap().push((name_of(case), problems));
                    }
                }
            });
        }
    });

    let mut failures = failures.into_inner().unwrap();
    if !failures.is_empty() {
        failures.sort();
        let mut report = format!(
            "{} of {} golden cases differ (binary: {}{}):\n",
            failures.len(),
            cases.len(),
            bin.display(),
            if rustfmt { "" } else { ", without rustfmt" }
        );
        for (name, problems) in &failures {
            report.push_str(&format!("\n=== {name}\n"));
            for problem in problems {
                report.push_str(problem);
                if !problem.ends_with('\n') {
                    report.push('\n');
                }
            }
        }
        report.push_str("\nIf the new output is right: MVC_BLESS=1 cargo test --test generators\n");
        panic!("{report}");
    }
}

/// One case folder's `case.toml`.
#[derive(Debug)]
struct Case {
    /// Commands run before the one under test: a first `new` runs in the
    /// temporary directory, the others in `cwd`.
    setup: Vec<Vec<String>>,
    /// The command under test, run in `cwd`.
    command: Vec<String>,
    /// Its expected exit code.
    status: i32,
    /// Where the commands run, relative to the temporary directory; by
    /// default the directory the first setup `new` created, or the
    /// temporary directory itself when the setup has none.
    cwd: Option<String>,
}

fn name_of(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

fn read_case(dir: &Path) -> Result<Case, String> {
    let path = dir.join("case.toml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for (key, _) in doc.iter() {
        if !["setup", "command", "status", "cwd"].contains(&key) {
            return Err(format!("case.toml: unknown key `{key}`"));
        }
    }
    let strings = |value: &toml_edit::Value, key: &str| -> Result<Vec<String>, String> {
        let error = || format!("case.toml: `{key}` must be an array of strings");
        value
            .as_array()
            .ok_or_else(error)?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(error))
            .collect()
    };
    let setup = match doc.get("setup") {
        None => Vec::new(),
        Some(item) => item
            .as_array()
            .ok_or("case.toml: `setup` must be an array of commands")?
            .iter()
            .map(|step| strings(step, "setup"))
            .collect::<Result<_, _>>()?,
    };
    let command = doc
        .get("command")
        .and_then(|item| item.as_value())
        .ok_or("case.toml: `command` is missing")?;
    let command = strings(command, "command")?;
    let status = match doc.get("status") {
        None => 0,
        Some(item) => item
            .as_integer()
            .and_then(|v| i32::try_from(v).ok())
            .ok_or("case.toml: `status` must be an integer")?,
    };
    let cwd = match doc.get("cwd") {
        None => None,
        Some(item) => Some(
            item.as_str()
                .ok_or("case.toml: `cwd` must be a string")?
                .to_string(),
        ),
    };
    Ok(Case {
        setup,
        command,
        status,
        cwd,
    })
}

/// The directory a `new` command creates (its first positional argument);
/// `None` for another command.
fn new_path(args: &[String]) -> Option<&str> {
    const WITH_VALUE: [&str; 5] = ["--name", "--database", "--license", "--repo-url", "--color"];
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            positional.push(arg.as_str());
        }
    }
    match positional[..] {
        ["new", path, ..] => Some(path),
        _ => None,
    }
}

/// Runs `cargo-mvc mvc ARGS` in `dir` as a user would, without colours
/// (unless the case asks for them) and with a fixed clock.
fn run(bin: &Bin, dir: &Path, args: &[String]) -> Result<Output, String> {
    let mut command = Command::new(&bin.path);
    if !bin.rustfmt {
        // As for `cargo fmt`, `RUSTFMT` names the rustfmt to run.
        command.env("RUSTFMT", dir.join("no-such-rustfmt"));
    }
    command.arg("mvc");
    if !args.iter().any(|a| a.starts_with("--color")) {
        command.args(["--color", "never"]);
    }
    command
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("NO_COLOR", "1")
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .map_err(|e| format!("could not run {}: {e}", bin.display()))
}

/// Every file below `dir` (not inside `.git/` or `target/`), by its path
/// relative to `dir` with `/` separators.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                let name = path.file_name().unwrap();
                if name != ".git" && name != "target" {
                    stack.push(path);
                }
            } else {
                let key = path
                    .strip_prefix(dir)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.insert(key, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The directory the commands of `case` run in, below `root`.
fn case_cwd(case: &Case, root: &Path) -> PathBuf {
    match (&case.cwd, first_new(case)) {
        (Some(cwd), _) => root.join(cwd),
        (None, Some(path)) => root.join(path),
        (None, None) => root.to_path_buf(),
    }
}

/// The directory the setup's first command creates, when it is a `new`.
fn first_new(case: &Case) -> Option<&str> {
    case.setup.first().and_then(|step| new_path(step))
}

/// `bytes` as text, with the temporary directory's paths as `[ROOT]`.
fn redact(bytes: &[u8], roots: &[&Path]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    for root in roots {
        text = text.replace(&root.display().to_string(), "[ROOT]");
    }
    text.into_bytes()
}

/// Copies the directory `from` (empty directories and file modes too) into
/// `to`.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A directory left by a setup, or why the setup failed.
type Tree = Result<Arc<TempDir>, String>;

/// The directories that setups leave, each made once: cases that start
/// with the same steps (every `destroy` starts where its `generate` case
/// ended) copy the directory instead of running the steps again.
#[derive(Default)]
struct Setups {
    trees: Mutex<HashMap<String, Arc<OnceLock<Tree>>>>,
}

impl Setups {
    /// The directory after `in/` and the first `n` steps of the setup.
    fn tree(&self, bin: &Bin, dir: &Path, case: &Case, n: usize) -> Tree {
        let key = format!(
            "{:?}\n{:?}\n{:?}",
            snapshot(&dir.join("in")),
            case.cwd,
            &case.setup[..n]
        );
        let cell = Arc::clone(self.trees.lock().unwrap().entry(key).or_default());
        cell.get_or_init(|| {
            let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
            let root = temp.path().canonicalize().map_err(|e| e.to_string())?;
            if n == 0 {
                // `in/`: files the case starts from (a workspace around the
                // application, say).
                for (path, bytes) in snapshot(&dir.join("in")) {
                    let target = root.join(path);
                    fs::create_dir_all(target.parent().unwrap()).unwrap();
                    fs::write(target, bytes).unwrap();
                }
                return Ok(Arc::new(temp));
            }
            let before = self.tree(bin, dir, case, n - 1)?;
            copy_dir(before.path(), &root).map_err(|e| e.to_string())?;
            let step = &case.setup[n - 1];
            let cwd = if n == 1 && first_new(case).is_some() {
                root.clone()
            } else {
                case_cwd(case, &root)
            };
            let output = run(bin, &cwd, step)?;
            if !output.status.success() {
                return Err(format!(
                    "setup step {n} `cargo mvc {}` failed:\n{}",
                    step.join(" "),
                    String::from_utf8_lossy(&redact(&output.stderr, &[&root, temp.path()]))
                ));
            }
            Ok(Arc::new(temp))
        })
        .clone()
    }
}

/// Runs one case and compares (or, when blessing, rewrites) its goldens;
/// returns what differs.
fn check_case(bin: &Bin, setups: &Setups, dir: &Path, bless: bool) -> Result<Vec<String>, String> {
    let case = read_case(dir)?;
    let setup = setups.tree(bin, dir, &case, case.setup.len())?;
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = temp.path().canonicalize().map_err(|e| e.to_string())?;
    copy_dir(setup.path(), &root).map_err(|e| e.to_string())?;
    let redact = |bytes: &[u8]| redact(bytes, &[&root, temp.path()]);

    let before = snapshot(&root);
    let output = run(bin, &case_cwd(&case, &root), &case.command)?;
    let after = snapshot(&root);

    let mut problems = Vec::new();
    let status = output.status.code().unwrap_or(-1);
    if status != case.status {
        problems.push(format!(
            "exit status {status}, expected {} (never blessed: set `status` in case.toml)\nstderr:\n{}",
            case.status,
            String::from_utf8_lossy(&redact(&output.stderr))
        ));
    }

    // What the command did: the files it created or changed, and the list
    // of those it removed.
    let mut actual: BTreeMap<String, Vec<u8>> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, bytes)| (path.clone(), bytes.clone()))
        .collect();
    let removed: String = before
        .keys()
        .filter(|path| !after.contains_key(*path))
        .map(|path| format!("{path}\n"))
        .collect();
    if !removed.is_empty() {
        actual.insert(REMOVED.to_string(), removed.into_bytes());
    }
    let actual_streams = BTreeMap::from([
        ("stdout".to_string(), redact(&output.stdout)),
        ("stderr".to_string(), redact(&output.stderr)),
    ]);

    let out = dir.join("out");
    let expected = snapshot(&out);
    let expected_streams: BTreeMap<String, Vec<u8>> = ["stdout", "stderr"]
        .into_iter()
        .filter_map(|stream| Some((stream.to_string(), fs::read(dir.join(stream)).ok()?)))
        .collect();

    if bless {
        write_tree(&out, &expected, &actual);
        for (stream, bytes) in &actual_streams {
            if expected_streams.get(stream) != Some(bytes) {
                fs::write(dir.join(stream), bytes).unwrap();
            }
        }
    } else {
        compare(&expected, &actual, "out/", &mut problems);
        compare(&expected_streams, &actual_streams, "", &mut problems);
    }
    Ok(problems)
}

/// Makes `out` hold exactly `actual`: writes what differs, deletes the rest
/// and the directories that leaves empty.
fn write_tree(
    out: &Path,
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
) {
    for (path, bytes) in actual {
        if expected.get(path) != Some(bytes) {
            let target = out.join(path);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::write(target, bytes).unwrap();
        }
    }
    for path in expected.keys().filter(|path| !actual.contains_key(*path)) {
        let target = out.join(path);
        fs::remove_file(&target).unwrap();
        let mut dir = target.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(out)) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// Adds one problem per file that is missing, unexpected or different.
fn compare(
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
    prefix: &str,
    problems: &mut Vec<String>,
) {
    let paths: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    for path in paths {
        let name = format!("{prefix}{path}");
        let (e, a) = (expected.get(path), actual.get(path));
        let what = match (e, a) {
            (Some(e), Some(a)) if e == a => continue,
            (Some(_), Some(_)) => "differs",
            (Some(_), None) => "is expected, but the command did not write it",
            _ => "was written by the command, but is not expected",
        };
        let (e, a) = (
            e.map_or(&[][..], Vec::as_slice),
            a.map_or(&[][..], Vec::as_slice),
        );
        problems.push(format!("{name} {what}:\n{}", diff(&name, e, a)));
    }
}

/// A unified diff, expected to actual, of the first lines that differ.
fn diff(name: &str, expected: &[u8], actual: &[u8]) -> String {
    let (Ok(expected), Ok(actual)) = (std::str::from_utf8(expected), std::str::from_utf8(actual))
    else {
        return format!(
            "  binary content differs ({} bytes expected, {} bytes actual)\n",
            expected.len(),
            actual.len()
        );
    };
    let text = similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("expected/{name}"), &format!("actual/{name}"))
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut shown: String = lines
        .iter()
        .take(DIFF_LINES)
        .map(|line| format!("  {line}\n"))
        .collect();
    if lines.len() > DIFF_LINES {
        shown.push_str(&format!(
            "  ... and {} more lines of diff\n",
            lines.len() - DIFF_LINES
        ));
    }
    shown
}
