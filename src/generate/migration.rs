//! `cargo mvc generate migration NAME [FIELD…]` and `destroy migration`:
//! a reversible pair of SQL files under `migrations/`, written for the
//! project's database from the name, by the conventions of Rails and loco
//! (`add_email_to_users email:string?`, `remove_age_from_users`,
//! `rename_title_to_headline_in_posts`, …), and `db/schema.sql`, the
//! schema they leave.
//!
//! What a table looks like comes from replaying the migrations
//! ([`schema`]), so a table's own indexes, checks and triggers are kept by
//! changes SQLite can only make by rebuilding the table.

use std::path::Path;

use anyhow::{Result, bail};
use heck::ToSnakeCase;

use super::fields::{self, Dialect, Field, Kind};
use super::schema::{self, Column, Index, Migration, Schema, Table};
use crate::errors::nothing_written;
use crate::layout;
use crate::names::ModelName;
use crate::plan::Plan;
use crate::project::Project;

/// The schema snapshot, at the project root.
pub const SCHEMA_FILE: &str = "db/schema.sql";

/// What a migration's name asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `add_…_to_TABLE FIELD…`
    AddColumns { table: String, fields: Vec<Field> },
    /// `remove_…_from_TABLE [COLUMN[:TYPE]…]`
    RemoveColumns {
        table: String,
        columns: Vec<(String, Option<Field>)>,
    },
    /// `rename_A_to_B_in_TABLE`
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// `change_…_in_TABLE FIELD…`
    AlterColumns { table: String, fields: Vec<Field> },
    /// `add_index_to_TABLE COLUMN[:unique]…`
    AddIndex {
        table: String,
        columns: Vec<String>,
        unique: bool,
    },
    /// `create_join_table A B`
    JoinTable { tables: [String; 2] },
    /// `drop_table TABLE`
    DropTable { table: String },
    /// Any other name: a pair to fill in.
    Empty,
}

impl Change {
    /// The table whose columns change.
    pub fn table(&self) -> Option<&str> {
        match self {
            Change::AddColumns { table, .. }
            | Change::RemoveColumns { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AlterColumns { table, .. }
            | Change::AddIndex { table, .. }
            | Change::DropTable { table } => Some(table),
            Change::JoinTable { .. } | Change::Empty => None,
        }
    }
}

/// The conventions, for errors and `--help`.
pub const CONVENTIONS: &str = "add_COLUMNS_to_TABLE FIELD..., remove_COLUMNS_from_TABLE [COLUMN...], rename_OLD_to_NEW_in_TABLE, change_COLUMNS_in_TABLE FIELD..., add_index_to_TABLE COLUMN[:unique]..., create_join_table TABLE TABLE, drop_table TABLE";

/// The options of `generate migration`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `CREATE INDEX CONCURRENTLY` (PostgreSQL), outside a transaction.
    pub concurrently: bool,
}

/// What the migrations of the project leave, and the migrations.
pub struct Current {
    pub schema: Schema,
    pub migrations: Vec<Migration>,
}

/// Replays the project's migrations (as `plan` would leave them).
pub fn current(plan: &Plan) -> Result<Current> {
    let mut files = schema::migration_files(&plan.root);
    for change in &plan.changes {
        if let Ok(rel) = change.path().strip_prefix(layout::MIGRATIONS)
            && let Some(name) = rel.to_str()
            && !files.iter().any(|f| f == name)
        {
            files.push(name.to_string());
        }
    }
    let mut migrations = Vec::new();
    let mut schema = Schema::default();
    for m in schema::migrations_in(&files) {
        let Some(sql) = plan.current(Path::new(&m.up))? else {
            continue;
        };
        schema.apply_sql(&m.up, &sql);
        migrations.push(m);
    }
    Ok(Current { schema, migrations })
}

/// The table a name points to: `users`, or the plural of `user`.
fn table_named<'a>(schema: &'a Schema, raw: &str) -> Option<&'a Table> {
    schema.table(raw).or_else(|| {
        let plural = ModelName::parse(raw).ok()?.plural;
        schema.table(&plural)
    })
}

fn tables_list(schema: &Schema) -> String {
    if schema.tables.is_empty() {
        return "there are no tables yet (`cargo mvc generate model` makes one)".into();
    }
    let mut names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    format!("the tables are {}", names.join(", "))
}

/// The existing table `raw` names, or an error listing the tables.
fn existing_table(schema: &Schema, raw: &str, name: &str) -> Result<String> {
    let Some(table) = table_named(schema, raw) else {
        bail!(nothing_written(format!(
            "the migration `{name}` names the table `{raw}`, which the migrations do not create; {}",
            tables_list(schema)
        )));
    };
    if schema::quoted(&table.name) != table.name {
        bail!(nothing_written(format!(
            "the table `{}` has a name SQL needs quoted, which this generator does not write; write this migration by hand",
            table.name
        )));
    }
    if let Some(unclear) = schema.unclear(&table.name) {
        let first = unclear.sql.lines().next().unwrap_or_default();
        bail!(
            nothing_written(format!(
                "{} changes the table `{}` with SQL cargo mvc does not interpret:\n  {first}\nso it cannot tell what the table looks like now",
                unclear.file, table.name
            ))
            .hint("write this migration by hand (`cargo mvc generate migration NAME` with a name of no convention writes an empty pair)")
        );
    }
    Ok(table.name.clone())
}

fn existing_column<'a>(table: &'a Table, name: &str) -> Result<&'a Column> {
    if schema::quoted(name) != name {
        bail!(nothing_written(format!(
            "the column `{name}` has a name SQL needs quoted, which this generator does not write; write this migration by hand"
        )));
    }
    table.column(name).ok_or_else(|| {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        nothing_written(format!(
            "the table `{}` has no column `{name}`; its columns are {}",
            table.name,
            names.join(", ")
        ))
        .into()
    })
}

/// The part of `name` between `prefix` and the last `sep`, and after it.
fn split<'a>(name: &'a str, prefix: &str, sep: &str) -> Option<(&'a str, &'a str)> {
    let rest = name.strip_prefix(prefix)?;
    let at = rest.rfind(sep)?;
    Some((&rest[..at], &rest[at + sep.len()..]))
}

/// A migration's name as a file name part: snake case, `AddEmailToUsers`
/// → `add_email_to_users`.
pub fn migration_name(raw: &str) -> Result<String> {
    let name = raw.to_snake_case();
    let ok = raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 100;
    if !ok {
        bail!(nothing_written(format!(
            "invalid migration name `{raw}`: use letters, digits and `_`, starting with a letter, at most 100 characters (e.g. `add_email_to_users`)"
        )));
    }
    Ok(name)
}

/// Reads what `name` and `args` ask for, against `schema`.
pub fn parse(schema: &Schema, name: &str, args: &[String]) -> Result<Change> {
    let no_args = |what: &str| -> Result<()> {
        if args.is_empty() {
            Ok(())
        } else {
            bail!(nothing_written(format!(
                "`{name}` {what} and takes no fields (given: {})",
                args.join(" ")
            )))
        }
    };
    if name == "create_join_table" {
        let [a, b] = args else {
            bail!(nothing_written(format!(
                "`create_join_table` takes the two tables to join, e.g. `cargo mvc generate migration create_join_table posts tags` (given: {})",
                if args.is_empty() {
                    "none".to_string()
                } else {
                    args.join(" ")
                }
            )));
        };
        let a = existing_table(schema, a, name)?;
        let b = existing_table(schema, b, name)?;
        if a == b {
            bail!(nothing_written(format!(
                "`create_join_table` joins two different tables; `{a}` is given twice"
            )));
        }
        let mut tables = [a, b];
        tables.sort();
        return Ok(Change::JoinTable { tables });
    }
    if name == "drop_table" || name.starts_with("drop_table_") {
        let raw = match (name.strip_prefix("drop_table_"), args) {
            (Some(t), []) => t.to_string(),
            (None, [t]) => t.clone(),
            _ => bail!(nothing_written(format!(
                "`{name}`: name the table once, as `drop_table TABLE` or `drop_table_TABLE`"
            ))),
        };
        let table = existing_table(schema, &raw, name)?;
        return Ok(Change::DropTable { table });
    }
    if let Some(raw) = name.strip_prefix("add_index_to_") {
        let table = existing_table(schema, raw, name)?;
        let t = schema.table(&table).expect("found above");
        if args.is_empty() {
            bail!(nothing_written(format!(
                "`{name}` needs the columns to index, e.g. `cargo mvc generate migration {name} title` (add `:unique` for a unique index)"
            )));
        }
        let mut columns = Vec::new();
        let mut unique = false;
        for a in args {
            let (column, modifier) = match a.split_once(':') {
                Some((c, m)) => (c, Some(m)),
                None => (a.as_str(), None),
            };
            match modifier {
                None => {}
                Some("unique") => unique = true,
                Some(other) => bail!(nothing_written(format!(
                    "`{a}`: unknown index modifier `{other}`; the only one is `unique`"
                ))),
            }
            existing_column(t, column)?;
            if columns.iter().any(|c| c == column) {
                bail!(nothing_written(format!("column `{column}` is given twice")));
            }
            columns.push(column.to_string());
        }
        return Ok(Change::AddIndex {
            table,
            columns,
            unique,
        });
    }
    if let Some((_, raw)) = split(name, "add_", "_to_") {
        let table = existing_table(schema, raw, name)?;
        if args.is_empty() {
            bail!(nothing_written(format!(
                "`{name}` adds columns: give them as fields, e.g. `cargo mvc generate migration {name} email:string?`"
            )));
        }
        let fields = fields::parse(args)?;
        let t = schema.table(&table).expect("found above");
        for f in &fields {
            if t.column(&f.name).is_some() {
                bail!(nothing_written(format!(
                    "the table `{table}` already has a column `{}`",
                    f.name
                )));
            }
            check_reference(schema, f)?;
            if f.target.is_some() && !f.nullable {
                bail!(
                    nothing_written(format!(
                        "field `{}`: a reference added to `{table}` must be nullable, since the rows already there refer to nothing",
                        f.name
                    ))
                    .hint(format!(
                        "write `{}:references?`; fill it in, then make it required with `change_{}_in_{table} {}:references`",
                        f.target.as_ref().map_or("", |t| t.snake.as_str()),
                        f.name,
                        f.target.as_ref().map_or("", |t| t.snake.as_str()),
                    ))
                );
            }
            if !f.nullable && f.default.is_none() {
                bail!(
                    nothing_written(format!(
                        "field `{}`: a required column added to `{table}` needs a value for the rows already there",
                        f.name
                    ))
                    .hint(format!(
                        "make it nullable (`{}:{}?`) or give it a default (`{}:{}:default=VALUE`)",
                        f.name,
                        fields::kind_name(f.kind),
                        f.name,
                        fields::kind_name(f.kind)
                    ))
                );
            }
            if f.unique && f.default.is_some() {
                bail!(nothing_written(format!(
                    "field `{}`: a unique column with a default would give every existing row the same value; make it nullable (`{}:{}?:unique`) instead",
                    f.name,
                    f.name,
                    fields::kind_name(f.kind)
                )));
            }
        }
        return Ok(Change::AddColumns { table, fields });
    }
    if let Some((middle, raw)) = split(name, "remove_", "_from_") {
        let table = existing_table(schema, raw, name)?;
        let t = schema.table(&table).expect("found above");
        let mut columns = Vec::new();
        if args.is_empty() {
            // `remove_age_from_users`: the column the name names.
            if t.column(middle).is_some() {
                existing_column(t, middle)?;
            }
            existing_column(t, middle).map_err(|_| {
                nothing_written(format!(
                    "`{name}`: give the columns to remove, e.g. `cargo mvc generate migration {name} COLUMN` (`{middle}` is not a column of `{table}`)"
                ))
            })?;
            columns.push((middle.to_string(), None));
        }
        for a in args {
            let (column, field) = if a.contains(':') {
                let f = fields::parse(std::slice::from_ref(a))?.remove(0);
                (f.name.clone(), Some(f))
            } else {
                (a.clone(), None)
            };
            existing_column(t, &column)?;
            columns.push((column, field));
        }
        for (column, _) in &columns {
            let c = t.column(column).expect("checked");
            if c.is_primary_key() {
                bail!(nothing_written(format!(
                    "`{column}` is the primary key of `{table}`; it cannot be removed"
                )));
            }
            if t.constraint_names(column) {
                bail!(nothing_written(format!(
                    "a table constraint of `{table}` uses `{column}`; write this migration by hand"
                )));
            }
        }
        return Ok(Change::RemoveColumns { table, columns });
    }
    if let Some((middle, raw)) = split(name, "rename_", "_in_") {
        no_args("renames a column")?;
        let table = existing_table(schema, raw, name)?;
        let t = schema.table(&table).expect("found above");
        let candidates: Vec<(&str, &str)> = middle
            .match_indices("_to_")
            .map(|(i, _)| (&middle[..i], &middle[i + 4..]))
            .filter(|(from, _)| t.column(from).is_some())
            .collect();
        let [(from, to)] = candidates.as_slice() else {
            bail!(nothing_written(format!(
                "`{name}`: write it as rename_OLD_to_NEW_in_{table}, where OLD is a column of `{table}` ({})",
                t.columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        crate::names::action_name(to)
            .map_err(|e| nothing_written(format!("{e} (the new name in `{name}`)")))?;
        if t.column(to).is_some() {
            bail!(nothing_written(format!(
                "the table `{table}` already has a column `{to}`"
            )));
        }
        return Ok(Change::RenameColumn {
            from: from.to_string(),
            to: to.to_string(),
            table,
        });
    }
    if let Some((_, raw)) = split(name, "change_", "_in_") {
        let table = existing_table(schema, raw, name)?;
        if args.is_empty() {
            bail!(nothing_written(format!(
                "`{name}` changes columns: give each as it should be, e.g. `cargo mvc generate migration {name} price:decimal?`"
            )));
        }
        let fields = fields::parse(args)?;
        let t = schema.table(&table).expect("found above");
        for f in &fields {
            existing_column(t, &f.name)?;
            if f.unique || (f.index && f.kind != Kind::References) {
                bail!(nothing_written(format!(
                    "field `{}`: `change_…` changes a column's type, nullability and default; for an index use `add_index_to_{table} {}`",
                    f.name, f.name
                )));
            }
            check_reference(schema, f)?;
        }
        return Ok(Change::AlterColumns { table, fields });
    }
    if !args.is_empty() {
        bail!(
            nothing_written(format!(
                "`{name}` fits none of the naming conventions, so its fields say nothing (given: {})",
                args.join(" ")
            ))
            .hint(format!(
                "name it by a convention ({CONVENTIONS}), or leave out the fields for an empty migration to write by hand"
            ))
        );
    }
    Ok(Change::Empty)
}

fn check_reference(schema: &Schema, f: &Field) -> Result<()> {
    if let Some(target) = &f.target
        && schema.table(&target.plural).is_none()
    {
        bail!(nothing_written(format!(
            "field `{}` refers to the table `{}`, which the migrations do not create; {}",
            f.name,
            target.plural,
            tables_list(schema)
        )));
    }
    Ok(())
}

/// The file name part of the migration: `create_join_table posts tags` is
/// `create_join_table_posts_tags`.
fn file_name(name: &str, change: &Change) -> String {
    match change {
        Change::JoinTable { tables } => format!("create_join_table_{}_{}", tables[0], tables[1]),
        Change::DropTable { table } if name == "drop_table" => format!("drop_table_{table}"),
        _ => name.to_string(),
    }
}

/// The file name part of a migration the record lists with `args`.
fn recorded_file_name(args: &[String]) -> Option<String> {
    let name = migration_name(args.first()?).ok()?;
    let table = |raw: &String| ModelName::parse(raw).map_or_else(|_| raw.clone(), |m| m.plural);
    Some(match (name.as_str(), &args[1..]) {
        ("create_join_table", [a, b, ..]) => {
            let mut tables = [table(a), table(b)];
            tables.sort();
            format!("create_join_table_{}_{}", tables[0], tables[1])
        }
        ("drop_table", [t, ..]) => format!("drop_table_{}", table(t)),
        _ => name,
    })
}

/// The Rust model's kind of each column of the table, where a generated
/// model says it (SQLite keeps a date, a decimal and text all as TEXT).
fn model_kinds(plan: &Plan, table: &str) -> Vec<(String, Kind)> {
    let Some(text) = find_model(plan, table) else {
        return Vec::new();
    };
    let Ok(file) = syn::parse_file(&text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &file.items {
        let syn::Item::Struct(s) = item else { continue };
        for f in &s.fields {
            let Some(name) = &f.ident else { continue };
            let ty = quote::ToTokens::to_token_stream(&f.ty)
                .to_string()
                .replace(' ', "");
            let ty = ty
                .strip_prefix("Option<")
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(&ty);
            let kind = match ty {
                "String" => Kind::Text,
                "i32" => Kind::Integer,
                "i64" => Kind::Bigint,
                "f64" => Kind::Float,
                "Decimal" => Kind::Decimal,
                "bool" => Kind::Boolean,
                "NaiveDate" => Kind::Date,
                "DateTime<Utc>" => Kind::Datetime,
                "Uuid" => Kind::Uuid,
                "serde_json::Value" => Kind::Json,
                _ => continue,
            };
            if !out.iter().any(|(n, _)| n == &name.to_string()) {
                out.push((name.to_string(), kind));
            }
        }
        // The first struct is the model.
        break;
    }
    out
}

/// The text of the generated model of `table`, if there is one.
fn find_model(plan: &Plan, table: &str) -> Option<String> {
    for path in crate::fs::files_under(&plan.root.join(layout::MODELS)) {
        let rel = path.strip_prefix(&plan.root).ok()?;
        let stem = rel.file_stem()?.to_str()?;
        if ModelName::parse(stem).is_ok_and(|m| m.plural == table) {
            return plan.current(rel).ok().flatten();
        }
    }
    None
}

/// The kind of a column, from the model or else its SQL type.
fn kind_of(column: &Column, kinds: &[(String, Kind)], dialect: Dialect) -> Option<Kind> {
    if let Some((_, k)) = kinds.iter().find(|(n, _)| *n == column.name) {
        return Some(*k);
    }
    let ty = column.ty.to_ascii_uppercase();
    Some(match ty.as_str() {
        "TEXT" | "VARCHAR" | "CLOB" => Kind::Text,
        t if t.starts_with("VARCHAR") || t.starts_with("CHARACTER VARYING") => Kind::String,
        "INTEGER" | "INT" | "INT4" if dialect == Dialect::Postgres => Kind::Integer,
        "INTEGER" | "INT" => Kind::Bigint,
        "SMALLINT" | "INT4" => Kind::Integer,
        "BIGINT" | "INT8" => Kind::Bigint,
        "REAL" | "DOUBLE PRECISION" | "FLOAT8" | "DOUBLE" => Kind::Float,
        t if t.starts_with("NUMERIC") || t.starts_with("DECIMAL") => Kind::Decimal,
        "BOOLEAN" | "BOOL" => Kind::Boolean,
        "DATE" => Kind::Date,
        "TIMESTAMPTZ" | "TIMESTAMP" | "TIMESTAMP WITH TIME ZONE" | "DATETIME" => Kind::Datetime,
        "UUID" => Kind::Uuid,
        "JSONB" | "JSON" => Kind::Json,
        _ => return None,
    })
}

/// Whether a column of `from` converts to `to` by itself, the same way on
/// both databases: numbers to numbers, anything to text.
fn converts(from: Kind, to: Kind) -> bool {
    use Kind::*;
    let number = |k: Kind| matches!(k, Integer | Bigint | Float | Decimal | References);
    from == to
        || (number(from) && number(to))
        || (matches!(to, String | Text) && !matches!(from, Uuid))
}

/// The value rows without one get: the column's default, or its type's
/// zero (see [`fields::zero`]).
fn fill(column: &Column, kind: Option<Kind>, dialect: Dialect) -> Result<String> {
    if let Some(d) = column.default() {
        return Ok(d.to_string());
    }
    match kind {
        Some(k) => Ok(fields::zero(k, dialect)),
        None => bail!(nothing_written(format!(
            "the column `{}` ({}) is required, has no default, and is of a type cargo mvc has no zero value for, so rows cannot be given one when it is put back; write this migration by hand",
            column.name, column.ty
        ))),
    }
}

/// What rows get in `column` when it becomes required again: as
/// [`fill`], but each row its own value (its id) when the column is
/// unique, so the unique index can be made.
fn fill_rows(
    schema: &Schema,
    table: &Table,
    column: &Column,
    kind: Option<Kind>,
    dialect: Dialect,
) -> Result<String> {
    let unique = column.clauses.contains(&schema::Clause::Unique)
        || schema.indexes_of(&table.name).any(|x| {
            x.unique && x.columns.len() == 1 && schema::ident(&x.columns[0]) == column.name
        });
    if !unique || column.default().is_some() {
        return fill(column, kind, dialect);
    }
    let text = matches!(kind, Some(Kind::String | Kind::Text))
        || (kind == Some(Kind::Decimal) && dialect == Dialect::Sqlite);
    let number = matches!(
        kind,
        Some(Kind::Integer | Kind::Bigint | Kind::Float | Kind::Decimal)
    );
    match (table.column("id"), text, number) {
        (Some(_), true, _) => Ok("CAST(id AS TEXT)".to_string()),
        (Some(_), _, true) => Ok("id".to_string()),
        _ => bail!(nothing_written(format!(
            "`{}.{}` is unique and required, so putting it back would need a distinct value for each row, which cargo mvc can only make for text and numbers in a table with an `id`; write this migration by hand",
            table.name, column.name
        ))),
    }
}

/// The SQL of a migration: its `up` and `down` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    pub up: String,
    pub down: String,
}

const NO_TRANSACTION: &str = "-- no-transaction\n";

/// The SQLite way to change a table `ALTER TABLE` cannot: a new table with
/// the new definition, the rows copied, the old table dropped and the new
/// one renamed, its indexes and triggers made again, and the foreign keys
/// checked, in one transaction with foreign keys off, so rows of other
/// tables that refer to it are not deleted with the old table
/// (<https://www.sqlite.org/lang_altertable.html#otheralter>).
fn rebuild(
    why: &str,
    before: &Schema,
    after: &Schema,
    table: &str,
    copy: &[(String, String)],
) -> String {
    let new_table = after.table(table).expect("the table is in the new schema");
    let temp = format!("{table}_rebuilt");
    let mut out = format!(
        "{NO_TRANSACTION}-- {why}: SQLite cannot do it with ALTER TABLE, so the table is rebuilt.\n-- Foreign keys are off (outside a transaction: sqlx would open one, in\n-- which SQLite ignores the setting), so that rows of other tables that refer\n-- to `{table}` stay; they are checked before COMMIT.\nPRAGMA foreign_keys = OFF;\nBEGIN;\n"
    );
    for o in before.others_of(table) {
        out.push_str(&format!("DROP {} {};\n", o.kind.to_uppercase(), o.name));
    }
    out.push_str(&new_table.create_sql(&temp));
    let targets: Vec<String> = copy.iter().map(|(c, _)| schema::quoted(c)).collect();
    let sources: Vec<String> = copy
        .iter()
        .map(|(c, s)| if s == c { schema::quoted(s) } else { s.clone() })
        .collect();
    out.push_str(&format!(
        "INSERT INTO {temp} ({})\n    SELECT {} FROM {table};\n",
        targets.join(", "),
        sources.join(", ")
    ));
    out.push_str(&format!(
        "DROP TABLE {table};\nALTER TABLE {temp} RENAME TO {table};\n"
    ));
    for x in after.indexes_of(table) {
        out.push_str(&x.create_sql());
    }
    for o in after.others_of(table) {
        out.push_str(&o.sql);
        out.push_str(";\n");
    }
    out.push_str(
        "-- Stops here (a CHECK constraint fails) if a row refers to one that is not there.\nCREATE TEMP TABLE foreign_key_violations (n INTEGER NOT NULL CHECK (n = 0));\nINSERT INTO foreign_key_violations SELECT count(*) FROM pragma_foreign_key_check;\nDROP TABLE foreign_key_violations;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n",
    );
    out
}

/// Applies `sql` to a copy of `schema`; an error if the interpreter would
/// not follow it (a fault of this module, not of the user's input).
fn applied(schema: &Schema, sql: &str) -> Result<Schema> {
    let mut next = schema.clone();
    let known = next.not_understood.len();
    next.apply_sql("new", sql);
    if next.not_understood.len() != known {
        bail!(
            "internal error: the generated SQL is not understood by the schema reader: {:?}",
            &next.not_understood[known..]
        );
    }
    Ok(next)
}

fn index_name(table: &str, columns: &[String]) -> String {
    format!("index_{table}_on_{}", columns.join("_and_"))
}

fn index_sql(table: &str, f: &Field) -> Option<String> {
    let name = &f.name;
    if f.unique {
        Some(format!(
            "CREATE UNIQUE INDEX index_{table}_on_{name} ON {table} ({name});\n"
        ))
    } else if f.index {
        Some(format!(
            "CREATE INDEX index_{table}_on_{name} ON {table} ({name});\n"
        ))
    } else {
        None
    }
}

/// Whether SQLite's `ALTER TABLE ADD COLUMN` can add `column` to a table
/// that has rows.
fn sqlite_can_add(column: &Column) -> bool {
    !column.constrained() && (!column.not_null() || column.default().is_some())
}

/// Whether SQLite's `ALTER TABLE DROP COLUMN` can drop `column` (once its
/// indexes are dropped).
fn sqlite_can_drop(schema: &Schema, table: &Table, column: &Column) -> bool {
    !column.constrained()
        && !table.constraint_names(&column.name)
        && !schema
            .others_of(&table.name)
            .any(|o| schema::mentions(&o.sql, &column.name))
}

/// Writes the SQL of `change` for `dialect`.
pub fn sql(
    plan: &Plan,
    schema: &Schema,
    name: &str,
    change: &Change,
    dialect: Dialect,
    options: Options,
) -> Result<Sql> {
    let table_of = |m: &ModelName| m.plural.clone();
    if options.concurrently && !matches!(change, Change::AddIndex { .. }) {
        bail!(nothing_written(
            "--concurrently is for `add_index_to_TABLE` migrations"
        ));
    }
    if options.concurrently && dialect == Dialect::Sqlite {
        bail!(nothing_written(
            "--concurrently is PostgreSQL's `CREATE INDEX CONCURRENTLY`; this application uses SQLite, where indexes are made in place"
        ));
    }
    Ok(match change {
        Change::Empty => Sql {
            up: format!(
                "-- Write here the SQL of `{name}`; the SQL that undoes it goes in the\n-- .down.sql file of the same version.\n"
            ),
            down: "-- Write here the SQL that puts the schema back as it was before the\n-- .up.sql file of the same version.\n".to_string(),
        },
        Change::AddColumns { table, fields } => {
            let mut up = format!("-- Adds {} to {table}.\n", names(fields));
            for f in fields {
                up.push_str(&format!(
                    "ALTER TABLE {table} ADD COLUMN {};\n",
                    f.column(dialect, &table_of)
                ));
                up.extend(index_sql(table, f));
            }
            let after = applied(schema, &up)?;
            let down = match dialect {
                Dialect::Postgres => drop_columns(table, fields.iter().map(|f| &f.name), &after),
                Dialect::Sqlite => {
                    let t = after.table(table).expect("still there");
                    let easy = fields
                        .iter()
                        .all(|f| sqlite_can_drop(&after, t, t.column(&f.name).expect("added")));
                    if easy {
                        drop_columns(table, fields.iter().map(|f| &f.name), &after)
                    } else {
                        let copy = copy_same(schema.table(table).expect("exists"));
                        rebuild(
                            &format!("Takes {} out of {table} again", names(fields)),
                            &after,
                            schema,
                            table,
                            &copy,
                        )
                    }
                }
            };
            Sql { up, down }
        }
        Change::RemoveColumns { table, columns } => {
            let t = schema.table(table).expect("exists");
            let kinds = model_kinds(plan, table);
            let names_text = columns
                .iter()
                .map(|(c, _)| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut zero: Vec<(String, String)> = Vec::new();
            for (c, field) in columns {
                let column = t.column(c).expect("checked");
                let kind = field
                    .as_ref()
                    .map(|f| f.kind)
                    .or_else(|| kind_of(column, &kinds, dialect));
                if let Some(f) = field {
                    check_type(table, column, f, dialect)?;
                }
                let value = if column.not_null() {
                    fill_rows(schema, t, column, kind, dialect)?
                } else {
                    column.default().unwrap_or("NULL").to_string()
                };
                zero.push((c.clone(), value));
            }
            let removed = columns.iter().map(|(c, _)| c);
            let up_text = match dialect {
                Dialect::Postgres => drop_columns(table, removed, schema),
                Dialect::Sqlite => {
                    let easy = columns
                        .iter()
                        .all(|(c, _)| sqlite_can_drop(schema, t, t.column(c).expect("checked")));
                    if easy {
                        drop_columns(table, removed, schema)
                    } else {
                        let mut after = schema.clone();
                        let at = after
                            .tables
                            .iter()
                            .position(|x| x.name == *table)
                            .expect("exists");
                        after.tables[at]
                            .columns
                            .retain(|c| !columns.iter().any(|(r, _)| *r == c.name));
                        after.indexes.retain(|x| {
                            x.table != *table || !columns.iter().any(|(r, _)| x.covers(r))
                        });
                        let copy = copy_same(&after.tables[at]);
                        rebuild(
                            &format!("Removes {names_text} from {table}"),
                            schema,
                            &after,
                            table,
                            &copy,
                        )
                    }
                }
            };
            let up = format!(
                "-- Removes {names_text} from {table}.\n{}",
                up_text.trim_start_matches(NO_TRANSACTION)
            );
            let up = if up_text.starts_with(NO_TRANSACTION) {
                format!("{NO_TRANSACTION}{up}")
            } else {
                up
            };
            let after = applied(schema, &up)?;
            let down = match dialect {
                Dialect::Postgres => {
                    let mut down = String::new();
                    for (c, _) in columns.iter().rev() {
                        let column = t.column(c).expect("checked");
                        let (_, value) = zero.iter().find(|(z, _)| z == c).expect("filled");
                        if column.not_null() && column.default().is_none() {
                            // Added nullable, filled, then made required:
                            // the column as it was, and every row a value.
                            let mut nullable = column.clone();
                            nullable.set_not_null(false);
                            down.push_str(&format!(
                                "ALTER TABLE {table} ADD COLUMN {};\nUPDATE {table} SET {c} = {value};\nALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL;\n",
                                nullable.definition()
                            ));
                        } else {
                            down.push_str(&format!(
                                "ALTER TABLE {table} ADD COLUMN {};\n",
                                column.definition()
                            ));
                        }
                    }
                    for x in schema.indexes_of(table) {
                        if !after.indexes.contains(x) {
                            down.push_str(&x.create_sql());
                        }
                    }
                    down
                }
                Dialect::Sqlite => {
                    let easy = columns.iter().all(|(c, _)| {
                        let column = t.column(c).expect("checked");
                        sqlite_can_add(column)
                    });
                    if easy {
                        let mut down = String::new();
                        for (c, _) in columns.iter().rev() {
                            down.push_str(&format!(
                                "ALTER TABLE {table} ADD COLUMN {};\n",
                                t.column(c).expect("checked").definition()
                            ));
                        }
                        for x in schema.indexes_of(table) {
                            if !after.indexes.contains(x) {
                                down.push_str(&x.create_sql());
                            }
                        }
                        down
                    } else {
                        let copy: Vec<(String, String)> = t
                            .columns
                            .iter()
                            .map(|c| {
                                let source = zero
                                    .iter()
                                    .find(|(z, _)| *z == c.name)
                                    .map_or_else(|| c.name.clone(), |(_, v)| v.clone());
                                (c.name.clone(), source)
                            })
                            .collect();
                        rebuild(
                            &format!("Puts {names_text} back into {table}"),
                            &after,
                            schema,
                            table,
                            &copy,
                        )
                    }
                }
            };
            Sql { up, down }
        }
        Change::RenameColumn { table, from, to } => {
            let mut up = format!(
                "-- Renames {table}.{from} to {to}.\nALTER TABLE {table} RENAME COLUMN {from} TO {to};\n"
            );
            let mut down = format!("ALTER TABLE {table} RENAME COLUMN {to} TO {from};\n");
            let old_index = index_name(table, std::slice::from_ref(from));
            let new_index = index_name(table, std::slice::from_ref(to));
            if let Some(x) = schema.indexes.iter().find(|x| x.name == old_index)
                && !schema.indexes.iter().any(|x| x.name == new_index)
            {
                match dialect {
                    Dialect::Postgres => {
                        up.push_str(&format!("ALTER INDEX {old_index} RENAME TO {new_index};\n"));
                        down.push_str(&format!("ALTER INDEX {new_index} RENAME TO {old_index};\n"));
                    }
                    Dialect::Sqlite => {
                        let renamed = Index {
                            name: new_index.clone(),
                            columns: x
                                .columns
                                .iter()
                                .map(|c| schema::rename_in(c, from, to))
                                .collect(),
                            tail: schema::rename_in(&x.tail, from, to),
                            ..x.clone()
                        };
                        up.push_str(&format!(
                            "DROP INDEX {old_index};\n{}",
                            renamed.create_sql()
                        ));
                        down.push_str(&format!("DROP INDEX {new_index};\n{}", x.create_sql()));
                    }
                }
            }
            Sql { up, down }
        }
        Change::AlterColumns { table, fields } => change_sql(plan, schema, table, fields, dialect)?,
        Change::AddIndex {
            table,
            columns,
            unique,
        } => {
            let name = index_name(table, columns);
            if schema.indexes.iter().any(|x| x.name == name) {
                bail!(nothing_written(format!(
                    "the index `{name}` exists already"
                )));
            }
            let unique_kw = if *unique { "UNIQUE " } else { "" };
            let (head, concurrently) = if options.concurrently {
                (
                    format!(
                        "{NO_TRANSACTION}-- CONCURRENTLY does not lock the table against writes, and cannot run\n-- in a transaction.\n"
                    ),
                    "CONCURRENTLY ",
                )
            } else {
                (String::new(), "")
            };
            Sql {
                up: format!(
                    "{head}CREATE {unique_kw}INDEX {concurrently}{name} ON {table} ({});\n",
                    columns.join(", ")
                ),
                down: format!("{head}DROP INDEX {concurrently}{name};\n"),
            }
        }
        Change::JoinTable { tables } => {
            let singular =
                |t: &str| ModelName::parse(t).map_or_else(|_| t.to_string(), |m| m.snake);
            let [a, b] = tables;
            let join = format!("{a}_{b}");
            if schema.table(&join).is_some() {
                bail!(nothing_written(format!(
                    "the table `{join}` exists already"
                )));
            }
            let id = match dialect {
                Dialect::Sqlite => "INTEGER",
                Dialect::Postgres => "BIGINT",
            };
            let (ca, cb) = (format!("{}_id", singular(a)), format!("{}_id", singular(b)));
            Sql {
                up: format!(
                    "-- Joins {a} and {b}: one row for each pair.\nCREATE TABLE {join} (\n    {ca} {id} NOT NULL REFERENCES {a} (id) ON DELETE CASCADE,\n    {cb} {id} NOT NULL REFERENCES {b} (id) ON DELETE CASCADE,\n    PRIMARY KEY ({ca}, {cb})\n);\nCREATE INDEX index_{join}_on_{cb} ON {join} ({cb});\n"
                ),
                down: format!("DROP TABLE {join};\n"),
            }
        }
        Change::DropTable { table } => {
            let referrers = schema.referrers(table);
            if !referrers.is_empty() {
                bail!(nothing_written(format!(
                    "other tables refer to `{table}`: {}; remove those references first",
                    referrers.join(", ")
                )));
            }
            if let Some(view) = schema.others_of(table).find(|o| o.kind == "view") {
                bail!(nothing_written(format!(
                    "the view `{}` uses `{table}`; drop it first",
                    view.name
                )));
            }
            let t = schema.table(table).expect("exists");
            let mut down = t.create_sql(table);
            for x in schema.indexes_of(table) {
                down.push_str(&x.create_sql());
            }
            for o in schema.others_of(table) {
                down.push_str(&o.sql);
                down.push_str(";\n");
            }
            Sql {
                up: format!("-- Drops {table} and its rows.\nDROP TABLE {table};\n"),
                down: format!("-- Makes {table} again, empty.\n{down}"),
            }
        }
    })
}

fn names(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every column of `table` copied as it is.
fn copy_same(table: &Table) -> Vec<(String, String)> {
    table
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.name.clone()))
        .collect()
}

/// Drops the indexes of `columns`, then the columns: SQLite refuses to
/// drop an indexed column, and the `down` migration makes them again.
fn drop_columns<'a>(
    table: &str,
    columns: impl Iterator<Item = &'a String>,
    schema: &Schema,
) -> String {
    let mut out = String::new();
    let columns: Vec<&String> = columns.collect();
    for x in schema.indexes_of(table) {
        if columns.iter().any(|c| x.covers(c)) {
            out.push_str(&format!("DROP INDEX {};\n", x.name));
        }
    }
    for c in columns.iter().rev() {
        out.push_str(&format!("ALTER TABLE {table} DROP COLUMN {c};\n"));
    }
    out
}

/// Refuses `remove_… COLUMN:TYPE` when the column is of another type.
fn check_type(table: &str, column: &Column, f: &Field, dialect: Dialect) -> Result<()> {
    let expected = f.sql_type(dialect);
    if !column.ty.eq_ignore_ascii_case(expected) {
        bail!(nothing_written(format!(
            "`{table}.{}` is {}, not {} (`{}`); give the column's name alone, or its type as it is",
            column.name,
            column.ty,
            fields::kind_name(f.kind),
            expected
        )));
    }
    Ok(())
}

fn change_sql(
    plan: &Plan,
    schema: &Schema,
    table: &str,
    fields: &[Field],
    dialect: Dialect,
) -> Result<Sql> {
    let t = schema.table(table).expect("exists");
    let kinds = model_kinds(plan, table);
    let mut after_table = t.clone();
    let mut up = format!("-- Changes {} in {table}.\n", names(fields));
    let mut down = String::new();
    // For SQLite's copy: the value each changed column takes.
    let mut up_copy: Vec<(String, String)> = copy_same(t);
    let mut down_copy: Vec<(String, String)> = copy_same(t);
    for f in fields {
        let column = t.column(&f.name).expect("checked");
        let old_kind = kind_of(column, &kinds, dialect);
        let new_ty = f.sql_type(dialect);
        let type_changes = !column.ty.eq_ignore_ascii_case(new_ty);
        if type_changes {
            match old_kind {
                Some(k) if converts(k, f.kind) => {}
                Some(k) => bail!(
                    nothing_written(format!(
                        "`{table}.{}` cannot change from {} to {} by itself: neither SQLite nor PostgreSQL converts the values without being told how (PostgreSQL's `USING`)",
                        f.name,
                        fields::kind_name(k),
                        fields::kind_name(f.kind)
                    ))
                    .hint(format!(
                        "write the conversion by hand in a migration of your own name, e.g. `cargo mvc generate migration convert_{}_in_{table}`",
                        f.name
                    ))
                ),
                None => bail!(nothing_written(format!(
                    "`{table}.{}` is of the type {}, which cargo mvc does not know how to convert; write this migration by hand",
                    f.name, column.ty
                ))),
            }
        }
        let gets_not_null = !f.nullable && !column.not_null();
        let loses_not_null = f.nullable && column.not_null();
        let new_default = f.default_sql(dialect);
        if !type_changes && !gets_not_null && !loses_not_null && new_default.is_none() {
            bail!(nothing_written(format!(
                "`{table}.{}` is already {}{}; nothing would change",
                f.name,
                column.ty,
                if column.not_null() { " NOT NULL" } else { "" }
            )));
        }
        let changed = after_table.column_mut(&f.name).expect("checked");
        if type_changes {
            changed.ty = new_ty.to_string();
        }
        changed.set_not_null(!f.nullable);
        if new_default.is_some() {
            changed.set_default(new_default.clone());
        }
        // Rows without a value, when the column becomes required.
        let fill_up = match (&new_default, gets_not_null) {
            (Some(d), true) => Some(d.clone()),
            (None, true) => Some(fill_rows(schema, t, column, Some(f.kind), dialect)?),
            _ => None,
        };
        let fill_down = if loses_not_null {
            Some(fill_rows(schema, t, column, old_kind, dialect)?)
        } else {
            None
        };
        if let Some(v) = &fill_up
            && let Some(slot) = up_copy.iter_mut().find(|(c, _)| *c == f.name)
        {
            slot.1 = format!("COALESCE({}, {v})", f.name);
        }
        if let Some(v) = &fill_down
            && let Some(slot) = down_copy.iter_mut().find(|(c, _)| *c == f.name)
        {
            slot.1 = format!("COALESCE({}, {v})", f.name);
        }
        if dialect == Dialect::Postgres {
            let c = &f.name;
            if type_changes {
                up.push_str(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {c} TYPE {new_ty};\n"
                ));
            }
            if let Some(v) = &fill_up {
                up.push_str(&format!(
                    "UPDATE {table} SET {c} = {v} WHERE {c} IS NULL;\nALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL;\n"
                ));
            }
            if loses_not_null {
                up.push_str(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {c} DROP NOT NULL;\n"
                ));
            }
            if let Some(d) = &new_default {
                up.push_str(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {c} SET DEFAULT {d};\n"
                ));
            }
            // The reverse, newest first.
            let mut back = String::new();
            if new_default.is_some() {
                back.push_str(&match column.default() {
                    Some(d) => format!("ALTER TABLE {table} ALTER COLUMN {c} SET DEFAULT {d};\n"),
                    None => format!("ALTER TABLE {table} ALTER COLUMN {c} DROP DEFAULT;\n"),
                });
            }
            if let Some(v) = &fill_down {
                back.push_str(&format!(
                    "UPDATE {table} SET {c} = {v} WHERE {c} IS NULL;\nALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL;\n"
                ));
            }
            if gets_not_null {
                back.push_str(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {c} DROP NOT NULL;\n"
                ));
            }
            if type_changes {
                back.push_str(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {c} TYPE {old} USING {c}::{old};\n",
                    old = column.ty
                ));
            }
            down.insert_str(0, &back);
        }
    }
    if dialect == Dialect::Sqlite {
        let mut after = schema.clone();
        let at = after
            .tables
            .iter()
            .position(|x| x.name == table)
            .expect("exists");
        after.tables[at] = after_table;
        let what = format!("Changes {} in {table}", names(fields));
        up = rebuild(&what, schema, &after, table, &up_copy);
        down = rebuild(
            &format!("Puts {} in {table} back as they were", names(fields)),
            &after,
            schema,
            table,
            &down_copy,
        );
    }
    Ok(Sql { up, down })
}

/// One side of a many-to-many association, for `model/join.rs`.
#[derive(Debug, Clone, serde::Serialize)]
struct SideCtx {
    module: String,
    pascal: String,
    table: String,
    column: String,
    human: String,
    human_plural: String,
}

#[derive(Debug, Clone, serde::Serialize)]
struct JoinCtx {
    table: String,
    a: SideCtx,
    b: SideCtx,
}

/// The module of a join table: `src/app/models/posts_tags.rs`.
fn join_file(tables: &[String; 2]) -> std::path::PathBuf {
    layout::rust_file(layout::MODELS, &format!("{}_{}", tables[0], tables[1]))
}

/// Writes the many-to-many accessors of a join table, when both tables
/// have generated models (and neither refers to the other, whose
/// accessors would have the same names).
fn join_module(plan: &mut Plan, tables: &[String; 2]) -> Result<()> {
    let side = |table: &str| -> Option<(SideCtx, String)> {
        let name = ModelName::parse(table).ok()?;
        let file = layout::rust_file(layout::MODELS, &name.snake);
        let text = plan.current(&file).ok().flatten()?;
        Some((
            SideCtx {
                column: format!("{}_id", name.snake),
                human: name.snake.replace('_', " "),
                human_plural: name.plural.replace('_', " "),
                module: name.snake,
                pascal: name.pascal,
                table: table.to_string(),
            },
            text,
        ))
    };
    let (Some((a, a_text)), Some((b, b_text))) = (side(&tables[0]), side(&tables[1])) else {
        return Ok(());
    };
    if a_text.contains(&format!("super::{}::", b.module))
        || b_text.contains(&format!("super::{}::", a.module))
    {
        plan.announce(
            "skip",
            format!(
                "the many-to-many accessors of `{}` and `{}`: one model already refers to the other",
                a.module, b.module
            ),
        );
        return Ok(());
    }
    let module = format!("{}_{}", tables[0], tables[1]);
    let ctx = JoinCtx {
        table: module.clone(),
        a,
        b,
    };
    plan.create(
        join_file(tables),
        plan.templates()
            .render("model/join.rs", crate::engine::vars! { j => &ctx })?,
    );
    let mods = Path::new(layout::MODELS_MOD);
    if let Some(text) = plan.current(mods)? {
        let edited = crate::edit::rust::insert_mod(mods, &text, &module, "pub mod")?;
        plan.set(mods, Some(edited.unwrap_or(text)));
    }
    Ok(())
}

/// The next migration version: `version`, or one past the newest.
pub fn next_version(migrations: &[Migration], version: &str) -> String {
    match (version.parse::<u64>(), migrations.last()) {
        (Ok(v), Some(latest)) if v <= latest.version => (latest.version + 1).to_string(),
        _ => version.to_string(),
    }
}

/// Builds the plan of `generate migration`.
pub fn generate(
    project: &Project,
    raw_name: &str,
    args: &[String],
    options: Options,
    invoke: super::evolve::Invoke<'_>,
) -> Result<Plan> {
    let Some(dialect) = Dialect::of(project.database) else {
        bail!(
            nothing_written("this application has no database, so it has no migrations")
                .hint("`cargo mvc generate model NAME FIELD...` adds SQLite with the first model")
        );
    };
    let name = migration_name(raw_name)?;
    let mut plan = Plan::new(&project.root);
    let before = current(&plan)?;
    let taken = |file: &str| before.migrations.iter().find(|m| m.name == file).cloned();
    let change = match taken(&name) {
        Some(_) => Change::Empty,
        None => parse(&before.schema, &name, args)?,
    };
    let file = file_name(&name, &change);
    if let Some(m) = taken(&file) {
        bail!(
            nothing_written(format!("a migration named `{file}` exists: {}", m.up)).hint(
                format!(
                    "choose another name, or take that one out first with `cargo mvc destroy migration {file}`"
                )
            )
        );
    }
    let sql = sql(&plan, &before.schema, &name, &change, dialect, options)?;
    write_migration(&mut plan, &before, &file, sql)?;
    update_schema_file(&mut plan, dialect)?;
    if let Change::JoinTable { tables } = &change {
        join_module(&mut plan, tables)?;
    }
    if let Some(table) = change.table()
        && let Some(before) =
            super::evolve::follow(&mut plan, project, table, &change, args, invoke)?
    {
        let recorded: Vec<String> = std::iter::once(raw_name.to_string())
            .chain(args.iter().cloned())
            .chain(options.concurrently.then(|| "--concurrently".to_string()))
            .collect();
        crate::engine::record::generated_following(&mut plan, "migration", &recorded, &before)?;
    }
    Ok(plan)
}

/// Plans the files of a migration named `file`, after every migration in
/// `before`.
fn write_migration(plan: &mut Plan, before: &Current, file: &str, sql: Sql) -> Result<()> {
    applied(&before.schema, &sql.up)?;
    let down = match sql.down.strip_prefix(NO_TRANSACTION) {
        Some(rest) => format!("{NO_TRANSACTION}-- Undoes `{file}`.\n{rest}"),
        None => format!("-- Undoes `{file}`.\n{}", sql.down),
    };
    let version = next_version(&before.migrations, &super::model::version_now());
    let dir = Path::new(layout::MIGRATIONS);
    plan.create(dir.join(format!("{version}_{file}.up.sql")), sql.up);
    plan.create(dir.join(format!("{version}_{file}.down.sql")), down);
    Ok(())
}

/// `generate model tag --join post`: the join table of the model's table
/// and `other`'s (after the model's own migration), and its many-to-many
/// accessors.
pub fn plan_join(plan: &mut Plan, project: &Project, table: &str, other: &str) -> Result<()> {
    let dialect = Dialect::of(project.database).unwrap_or(Dialect::Sqlite);
    let before = current(plan)?;
    let args = [table.to_string(), other.to_string()];
    let change = parse(&before.schema, "create_join_table", &args)?;
    let file = file_name("create_join_table", &change);
    if let Some(m) = before.migrations.iter().find(|m| m.name == file) {
        bail!(nothing_written(format!(
            "the join table of `{}` and `{}` has a migration already: {}",
            args[0], args[1], m.up
        )));
    }
    let sql = sql(
        plan,
        &before.schema,
        "create_join_table",
        &change,
        dialect,
        Options::default(),
    )?;
    write_migration(plan, &before, &file, sql)?;
    update_schema_file(plan, dialect)?;
    if let Change::JoinTable { tables } = &change {
        join_module(plan, tables)?;
    }
    Ok(())
}

/// Takes out the join-table migration of `table` and `other` (`--join` of
/// a model being destroyed) and its accessors; the files it removes.
pub fn unplan_join(plan: &mut Plan, table: &str, other: &str) -> Result<Vec<std::path::PathBuf>> {
    let other = ModelName::parse(other).map_or_else(|_| other.to_string(), |m| m.plural);
    let mut tables = [table.to_string(), other];
    tables.sort();
    let name = format!("create_join_table_{}_{}", tables[0], tables[1]);
    let before = current(plan)?;
    let mut removed = Vec::new();
    if let Some(m) = before.migrations.iter().find(|m| m.name == name) {
        removed.push(std::path::PathBuf::from(&m.up));
        removed.extend(m.down.iter().map(std::path::PathBuf::from));
    }
    for path in &removed {
        plan.set(path, None);
    }
    let module = format!("{}_{}", tables[0], tables[1]);
    remove_join_module(plan, &module)?;
    removed.push(layout::rust_file(layout::MODELS, &module));
    Ok(removed)
}

/// Removes `src/app/models/MODULE.rs` of a join table and its `mod` line.
fn remove_join_module(plan: &mut Plan, module: &str) -> Result<()> {
    let join = Path::new(layout::MODELS).join(format!("{module}.rs"));
    if plan.current(&join)?.is_some() {
        plan.set(&join, None);
        let mods = Path::new(layout::MODELS_MOD);
        if let Some(text) = plan.current(mods)? {
            let edited = crate::edit::rust::remove_mod(mods, &text, module)?;
            plan.set(mods, Some(edited.unwrap_or(text)));
        }
    }
    Ok(())
}

/// Writes `db/schema.sql` as the migrations `plan` leaves make it, or
/// removes it when no migration is left.
pub fn update_schema_file(plan: &mut Plan, dialect: Dialect) -> Result<()> {
    // db/schema.sql came with templates 2.
    if crate::engine::base().is_some_and(|version| version < 2) {
        return Ok(());
    }
    let after = current(plan)?;
    let contents = (!after.migrations.is_empty()).then(|| after.schema.dump(dialect_name(dialect)));
    let path = Path::new(SCHEMA_FILE);
    if contents.is_some() || plan.current(path)?.is_some() {
        plan.set(path, contents);
    }
    Ok(())
}

fn dialect_name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
    }
}

/// The files of the migration named `name` (or `VERSION_name`).
fn find(migrations: &[Migration], name: &str) -> Option<Migration> {
    migrations
        .iter()
        .find(|m| m.name == name || format!("{}_{}", m.version, m.name) == name)
        .cloned()
}

/// Builds the plan of `destroy migration`; `applied` gives the versions
/// the database has run.
pub fn destroy(
    project: &Project,
    raw_name: &str,
    applied: &dyn Fn() -> Result<Vec<u64>>,
    invoke: super::evolve::Invoke<'_>,
) -> Result<Plan> {
    let mut plan = Plan::new(&project.root);
    let before = current(&plan)?;
    let name = raw_name
        .trim_end_matches(".up.sql")
        .trim_end_matches(".sql");
    let Some(m) = find(&before.migrations, name) else {
        let mut names: Vec<String> = before.migrations.iter().map(|m| m.name.clone()).collect();
        names.reverse();
        names.truncate(10);
        bail!(nothing_written(format!(
            "there is no migration named `{name}` under migrations/{}",
            if names.is_empty() {
                String::new()
            } else {
                format!("; the newest are {}", names.join(", "))
            }
        )));
    };
    let versions = applied()?;
    if versions.contains(&m.version) {
        let back = versions.iter().filter(|v| **v >= m.version).count();
        bail!(
            nothing_written(format!(
                "the migration {} has run on the application's database, so removing its files would leave the database with a change no migration describes",
                m.up
            ))
            .hint(format!(
                "roll it back first with `cargo run -- migrate --down {back}`, which undoes the {back} newest applied migration(s) down to this one, then destroy it"
            ))
        );
    }
    plan.set(Path::new(&m.up), None);
    if let Some(down) = &m.down {
        plan.set(Path::new(down), None);
    }
    // The model this migration's fields went into goes back to its fields
    // before it.
    let is_this = |args: &[String]| recorded_file_name(args).is_some_and(|n| n == m.name);
    let follows = crate::engine::record::runs(&plan)?
        .into_iter()
        .rev()
        .find(|run| run.generator == "migration" && is_this(&run.args))
        .map(|run| run.follows)
        .unwrap_or_default();
    crate::engine::record::destroyed_where(&mut plan, "migration", &is_this)?;
    // A join table's many-to-many accessors.
    if let Some(rest) = m.name.strip_prefix("create_join_table_") {
        remove_join_module(&mut plan, rest)?;
    }
    if let Some(model) = follows.first().and_then(|n| ModelName::parse(n).ok()) {
        super::evolve::unfollow(&mut plan, project, &model.plural, &follows, invoke)?;
    }
    update_schema_file(
        &mut plan,
        Dialect::of(project.database).unwrap_or(Dialect::Sqlite),
    )?;
    Ok(plan)
}

/// The database URL the application would use: its setting, or the
/// conventional `DATABASE_URL`, or its default.
fn database_url(project: &Project) -> String {
    use heck::ToShoutySnakeCase;
    let prefix = project.name.to_shouty_snake_case();
    let scheme = match project.database {
        crate::project::Database::Postgres => "postgres",
        _ => "sqlite",
    };
    std::env::var(format!("{prefix}_DATABASE_URL"))
        .ok()
        .or_else(|| {
            std::env::var("DATABASE_URL")
                .ok()
                .filter(|u| u.starts_with(scheme))
        })
        .unwrap_or_else(|| match project.database {
            crate::project::Database::Postgres => {
                format!("postgres://localhost:5432/{}", project.name.to_snake_case())
            }
            _ => format!("sqlite://data/{}.db", project.name.to_snake_case()),
        })
}

/// The versions the application's database has applied, asked of the
/// application itself (`cargo run -- migrate --status`), which knows its
/// settings; a SQLite file that does not exist has applied none.
pub fn applied_versions(project: &Project) -> Result<Vec<u64>> {
    let url = database_url(project);
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let file = rest.trim_start_matches("//");
        let file = file.split('?').next().unwrap_or_default();
        if file.is_empty() || file == ":memory:" {
            return Ok(Vec::new());
        }
        if !project.root.join(file).exists() {
            return Ok(Vec::new());
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--package",
            &project.name,
            "--",
            "migrate",
            "--status",
        ])
        .current_dir(&project.root)
        .stdin(std::process::Stdio::null())
        .output();
    let cannot = |why: String| {
        nothing_written(format!(
            "could not ask the application's database ({}) whether the migration has run: {why}",
            redacted(&url)
        ))
        .hint("start the database (or set the application's DATABASE_URL), or pass --force to remove the migration without asking")
    };
    let output = output.map_err(|e| cannot(format!("`cargo run` did not start: {e}")))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let last: Vec<&str> = err.lines().rev().take(3).collect();
        let last: Vec<&str> = last.into_iter().rev().collect();
        bail!(cannot(format!(
            "`cargo run -- migrate --status` failed:\n  {}",
            last.join("\n  ")
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next()? == "applied").then_some(())?;
            words.next()?.parse().ok()
        })
        .collect())
}

/// A URL without its password.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) => format!(
                "{scheme}://{}@{host}",
                user.split(':').next().unwrap_or_default()
            ),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sql: &[&str]) -> Schema {
        let mut s = Schema::default();
        for (n, q) in sql.iter().enumerate() {
            s.apply_sql(&format!("migrations/{n}_m.up.sql"), q);
        }
        s
    }

    const POSTS: &str = "CREATE TABLE posts (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    title TEXT NOT NULL,\n    body TEXT NOT NULL,\n    created_at TEXT NOT NULL,\n    updated_at TEXT NOT NULL\n);\nCREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\n";

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_the_conventions() {
        let s = schema(&[POSTS]);
        let parse = |n: &str, a: &[&str]| parse(&s, n, &args(a));
        assert!(matches!(
            parse("add_email_to_users", &["email:string?:unique"]).unwrap(),
            Change::AddColumns { ref table, .. } if table == "users"
        ));
        assert!(matches!(
            parse("add_sign_in_count_to_user", &["sign_in_count:integer:default=0"]).unwrap(),
            Change::AddColumns { ref table, .. } if table == "users"
        ));
        assert_eq!(
            parse("rename_title_to_headline_in_posts", &[]).unwrap(),
            Change::RenameColumn {
                table: "posts".into(),
                from: "title".into(),
                to: "headline".into()
            }
        );
        assert!(matches!(
            parse("remove_body_from_posts", &[]).unwrap(),
            Change::RemoveColumns { ref columns, .. } if columns[0].0 == "body"
        ));
        assert!(matches!(
            parse("create_join_table", &["users", "post"]).unwrap(),
            Change::JoinTable { ref tables } if tables == &["posts".to_string(), "users".to_string()]
        ));
        assert_eq!(parse("backfill_titles", &[]).unwrap(), Change::Empty);
    }

    #[test]
    fn bad_input_says_what_and_where() {
        let s = schema(&[POSTS]);
        let err = |n: &str, a: &[&str]| parse(&s, n, &args(a)).unwrap_err().to_string();
        let e = err("add_email_to_accounts", &["email:string?"]);
        assert!(e.contains("the tables are posts, users"), "{e}");
        let e = err("add_email_to_users", &["email:string"]);
        assert!(e.contains("default=VALUE"), "{e}");
        let e = err("add_email_to_users", &["email:string:unique"]);
        assert!(e.contains("needs a value for the rows"), "{e}");
        let e = err("remove_age_from_users", &["age"]);
        assert!(e.contains("no column `age`"), "{e}");
        let e = err("backfill_titles", &["title:string"]);
        assert!(e.contains("fits none of the naming conventions"), "{e}");
        let e = err("add_post_ref_to_users", &["post:references"]);
        assert!(e.contains("must be nullable"), "{e}");
        let e = err("rename_nothing_to_x_in_posts", &[]);
        assert!(e.contains("rename_OLD_to_NEW_in_posts"), "{e}");
    }

    #[test]
    fn names_are_snake_case_words() {
        assert_eq!(
            migration_name("AddEmailToUsers").unwrap(),
            "add_email_to_users"
        );
        for bad in ["bad name!", "add-email", "1st", "", "naïve"] {
            assert!(migration_name(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_table_changed_by_sql_it_cannot_read_is_refused() {
        let s = schema(&[
            POSTS,
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN UPDATE posts SET title = ''; END $$ LANGUAGE plpgsql;",
        ]);
        let e = parse(&s, "add_x_to_posts", &args(&["x:integer?"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("migrations/1_m.up.sql changes the table `posts`"),
            "{e}"
        );
        assert!(parse(&s, "add_x_to_users", &args(&["x:integer?"])).is_ok());
    }

    #[test]
    fn names_sql_needs_quoted_are_kept_quoted_or_refused() {
        let s = schema(&[
            "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"order\" INTEGER, \"Name\" TEXT, email TEXT NOT NULL);",
        ]);
        let users = s.table("users").unwrap();
        assert_eq!(
            users.create_sql("users"),
            "CREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    \"order\" INTEGER,\n    \"Name\" TEXT,\n    email TEXT NOT NULL\n);\n"
        );
        let e = parse(&s, "remove_order_from_users", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs quoted"), "{e}");
        let e = fields::parse(&args(&["order:integer"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("an SQL keyword"), "{e}");
    }

    #[test]
    fn type_changes_that_need_using_are_refused() {
        assert!(converts(Kind::Integer, Kind::Bigint));
        assert!(converts(Kind::Integer, Kind::Text));
        assert!(!converts(Kind::Text, Kind::Integer));
        assert!(!converts(Kind::Boolean, Kind::Integer));
    }
}

/// Migrations run on in-process SQLite: every `up` then `down` gives back
/// the schema and the rows.
#[cfg(test)]
mod sqlite_tests {
    use super::*;
    use proptest::prelude::*;
    use rusqlite::Connection;

    /// The schema as SQLite reports it, comparable across rebuilds (which
    /// change the stored SQL text and the order of added columns).
    type Normal = Vec<String>;

    fn normal(db: &Connection) -> Normal {
        let mut out = Vec::new();
        let objects: Vec<(String, String, String)> = db
            .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (ty, name, table) in objects {
            match ty.as_str() {
                "table" => {
                    let mut columns: Vec<String> = db
                        .prepare(&format!("PRAGMA table_info({name})"))
                        .unwrap()
                        .query_map([], |r| {
                            Ok(format!(
                                "{}:{}:{}:{:?}:{}",
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?.to_uppercase(),
                                r.get::<_, i64>(3)?,
                                r.get::<_, Option<String>>(4)?,
                                r.get::<_, i64>(5)?
                            ))
                        })
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    columns.sort();
                    let mut keys: Vec<String> = db
                        .prepare(&format!("PRAGMA foreign_key_list({name})"))
                        .unwrap()
                        .query_map([], |r| {
                            Ok(format!(
                                "{}->{}.{}:{}",
                                r.get::<_, String>(3)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(4)?,
                                r.get::<_, String>(6)?
                            ))
                        })
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    keys.sort();
                    out.push(format!("table {name} {columns:?} {keys:?}"));
                }
                "index" => {
                    let unique: i64 = db
                        .query_row(
                            "SELECT \"unique\" FROM pragma_index_list(?1) WHERE name = ?2",
                            [&table, &name],
                            |r| r.get(0),
                        )
                        .unwrap();
                    let columns: Vec<Option<String>> = db
                        .prepare(&format!("PRAGMA index_info({name})"))
                        .unwrap()
                        .query_map([], |r| r.get::<_, Option<String>>(2))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    out.push(format!(
                        "index {name} on {table} {columns:?} unique={unique}"
                    ));
                }
                other => out.push(format!("{other} {name} on {table}")),
            }
        }
        out.sort();
        out
    }

    /// Every row of `table`, column by column.
    fn rows(db: &Connection, table: &str) -> Vec<(String, Vec<String>)> {
        let columns: Vec<String> = db
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        columns
            .into_iter()
            .map(|c| {
                let values = db
                    .prepare(&format!("SELECT quote({c}) FROM {table} ORDER BY id"))
                    .unwrap()
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                (c, values)
            })
            .collect()
    }

    fn open(setup: &str) -> Connection {
        let db = Connection::open_in_memory().unwrap();
        // As sqlx opens the application's connections.
        db.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        db.execute_batch(setup).unwrap();
        db
    }

    const SETUP: &str = "CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT,
    rank INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_posts_on_title ON posts (title);
CREATE INDEX index_posts_on_lower_title ON posts (lower(title)) WHERE body IS NOT NULL;
CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (length(body) > 0)
);
CREATE INDEX index_comments_on_post_id ON comments (post_id);
CREATE TRIGGER posts_touch AFTER UPDATE OF title ON posts BEGIN UPDATE posts SET updated_at = 'touched' WHERE id = NEW.id; END;
";

    fn seed(db: &Connection, n: usize) {
        let tx = db.unchecked_transaction().unwrap();
        for i in 0..n {
            tx.execute(
                "INSERT INTO posts (title, body, rank, created_at, updated_at) VALUES (?1, ?2, ?3, 'c', 'u')",
                rusqlite::params![format!("title {i}"), (i % 3 != 0).then(|| format!("body {i}")), (i % 2 == 0).then_some(i as i64)],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO comments (post_id, body) VALUES (?1, 'a comment')",
                [i as i64 + 1],
            )
            .unwrap();
        }
        tx.execute("INSERT INTO tags (name) VALUES ('rust')", [])
            .unwrap();
        tx.commit().unwrap();
    }

    /// Generates, runs `up`, checks it against the schema reader, runs
    /// `down`, checks the schema and the rows, and runs `up` again.
    fn step(
        db: &Connection,
        schema: &mut Schema,
        name: &str,
        args: &[String],
    ) -> Result<(), String> {
        let plan = Plan::new(std::env::temp_dir());
        let change = parse(schema, name, args).map_err(|e| e.to_string())?;
        let sql = sql(
            &plan,
            schema,
            name,
            &change,
            Dialect::Sqlite,
            Options::default(),
        )
        .map_err(|e| e.to_string())?;
        let before = normal(db);
        let rows_before = rows(db, "posts");
        let comments_before = rows(db, "comments");
        db.execute_batch(&sql.up)
            .unwrap_or_else(|e| panic!("{name} {args:?}: up failed: {e}\n{}", sql.up));
        let after = normal(db);
        db.execute_batch(&sql.down)
            .unwrap_or_else(|e| panic!("{name} {args:?}: down failed: {e}\n{}", sql.down));
        assert_eq!(
            normal(db),
            before,
            "{name} {args:?}: down did not give back the schema\nup:\n{}\ndown:\n{}",
            sql.up,
            sql.down
        );
        assert_eq!(
            rows(db, "comments"),
            comments_before,
            "{name}: the child rows changed"
        );
        let touched: Vec<&str> = match &change {
            Change::RemoveColumns { columns, .. } => {
                columns.iter().map(|(c, _)| c.as_str()).collect()
            }
            Change::AlterColumns { fields, .. } => fields.iter().map(|f| f.name.as_str()).collect(),
            _ => Vec::new(),
        };
        let kept = |r: &Vec<(String, Vec<String>)>| -> Vec<(String, Vec<String>)> {
            r.iter()
                .filter(|(c, _)| !touched.contains(&c.as_str()))
                .cloned()
                .collect()
        };
        assert_eq!(
            kept(&rows(db, "posts")),
            kept(&rows_before),
            "{name}: rows changed"
        );
        db.execute_batch(&sql.up).unwrap();
        assert_eq!(normal(db), after, "{name}: up twice differs");
        *schema = applied(schema, &sql.up).unwrap();
        Ok(())
    }

    /// One random change to `posts`, as a migration name and fields.
    fn op() -> impl Strategy<Value = (u8, u8, u8, bool)> {
        (0u8..4, 0u8..8, 0u8..6, any::<bool>())
    }

    const KINDS: &[&str] = &[
        "string", "text", "integer", "bigint", "float", "decimal", "boolean", "date",
    ];

    fn columns(schema: &Schema) -> Vec<String> {
        schema
            .table("posts")
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| !["id", "created_at", "updated_at"].contains(&c.as_str()))
            .collect()
    }

    /// Runs the changes `ops` describes; returns how many were made.
    fn run(ops: &[(u8, u8, u8, bool)]) -> usize {
        let db = open(SETUP);
        seed(&db, 30);
        let mut schema = Schema::default();
        schema.apply_sql("setup", SETUP);
        assert!(schema.not_understood.is_empty());
        let mut made = 0;
        for (n, &(what, pick, kind, flag)) in ops.iter().enumerate() {
            // The first change is an addition, which is always possible.
            let what = if n == 0 { 0 } else { what };
            let cols = columns(&schema);
            let col = cols.get(pick as usize % cols.len().max(1)).cloned();
            let kind = KINDS[kind as usize % KINDS.len()];
            let (name, args): (String, Vec<String>) = match (what, col) {
                (0, _) | (_, None) => {
                    let field = if flag {
                        format!("f{n}:{kind}?")
                    } else {
                        let default = match kind {
                            "boolean" => "true",
                            "date" => "2026-01-01",
                            "string" | "text" => "none",
                            _ => "1",
                        };
                        format!("f{n}:{kind}:default={default}")
                    };
                    (format!("add_f{n}_to_posts"), vec![field])
                }
                (1, Some(c)) => (format!("remove_{c}_from_posts"), Vec::new()),
                (2, Some(c)) => (format!("rename_{c}_to_r{n}_in_posts"), Vec::new()),
                (_, Some(c)) => {
                    let nullable = if flag { "?" } else { "" };
                    (
                        format!("change_{c}_in_posts"),
                        vec![format!("{c}:{kind}{nullable}")],
                    )
                }
            };
            // Changes the generator refuses (a type it cannot convert, a
            // change that changes nothing) are part of the property: a
            // refusal writes nothing, and the next step goes on.
            made += usize::from(step(&db, &mut schema, &name, &args).is_ok());
        }
        made
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
        #[test]
        fn every_up_then_down_gives_back_the_schema_and_the_rows(ops in prop::collection::vec(op(), 1..8)) {
            prop_assert!(run(&ops) >= 1);
        }
    }

    #[test]
    fn each_kind_of_migration_runs_up_and_down() {
        let db = open(SETUP);
        seed(&db, 20);
        let mut schema = Schema::default();
        schema.apply_sql("setup", SETUP);
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (name, args) in [
            ("add_email_to_posts", a(&["email:string?:unique"])),
            ("add_views_to_posts", a(&["views:integer:default=0"])),
            ("add_tag_ref_to_posts", a(&["tag:references?"])),
            ("rename_title_to_headline_in_posts", a(&[])),
            ("change_views_in_posts", a(&["views:bigint?"])),
            ("change_rank_in_posts", a(&["rank:integer:default=5"])),
            ("add_index_to_posts", a(&["headline", "views:unique"])),
            ("create_join_table", a(&["posts", "tags"])),
            ("remove_body_from_posts", a(&[])),
            ("remove_tag_id_from_posts", a(&[])),
            ("remove_views_from_posts", a(&["views:bigint"])),
            ("drop_table", a(&["posts_tags"])),
            ("backfill_headlines", a(&[])),
        ] {
            step(&db, &mut schema, name, &args).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// The rebuild of a parent table keeps every row of it and of the
    /// table that refers to it, its indexes and its foreign keys.
    #[test]
    fn a_rebuilt_parent_table_keeps_its_rows_and_its_children() {
        let db = open(SETUP);
        seed(&db, 10_000);
        let mut schema = Schema::default();
        schema.apply_sql("setup", SETUP);
        let args = vec!["rank:bigint:default=0".to_string()];
        let change = parse(&schema, "change_rank_in_posts", &args).unwrap();
        let sql = sql(
            &Plan::new(std::env::temp_dir()),
            &schema,
            "change_rank_in_posts",
            &change,
            Dialect::Sqlite,
            Options::default(),
        )
        .unwrap();
        assert!(sql.up.starts_with(NO_TRANSACTION), "{}", sql.up);
        let before = normal(&db);
        db.execute_batch(&sql.up).unwrap();
        let count = |t: &str| -> i64 {
            db.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!((count("posts"), count("comments")), (10_000, 10_000));
        assert!(
            normal(&db)
                .iter()
                .any(|l| l.starts_with("index index_posts_on_title "))
        );
        assert!(
            normal(&db)
                .iter()
                .any(|l| l.starts_with("trigger posts_touch"))
        );
        // The foreign key still holds: deleting a post deletes its comment.
        db.execute("DELETE FROM posts WHERE id = 1", []).unwrap();
        assert_eq!(count("comments"), 9_999);
        // And a comment cannot refer to a post that is not there.
        assert!(
            db.execute(
                "INSERT INTO comments (post_id, body) VALUES (999999, 'x')",
                []
            )
            .is_err()
        );
        db.execute_batch(&sql.down).unwrap();
        assert_eq!(normal(&db), before);
        assert_eq!((count("posts"), count("comments")), (9_999, 9_999));
    }

    /// A rebuild stops, changing nothing, when a row refers to nothing.
    #[test]
    fn a_rebuild_refuses_broken_foreign_keys() {
        let db = open(SETUP);
        seed(&db, 3);
        db.execute_batch("PRAGMA foreign_keys = OFF; INSERT INTO comments (post_id, body) VALUES (42, 'orphan'); PRAGMA foreign_keys = ON;").unwrap();
        let mut schema = Schema::default();
        schema.apply_sql("setup", SETUP);
        let change = parse(
            &schema,
            "change_body_in_comments",
            &["body:string?".to_string()],
        )
        .unwrap();
        let sql = sql(
            &Plan::new(std::env::temp_dir()),
            &schema,
            "x",
            &change,
            Dialect::Sqlite,
            Options::default(),
        )
        .unwrap();
        let before = normal(&db);
        let err = db.execute_batch(&sql.up).unwrap_err().to_string();
        assert!(err.contains("CHECK constraint failed"), "{err}");
        db.execute_batch("ROLLBACK; PRAGMA foreign_keys = ON;")
            .unwrap();
        assert_eq!(normal(&db), before);
    }
}
