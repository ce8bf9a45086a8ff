//! Model fields as the user types them, `NAME:TYPE[?][:MODIFIER]...`, and
//! what each type becomes: a Rust type, a column for each database, a way to
//! read it from a request, an example value for tests.

use anyhow::{Result, bail};
use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

use super::syntax;

use crate::errors::nothing_written;
use crate::names::{ModelName, action_name};
use crate::project::Database;

/// The databases a model's SQL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect of `database`, if the application has one.
    pub fn of(database: Database) -> Option<Self> {
        match database {
            Database::Sqlite => Some(Dialect::Sqlite),
            Database::Postgres => Some(Dialect::Postgres),
            Database::None => None,
        }
    }
}

/// A field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Text,
    Integer,
    Bigint,
    Float,
    Decimal,
    Boolean,
    Date,
    Datetime,
    Uuid,
    Json,
    References,
}

pub const KINDS: &[(&str, Kind)] = &[
    ("string", Kind::String),
    ("text", Kind::Text),
    ("integer", Kind::Integer),
    ("bigint", Kind::Bigint),
    ("float", Kind::Float),
    ("decimal", Kind::Decimal),
    ("boolean", Kind::Boolean),
    ("date", Kind::Date),
    ("datetime", Kind::Datetime),
    ("uuid", Kind::Uuid),
    ("json", Kind::Json),
    ("references", Kind::References),
];

pub const MODIFIERS: &[&str] = &["unique", "index", "default=VALUE"];

/// The longest `string` value, in characters.
pub const STRING_MAX: usize = 255;

/// Columns every model has; a field may not take these names.
const RESERVED: &[&str] = &["id", "created_at", "updated_at"];

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The column and struct field: `title`, `post_id`.
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    pub unique: bool,
    pub index: bool,
    /// For `references`: the model referred to.
    pub target: Option<ModelName>,
    /// `default=VALUE`: the column's default, as typed (checked for the type).
    pub default: Option<String>,
}

fn kind_names() -> String {
    KINDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Parses `title:string`, `author:string?`, `email:string:unique`,
/// `post:references`.
pub fn parse(raw: &[String]) -> Result<Vec<Field>> {
    let mut out: Vec<Field> = Vec::new();
    for spec in raw {
        let mut parts = spec.split(':');
        let name = parts.next().unwrap_or_default();
        let Some(ty) = parts.next() else {
            bail!(nothing_written(format!(
                "field `{spec}` has no type; write it as NAME:TYPE, e.g. `title:string` (types: {})",
                kind_names()
            )));
        };
        let (ty, nullable) = match ty.strip_suffix('?') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let Some(kind) = KINDS.iter().find(|(n, _)| *n == ty).map(|(_, k)| *k) else {
            bail!(nothing_written(format!(
                "unknown type `{ty}` in field `{spec}`; valid types are {} (add `?` for a nullable field)",
                kind_names()
            )));
        };
        let mut unique = false;
        let mut index = false;
        let mut default = None;
        for modifier in parts {
            match modifier {
                "unique" => unique = true,
                "index" => index = true,
                m if m.starts_with("default=") => {
                    let value = &m["default=".len()..];
                    check_default(kind, value)
                        .map_err(|e| nothing_written(format!("{e} (in field `{spec}`)")))?;
                    default = Some(value.to_string());
                }
                other => bail!(nothing_written(format!(
                    "unknown modifier `{other}` in field `{spec}`; valid modifiers are {}",
                    MODIFIERS.join(", ")
                ))),
            }
        }
        let base =
            action_name(name).map_err(|e| nothing_written(format!("{e} (in field `{spec}`)")))?;
        let (name, target) = if kind == Kind::References {
            let target = ModelName::parse(&base)
                .map_err(|e| nothing_written(format!("{e} (in field `{spec}`)")))?;
            (format!("{}_id", target.snake), Some(target))
        } else {
            (base.to_snake_case(), None)
        };
        if super::schema::RESERVED.contains(&name.as_str()) {
            bail!(nothing_written(format!(
                "field `{name}`: `{name}` is an SQL keyword, which SQLite or PostgreSQL does not take as a column name; choose another name (for example `{name}_value` or `sort_{name}`)"
            )));
        }
        if RESERVED.contains(&name.as_str()) {
            bail!(nothing_written(format!(
                "field `{name}` is one every model already has ({}); choose another name",
                RESERVED.join(", ")
            )));
        }
        if out.iter().any(|f| f.name == name) {
            bail!(nothing_written(format!("field `{name}` is given twice")));
        }
        out.push(Field {
            name,
            kind,
            nullable,
            unique,
            index: index || kind == Kind::References,
            target,
            default,
        });
    }
    Ok(out)
}

impl Field {
    /// The Rust type without `Option`.
    pub fn base_tokens(&self) -> TokenStream {
        match self.kind {
            Kind::String | Kind::Text => quote!(String),
            Kind::Integer => quote!(i32),
            Kind::Bigint | Kind::References => quote!(i64),
            Kind::Float => quote!(f64),
            Kind::Decimal => quote!(Decimal),
            Kind::Boolean => quote!(bool),
            Kind::Date => quote!(NaiveDate),
            Kind::Datetime => quote!(DateTime<Utc>),
            Kind::Uuid => quote!(Uuid),
            Kind::Json => quote!(serde_json::Value),
        }
    }

    /// The Rust type, `Option` of the base type when nullable.
    pub fn type_tokens(&self) -> TokenStream {
        let base = self.base_tokens();
        if self.nullable {
            quote!(Option<#base>)
        } else {
            base
        }
    }

    /// The Rust type without `Option`, printed: `DateTime<Utc>`.
    pub fn base_type(&self) -> String {
        syntax::ty(self.base_tokens())
    }

    /// The Rust type, printed: `Option<String>`.
    pub fn rust_type(&self) -> String {
        syntax::ty(self.type_tokens())
    }

    /// The field as an identifier.
    pub fn ident(&self) -> syn::Ident {
        syntax::ident(&self.name)
    }

    /// The column's SQL type.
    pub fn sql_type(&self, dialect: Dialect) -> &'static str {
        sql_type(self.kind, dialect)
    }

    /// The `DEFAULT` value as SQL, when the field has one.
    pub fn default_sql(&self, dialect: Dialect) -> Option<String> {
        self.default
            .as_deref()
            .map(|v| literal(self.kind, dialect, v))
    }

    /// The column definition in `CREATE TABLE`.
    pub fn column(&self, dialect: Dialect, table_of: &dyn Fn(&ModelName) -> String) -> String {
        let ty = self.sql_type(dialect);
        let mut column = format!("{} {ty}", self.name);
        if !self.nullable {
            column.push_str(" NOT NULL");
        }
        if let Some(default) = self.default_sql(dialect) {
            column.push_str(&format!(" DEFAULT {default}"));
        }
        if let Some(target) = &self.target {
            column.push_str(&format!(
                " REFERENCES {} (id) ON DELETE CASCADE",
                table_of(target)
            ));
        }
        column
    }

    /// `fields.take::<String>("title")`: how the request value is read.
    pub fn take(&self) -> String {
        let ty = self.type_tokens();
        let name = &self.name;
        syntax::expr(quote!(fields.take::<#ty>(#name)))
    }

    /// An example value for tests; `n` makes unique fields unique, a
    /// reference names the variable holding the row it refers to.
    pub fn example(&self) -> String {
        if self.kind == Kind::Json {
            // `json!` takes JSON, which prettyplease would print as Rust
            // tokens (`"n" : n`); it is written as it is.
            let json = r#"serde_json::json!({ "n": n })"#;
            return if self.nullable {
                syntax::expr_with(quote!(Some(JSON_VALUE)), "JSON_VALUE", json)
            } else {
                json.to_string()
            };
        }
        let value = match self.kind {
            Kind::String | Kind::Text => {
                let label = format!("{} {{n}}", self.name.replace('_', " "));
                quote!(format!(#label))
            }
            Kind::Integer => quote!(i32::try_from(n).unwrap_or(i32::MAX)),
            Kind::Bigint => quote!(i64::try_from(n).unwrap_or(i64::MAX)),
            Kind::Float => quote!(n as f64 + 0.5),
            Kind::Decimal => quote!(format!("{n}.25").parse().expect("a decimal")),
            Kind::Boolean => quote!(true),
            Kind::Date => quote!(NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date")),
            Kind::Datetime => quote!(DateTime::from_timestamp(1_767_225_600, 0).expect("a time")),
            Kind::Uuid => quote!(Uuid::new_v4()),
            Kind::References => {
                let target = self.target.as_ref().expect("references have a target");
                let row = syntax::ident(&target.snake);
                quote!(#row.id)
            }
            Kind::Json => unreachable!("written above"),
        };
        syntax::expr(self.optional(value))
    }

    /// Another valid value, for update tests: differs from [`Self::example`].
    pub fn changed(&self) -> Option<String> {
        let value = match self.kind {
            Kind::String | Kind::Text => quote!("changed".to_string()),
            Kind::Integer | Kind::Bigint => quote!(-7),
            Kind::Float => quote!(-2.5),
            Kind::Decimal => quote!("-3.75".parse().expect("a decimal")),
            Kind::Boolean => quote!(false),
            Kind::Date => quote!(NaiveDate::from_ymd_opt(2027, 6, 30).expect("a date")),
            Kind::Datetime => quote!(DateTime::from_timestamp(1_800_000_000, 0).expect("a time")),
            Kind::Uuid => quote!(Uuid::nil()),
            Kind::Json => quote!(serde_json::json!([1, 2, 3])),
            Kind::References => return None,
        };
        Some(syntax::expr(self.optional(value)))
    }

    /// `Some(value)` for a nullable field, else `value`.
    fn optional(&self, value: TokenStream) -> TokenStream {
        if self.nullable {
            quote!(Some(#value))
        } else {
            value
        }
    }

    /// A valid JSON value other than the example's, for update tests.
    pub fn changed_json(&self) -> Option<&'static str> {
        Some(match self.kind {
            Kind::String | Kind::Text => "\"changed\"",
            Kind::Integer | Kind::Bigint => "-7",
            Kind::Float => "-2.5",
            Kind::Decimal => "\"-3.75\"",
            Kind::Boolean => "false",
            Kind::Date => "\"2027-06-30\"",
            Kind::Datetime => "\"2027-01-15T08:00:00Z\"",
            Kind::Uuid => "\"00000000-0000-0000-0000-000000000000\"",
            Kind::Json => "[1, 2, 3]",
            Kind::References => return None,
        })
    }

    /// A JSON value of the wrong type, and what the error says.
    pub fn wrong_json(&self) -> (&'static str, &'static str) {
        match self.kind {
            Kind::String | Kind::Text => ("42", "must be a string"),
            Kind::Integer | Kind::Bigint | Kind::References => ("\"many\"", "must be an integer"),
            Kind::Float => ("\"many\"", "must be a number"),
            // Templates before 2 read a JSON number as a decimal too.
            Kind::Decimal if crate::engine::base().is_some_and(|version| version < 2) => {
                ("true", "must be a decimal number")
            }
            Kind::Decimal => ("12.5", "must be a decimal number in a string"),
            Kind::Boolean => ("\"yes please\"", "must be true or false"),
            Kind::Date => ("\"tomorrow\"", "must be a date (YYYY-MM-DD)"),
            Kind::Datetime => ("\"tomorrow\"", "must be a date and time (RFC 3339)"),
            Kind::Uuid => ("\"not-a-uuid\"", "must be a UUID"),
            // Any JSON value is a valid `json` field.
            Kind::Json => ("", ""),
        }
    }

    /// `#[schema(...)]` for types utoipa does not know by itself, and the
    /// bounds the application checks: what a string may hold, and the
    /// exact form of decimals, dates, times and UUIDs, so that the OpenAPI
    /// document accepts what the application accepts and nothing else.
    pub fn schema_attr(&self) -> Option<String> {
        if crate::engine::base().is_some_and(|version| version < 2) {
            return self.schema_attr_before_2();
        }
        let (format, pattern) = match self.kind {
            Kind::String => {
                let max = proc_macro2::Literal::usize_unsuffixed(STRING_MAX);
                return Some(syntax::attribute(quote!(#[schema(max_length = #max)])));
            }
            Kind::Decimal => (quote!("decimal"), DECIMAL_PATTERN.to_string()),
            Kind::Date => (quote!(Date), format!("^{DATE_PATTERN}$")),
            Kind::Datetime => (quote!(DateTime), format!("^{DATE_PATTERN}{TIME_PATTERN}$")),
            Kind::Uuid => (quote!("uuid"), UUID_PATTERN.to_string()),
            _ => return None,
        };
        let ty = if self.nullable {
            quote!(Option<String>)
        } else {
            quote!(String)
        };
        Some(syntax::attribute(quote!(
            #[schema(value_type = #ty, format = #format, pattern = #pattern)]
        )))
    }
}

impl Field {
    /// The attribute templates 0 and 1 wrote: the types utoipa does not
    /// know by itself, and no bounds.
    fn schema_attr_before_2(&self) -> Option<String> {
        let (ty, format) = match self.kind {
            Kind::Decimal => (quote!(String), Some(quote!("decimal"))),
            Kind::Date => (quote!(String), Some(quote!(Date))),
            Kind::Datetime => (quote!(String), Some(quote!(DateTime))),
            Kind::Uuid => (quote!(String), None),
            Kind::Json => (quote!(Object), None),
            _ => return None,
        };
        let ty = if self.nullable {
            quote!(Option<#ty>)
        } else {
            ty
        };
        let format = format.map(|f| quote!(, format = #f));
        Some(syntax::attribute(
            quote!(#[schema(value_type = #ty #format)]),
        ))
    }
}

/// A decimal in JSON, as the application's `fields.rs` reads it.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$";

/// A date from 1000-01-01 to 9999-12-31 that exists, but for 29 February.
const DATE_PATTERN: &str = "[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))";

/// An RFC 3339 time of day after the date, with its offset.
const TIME_PATTERN: &str = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

/// A UUID in its hyphenated form.
const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The SQL type of a field of `kind`.
pub fn sql_type(kind: Kind, dialect: Dialect) -> &'static str {
    match (kind, dialect) {
        (Kind::String, Dialect::Postgres) => "VARCHAR(255)",
        (Kind::String | Kind::Text, _) => "TEXT",
        (Kind::Integer, _) => "INTEGER",
        (Kind::Bigint | Kind::References, Dialect::Postgres) => "BIGINT",
        (Kind::Bigint | Kind::References, Dialect::Sqlite) => "INTEGER",
        (Kind::Float, Dialect::Postgres) => "DOUBLE PRECISION",
        (Kind::Float, Dialect::Sqlite) => "REAL",
        (Kind::Decimal, Dialect::Postgres) => "NUMERIC",
        // Stored as text: SQLite would turn a NUMERIC into a float.
        (Kind::Decimal, Dialect::Sqlite) => "TEXT",
        (Kind::Boolean, _) => "BOOLEAN",
        (Kind::Date, Dialect::Postgres) => "DATE",
        (Kind::Datetime, Dialect::Postgres) => "TIMESTAMPTZ",
        (Kind::Date | Kind::Datetime, Dialect::Sqlite) => "TEXT",
        (Kind::Uuid, Dialect::Postgres) => "UUID",
        (Kind::Uuid, Dialect::Sqlite) => "BLOB",
        (Kind::Json, Dialect::Postgres) => "JSONB",
        (Kind::Json, Dialect::Sqlite) => "TEXT",
    }
}

/// Checks a `default=VALUE` for a field of `kind`.
fn check_default(kind: Kind, value: &str) -> Result<(), String> {
    let ok = match kind {
        Kind::String | Kind::Text => true,
        Kind::Json => serde_json::from_str::<serde_json::Value>(value).is_ok(),
        Kind::Integer => value.parse::<i32>().is_ok(),
        Kind::Bigint => value.parse::<i64>().is_ok(),
        Kind::Float | Kind::Decimal => {
            value.parse::<f64>().is_ok_and(f64::is_finite)
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        }
        Kind::Boolean => matches!(value, "true" | "false"),
        Kind::Date => is_date(value),
        Kind::Datetime => {
            value.len() == 20
                && is_date(&value[..10])
                && value.as_bytes()[10] == b'T'
                && value.ends_with('Z')
                && value[11..19]
                    .split(':')
                    .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        }
        Kind::Uuid | Kind::References => {
            return Err(format!(
                "a `{}` field cannot have a default",
                kind_name(kind)
            ));
        }
    };
    if ok {
        return Ok(());
    }
    Err(format!(
        "`default={value}` is not a valid `{}` value; write {}",
        kind_name(kind),
        match kind {
            Kind::Boolean => "true or false",
            Kind::Date => "YYYY-MM-DD",
            Kind::Datetime => "YYYY-MM-DDTHH:MM:SSZ",
            Kind::Integer | Kind::Bigint => "an integer",
            Kind::Json => "JSON, such as {} or []",
            _ => "a number such as 0 or 2.5",
        }
    ))
}

fn is_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The name users type for `kind`.
pub fn kind_name(kind: Kind) -> &'static str {
    KINDS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("?", |(n, _)| *n)
}

/// A checked value of `kind` as an SQL literal.
pub fn literal(kind: Kind, dialect: Dialect, value: &str) -> String {
    let quoted = || format!("'{}'", value.replace('\'', "''"));
    match kind {
        Kind::Integer | Kind::Bigint | Kind::Float => value.to_string(),
        // SQLite keeps decimals as text.
        Kind::Decimal if dialect == Dialect::Sqlite => quoted(),
        Kind::Decimal => value.to_string(),
        Kind::Boolean => value.to_ascii_uppercase(),
        _ => quoted(),
    }
}

/// The value a column of `kind` takes in rows that had none: a non-null
/// column put back by a `down` migration, when it had no default.
pub fn zero(kind: Kind, dialect: Dialect) -> String {
    match (kind, dialect) {
        (Kind::String | Kind::Text, _) => "''".into(),
        (Kind::Integer | Kind::Bigint | Kind::Float | Kind::References, _) => "0".into(),
        (Kind::Decimal, Dialect::Sqlite) => "'0'".into(),
        (Kind::Decimal, Dialect::Postgres) => "0".into(),
        (Kind::Boolean, _) => "FALSE".into(),
        (Kind::Date, _) => "'1970-01-01'".into(),
        (Kind::Datetime, _) => "'1970-01-01T00:00:00Z'".into(),
        (Kind::Uuid, Dialect::Sqlite) => "zeroblob(16)".into(),
        (Kind::Uuid, Dialect::Postgres) => "'00000000-0000-0000-0000-000000000000'".into(),
        (Kind::Json, _) => "'null'".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &[&str]) -> Result<Vec<Field>> {
        parse(&raw.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_types_nullability_and_modifiers() {
        let f = fields(&[
            "title:string:unique",
            "author:string?",
            "post:references",
            "n:integer:index",
        ])
        .unwrap();
        assert_eq!(f[0].name, "title");
        assert!(f[0].unique && !f[0].nullable);
        assert_eq!(f[1].rust_type(), "Option<String>");
        assert_eq!(f[2].name, "post_id");
        assert_eq!(f[2].target.as_ref().unwrap().plural, "posts");
        assert!(f[2].index, "foreign keys are indexed");
        assert!(f[3].index);
        let table = |m: &ModelName| m.plural.clone();
        assert_eq!(
            f[2].column(Dialect::Postgres, &table),
            "post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE"
        );
        assert_eq!(f[1].column(Dialect::Sqlite, &table), "author TEXT");
        assert_eq!(
            f[0].column(Dialect::Postgres, &table),
            "title VARCHAR(255) NOT NULL"
        );
    }

    #[test]
    fn bad_fields_say_what_is_valid() {
        let err = fields(&["title:strng"]).unwrap_err().to_string();
        assert!(err.contains("unknown type `strng`"), "{err}");
        assert!(err.contains("string, text, integer"), "{err}");
        let err = fields(&["title:string:uniq"]).unwrap_err().to_string();
        assert!(err.contains("valid modifiers are unique, index"), "{err}");
        assert!(
            fields(&["title"])
                .unwrap_err()
                .to_string()
                .contains("NAME:TYPE")
        );
        assert!(fields(&["id:integer"]).is_err());
        assert!(fields(&["a:text", "a:string"]).is_err());
        assert!(fields(&["type:string"]).is_err());
    }
}
