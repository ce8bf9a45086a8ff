//! The versions of the crates generated applications depend on, pinned in
//! one table: the templates read them through their context (`versions`,
//! e.g. `<@ p.versions.axum @>`), the generators through [`version`].

use std::collections::BTreeMap;

/// Every crate a generator writes into an application's Cargo.toml, and the
/// version the generated code is tested with.
pub const CRATES: &[(&str, &str)] = &[
    ("anyhow", "1.0.105"),
    ("argon2", "0.6.0"),
    ("askama", "0.16.1"),
    ("axum", "0.8.9"),
    ("chrono", "0.4.45"),
    ("clap", "4.6.9"),
    ("getrandom", "0.4.3"),
    ("hmac", "0.13.0"),
    ("http-body-util", "0.1.3"),
    ("hyper", "1.12.0"),
    ("hyper-util", "0.1.21"),
    ("lettre", "0.11.23"),
    ("listenfd", "1.0.2"),
    ("opentelemetry", "0.33.1"),
    ("opentelemetry-http", "0.33.1"),
    ("opentelemetry-otlp", "0.33.1"),
    ("opentelemetry_sdk", "0.33.1"),
    ("prometheus-client", "0.26.0"),
    ("redis", "1.8.1"),
    ("reqwest", "0.13.5"),
    ("rust_decimal", "1.43.0"),
    ("rustls", "0.23.46"),
    ("serde", "1.0.229"),
    ("serde_json", "1.0.154"),
    ("sha2", "0.11.1"),
    ("sqlx", "0.9.0"),
    ("thiserror", "2.0.21"),
    ("tokio", "1.54.1"),
    ("tower", "0.5.3"),
    ("tower-http", "0.7.1"),
    ("tracing", "0.1.44"),
    ("tracing-appender", "0.2.5"),
    ("tracing-opentelemetry", "0.34.0"),
    ("tracing-subscriber", "0.3.23"),
    ("utoipa", "6.0.0"),
    ("utoipa-scalar", "0.4.0"),
    ("uuid", "1.29.3"),
];

/// The version of `krate` the table pins.
///
/// # Panics
///
/// When the table has no such crate: a generator asking for one is a bug.
pub fn version(krate: &str) -> &'static str {
    CRATES
        .iter()
        .find(|(name, _)| *name == krate)
        .map(|(_, version)| *version)
        .unwrap_or_else(|| panic!("no version of `{krate}` in src/versions.rs"))
}

/// The table as the templates see it: `versions.axum`,
/// `versions["http-body-util"]`.
pub fn context() -> BTreeMap<&'static str, &'static str> {
    CRATES.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dependencies and versions of a Cargo.toml's dependency tables
    /// (`name = "1"` or `name = { version = "1", .. }`).
    pub fn pinned(manifest: &str) -> Vec<(String, String)> {
        let doc: toml_edit::DocumentMut = manifest.parse().expect("valid TOML");
        let mut out = Vec::new();
        for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let Some(deps) = doc.get(table).and_then(|t| t.as_table_like()) else {
                continue;
            };
            for (name, dep) in deps.iter() {
                let version = dep
                    .as_str()
                    .or_else(|| dep.get("version").and_then(|v| v.as_str()))
                    .unwrap_or_else(|| panic!("`{name}` has a version"));
                out.push((name.to_string(), version.to_string()));
            }
        }
        out
    }

    #[test]
    fn the_table_is_sorted_and_names_each_crate_once() {
        let names: Vec<&str> = CRATES.iter().map(|(name, _)| *name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    /// Every version `new` writes, whatever its options, is the table's;
    /// and every crate of the table is written by `new` or named by a
    /// generator (`askama`, by the HTML views; authentication's crates).
    #[test]
    fn new_writes_the_versions_of_the_table() {
        use crate::generate::new::{License, Options, files, project};
        use crate::project::Database;
        let mut written = std::collections::BTreeSet::new();
        for database in [Database::Sqlite, Database::Postgres, Database::None] {
            for on in [true, false] {
                let options = Options {
                    path: "blog".into(),
                    name: None,
                    database,
                    redis: on,
                    http_client: on,
                    openapi: on,
                    metrics: on,
                    otel: on,
                    docker: on,
                    helm: on,
                    actions: on,
                    git: false,
                    install: false,
                    license: License::None,
                    repo_url: None,
                    pretend: true,
                    force: false,
                };
                let p = project(&options).expect("a valid project");
                let (_, manifest) = files(&p)
                    .into_iter()
                    .find(|(path, _)| path == crate::layout::MANIFEST)
                    .expect("new writes a manifest");
                for (name, pinned) in pinned(&manifest) {
                    assert_eq!(pinned, version(&name), "{name} in {database:?}");
                    written.insert(name);
                }
            }
        }
        for (name, _) in CRATES {
            assert!(
                written.contains(*name)
                    || *name == "askama"
                    || crate::generate::authentication::CRATES.contains(name),
                "`{name}` is pinned but no generator writes it"
            );
        }
    }

    /// The example generator (copied into projects as it is, not rendered)
    /// pins the same versions in its dependency steps.
    #[test]
    fn the_example_generator_pins_the_versions_of_the_table() {
        let text = crate::engine::builtin_template("generator/generator.toml")
            .expect("the example generator's manifest");
        let manifest: toml_edit::DocumentMut = text.parse().expect("valid TOML");
        let steps = manifest["wire"]
            .as_array_of_tables()
            .expect("[[wire]] steps");
        let mut seen = 0;
        for step in steps.iter() {
            if step.get("kind").and_then(|k| k.as_str()) != Some("dependency") {
                continue;
            }
            let name = step["crate"].as_str().expect("a crate name");
            let pinned = step["version"].as_str().expect("a version");
            assert_eq!(pinned, version(name), "{name}");
            seen += 1;
        }
        assert!(seen > 0, "the example declares dependencies");
    }
}
