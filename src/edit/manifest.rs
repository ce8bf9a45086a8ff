//! Edits of the application's Cargo.toml with toml_edit: a dependency is
//! added or removed, everything else (order, comments, formatting) stays.

use std::path::Path;

use toml_edit::{DocumentMut, Item, value};

use super::rust::Edited;

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}\n\nnothing was written; fix the manifest and run the command again")]
pub struct ManifestError {
    file: String,
    message: String,
}

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
                features
                    .iter()
                    .copied()
                    .collect::<toml_edit::Array>()
                    .into(),
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
    if mvc.get(key).and_then(Item::as_str) == Some(setting) {
        return Ok(None);
    }
    mvc.insert(key, value(setting));
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

    #[test]
    fn a_broken_manifest_is_an_error() {
        let err = add_dependency(Path::new("Cargo.toml"), "[dependencies\n", "x", "1").unwrap_err();
        assert!(err.to_string().starts_with("Cargo.toml:"), "{err}");
    }
}
