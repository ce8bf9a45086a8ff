//! The person model: rows of the `people` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::Pool;

/// A row of `people`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    #[schema(max_length = 255)]
    pub email: String,
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born: Option<NaiveDate>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a person: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonParams {
    #[schema(max_length = 255)]
    pub email: String,
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born: Option<NaiveDate>,
}

/// One page of people, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl PersonParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let email = fields.take::<String>("email");
        fields.check(
            "email",
            email.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let born = fields.take::<Option<NaiveDate>>("born");
        match (email, born) {
            (Some(email), Some(born)) if fields.is_valid() => Ok(Self { email, born }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Person {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> PersonParams {
        PersonParams {
            email: self.email.clone(),
            born: self.born,
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &PersonParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO people (email, born, created_at, updated_at) VALUES ($1, $2, $3, $4) RETURNING id, email, born, created_at, updated_at",
        )
        .bind(&params.email)
        .bind(params.born)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, email, born, created_at, updated_at FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<PersonPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, email, born, created_at, updated_at FROM people ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM people")
            .fetch_one(pool)
            .await?;
        Ok(PersonPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &PersonParams) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE people SET email = $1, born = $2, updated_at = $3 WHERE id = $4 RETURNING id, email, born, created_at, updated_at",
        )
        .bind(&params.email)
        .bind(params.born)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM people WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
impl PersonParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = pool;
        Self {
            email: format!("email {n}"),
            born: Some(NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::fields::db_error;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = PersonParams::example(&pool).await;
        let created = Person::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Person::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = PersonParams {
            email: "changed".to_string(),
            born: Some(NaiveDate::from_ymd_opt(2027, 6, 30).expect("a date")),
        };
        let updated = Person::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Person::delete(&pool, created.id).await.unwrap());
        assert_eq!(Person::find(&pool, created.id).await.unwrap(), None);
        assert!(!Person::delete(&pool, created.id).await.unwrap());
        let gone = Person::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = PersonParams::example(&pool).await;
            ids.push(Person::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: PersonPage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Person::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Person::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Person::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = PersonParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("email is required"), "{error}");
    }

    #[sqlx::test]
    async fn email_is_unique(pool: Pool) {
        let first = PersonParams::example(&pool).await;
        Person::create(&pool, &first).await.unwrap();
        let second = PersonParams {
            email: first.email.clone(),
            ..PersonParams::example(&pool).await
        };
        let err = Person::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["email"], &[]),
            AppError::Conflict(_)
        ));
    }
}
