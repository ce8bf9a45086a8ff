//! The comment model: rows of the `comments` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::Pool;

/// A row of `comments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub body: String,
    #[schema(max_length = 255)]
    pub author: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a comment: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentParams {
    pub post_id: i64,
    pub body: String,
    #[schema(max_length = 255)]
    pub author: Option<String>,
}

/// One page of comments, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentPage {
    pub items: Vec<Comment>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl CommentParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let post_id = fields.take::<i64>("post_id");
        let body = fields.take::<String>("body");
        let author = fields.take::<Option<String>>("author");
        fields.check(
            "author",
            author.iter().flatten().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        match (post_id, body, author) {
            (Some(post_id), Some(body), Some(author)) if fields.is_valid() => Ok(Self {
                post_id,
                body,
                author,
            }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Comment {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> CommentParams {
        CommentParams {
            post_id: self.post_id,
            body: self.body.clone(),
            author: self.author.clone(),
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &CommentParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO comments (post_id, body, author, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id, post_id, body, author, created_at, updated_at",
        )
        .bind(params.post_id)
        .bind(&params.body)
        .bind(&params.author)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "SELECT id, post_id, body, author, created_at, updated_at FROM comments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<CommentPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, post_id, body, author, created_at, updated_at FROM comments ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM comments")
            .fetch_one(pool)
            .await?;
        Ok(CommentPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(
        pool: &Pool,
        id: i64,
        params: &CommentParams,
    ) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE comments SET post_id = $1, body = $2, author = $3, updated_at = $4 WHERE id = $5 RETURNING id, post_id, body, author, created_at, updated_at",
        )
        .bind(params.post_id)
        .bind(&params.body)
        .bind(&params.author)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM comments WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Page `page` (from 1) of `per_page` rows that refer to the post with
    /// `post_id`, ordered by id.
    pub async fn list_by_post_id(
        pool: &Pool,
        post_id: i64,
        page: i64,
        per_page: i64,
    ) -> sqlx::Result<CommentPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, post_id, body, author, created_at, updated_at FROM comments WHERE post_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(post_id)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(pool)
            .await?;
        Ok(CommentPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The post this comment belongs to.
    pub async fn post(&self, pool: &Pool) -> sqlx::Result<Option<super::post::Post>> {
        super::post::Post::find(pool, self.post_id).await
    }
}

impl super::post::Post {
    /// Page `page` (from 1) of `per_page` of this post's comments, ordered
    /// by id (defined with the comment model, which refers to it).
    pub async fn comments(
        &self,
        pool: &Pool,
        page: i64,
        per_page: i64,
    ) -> sqlx::Result<CommentPage> {
        Comment::list_by_post_id(pool, self.id, page, per_page).await
    }
}

#[cfg(test)]
impl CommentParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let post = super::post::Post::create(pool, &super::post::PostParams::example(pool).await)
            .await
            .expect("a post for the example");
        Self {
            post_id: post.id,
            body: format!("body {n}"),
            author: Some(format!("author {n}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::fields::db_error;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = CommentParams::example(&pool).await;
        let created = Comment::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Comment::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = CommentParams {
            body: "changed".to_string(),
            author: Some("changed".to_string()),
            ..params.clone()
        };
        let updated = Comment::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Comment::delete(&pool, created.id).await.unwrap());
        assert_eq!(Comment::find(&pool, created.id).await.unwrap(), None);
        assert!(!Comment::delete(&pool, created.id).await.unwrap());
        let gone = Comment::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn belongs_to_a_post_that_has_many(pool: Pool) {
        let params = CommentParams::example(&pool).await;
        let created = Comment::create(&pool, &params).await.unwrap();
        let other = Comment::create(&pool, &CommentParams::example(&pool).await)
            .await
            .unwrap();
        let post = created
            .post(&pool)
            .await
            .unwrap()
            .expect("the post it refers to");
        assert_eq!(post.id, created.post_id);
        let page = Comment::list_by_post_id(&pool, post.id, 1, 10)
            .await
            .unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a post of its own.
        assert!(other.post_id != post.id);
        assert_eq!(post.comments(&pool, 1, 10).await.unwrap().total, 1);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = CommentParams::example(&pool).await;
            ids.push(Comment::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: CommentPage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Comment::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Comment::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Comment::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = CommentParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("post_id is required"), "{error}");
        assert!(error.to_string().contains("body is required"), "{error}");
    }

    #[sqlx::test]
    async fn post_id_must_exist(pool: Pool) {
        let params = CommentParams {
            post_id: i64::MAX,
            ..CommentParams::example(&pool).await
        };
        let err = Comment::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["post_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "post_id does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_post_deletes_its_comments(pool: Pool) {
        let params = CommentParams::example(&pool).await;
        let row = Comment::create(&pool, &params).await.unwrap();
        let post_id = params.post_id;
        assert!(
            super::super::post::Post::delete(&pool, post_id)
                .await
                .unwrap()
        );
        assert_eq!(Comment::find(&pool, row.id).await.unwrap(), None);
    }
}
