//! Reading a model's fields from a request, JSON or an HTML form, with one
//! message for every field that is missing or of the wrong type, so a client
//! can fix them all at once (422 with `errors` by field).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::app::errors::{AppError, FieldErrors};
use crate::db::Decimal;

/// The fields of one request, consumed one by one with [`Fields::take`].
#[derive(Debug)]
pub struct Fields {
    values: Map<String, Value>,
    /// Values came from an HTML form: every value is text, and an unchecked
    /// checkbox is simply absent.
    form: bool,
    errors: FieldErrors,
}

impl Fields {
    /// The fields of a JSON object body.
    pub fn json(body: &[u8]) -> Result<Self, AppError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(values)) => Ok(Self {
                values,
                form: false,
                errors: FieldErrors::new(),
            }),
            _ => Err(AppError::Unprocessable(
                "the body must be a JSON object".to_string(),
            )),
        }
    }

    /// The fields of a submitted HTML form.
    pub fn form(pairs: Vec<(String, String)>) -> Self {
        let values = pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Self {
            values,
            form: true,
            errors: FieldErrors::new(),
        }
    }

    /// Fills the fields the request left out from `current` (a JSON object
    /// of the record's values), for partial updates.
    pub fn or(mut self, current: Value) -> Self {
        if let Value::Object(current) = current {
            for (key, value) in current {
                self.values.entry(key).or_insert(value);
            }
        }
        self
    }

    /// The value of `name`; `None` (and an error noted) when it is missing
    /// or cannot be read as `T`.
    pub fn take<T: FromField>(&mut self, name: &str) -> Option<T> {
        let value = match self.values.remove(name) {
            Some(Value::Null) if T::null().is_some() => return T::null(),
            None | Some(Value::Null) => {
                let absent = T::absent(self.form);
                if absent.is_none() {
                    self.error(name, "is required");
                }
                return absent;
            }
            Some(value) => value,
        };
        let read = match (&value, self.form) {
            (Value::String(text), true) => T::from_text(text),
            _ => T::from_json(&value),
        };
        if read.is_none() {
            self.error(name, format!("must be {}", T::EXPECTED));
        }
        read
    }

    /// Notes an error on `name` unless `ok`.
    pub fn check(&mut self, name: &str, ok: bool, message: &str) {
        if !ok {
            self.error(name, message);
        }
    }

    /// Notes an error on `name`.
    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_string())
            .or_default()
            .push(message.into());
    }

    /// No field had an error.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors noted, as the 422 response.
    pub fn into_error(self) -> AppError {
        AppError::Invalid(self.errors)
    }
}

/// A record's values as an HTML form shows them: text, empty for none, dates
/// and times as `<input type="date">` and `datetime-local` take them.
pub fn form_values(record: &Value) -> std::collections::BTreeMap<String, String> {
    let Value::Object(fields) = record else {
        return Default::default();
    };
    fields
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::Null => String::new(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(t) => t.with_timezone(&Utc).format("%Y-%m-%dT%H:%M").to_string(),
                    Err(_) => s.clone(),
                },
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect()
}

/// Rows on one page when the client does not say.
pub const PER_PAGE: i64 = 25;
/// The most rows a client may ask for on one page.
pub const MAX_PER_PAGE: i64 = 100;

/// `?page=&per_page=` of a list.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PageQuery {
    /// The page, from 1 (default 1).
    pub page: Option<i64>,
    /// Rows a page, 1 to 100 (default 25).
    pub per_page: Option<i64>,
}

impl PageQuery {
    /// `(page, per_page)`, checked.
    pub fn read(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(PER_PAGE);
        let mut errors = FieldErrors::new();
        if page < 1 {
            errors.insert("page".into(), vec!["must be at least 1".into()]);
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            let message = format!("must be between 1 and {MAX_PER_PAGE}");
            errors.insert("per_page".into(), vec![message]);
        }
        if errors.is_empty() {
            Ok((page, per_page))
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

/// A type a field can be read as.
pub trait FromField: Sized {
    /// What a valid value looks like, for the error message.
    const EXPECTED: &'static str;

    fn from_json(value: &Value) -> Option<Self>;

    /// From the text of a form field.
    fn from_text(text: &str) -> Option<Self> {
        Self::from_json(&Value::String(text.to_string()))
    }

    /// The value of an absent field; `None` makes the field required.
    fn absent(_form: bool) -> Option<Self> {
        None
    }

    /// The value of a JSON `null`, for a type that holds it; `None` reads
    /// `null` as an absent field.
    fn null() -> Option<Self> {
        None
    }
}

/// A JSON integer: `42`, or a number with no fraction (`42.0`, which JSON
/// Schema counts as an integer too) that a float holds exactly.
fn integer(value: &Value) -> Option<i64> {
    /// 2^53: a float is exact for every integer below it; above, `42.0` may
    /// be another number rounded.
    const BOUND: f64 = 9_007_199_254_740_992.0;
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    let n = value.as_f64()?;
    (n.fract() == 0.0 && (-BOUND..BOUND).contains(&n)).then_some(n as i64)
}

impl FromField for String {
    const EXPECTED: &'static str = "a string";

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_string)
    }
}

impl FromField for i32 {
    const EXPECTED: &'static str = "an integer";

    fn from_json(value: &Value) -> Option<Self> {
        integer(value).and_then(|n| n.try_into().ok())
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
}

impl FromField for i64 {
    const EXPECTED: &'static str = "an integer";

    fn from_json(value: &Value) -> Option<Self> {
        integer(value)
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
}

impl FromField for f64 {
    const EXPECTED: &'static str = "a number";

    fn from_json(value: &Value) -> Option<Self> {
        value.as_f64()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok().filter(|n: &f64| n.is_finite())
    }
}

impl FromField for bool {
    const EXPECTED: &'static str = "true or false";

    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "true" | "on" | "1" => Some(true),
            "false" | "off" | "0" => Some(false),
            _ => None,
        }
    }

    /// An unchecked checkbox is not sent at all.
    fn absent(form: bool) -> Option<Self> {
        form.then_some(false)
    }
}

/// The form of a decimal in JSON: a string of up to 18 digits, then up to 10
/// after a point (`"-12.50"`), so that every one fits a `Decimal` exactly.
/// The OpenAPI document gives the same pattern.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$";

fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |part: &str, most: usize| {
        (1..=most).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    all_digits(whole, 18) && fraction.is_none_or(|f| all_digits(f, 10))
}

impl FromField for Decimal {
    const EXPECTED: &'static str = "a decimal number in a string";

    /// `"12.50"`: a string, so that no digit is lost to a float on the way.
    fn from_json(value: &Value) -> Option<Self> {
        let text = value.as_str()?;
        is_decimal(text).then(|| text.parse().ok()).flatten()
    }

    /// A form field: the same, around spaces.
    fn from_text(text: &str) -> Option<Self> {
        Self::from_json(&Value::String(text.trim().to_string()))
    }
}

impl FromField for NaiveDate {
    const EXPECTED: &'static str = "a date (YYYY-MM-DD)";

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str()?.parse().ok()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
}

impl FromField for DateTime<Utc> {
    const EXPECTED: &'static str = "a date and time (RFC 3339)";

    fn from_json(value: &Value) -> Option<Self> {
        let text = value.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// A `datetime-local` input sends `2026-01-31T12:30`, read as UTC.
    fn from_text(text: &str) -> Option<Self> {
        Self::from_json(&Value::String(text.trim().to_string())).or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
                .ok()
                .map(|t| t.and_utc())
        })
    }
}

impl FromField for Uuid {
    const EXPECTED: &'static str = "a UUID";

    /// The hyphenated form only, as the OpenAPI document says.
    fn from_json(value: &Value) -> Option<Self> {
        let text = value.as_str()?;
        (text.len() == 36).then(|| text.parse().ok()).flatten()
    }

    fn from_text(text: &str) -> Option<Self> {
        Self::from_json(&Value::String(text.trim().to_string()))
    }
}

impl FromField for Value {
    const EXPECTED: &'static str = "JSON";

    fn from_json(value: &Value) -> Option<Self> {
        Some(value.clone())
    }

    /// `null` is a JSON value like any other.
    fn null() -> Option<Self> {
        Some(Value::Null)
    }

    fn from_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

impl<T: FromField> FromField for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;

    fn from_json(value: &Value) -> Option<Self> {
        T::from_json(value).map(Some)
    }

    /// An empty form field means no value.
    fn from_text(text: &str) -> Option<Self> {
        if text.is_empty() {
            Some(None)
        } else {
            T::from_text(text).map(Some)
        }
    }

    fn absent(_form: bool) -> Option<Self> {
        Some(None)
    }
}

/// A database error as the client should see it: a unique or foreign key
/// violation is a 422 on the fields it concerns (`unique`, `references`);
/// anything else is a 500 whose detail goes to the log.
pub fn db_error(err: sqlx::Error, unique: &[&str], references: &[&str]) -> AppError {
    let (fields, message) = match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => (unique, "has already been taken"),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            (references, "does not exist")
        }
        _ => return AppError::from(err),
    };
    let text = err.to_string();
    // The fields the database names, or else every candidate.
    let named: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| text.contains(f))
        .collect();
    let chosen = if named.is_empty() { fields } else { &named };
    if chosen.is_empty() {
        return AppError::from(err);
    }
    let errors = chosen
        .iter()
        .map(|f| (f.to_string(), vec![message.to_string()]))
        .collect();
    AppError::Conflict(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Fields {
        Fields::json(&serde_json::to_vec(&body).unwrap()).unwrap()
    }

    #[test]
    fn reads_every_type() {
        let mut f = fields(json!({
            "s": "text", "i": 7, "b": 9_000_000_000_i64, "x": 1.5, "t": true,
            "d": "2026-01-31", "dt": "2026-01-31T12:00:00+01:00",
            "u": "67e55044-10b1-426f-9247-bb680e5fe0c8", "j": {"a": [1]}, "m": "10.25"
        }));
        assert_eq!(f.take::<String>("s").as_deref(), Some("text"));
        assert_eq!(f.take::<i32>("i"), Some(7));
        assert_eq!(f.take::<i64>("b"), Some(9_000_000_000));
        assert_eq!(f.take::<f64>("x"), Some(1.5));
        assert_eq!(f.take::<bool>("t"), Some(true));
        assert_eq!(f.take::<NaiveDate>("d").unwrap().to_string(), "2026-01-31");
        assert_eq!(
            f.take::<DateTime<Utc>>("dt").unwrap().to_rfc3339(),
            "2026-01-31T11:00:00+00:00"
        );
        assert!(f.take::<Uuid>("u").is_some());
        assert_eq!(f.take::<Value>("j"), Some(json!({"a": [1]})));
        assert_eq!(f.take::<Decimal>("m").unwrap().to_string(), "10.25");
        assert_eq!(f.take::<Option<String>>("missing"), Some(None));
        assert!(f.is_valid());
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let mut f = fields(json!({"title": 42, "count": 2_147_483_648_i64, "note": null}));
        assert_eq!(f.take::<String>("title"), None);
        assert_eq!(f.take::<i32>("count"), None);
        assert_eq!(f.take::<String>("note"), None);
        assert_eq!(f.take::<bool>("published"), None);
        let error = f.into_error();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "count must be an integer; note is required; published is required; title must be a string"
        );
    }

    #[test]
    fn forms_send_text_and_leave_out_unchecked_boxes() {
        let pairs = [("n", "12"), ("when", "2026-01-31T12:30"), ("opt", "")];
        let mut f = Fields::form(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        assert_eq!(f.take::<i64>("n"), Some(12));
        assert_eq!(f.take::<bool>("published"), Some(false));
        assert!(f.take::<DateTime<Utc>>("when").is_some());
        assert_eq!(f.take::<Option<i32>>("opt"), Some(None));
        assert!(f.is_valid());
    }

    #[test]
    fn form_text_is_read_as_every_type() {
        assert_eq!(String::from_text("a b"), Some("a b".to_string()));
        assert_eq!(i32::from_text(" 42 "), Some(42));
        assert_eq!(i32::from_text("2147483648"), None);
        assert_eq!(i64::from_text("-7"), Some(-7));
        assert_eq!(i64::from_text("7.5"), None);
        assert_eq!(f64::from_text(" 2.5 "), Some(2.5));
        assert_eq!(f64::from_text("inf"), None);
        assert_eq!(f64::from_text("NaN"), None);
        assert_eq!(bool::from_text("on"), Some(true));
        assert_eq!(bool::from_text("0"), Some(false));
        assert_eq!(bool::from_text("yes"), None);
        assert_eq!(Decimal::from_text(" 12.50 "), "12.50".parse().ok());
        assert_eq!(Decimal::from_text("1e3"), None);
        assert_eq!(Decimal::from_text("0.12345678901"), None);
        assert_eq!(
            NaiveDate::from_text("2026-01-31"),
            NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(NaiveDate::from_text("31/01/2026"), None);
        let utc = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(
            DateTime::<Utc>::from_text("2026-01-31T12:30:00+01:00"),
            Some(utc("2026-01-31T11:30:00Z"))
        );
        assert_eq!(
            DateTime::<Utc>::from_text("2026-01-31T12:30"),
            Some(utc("2026-01-31T12:30:00Z"))
        );
        assert_eq!(DateTime::<Utc>::from_text("tomorrow"), None);
        let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert_eq!(Uuid::from_text(id), id.parse().ok());
        assert_eq!(Uuid::from_text(&id.replace('-', "")), None);
        assert_eq!(Value::from_text(r#"{"a": [1]}"#), Some(json!({"a": [1]})));
        assert_eq!(Value::from_text("{"), None);
        assert_eq!(Option::<i32>::from_text(""), Some(None));
        assert_eq!(Option::<i32>::from_text("x"), None);
    }

    #[test]
    fn partial_updates_keep_the_other_values() {
        let mut f = fields(json!({"title": "new"})).or(json!({"title": "old", "body": "kept"}));
        assert_eq!(f.take::<String>("title").as_deref(), Some("new"));
        assert_eq!(f.take::<String>("body").as_deref(), Some("kept"));
    }

    #[test]
    fn forms_show_values_as_text() {
        let values = form_values(&json!({
            "title": "Hi", "n": 3, "on": true, "none": null,
            "at": "2026-01-31T12:30:00Z", "j": {"a": 1}
        }));
        assert_eq!(values["title"], "Hi");
        assert_eq!(values["n"], "3");
        assert_eq!(values["on"], "true");
        assert_eq!(values["none"], "");
        assert_eq!(values["at"], "2026-01-31T12:30");
        assert_eq!(values["j"], r#"{"a":1}"#);
    }

    #[test]
    fn pages_are_checked() {
        assert_eq!(PageQuery::default().read().unwrap(), (1, PER_PAGE));
        let query = PageQuery {
            page: Some(3),
            per_page: Some(MAX_PER_PAGE),
        };
        assert_eq!(query.read().unwrap(), (3, MAX_PER_PAGE));
        let bad = PageQuery {
            page: Some(0),
            per_page: Some(MAX_PER_PAGE + 1),
        };
        let error = bad.read().unwrap_err();
        assert!(
            matches!(error, AppError::Invalid(ref e) if e.len() == 2),
            "{error:?}"
        );
    }

    #[test]
    fn checks_and_errors_add_up_by_field() {
        let mut f = fields(json!({}));
        f.check("price", true, "must be positive");
        assert!(f.is_valid());
        f.check("price", false, "must be positive");
        f.error("price", "must have two decimals");
        let error = f.into_error();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "price must be positive; price must have two decimals"
        );
    }

    #[test]
    fn whole_numbers_sent_as_floats_are_integers() {
        assert_eq!(i64::from_json(&json!(42.0)), Some(42));
        assert_eq!(i64::from_json(&json!(42.5)), None);
        // Above 2^53 a float may be another integer rounded.
        assert_eq!(i64::from_json(&json!(1e16)), None);
        assert_eq!(i32::from_json(&json!(-7.0)), Some(-7));
    }

    #[test]
    fn json_fields_take_any_value_and_optional_fields_take_theirs() {
        let mut f = fields(json!({"meta": null, "extra": [1, 2], "count": 5, "note": null}));
        assert_eq!(f.take::<Value>("meta"), Some(Value::Null));
        assert_eq!(f.take::<Value>("extra"), Some(json!([1, 2])));
        assert_eq!(f.take::<Option<i32>>("count"), Some(Some(5)));
        assert_eq!(f.take::<Option<String>>("note"), Some(None));
        assert!(f.is_valid());
    }

    #[test]
    fn partial_updates_need_the_record_as_an_object() {
        let mut f = fields(json!({"title": "new"})).or(Value::Null);
        assert_eq!(f.take::<String>("title").as_deref(), Some("new"));
        assert_eq!(f.take::<String>("body"), None);
        assert!(form_values(&Value::Null).is_empty());
    }

    #[tokio::test]
    async fn constraint_violations_are_conflicts_on_their_fields() {
        let pool = crate::db::pool(&crate::db::DatabaseSettings::for_tests()).unwrap();
        // Temporary tables belong to one connection.
        let mut conn = pool.acquire().await.unwrap();
        for sql in [
            "CREATE TEMPORARY TABLE owners (id INTEGER PRIMARY KEY)",
            "CREATE TEMPORARY TABLE pets (id INTEGER PRIMARY KEY, \
             tag TEXT UNIQUE, owner_id INTEGER REFERENCES owners (id))",
            "INSERT INTO pets (id, tag) VALUES (1, 'rex')",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }

        // The field the database names, among the candidates.
        let taken = failed(&mut conn, "INSERT INTO pets (id, tag) VALUES (2, 'rex')").await;
        let error = db_error(taken, &["tag", "name"], &["owner_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "tag has already been taken");

        let missing = failed(&mut conn, "INSERT INTO pets (id, owner_id) VALUES (3, 99)").await;
        let error = db_error(missing, &["tag"], &["owner_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "owner_id does not exist");

        // A violation on no field the caller knows, or another error: a 500.
        let taken = failed(&mut conn, "INSERT INTO pets (id, tag) VALUES (4, 'rex')").await;
        assert!(matches!(db_error(taken, &[], &[]), AppError::Internal(_)));
        let other = failed(&mut conn, "INSERT INTO no_such_table VALUES (1)").await;
        assert!(matches!(
            db_error(other, &["tag"], &[]),
            AppError::Internal(_)
        ));
    }

    async fn failed(
        conn: &mut <crate::db::Db as sqlx::Database>::Connection,
        sql: &'static str,
    ) -> sqlx::Error {
        sqlx::query(sql).execute(conn).await.unwrap_err()
    }

    #[test]
    fn bodies_must_be_objects() {
        for body in [&b"[1]"[..], b"not json", b""] {
            let err = Fields::json(body).unwrap_err();
            assert!(matches!(err, AppError::Unprocessable(_)), "{err:?}");
        }
    }
}
