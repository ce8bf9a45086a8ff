//! Edits of the application's Cargo.toml with toml_edit: a dependency is
//! added or removed, everything else (order, comments, formatting) stays.
//! Also the one edit outside an application: a new app joins the `members`
//! of the workspace around it, as with `cargo new`.

use std::path::Path;

use toml_edit::{Array, DocumentMut, Item, Value, value};

use super::rust::Edited;

/// A manifest that could not be edited.
#[derive(Debug)]
pub struct ManifestError {
    file: String,
    message: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::errors::write(
            f,
            format_args!("{}: {}", self.file, self.message),
            Some("fix the manifest and run the command again"),
        )
    }
}

impl std::error::Error for ManifestError {}

fn parse(file: &Path, text: &str) -> Result<DocumentMut, ManifestError> {
    text.parse()
        .map_err(|e: toml_edit::TomlError| ManifestError {
            file: file.display().to_string(),
            message: e.to_string(),
        })
}

/// Adds `name = "version"` under `[dependencies]`, at its sorted place when
/// the table is sorted, else at the end. `None` when the crate is there.
pub fn add_dependency(
    file: &Path,
    text: &str,
    name: &str,
    version: &str,
) -> Result<Edited, ManifestError> {
    add_dependency_with(file, text, name, version, &[], true)
}

/// [`add_dependency`] with `features`, and `default-features = false` unless
/// `default_features`.
pub fn add_dependency_with(
    file: &Path,
    text: &str,
    name: &str,
    version: &str,
    features: &[&str],
    default_features: bool,
) -> Result<Edited, ManifestError> {
    let mut doc = parse(file, text)?;
    let Some(table) = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
    else {
        return Err(ManifestError {
            file: file.display().to_string(),
            message: "there is no [dependencies] table".to_string(),
        });
    };
    if table.contains_key(name) {
        return Ok(None);
    }
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let sorted = keys.windows(2).all(|w| w[0] <= w[1]);
    if features.is_empty() && default_features {
        table.insert(name, value(version));
    } else {
        let mut spec = toml_edit::InlineTable::new();
        spec.insert("version", version.into());
        if !default_features {
            spec.insert("default-features", false.into());
        }
        if !features.is_empty() {
            spec.insert(
                "features",
                features.iter().copied().collect::<Array>().into(),
            );
        }
        table.insert(name, value(spec));
    }
    if sorted {
        table.sort_values();
    }
    Ok(Some(doc.to_string()))
}

/// Sets `key = "value"` under `[package.metadata.mvc]`, keeping the rest of
/// the table. `None` when it already has that value.
pub fn set_mvc_setting(
    file: &Path,
    text: &str,
    key: &str,
    setting: &str,
) -> Result<Edited, ManifestError> {
    set_mvc(file, text, key, Value::from(setting))
}

/// Sets the boolean `key` of `[package.metadata.mvc]`. `None` when it is
/// already so.
pub fn set_mvc_flag(
    file: &Path,
    text: &str,
    key: &str,
    setting: bool,
) -> Result<Edited, ManifestError> {
    set_mvc(file, text, key, Value::from(setting))
}

/// Sets `key` under `[package.metadata.mvc]` to `setting`, a string or a
/// boolean. `None` when it already has that value.
fn set_mvc(file: &Path, text: &str, key: &str, setting: Value) -> Result<Edited, ManifestError> {
    let mut doc = parse(file, text)?;
    let Some(mvc) = doc
        .get_mut("package")
        .and_then(|p| p.get_mut("metadata"))
        .and_then(|m| m.get_mut("mvc"))
        .and_then(Item::as_table_like_mut)
    else {
        return Err(ManifestError {
            file: file.display().to_string(),
            message: "there is no [package.metadata.mvc] table".to_string(),
        });
    };
    let current = mvc.get(key).and_then(Item::as_value);
    let same = match (current, &setting) {
        (Some(Value::String(a)), Value::String(b)) => a.value() == b.value(),
        (Some(Value::Boolean(a)), Value::Boolean(b)) => a.value() == b.value(),
        _ => false,
    };
    if same {
        return Ok(None);
    }
    mvc.insert(key, Item::Value(setting));
    Ok(Some(doc.to_string()))
}

/// Removes `name` from `[dependencies]`. `None` when it is not there.
pub fn remove_dependency(file: &Path, text: &str, name: &str) -> Result<Edited, ManifestError> {
    let mut doc = parse(file, text)?;
    let removed = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(name));
    Ok(removed.map(|_| doc.to_string()))
}

/// Builds `packages` optimized in the dev profile
/// (`[profile.dev.package.NAME] opt-level = 3`), the first with `why` as its
/// comment. `None` when each already has a table there.
pub fn optimize_in_dev(
    file: &Path,
    text: &str,
    packages: &[&str],
    why: &str,
) -> Result<Edited, ManifestError> {
    let mut doc = parse(file, text)?;
    let error = |key: &str| ManifestError {
        file: file.display().to_string(),
        message: format!("`{key}` is not a table"),
    };
    let mut table: &mut toml_edit::Table = doc.as_table_mut();
    for key in ["profile", "dev", "package"] {
        table = table
            .entry(key)
            .or_insert_with(|| {
                let mut t = toml_edit::Table::new();
                t.set_implicit(true);
                Item::Table(t)
            })
            .as_table_mut()
            .ok_or_else(|| error(key))?;
    }
    let mut changed = false;
    for package in packages {
        if table.contains_key(package) {
            continue;
        }
        let mut settings = toml_edit::Table::new();
        settings.insert("opt-level", value(3));
        if !changed {
            let comment: String = why.lines().map(|l| format!("# {l}\n")).collect();
            settings.decor_mut().set_prefix(format!("\n{comment}"));
        }
        table.insert(package, Item::Table(settings));
        changed = true;
    }
    Ok(changed.then(|| doc.to_string()))
}

/// Takes out the tables [`optimize_in_dev`] added for `packages`, and the
/// `[profile.dev]` tables left empty. `None` when none is there.
pub fn unoptimize_in_dev(
    file: &Path,
    text: &str,
    packages: &[&str],
) -> Result<Edited, ManifestError> {
    let mut doc = parse(file, text)?;
    let Some(profile) = doc.get_mut("profile").and_then(Item::as_table_mut) else {
        return Ok(None);
    };
    let Some(dev) = profile.get_mut("dev").and_then(Item::as_table_mut) else {
        return Ok(None);
    };
    let Some(table) = dev.get_mut("package").and_then(Item::as_table_mut) else {
        return Ok(None);
    };
    let mut changed = false;
    for package in packages {
        changed |= table.remove(package).is_some();
    }
    if table.is_empty() && table.is_implicit() {
        dev.remove("package");
    }
    if dev.is_empty() && dev.is_implicit() {
        profile.remove("dev");
    }
    if profile.is_empty() && profile.is_implicit() {
        doc.remove("profile");
    }
    Ok(changed.then(|| doc.to_string()))
}

/// Where a new package stands with a manifest that may be a workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// The manifest has no `[workspace]` table.
    NotARoot,
    /// The workspace's `exclude` leaves the package out.
    Excluded,
    /// A `members` entry (the path itself, or a glob) already takes it in.
    Listed,
    /// The manifest's new text, with the package added to `members`.
    Added(String),
}

impl ManifestError {
    /// The file and what is wrong with it, without the advice of the
    /// error's full message.
    pub fn detail(&self) -> String {
        format!("{}: {}", self.file, self.message)
    }
}

/// Adds `member` (a path relative to the manifest's directory, with `/`
/// separators) to `[workspace] members` as cargo expects it there: nothing
/// when a members entry already matches it, as path or glob, or when
/// `exclude` names it or a directory above it (cargo's own reading of those
/// lists); else at its sorted place when the list is sorted, else at the
/// end, in the list's own layout.
pub fn add_workspace_member(
    file: &Path,
    text: &str,
    member: &str,
) -> Result<Membership, ManifestError> {
    let error = |message: String| ManifestError {
        file: file.display().to_string(),
        message,
    };
    let mut doc = parse(file, text)?;
    let Some(workspace) = doc.get_mut("workspace") else {
        return Ok(Membership::NotARoot);
    };
    let Some(workspace) = workspace.as_table_like_mut() else {
        return Err(error("`workspace` is not a table".to_string()));
    };
    let strings = |key: &str| -> Result<Vec<String>, ManifestError> {
        match workspace.get(key) {
            None => Ok(Vec::new()),
            Some(item) => {
                let array = item
                    .as_array()
                    .ok_or_else(|| error(format!("`workspace.{key}` is not an array")))?;
                array
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            error(format!(
                                "`workspace.{key}` has a value that is not a string: {v}"
                            ))
                        })
                    })
                    .collect()
            }
        }
    };
    let members = strings("members")?;
    let exclude = strings("exclude")?;

    let target = segments(member);
    // Cargo: excluded when under an `exclude` path, unless also under a
    // `members` entry read as a plain path.
    let under = |entry: &String| target.starts_with(&segments(entry));
    if exclude.iter().any(under) && !members.iter().any(under) {
        return Ok(Membership::Excluded);
    }
    let options = glob::MatchOptions {
        case_sensitive: true,
        // Cargo expands members on the file system, one segment per `*`.
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let member = target.join("/");
    for entry in &members {
        let pattern = glob::Pattern::new(&segments(entry).join("/")).map_err(|e| {
            error(format!(
                "`workspace.members` entry `{entry}` is not a valid glob: {e}"
            ))
        })?;
        if pattern.matches_with(&member, options) {
            return Ok(Membership::Listed);
        }
    }

    match workspace.get_mut("members").and_then(Item::as_array_mut) {
        Some(array) => insert_member(array, &member),
        None => {
            let mut array = Array::new();
            array.push(member.as_str());
            workspace.insert("members", value(array));
        }
    }
    Ok(Membership::Added(doc.to_string()))
}

/// A manifest path's segments without `.` and empty ones, so that
/// `./apps/blog/` and `apps/blog` compare equal.
fn segments(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// Inserts `member` into an array of strings: sorted when it was sorted,
/// else last; laid out like its neighbours (one per line stays one per line).
fn insert_member(array: &mut Array, member: &str) {
    let names: Vec<&str> = array
        .iter()
        .map(|v| v.as_str().unwrap_or_default())
        .collect();
    let sorted = names.windows(2).all(|w| w[0] <= w[1]);
    let index = if sorted {
        names
            .iter()
            .position(|n| *n > member)
            .unwrap_or(names.len())
    } else {
        names.len()
    };
    // The whitespace before an element other than the first: a later
    // element's, else (a one-element list) the line break and indent before
    // the first, else a space. Comments stay with the element they precede.
    let prefix_of = |v: &Value| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let spacing = |p: &str| match p.rfind('\n') {
        Some(i) => p[i..].to_string(),
        None => " ".to_string(),
    };
    let between = match array.get(1).or_else(|| array.get(0)) {
        Some(v) => spacing(&prefix_of(v)),
        None => String::new(),
    };
    // What stays on the line before the new element: a comment there, not
    // trailing blanks.
    let carried = |head: &str| {
        if head.trim().is_empty() {
            between.clone()
        } else {
            format!("{head}{between}")
        }
    };
    let mut new: Value = member.into();
    new.decor_mut().set_prefix(between.clone());
    new.decor_mut().set_suffix("");
    if index == 0 && !array.is_empty() {
        // The new first element takes the old first one's place, comments
        // and all; the old first moves down a line.
        let first = array.get_mut(0).expect("not empty");
        new.decor_mut().set_prefix(prefix_of(first));
        first.decor_mut().set_prefix(between.clone());
    } else if index < array.len() {
        // A comment after the previous element stays on its line.
        let next = array.get_mut(index).expect("in bounds");
        let prefix = prefix_of(next);
        if let Some(i) = prefix.find('\n') {
            new.decor_mut().set_prefix(carried(&prefix[..i]));
            next.decor_mut().set_prefix(&prefix[i..]);
        }
    } else if array.trailing_comma() {
        // Likewise after the last one, before `]`.
        let trailing = array.trailing().as_str().unwrap_or_default().to_string();
        if let Some(i) = trailing.find('\n') {
            new.decor_mut().set_prefix(carried(&trailing[..i]));
            array.set_trailing(&trailing[i..]);
        }
    } else if let Some(last) = index.checked_sub(1).and_then(|i| array.get_mut(i)) {
        // Without a trailing comma, what is between the last element and
        // `]` is that element's; the new last one takes it over.
        let suffix = last
            .decor()
            .suffix()
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string();
        last.decor_mut().set_suffix("");
        match suffix.find('\n') {
            Some(i) => {
                new.decor_mut().set_prefix(carried(&suffix[..i]));
                new.decor_mut().set_suffix(&suffix[i..]);
            }
            None => new.decor_mut().set_suffix(suffix),
        }
    }
    array.insert_formatted(index, new);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "[package]\nname = \"blog\"\n\n[dependencies]\n# the web framework\naxum = \"0.8.9\"\nserde = { version = \"1\", features = [\"derive\"] }  # keep\ntokio = \"1\"\n\n[dev-dependencies]\ntower = \"0.5\"\n";

    #[test]
    fn adds_in_order_and_removes_back_to_the_same_bytes() {
        let file = Path::new("Cargo.toml");
        let added = add_dependency(file, MANIFEST, "askama", "0.16.1")
            .unwrap()
            .unwrap();
        assert_eq!(
            added,
            MANIFEST.replace(
                "# the web framework\naxum",
                "askama = \"0.16.1\"\n# the web framework\naxum"
            )
        );
        assert_eq!(
            add_dependency(file, &added, "askama", "0.16.1").unwrap(),
            None
        );
        let removed = remove_dependency(file, &added, "askama").unwrap().unwrap();
        assert_eq!(removed, MANIFEST);
        assert_eq!(remove_dependency(file, MANIFEST, "askama").unwrap(), None);
    }

    #[test]
    fn an_unsorted_table_gets_the_crate_at_the_end() {
        let file = Path::new("Cargo.toml");
        let text = "[dependencies]\ntokio = \"1\"\naxum = \"0.8\"\n";
        let added = add_dependency(file, text, "askama", "0.16.1")
            .unwrap()
            .unwrap();
        assert_eq!(
            added,
            "[dependencies]\ntokio = \"1\"\naxum = \"0.8\"\naskama = \"0.16.1\"\n"
        );
    }

    #[test]
    fn features_and_settings() {
        let file = Path::new("Cargo.toml");
        let text = "[package]\nname = \"blog\"\n\n[package.metadata.mvc]\n# ours\nopenapi = true\n\n[dependencies]\naxum = \"0.8\"\n";
        let added = add_dependency_with(file, text, "sqlx", "0.9.0", &["sqlite", "migrate"], false)
            .unwrap()
            .unwrap();
        assert!(
            added.contains("sqlx = { version = \"0.9.0\", default-features = false, features = [\"sqlite\", \"migrate\"] }\n"),
            "{added}"
        );
        let set = set_mvc_setting(file, &added, "database", "sqlite")
            .unwrap()
            .unwrap();
        assert!(
            set.contains("# ours\nopenapi = true\ndatabase = \"sqlite\"\n"),
            "{set}"
        );
        assert_eq!(
            set_mvc_setting(file, &set, "database", "sqlite").unwrap(),
            None
        );
    }

    fn member(text: &str, path: &str) -> Membership {
        add_workspace_member(Path::new("Cargo.toml"), text, path).unwrap()
    }

    #[test]
    fn a_member_goes_to_its_sorted_place_in_the_lists_layout() {
        let text = "[workspace]\n# apps and libs\nmembers = [\n    # the site\n    \"blog\",\n    \"crates/core\", # shared\n    \"shop\",\n]\nresolver = \"3\"\n";
        assert_eq!(
            member(text, "docs"),
            Membership::Added(text.replace("    \"shop\",", "    \"docs\",\n    \"shop\","))
        );
        // First in order: it comes after the comment that opened the list.
        assert_eq!(
            member(text, "api"),
            Membership::Added(text.replace("    \"blog\",", "    \"api\",\n    \"blog\","))
        );
        assert_eq!(
            member(text, "web"),
            Membership::Added(text.replace("    \"shop\",", "    \"shop\",\n    \"web\","))
        );
    }

    #[test]
    fn an_unsorted_or_single_line_list_keeps_its_shape() {
        let text = "[workspace]\nmembers = [\n    \"shop\",\n    \"blog\", # last\n]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added(text.replace("# last\n", "# last\n    \"api\",\n"))
        );
        let text = "[workspace]\nmembers = [\n    \"shop\",\n    \"blog\" # last\n]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added(text.replace("\"blog\" # last\n", "\"blog\", # last\n    \"api\"\n"))
        );
        let text = "[workspace]\nmembers = [\n    \"shop\",\n    \"blog\"\n]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added(text.replace("\"blog\"\n", "\"blog\",\n    \"api\"\n"))
        );
        let text = "[workspace]\nmembers = [ \"shop\", \"blog\" ]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added("[workspace]\nmembers = [ \"shop\", \"blog\", \"api\" ]\n".into())
        );
        let text = "[workspace]\nmembers = [\"shop\", \"blog\"]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added("[workspace]\nmembers = [\"shop\", \"blog\", \"api\"]\n".into())
        );
        let text = "[workspace]\nmembers = [\"blog\"]\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added("[workspace]\nmembers = [\"api\", \"blog\"]\n".into())
        );
        let text = "[workspace]\nmembers = []\n";
        assert_eq!(
            member(text, "api"),
            Membership::Added("[workspace]\nmembers = [\"api\"]\n".into())
        );
        let text = "[package]\nname = \"root\"\n\n[workspace]\nresolver = \"3\"\n";
        assert_eq!(
            member(text, "apps/api"),
            Membership::Added(format!("{text}members = [\"apps/api\"]\n"))
        );
    }

    #[test]
    fn globs_exclusions_and_non_roots() {
        let text = "[workspace]\nmembers = [\"crates/*\", \"./tools/gen/\"]\nexclude = [\"crates/old\", \"sandbox\"]\n";
        assert_eq!(member(text, "crates/api"), Membership::Listed);
        assert_eq!(member(text, "tools/gen"), Membership::Listed);
        assert_eq!(member(text, "crates/old"), Membership::Excluded);
        assert_eq!(member(text, "sandbox/deep/app"), Membership::Excluded);
        // `*` takes one directory, as cargo's expansion on the disk does.
        assert!(matches!(
            member(text, "crates/api/v2"),
            Membership::Added(_)
        ));
        // A member path above an excluded one wins, as in cargo.
        let text = "[workspace]\nmembers = [\"sandbox\"]\nexclude = [\"sandbox/app\"]\n";
        assert!(matches!(member(text, "sandbox/app"), Membership::Added(_)));
        assert_eq!(
            member("[package]\nname = \"x\"\n", "app"),
            Membership::NotARoot
        );
        let err = add_workspace_member(
            Path::new("Cargo.toml"),
            "[workspace]\nmembers = [1]\n",
            "app",
        )
        .unwrap_err();
        assert!(err.detail().contains("not a string"), "{}", err.detail());
    }

    #[test]
    fn packages_built_optimized_in_dev_come_and_go_with_their_comment() {
        let file = Path::new("Cargo.toml");
        for before in [
            "[package]\nname = \"blog\"\n\n[profile.release]\nlto = \"thin\"\n",
            "[package]\nname = \"blog\"\n",
            "[package]\nname = \"blog\"\n\n[profile.dev]\ndebug = 0\n",
        ] {
            let after = optimize_in_dev(file, before, &["argon2", "blake2"], "Slow\nin debug")
                .unwrap()
                .unwrap();
            assert!(after.starts_with(before), "{after}");
            assert!(
                after.ends_with(
                    "\n# Slow\n# in debug\n[profile.dev.package.argon2]\nopt-level = 3\n\n[profile.dev.package.blake2]\nopt-level = 3\n"
                ),
                "{after}"
            );
            assert_eq!(
                optimize_in_dev(file, &after, &["argon2"], "x").unwrap(),
                None
            );
            let back = unoptimize_in_dev(file, &after, &["argon2", "blake2"]).unwrap();
            assert_eq!(back.as_deref(), Some(before));
            assert_eq!(unoptimize_in_dev(file, before, &["argon2"]).unwrap(), None);
        }
        let wrong = optimize_in_dev(file, "profile = 1\n", &["argon2"], "x").unwrap_err();
        assert!(
            wrong.to_string().contains("`profile` is not a table"),
            "{wrong}"
        );
    }

    #[test]
    fn a_broken_manifest_is_an_error() {
        let err = add_dependency(Path::new("Cargo.toml"), "[dependencies\n", "x", "1").unwrap_err();
        assert!(err.to_string().starts_with("Cargo.toml:"), "{err}");
    }
}
