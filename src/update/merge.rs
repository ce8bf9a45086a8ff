//! Three-way merges: of a text file (what the old templates wrote, what the
//! user has, what the new templates write) with git-style conflict
//! markers, and of `Cargo.toml` with toml_edit, key by key, which never
//! writes markers.

use toml_edit::{DocumentMut, Item, Table};

/// The label of the user's side of a conflict.
pub const YOURS: &str = "yours";

/// The outcome of merging one text file.
#[derive(Debug, PartialEq, Eq)]
pub enum Text {
    /// Both sides' changes, merged.
    Clean(String),
    /// The merge with git-style markers around each overlapping change.
    Conflict(String),
}

/// Merges `base → yours` and `base → theirs`; `from` and `to` name the
/// templates versions in the markers.
pub fn text(base: &str, yours: &str, theirs: &str, from: i64, to: i64) -> Text {
    match diffy::merge(base, yours, theirs) {
        Ok(merged) => Text::Clean(merged),
        Err(marked) => Text::Conflict(relabel(&marked, from, to)),
    }
}

/// diffy's `ours`/`original`/`theirs` markers, named for the user.
fn relabel(marked: &str, from: i64, to: i64) -> String {
    let mut out = String::with_capacity(marked.len() + 64);
    for line in marked.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let body = match body {
            "<<<<<<< ours" => format!("<<<<<<< {YOURS}"),
            "||||||| original" => format!("||||||| templates {from}"),
            ">>>>>>> theirs" => format!(">>>>>>> templates {to}"),
            other => other.to_string(),
        };
        out.push_str(&body);
        out.push_str(end);
    }
    out
}

/// Whether `text` holds a conflict marker at the start of a line.
pub fn has_markers(text: &str) -> bool {
    let mut open = false;
    for line in text.lines() {
        if line.starts_with("<<<<<<< ") {
            open = true;
        } else if open && line.starts_with(">>>>>>> ") {
            return true;
        }
    }
    false
}

/// A value the templates changed that the user had changed too: the
/// user's is kept.
#[derive(Debug, PartialEq, Eq)]
pub struct Clash {
    /// `dependencies.tokio`.
    pub key: String,
    pub yours: Option<String>,
    pub theirs: Option<String>,
}

/// Merges the templates' change of a manifest (`base` → `theirs`) into
/// the user's (`yours`), key by key: a key the user left as the old
/// templates had it takes the new value (or goes, if the new templates
/// dropped it); a key the user changed or removed keeps the user's
/// choice, and if the templates changed it too, that is a [`Clash`].
/// Comments, order and layout of `yours` are kept. `None` when one of
/// the three is not valid TOML.
pub fn manifest(base: &str, yours: &str, theirs: &str) -> Option<(String, Vec<Clash>)> {
    let base: DocumentMut = base.parse().ok()?;
    let mut doc: DocumentMut = yours.parse().ok()?;
    let theirs: DocumentMut = theirs.parse().ok()?;
    let mut clashes = Vec::new();
    merge_table(
        base.as_table(),
        doc.as_table_mut(),
        theirs.as_table(),
        "",
        &mut clashes,
    );
    Some((doc.to_string(), clashes))
}

/// A value as text without its comments and spacing, for comparing.
fn shown(item: &Item) -> String {
    match item {
        Item::Value(v) => {
            let mut v = v.clone();
            v.decor_mut().clear();
            if let Some(t) = v.as_inline_table_mut() {
                let table = t.clone().into_table();
                return shown(&Item::Table(table));
            }
            v.to_string().trim().to_string()
        }
        Item::Table(t) => {
            let mut parts: Vec<String> =
                t.iter().map(|(k, v)| format!("{k}={}", shown(v))).collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
        Item::ArrayOfTables(a) => {
            let parts: Vec<String> = a.iter().map(|t| shown(&Item::Table(t.clone()))).collect();
            format!("[{}]", parts.join(","))
        }
        Item::None => String::new(),
    }
}

fn is_table(item: Option<&Item>) -> bool {
    matches!(item, Some(Item::Table(_)))
}

fn merge_table(base: &Table, yours: &mut Table, theirs: &Table, at: &str, out: &mut Vec<Clash>) {
    let mut keys: Vec<String> = base.iter().map(|(k, _)| k.to_string()).collect();
    for (k, _) in theirs.iter() {
        if !keys.iter().any(|have| have == k) {
            keys.push(k.to_string());
        }
    }
    for key in keys {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        let b = base.get(&key);
        let t = theirs.get(&key);
        if is_table(b) || is_table(t) {
            // A table: merged key by key when both sides still have it.
            let empty = Table::new();
            let bt = b.and_then(Item::as_table).unwrap_or(&empty);
            let tt = t.and_then(Item::as_table).unwrap_or(&empty);
            match yours.get_mut(&key) {
                Some(Item::Table(y)) => merge_table(bt, y, tt, &path, out),
                None if b.is_none() => {
                    if let Some(t) = t {
                        yours.insert(&key, t.clone());
                    }
                }
                // Removed by the user (or made something else): theirs.
                _ => {
                    if shown_opt(b) != shown_opt(t) {
                        out.push(Clash {
                            key: path,
                            yours: yours.get(&key).map(shown),
                            theirs: t.map(shown),
                        });
                    }
                }
            }
            continue;
        }
        let (bs, ts) = (shown_opt(b), shown_opt(t));
        if bs == ts {
            continue;
        }
        let ys = shown_opt(yours.get(&key));
        if ys == bs {
            match t {
                Some(t) => match yours.get_mut(&key) {
                    Some(Item::Value(y)) if t.is_value() => {
                        let decor = y.decor().clone();
                        let mut v = t.as_value().expect("a value").clone();
                        *v.decor_mut() = decor;
                        *y = v;
                    }
                    _ => {
                        yours.insert(&key, t.clone());
                    }
                },
                None => {
                    yours.remove(&key);
                }
            }
        } else if ys != ts {
            out.push(Clash {
                key: path,
                yours: ys,
                theirs: ts,
            });
        }
    }
}

fn shown_opt(item: Option<&Item>) -> Option<String> {
    item.map(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[package]\nname = \"blog\"\n\n[dependencies]\naxum = \"0.8.1\"\nserde = { version = \"1.0.1\", features = [\"derive\"] }\ntokio = \"1.40.0\"\nold = \"1\"\n";
    const THEIRS: &str = "[package]\nname = \"blog\"\n\n[dependencies]\naxum = \"0.8.9\"\nserde = { version = \"1.0.9\", features = [\"derive\"] }\ntokio = \"1.54.1\"\ntower-http = \"0.7\"\n\n[lints.rust]\nunsafe_code = \"forbid\"\n";

    #[test]
    fn bumps_what_the_user_left_and_keeps_what_the_user_chose() {
        let yours = "[package]\nname = \"blog\"\n\n[dependencies]\n# the runtime\naxum = \"0.8.1\" # web\nserde = { version = \"1.0.1\", features = [\"derive\"] }\ntokio = \"=1.41.0\" # pinned for our fork\nold = \"1\"\nmine = \"2\"\n";
        let (merged, clashes) = manifest(BASE, yours, THEIRS).expect("valid TOML");
        assert!(
            merged.contains("# the runtime\naxum = \"0.8.9\" # web\n"),
            "{merged}"
        );
        assert!(
            merged.contains("serde = { version = \"1.0.9\", features = [\"derive\"] }"),
            "{merged}"
        );
        assert!(
            merged.contains("tokio = \"=1.41.0\" # pinned for our fork"),
            "{merged}"
        );
        assert!(merged.contains("mine = \"2\""), "{merged}");
        assert!(!merged.contains("old = "), "{merged}");
        assert!(merged.contains("tower-http = \"0.7\""), "{merged}");
        assert!(
            merged.contains("[lints.rust]\nunsafe_code = \"forbid\""),
            "{merged}"
        );
        assert_eq!(
            clashes,
            vec![Clash {
                key: "dependencies.tokio".into(),
                yours: Some("\"=1.41.0\"".into()),
                theirs: Some("\"1.54.1\"".into()),
            }]
        );
    }

    #[test]
    fn a_dependency_the_user_removed_stays_removed() {
        let yours = "[package]\nname = \"blog\"\n\n[dependencies]\naxum = \"0.8.1\"\nserde = { version = \"1.0.1\", features = [\"derive\"] }\ntokio = \"1.40.0\"\n";
        let (merged, clashes) = manifest(BASE, yours, THEIRS).expect("valid TOML");
        assert!(!merged.contains("old ="));
        assert!(clashes.is_empty(), "{clashes:?}");
        // Merging again changes nothing.
        let (again, _) = manifest(THEIRS, &merged, THEIRS).expect("valid TOML");
        assert_eq!(again, merged);
    }

    #[test]
    fn overlapping_changes_are_marked_git_style() {
        let base = "a\nb\nc\n";
        let merged = text(base, "a\nmine\nc\n", "a\ntheirs\nc\n", 1, 2);
        assert_eq!(
            merged,
            Text::Conflict(
                "a\n<<<<<<< yours\nmine\n||||||| templates 1\nb\n=======\ntheirs\n>>>>>>> templates 2\nc\n"
                    .into()
            )
        );
        let Text::Conflict(marked) = merged else {
            unreachable!()
        };
        assert!(has_markers(&marked));
        assert!(!has_markers("<<<<<<< only an opening\n"));
        assert_eq!(
            text(base, "a\nb\nc\nd\n", "z\nb\nc\n", 1, 2),
            Text::Clean("z\nb\nc\nd\n".into())
        );
    }
}
