//! The post model: rows of the `posts` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::Pool;

/// A row of `posts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Post {
    pub id: i64,
    #[schema(max_length = 255)]
    pub title: String,
    pub body: String,
    pub tag_id: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a post: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostParams {
    #[schema(max_length = 255)]
    pub title: String,
    pub body: String,
    pub tag_id: Option<i64>,
}

/// One page of posts, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostPage {
    pub items: Vec<Post>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl PostParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let title = fields.take::<String>("title");
        fields.check(
            "title",
            title.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let body = fields.take::<String>("body");
        let tag_id = fields.take::<Option<i64>>("tag_id");
        match (title, body, tag_id) {
            (Some(title), Some(body), Some(tag_id)) if fields.is_valid() => Ok(Self {
                title,
                body,
                tag_id,
            }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Post {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> PostParams {
        PostParams {
            title: self.title.clone(),
            body: self.body.clone(),
            tag_id: self.tag_id,
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &PostParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO posts (title, body, tag_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id, title, body, tag_id, created_at, updated_at",
        )
        .bind(&params.title)
        .bind(&params.body)
        .bind(params.tag_id)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "SELECT id, title, body, tag_id, created_at, updated_at FROM posts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<PostPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, title, body, tag_id, created_at, updated_at FROM posts ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM posts")
            .fetch_one(pool)
            .await?;
        Ok(PostPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &PostParams) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE posts SET title = $1, body = $2, tag_id = $3, updated_at = $4 WHERE id = $5 RETURNING id, title, body, tag_id, created_at, updated_at",
        )
        .bind(&params.title)
        .bind(&params.body)
        .bind(params.tag_id)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM posts WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Page `page` (from 1) of `per_page` rows that refer to the tag with
    /// `tag_id`, ordered by id.
    pub async fn list_by_tag_id(
        pool: &Pool,
        tag_id: i64,
        page: i64,
        per_page: i64,
    ) -> sqlx::Result<PostPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, title, body, tag_id, created_at, updated_at FROM posts WHERE tag_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(tag_id)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE tag_id = $1")
            .bind(tag_id)
            .fetch_one(pool)
            .await?;
        Ok(PostPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The tag this post belongs to, if it has one.
    pub async fn tag(&self, pool: &Pool) -> sqlx::Result<Option<super::tag::Tag>> {
        match self.tag_id {
            Some(id) => super::tag::Tag::find(pool, id).await,
            None => Ok(None),
        }
    }
}

impl super::tag::Tag {
    /// Page `page` (from 1) of `per_page` of this tag's posts, ordered
    /// by id (defined with the post model, which refers to it).
    pub async fn posts(&self, pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<PostPage> {
        Post::list_by_tag_id(pool, self.id, page, per_page).await
    }
}

#[cfg(test)]
impl PostParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tag = super::tag::Tag::create(pool, &super::tag::TagParams::example(pool).await)
            .await
            .expect("a tag for the example");
        Self {
            title: format!("title {n}"),
            body: format!("body {n}"),
            tag_id: Some(tag.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::fields::db_error;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = PostParams::example(&pool).await;
        let created = Post::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Post::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = PostParams {
            title: "changed".to_string(),
            body: "changed".to_string(),
            ..params.clone()
        };
        let updated = Post::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Post::delete(&pool, created.id).await.unwrap());
        assert_eq!(Post::find(&pool, created.id).await.unwrap(), None);
        assert!(!Post::delete(&pool, created.id).await.unwrap());
        let gone = Post::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn belongs_to_a_tag_that_has_many(pool: Pool) {
        let params = PostParams::example(&pool).await;
        let created = Post::create(&pool, &params).await.unwrap();
        let other = Post::create(&pool, &PostParams::example(&pool).await)
            .await
            .unwrap();
        let tag = created
            .tag(&pool)
            .await
            .unwrap()
            .expect("the tag it refers to");
        assert_eq!(Some(tag.id), created.tag_id);
        let page = Post::list_by_tag_id(&pool, tag.id, 1, 10).await.unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a tag of its own.
        assert!(other.tag_id != Some(tag.id));
        assert_eq!(tag.posts(&pool, 1, 10).await.unwrap().total, 1);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = PostParams::example(&pool).await;
            ids.push(Post::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: PostPage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Post::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Post::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Post::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = PostParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("title is required"), "{error}");
        assert!(error.to_string().contains("body is required"), "{error}");
    }

    #[sqlx::test]
    async fn tag_id_must_exist(pool: Pool) {
        let params = PostParams {
            tag_id: Some(i64::MAX),
            ..PostParams::example(&pool).await
        };
        let err = Post::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["tag_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "tag_id does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_tag_deletes_its_posts(pool: Pool) {
        let params = PostParams::example(&pool).await;
        let row = Post::create(&pool, &params).await.unwrap();
        let tag_id = params.tag_id.expect("the example refers to a row");
        assert!(super::super::tag::Tag::delete(&pool, tag_id).await.unwrap());
        assert_eq!(Post::find(&pool, row.id).await.unwrap(), None);
    }
}
