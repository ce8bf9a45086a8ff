//! The database layer of an application made with `--database none`, added
//! by the first `generate model`: SQLite, wired in exactly where `cargo mvc
//! new` would have put it, by edits that keep the user's code.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::fields::Dialect;
use super::new;
use crate::edit::item::{self, Place};
use crate::edit::manifest;
use crate::errors::nothing_written;
use crate::names::ProjectName;
use crate::plan::Plan;
use crate::project::{Database, Project};

/// The crates of the database layer: (name, features, default features);
/// their versions are the table's (`src/versions.rs`).
const CRATES: &[(&str, &[&str], bool)] = &[
    ("chrono", &["serde"], true),
    ("rust_decimal", &["serde-str"], true),
    (
        "sqlx",
        &[
            "runtime-tokio",
            "sqlite-bundled",
            "migrate",
            "macros",
            "chrono",
            "json",
            "uuid",
        ],
        false,
    ),
    ("uuid", &["serde", "v4"], true),
];

/// The dialect of the project's database; for a project without one, the
/// SQLite layer is added to `plan` first.
pub fn ensure(plan: &mut Plan, project: &Project) -> Result<Dialect> {
    if let Some(dialect) = Dialect::of(project.database) {
        return Ok(dialect);
    }
    add_sqlite(plan, project)?;
    Ok(Dialect::Sqlite)
}

fn edit(
    plan: &mut Plan,
    rel: &str,
    f: impl FnOnce(&Path, &str) -> Result<Option<String>>,
) -> Result<()> {
    let path = PathBuf::from(rel);
    let text = plan.current(&path)?.with_context(|| {
        nothing_written(format!(
            "{rel} is missing, so the database cannot be wired in; is this an application made by `cargo mvc new`?"
        ))
    })?;
    if let Some(edited) = f(&path, &text)? {
        plan.set(&path, Some(edited));
    }
    Ok(())
}

fn add_sqlite(plan: &mut Plan, project: &Project) -> Result<()> {
    let name = ProjectName::parse(&project.name, &[]).map_err(nothing_written)?;
    let p = new::Project {
        name: name.package.clone(),
        crate_name: name.krate.clone(),
        env_prefix: name.env_prefix.clone(),
        title: name.title.clone(),
        description: String::new(),
        redis: false,
        http_client: false,
        openapi: project.openapi,
        database_name: Database::Sqlite,
        database: true,
        sqlite: true,
        postgres: false,
        docker: false,
        helm: false,
        actions: false,
        license: None,
        repo_url: None,
        year: String::new(),
        copyright_holder: String::new(),
        rust_version: new::RUST_VERSION.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        versions: crate::versions::context(),
        workspace_member: false,
    };
    for (path, contents) in new::database_files(&p) {
        plan.create(path, contents);
    }
    // `sqlx::migrate!()` needs the folder even when no migration is left.
    plan.create("migrations/.gitkeep", "");
    edit(plan, "Cargo.toml", |path, text| {
        let mut text = text.to_string();
        for (krate, features, default_features) in CRATES {
            if let Some(t) = manifest::add_dependency_with(
                path,
                &text,
                krate,
                crate::versions::version(krate),
                features,
                *default_features,
            )? {
                text = t;
            }
        }
        if let Some(t) = manifest::set_mvc_setting(path, &text, "database", "sqlite")? {
            text = t;
        }
        Ok(Some(text))
    })?;
    let krate = &name.krate;
    let edits: Vec<(&str, Place, String)> = vec![
        (
            "src/config.rs",
            Place::StructFields("Settings"),
            "pub database: crate::db::DatabaseSettings,".to_string(),
        ),
        (
            "src/config.rs",
            Place::StructLiteral {
                function: "from_lookup",
                path: "Self",
            },
            "database: crate::db::DatabaseSettings::read(&env)?,".to_string(),
        ),
        (
            "src/app/state.rs",
            Place::StructFields("AppState"),
            "pub db: crate::db::Pool,".to_string(),
        ),
        (
            "src/app/state.rs",
            Place::FnStart("new"),
            "let db = crate::db::pool(&settings.database)?;".to_string(),
        ),
        (
            "src/app/state.rs",
            Place::StructLiteral {
                function: "new",
                path: "Self",
            },
            "db,".to_string(),
        ),
        (
            "src/app/state.rs",
            Place::FnStart("check"),
            "crate::db::ping(&self.db).await?;".to_string(),
        ),
        (
            "src/app/state.rs",
            Place::FnStart("close"),
            "self.db.close().await;".to_string(),
        ),
        (
            "src/server.rs",
            Place::AfterLet {
                function: "bind",
                binding: "state",
            },
            "crate::db::migrate_on_start(&state.db, &state.settings.database).await?;".to_string(),
        ),
        (
            "src/cli.rs",
            Place::EnumVariants("Command"),
            "/// Apply the pending database migrations (or roll back, or list them)\nMigrate(crate::db::MigrateArgs),".to_string(),
        ),
        (
            "src/cli.rs",
            Place::MatchArms("execute"),
            "Command::Migrate(args) => {\n    let settings = Settings::from_lookup(env)?;\n    let report = crate::db::migrate_command(&args, &settings)?;\n    println!(\"{report}\");\n    Ok(())\n}".to_string(),
        ),
        (
            "tests/api/helpers.rs",
            Place::StructLiteral {
                function: "test_settings",
                path: "Settings",
            },
            format!("database: {krate}::db::DatabaseSettings::for_tests(),"),
        ),
    ];
    // The `mod` lines, where `cargo mvc new` puts them.
    for (file, module) in [("src/lib.rs", "db"), ("src/app/models/mod.rs", "fields")] {
        edit(plan, file, |path, text| {
            Ok(crate::edit::rust::insert_mod(
                path, text, module, "pub mod",
            )?)
        })?;
    }
    for (file, place, snippet) in edits {
        // A project without integration tests has no helpers to edit.
        if file.starts_with("tests/") && plan.current(Path::new(file))?.is_none() {
            continue;
        }
        edit(plan, file, |path, text| {
            Ok(item::insert(path, text, place, &snippet)?)
        })?;
    }
    Ok(())
}
