//! `cargo mvc generate model` and `destroy model`: the model module (struct,
//! params, queries, tests), its `mod` line, and a reversible migration for
//! the project's database.

use std::path::{Path, PathBuf};

use crate::engine::vars;
use crate::layout;
use anyhow::{Result, bail};
use quote::quote;
use serde::Serialize;

use super::fields::{self, Dialect, Field, Kind, STRING_MAX};
use super::syntax;
use crate::edit::rust;
use crate::errors::nothing_written;
use crate::names::ModelName;
use crate::plan::Plan;
use crate::project::Project;

#[derive(Debug, Clone, Serialize)]
pub struct FieldCtx {
    /// The column and struct field: `title`, `post_id`.
    pub name: String,
    /// The Rust type: `Option<String>`.
    pub ty: String,
    /// `#[schema(..)]` for types utoipa does not know by itself.
    pub schema: Option<String>,
    /// `fields.take::<String>("title")`: how the request value is read.
    pub take: String,
    /// A `string`: its length is checked.
    pub string: bool,
    /// A `?` field: `Option<T>`, NULL in SQL.
    pub nullable: bool,
    /// The type is `Copy`: no `&` to bind it, no `.clone()` to copy it.
    pub copy: bool,
    /// A valid value for tests, unique by `n`.
    pub example: String,
    /// Another valid value, for update tests.
    pub changed: Option<String>,
    /// A `unique` field.
    pub unique: bool,
    /// For references: the target's module name.
    pub target: Option<String>,
    /// For references: the target's type, `Post`; empty otherwise.
    pub target_pascal: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParentCtx {
    /// The variable the tests keep the parent in: `post`.
    pub var: String,
    /// Its module: `post`.
    pub module: String,
    /// Its type: `Post`.
    pub pascal: String,
    /// For prose: `post`.
    pub human: String,
    /// The column that refers to it: `post_id`.
    pub field: String,
    /// The column is nullable.
    pub nullable: bool,
    /// The model gets the accessor `post()` (unless its name is taken).
    pub belongs: bool,
    /// The parent gets the accessor `comments()` (unless its name is taken).
    pub many: bool,
}

/// Methods every model has, which an association may not shadow.
const MODEL_METHODS: &[&str] = &["params", "create", "find", "list", "update", "delete"];

#[derive(Debug, Clone, Serialize)]
pub struct ModelCtx {
    /// The type: `BlogPost`.
    pub pascal: String,
    /// The table: `blog_posts`.
    pub table: String,
    /// For prose: `blog post`.
    pub human: String,
    /// For prose: `blog posts`.
    pub human_plural: String,
    /// The project has an OpenAPI document (the struct derives `ToSchema`).
    pub openapi: bool,
    /// The `use` declarations, in groups to be separated by a blank line.
    pub imports: Vec<String>,
    /// The fields, in the order given.
    pub fields: Vec<FieldCtx>,
    /// The longest `string` value, in characters.
    pub string_max: usize,
    /// The `CREATE TABLE` columns.
    pub columns: String,
    /// The columns of the `INSERT`.
    pub insert_columns: String,
    /// Its placeholders (`?` or `$1`…).
    pub insert_values: String,
    /// The `SET` list of the `UPDATE`.
    pub update_set: String,
    /// The placeholder number of the id in the `UPDATE`.
    pub id_param: usize,
    /// The `match` that builds the params once every field was read.
    pub from_fields: String,
    /// The example values depend on `n` (a unique field).
    pub example_n: bool,
    /// The models the fields reference.
    pub parents: Vec<ParentCtx>,
    /// Some field has another valid value, for the update tests.
    pub has_changes: bool,
    /// Every field has one.
    pub all_changed: bool,
    /// The fields a request must give.
    pub required: Vec<String>,
    /// The `use` declarations of the tests, if any.
    pub test_imports: String,
}

/// A parsed `generate model` command.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: ModelName,
    pub fields: Vec<Field>,
    /// The field the server sets to the signed-in user (a scaffold's
    /// `--owned`): read-only in the OpenAPI document.
    pub owner: Option<String>,
}

impl Model {
    pub fn parse(raw_name: &str, raw_fields: &[String]) -> Result<Self> {
        let name = ModelName::parse(raw_name).map_err(nothing_written)?;
        let reserved = ["fields", "mod"];
        if reserved.contains(&name.snake.as_str()) {
            bail!(nothing_written(format!(
                "the name `{}` is taken by the models module's own code; choose another name",
                name.snake
            )));
        }
        for ty in [
            name.pascal.clone(),
            format!("{}Page", name.pascal),
            format!("{}Params", name.pascal),
        ] {
            super::check_type_name("model", raw_name, &ty)?;
        }
        let fields = fields::parse(raw_fields)?;
        if let Some(f) = fields
            .iter()
            .find(|f| f.target.as_ref().is_some_and(|t| t.snake == name.snake))
        {
            bail!(nothing_written(format!(
                "field `{}` refers to the model being created; a model cannot refer to itself here",
                f.name
            )));
        }
        Ok(Self {
            name,
            fields,
            owner: None,
        })
    }

    pub fn file(&self) -> PathBuf {
        layout::rust_file(layout::MODELS, &self.name.snake)
    }
}

fn context(project: &Project, model: &Model) -> ModelCtx {
    let fields = &model.fields;
    let human = model.name.snake.replace('_', " ");
    let human_plural = model.name.plural.replace('_', " ");
    let chrono = if fields.iter().any(|f| f.kind == Kind::Date) {
        quote!(
            use chrono::{DateTime, NaiveDate, Utc};
        )
    } else {
        quote!(
            use chrono::{DateTime, Utc};
        )
    };
    let uuid = fields.iter().any(|f| f.kind == Kind::Uuid).then(|| {
        quote!(
            use uuid::Uuid;
        )
    });
    let db = if fields.iter().any(|f| f.kind == Kind::Decimal) {
        quote!(
            use crate::db::{Decimal, Pool};
        )
    } else {
        quote!(
            use crate::db::Pool;
        )
    };
    let imports = vec![
        syntax::items(quote! {
            #chrono
            use serde::{Deserialize, Serialize};
            #uuid
        }),
        syntax::items(quote! {
            use crate::app::errors::AppError;
            use crate::app::models::fields::Fields;
            #db
        }),
    ];
    let field_ctx: Vec<FieldCtx> = fields
        .iter()
        .map(|f| {
            let copy = matches!(
                f.kind,
                Kind::Integer
                    | Kind::Bigint
                    | Kind::Float
                    | Kind::Decimal
                    | Kind::Boolean
                    | Kind::Date
                    | Kind::Datetime
                    | Kind::Uuid
                    | Kind::References
            );
            let target = f.target.as_ref();
            FieldCtx {
                name: f.name.clone(),
                ty: f.rust_type(),
                schema: if model.owner.as_ref() == Some(&f.name) {
                    Some(syntax::attribute(quote::quote!(#[schema(read_only)])))
                } else {
                    f.schema_attr()
                },
                take: f.take(),
                string: f.kind == Kind::String,
                nullable: f.nullable,
                copy,
                example: f.example(),
                changed: f.changed(),
                unique: f.unique,
                target: target.map(|t| t.snake.clone()),
                target_pascal: target.map(|t| t.pascal.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let mut columns = vec!["id"];
    columns.extend(&names);
    columns.extend(["created_at", "updated_at"]);
    let mut insert_columns: Vec<&str> = names.clone();
    insert_columns.extend(["created_at", "updated_at"]);
    let insert_values: Vec<String> = (1..=insert_columns.len())
        .map(|i| format!("${i}"))
        .collect();
    let mut update_set: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} = ${}", i + 1))
        .collect();
    update_set.push(format!("updated_at = ${}", names.len() + 1));
    let idents: Vec<syn::Ident> = fields.iter().map(Field::ident).collect();
    // Each arm on one line, as a template writes code: rustfmt, or
    // `reflow` without it, breaks what is too long.
    let from_fields = format!(
        "match {} {{\n            {} if fields.is_valid() => {},\n            _ => Err(fields.into_error()),\n        }}",
        syntax::expr(quote!((#(#idents,)*))),
        syntax::expr(quote!((#(Some(#idents),)*))),
        syntax::expr(quote!(Ok(Self { #(#idents),* }))),
    );
    let parents: Vec<ParentCtx> = fields
        .iter()
        .filter_map(|f| f.target.as_ref().map(|t| (f, t)))
        .map(|(f, t)| ParentCtx {
            var: t.snake.clone(),
            module: t.snake.clone(),
            pascal: t.pascal.clone(),
            human: t.snake.replace('_', " "),
            field: f.name.clone(),
            nullable: f.nullable,
            belongs: !MODEL_METHODS.contains(&t.snake.as_str())
                && !t.snake.starts_with("list_by_")
                && !fields.iter().any(|g| g.name == t.snake),
            many: !MODEL_METHODS.contains(&model.name.plural.as_str()),
        })
        .collect();
    let uses_n = |k: Kind| {
        matches!(
            k,
            Kind::String
                | Kind::Text
                | Kind::Integer
                | Kind::Bigint
                | Kind::Float
                | Kind::Decimal
                | Kind::Json
        )
    };
    let changes = field_ctx.iter().filter(|f| f.changed.is_some()).count();
    let test_imports = if fields.iter().any(|f| f.unique || f.target.is_some()) {
        syntax::items(quote!(
            use crate::app::models::fields::db_error;
        ))
    } else {
        String::new()
    };
    ModelCtx {
        pascal: model.name.pascal.clone(),
        table: model.name.plural.clone(),
        human,
        human_plural,
        openapi: project.openapi,
        imports,
        string_max: STRING_MAX,
        columns: columns.join(", "),
        insert_values: insert_values.join(", "),
        insert_columns: insert_columns.join(", "),
        id_param: names.len() + 2,
        update_set: update_set.join(", "),
        from_fields,
        example_n: fields.iter().any(|f| uses_n(f.kind)),
        parents,
        has_changes: changes > 0,
        all_changed: changes == fields.len(),
        required: fields
            .iter()
            .filter(|f| !f.nullable)
            .map(|f| f.name.clone())
            .collect(),
        test_imports,
        fields: field_ctx,
    }
}

/// `CREATE TABLE` and its indexes, and the `DROP TABLE` that undoes it.
pub fn migration_sql(model: &Model, dialect: Dialect) -> (String, String) {
    let table = &model.name.plural;
    let id = match dialect {
        Dialect::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    let timestamp = match dialect {
        Dialect::Sqlite => "TEXT NOT NULL",
        Dialect::Postgres => "TIMESTAMPTZ NOT NULL",
    };
    let mut columns = vec![id.to_string()];
    for f in &model.fields {
        columns.push(f.column(dialect, &|m| m.plural.clone()));
    }
    columns.push(format!("created_at {timestamp}"));
    columns.push(format!("updated_at {timestamp}"));
    let mut up = format!(
        "-- The {} table.\nCREATE TABLE {table} (\n    {}\n);\n",
        table,
        columns.join(",\n    ")
    );
    for f in &model.fields {
        if f.unique {
            up.push_str(&format!(
                "CREATE UNIQUE INDEX index_{table}_on_{name} ON {table} ({name});\n",
                name = f.name
            ));
        } else if f.index {
            up.push_str(&format!(
                "CREATE INDEX index_{table}_on_{name} ON {table} ({name});\n",
                name = f.name
            ));
        }
    }
    let down = format!("DROP TABLE {table};\n");
    (up, down)
}

/// The migrations already in the project, oldest first.
fn migrations(root: &Path) -> Vec<super::schema::Migration> {
    super::schema::migrations_in(&super::schema::migration_files(root))
}

/// `migrations/<VERSION>_create_<table>.{up,down}.sql`: the version of an
/// existing migration for this table is kept, so a second run is identical;
/// a new one runs after every existing one, even within a second.
pub(super) fn migration_paths(root: &Path, table: &str, version: &str) -> (PathBuf, PathBuf) {
    let existing = migrations(root);
    let name = format!("create_{table}");
    let version = match existing.iter().find(|m| m.name == name) {
        Some(m) => m.version.to_string(),
        None => super::migration::next_version(&existing, version),
    };
    let dir = Path::new(layout::MIGRATIONS);
    (
        dir.join(format!("{version}_{name}.up.sql")),
        dir.join(format!("{version}_{name}.down.sql")),
    )
}

/// The files of existing migrations creating `table`.
fn existing_migrations(root: &Path, table: &str) -> Vec<PathBuf> {
    let name = format!("create_{table}");
    migrations(root)
        .into_iter()
        .filter(|m| m.name == name)
        .flat_map(|m| m.down.into_iter().chain(std::iter::once(m.up)))
        .map(PathBuf::from)
        .collect()
}

/// A migration version: the UTC time as `YYYYMMDDHHMMSS`.
pub fn version_now() -> String {
    version_at(super::now_secs())
}

pub fn version_at(secs: i64) -> String {
    let (y, m, d) = super::new::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Adds the model to `plan`; `version` names a new migration.
pub fn plan_model(plan: &mut Plan, project: &Project, model: &Model, version: &str) -> Result<()> {
    let dialect = super::database::ensure(plan, project)?;
    for f in &model.fields {
        if let Some(target) = &f.target {
            let file = layout::rust_file(layout::MODELS, &target.snake);
            if plan.current(&file)?.is_none() {
                bail!(nothing_written(format!(
                    "field `{}` refers to the model `{}`, which does not exist ({} is missing); generate it first: cargo mvc generate model {} ...",
                    f.name,
                    target.snake,
                    file.display(),
                    target.snake
                )));
            }
        }
    }
    let ctx = context(project, model);
    plan.create(
        model.file(),
        plan.templates()
            .render("model/model.rs", vars! { m => &ctx })?,
    );
    let module = PathBuf::from(layout::MODELS_MOD);
    let text = plan.current(&module)?.ok_or_else(|| {
        nothing_written(format!(
            "{} is missing; is this an application made by `cargo mvc new`?",
            layout::MODELS_MOD
        ))
    })?;
    let edited = rust::insert_mod(&module, &text, &model.name.snake, "pub mod")?;
    plan.set(&module, Some(edited.unwrap_or(text)));
    let (up, down) = migration_sql(model, dialect);
    let (up_path, down_path) = migration_paths(&project.root, &model.name.plural, version);
    plan.create(up_path, up);
    plan.create(down_path, down);
    super::migration::update_schema_file(plan, dialect)?;
    Ok(())
}

/// Builds the plan of `generate model`; `joins` are the models to join it
/// with, many to many (`--join`).
pub fn generate(
    project: &Project,
    name: &str,
    raw_fields: &[String],
    joins: &[String],
) -> Result<Plan> {
    let model = Model::parse(name, raw_fields)?;
    super::check_module_name(project, "model", &model.name.snake)?;
    let mut plan = Plan::new(&project.root);
    plan_model(&mut plan, project, &model, &version_now())?;
    plan_joins(&mut plan, project, &model.name, joins)?;
    Ok(plan)
}

/// The join tables of `--join`, after the model's own migration.
pub fn plan_joins(
    plan: &mut Plan,
    project: &Project,
    name: &ModelName,
    joins: &[String],
) -> Result<()> {
    for other in joins {
        super::migration::plan_join(plan, project, &name.plural, other)?;
    }
    Ok(())
}

/// The `--join` models of the recorded run of `generator` for `name`.
fn recorded_joins(project: &Project, generator: &str, name: &ModelName) -> Vec<String> {
    let Some(args) = crate::engine::record::args_of_run(&project.root, generator, &name.snake)
        .or_else(|| crate::engine::record::args_of_run(&project.root, generator, &name.pascal))
    else {
        return Vec::new();
    };
    split_joins(&args).1
}

/// A recorded model or scaffold run's arguments without `--join MODEL`,
/// and the joined models.
pub fn split_joins(args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut rest = Vec::new();
    let mut joins = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        if a == "--join" {
            joins.extend(args.next().cloned());
        } else {
            rest.push(a.clone());
        }
    }
    (rest, joins)
}

/// Takes out the join tables the model was generated with (`--join`);
/// the files that go, which no longer count as referring to the model.
pub fn unplan_joins(
    plan: &mut Plan,
    project: &Project,
    generator: &str,
    name: &ModelName,
) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for other in recorded_joins(project, generator, name) {
        removed.extend(super::migration::unplan_join(plan, &name.plural, &other)?);
    }
    Ok(removed)
}

/// Takes the model out of `plan`: its module, `mod` line and migrations.
/// The database layer stays, and so do rows in databases the migration
/// already ran on.
pub fn unplan_model(plan: &mut Plan, project: &Project, name: &ModelName) -> Result<()> {
    let module = PathBuf::from(layout::MODELS_MOD);
    if let Some(text) = plan.current(&module)? {
        let edited = rust::remove_mod(&module, &text, &name.snake)?;
        plan.set(&module, Some(edited.unwrap_or(text)));
    }
    plan.set(&layout::rust_file(layout::MODELS, &name.snake), None);
    for file in existing_migrations(&project.root, &name.plural) {
        plan.set(&file, None);
    }
    if let Some(dialect) = Dialect::of(project.database) {
        super::migration::update_schema_file(plan, dialect)?;
    }
    Ok(())
}

/// What refers to the model `name` from outside it: other models' modules
/// that use it (`super::post::`) and migrations of other tables with a
/// foreign key to its table, as `path: what` lines.
pub(super) fn referrers(root: &Path, name: &ModelName) -> Vec<String> {
    let mut found = Vec::new();
    let own = layout::rust_file(layout::MODELS, &name.snake);
    let used = format!("super::{}::", name.snake);
    for path in crate::fs::files_under(&root.join(layout::MODELS)) {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if relative == own || relative.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        if std::fs::read_to_string(&path).is_ok_and(|text| text.contains(&used)) {
            found.push(format!("{}: uses `{used}`", relative.display()));
        }
    }
    let own_migrations = existing_migrations(root, &name.plural);
    let foreign_key = format!("references {} (", name.plural);
    for m in migrations(root) {
        let relative = PathBuf::from(&m.up);
        if own_migrations.contains(&relative) {
            continue;
        }
        let text = std::fs::read_to_string(root.join(&relative)).unwrap_or_default();
        let lower = text.to_lowercase();
        if lower.contains(&foreign_key) || lower.contains(&foreign_key.replace(" (", "(")) {
            found.push(format!(
                "{}: a foreign key to `{}`",
                relative.display(),
                name.plural
            ));
        } else if super::schema::mentions(&text, &name.plural) {
            // A later migration of the table (`add_email_to_posts`): it
            // would fail once the table is no longer created.
            found.push(format!(
                "{}: a migration of `{}` (`cargo mvc destroy migration` removes it)",
                relative.display(),
                name.plural
            ));
        }
    }
    found
}

/// Refuses to take out a model that other models or tables refer to: the
/// application would no longer build, and its next migration would fail.
pub fn check_unreferenced(
    project: &Project,
    name: &ModelName,
    force: bool,
    going: &[PathBuf],
) -> Result<()> {
    let referrers: Vec<String> = referrers(&project.root, name)
        .into_iter()
        .filter(|r| {
            !going
                .iter()
                .any(|g| r.starts_with(&format!("{}:", g.display())))
        })
        .collect();
    if force || referrers.is_empty() {
        return Ok(());
    }
    bail!(nothing_written(format!(
        "the model `{}` is still referred to:\n  {}\ndestroy those first (for a model: `cargo mvc destroy model NAME`), or pass --force to destroy `{}` anyway",
        name.snake,
        referrers.join("\n  "),
        name.snake
    )))
}

/// Builds the plan of `destroy model`.
pub fn destroy(project: &Project, name: &str, force: bool) -> Result<Plan> {
    let name = ModelName::parse(name).map_err(nothing_written)?;
    super::authentication::check_not_ours(project, &name.snake)?;
    let mut plan = Plan::new(&project.root);
    let going = unplan_joins(&mut plan, project, "model", &name)?;
    check_unreferenced(project, &name, force, &going)?;
    let file = layout::rust_file(layout::MODELS, &name.snake);
    if !project.root.join(&file).exists()
        && existing_migrations(&project.root, &name.plural).is_empty()
    {
        bail!(nothing_written(format!(
            "there is no model `{}` to destroy: {} does not exist and no migration creates `{}`",
            name.snake,
            file.display(),
            name.plural
        )));
    }
    unplan_model(&mut plan, project, &name)?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_utc_timestamps() {
        assert_eq!(version_at(0), "19700101000000");
        assert_eq!(version_at(1_795_840_496), "20261128043456");
    }

    #[test]
    fn migrations_for_each_database() {
        let raw: Vec<String> = ["title:string:unique", "post:references", "price:decimal?"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let model = Model::parse("comment", &raw).unwrap();
        let (up, down) = migration_sql(&model, Dialect::Postgres);
        assert!(up.contains("CREATE TABLE comments (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    title VARCHAR(255) NOT NULL,\n    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,\n    price NUMERIC,\n"), "{up}");
        assert!(up.contains("CREATE UNIQUE INDEX index_comments_on_title ON comments (title);"));
        assert!(up.contains("CREATE INDEX index_comments_on_post_id ON comments (post_id);"));
        assert_eq!(down, "DROP TABLE comments;\n");
        let (up, _) = migration_sql(&model, Dialect::Sqlite);
        assert!(up.contains("id INTEGER PRIMARY KEY AUTOINCREMENT"), "{up}");
        assert!(up.contains("price TEXT,"), "{up}");
    }

    #[test]
    fn a_model_cannot_refer_to_itself() {
        let err = Model::parse("post", &["post:references".to_string()]).unwrap_err();
        assert!(err.to_string().contains("refer to itself"), "{err}");
    }
}
