//! The note model: rows of the `notes` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::Pool;

/// A row of `notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Note {
    pub id: i64,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a note: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoteParams {
    pub body: String,
}

/// One page of notes, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotePage {
    pub items: Vec<Note>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl NoteParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let body = fields.take::<String>("body");
        match (body,) {
            (Some(body),) if fields.is_valid() => Ok(Self { body }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Note {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> NoteParams {
        NoteParams {
            body: self.body.clone(),
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &NoteParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO notes (body, created_at, updated_at) VALUES ($1, $2, $3) RETURNING id, body, created_at, updated_at",
        )
        .bind(&params.body)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, body, created_at, updated_at FROM notes WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<NotePage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, body, created_at, updated_at FROM notes ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM notes")
            .fetch_one(pool)
            .await?;
        Ok(NotePage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &NoteParams) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE notes SET body = $1, updated_at = $2 WHERE id = $3 RETURNING id, body, created_at, updated_at",
        )
        .bind(&params.body)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM notes WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
impl NoteParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = pool;
        Self {
            body: format!("body {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = NoteParams::example(&pool).await;
        let created = Note::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Note::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = NoteParams {
            body: "changed".to_string(),
        };
        let updated = Note::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Note::delete(&pool, created.id).await.unwrap());
        assert_eq!(Note::find(&pool, created.id).await.unwrap(), None);
        assert!(!Note::delete(&pool, created.id).await.unwrap());
        let gone = Note::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = NoteParams::example(&pool).await;
            ids.push(Note::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: NotePage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Note::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Note::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Note::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = NoteParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("body is required"), "{error}");
    }
}
