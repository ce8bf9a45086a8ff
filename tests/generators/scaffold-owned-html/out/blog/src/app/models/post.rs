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
    #[schema(read_only)]
    pub user_id: i64,
    #[schema(max_length = 255)]
    pub title: String,
    pub published: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a post: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostParams {
    #[schema(read_only)]
    pub user_id: i64,
    #[schema(max_length = 255)]
    pub title: String,
    pub published: bool,
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
        let user_id = fields.take::<i64>("user_id");
        let title = fields.take::<String>("title");
        fields.check(
            "title",
            title.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let published = fields.take::<bool>("published");
        match (user_id, title, published) {
            (Some(user_id), Some(title), Some(published)) if fields.is_valid() => Ok(Self {
                user_id,
                title,
                published,
            }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Post {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> PostParams {
        PostParams {
            user_id: self.user_id,
            title: self.title.clone(),
            published: self.published,
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &PostParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO posts (user_id, title, published, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id, user_id, title, published, created_at, updated_at",
        )
        .bind(params.user_id)
        .bind(&params.title)
        .bind(params.published)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "SELECT id, user_id, title, published, created_at, updated_at FROM posts WHERE id = $1",
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
            "SELECT id, user_id, title, published, created_at, updated_at FROM posts ORDER BY id LIMIT $1 OFFSET $2",
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
            "UPDATE posts SET user_id = $1, title = $2, published = $3, updated_at = $4 WHERE id = $5 RETURNING id, user_id, title, published, created_at, updated_at",
        )
        .bind(params.user_id)
        .bind(&params.title)
        .bind(params.published)
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

    /// Page `page` (from 1) of `per_page` rows that refer to the user with
    /// `user_id`, ordered by id.
    pub async fn list_by_user_id(
        pool: &Pool,
        user_id: i64,
        page: i64,
        per_page: i64,
    ) -> sqlx::Result<PostPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, user_id, title, published, created_at, updated_at FROM posts WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(user_id)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(pool)
            .await?;
        Ok(PostPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The user this post belongs to.
    pub async fn user(&self, pool: &Pool) -> sqlx::Result<Option<super::user::User>> {
        super::user::User::find(pool, self.user_id).await
    }
}

impl super::user::User {
    /// Page `page` (from 1) of `per_page` of this user's posts, ordered
    /// by id (defined with the post model, which refers to it).
    pub async fn posts(&self, pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<PostPage> {
        Post::list_by_user_id(pool, self.id, page, per_page).await
    }
}

#[cfg(test)]
impl PostParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let user = super::user::User::create(pool, &super::user::UserParams::example(pool).await)
            .await
            .expect("a user for the example");
        Self {
            user_id: user.id,
            title: format!("title {n}"),
            published: true,
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
            published: false,
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
    async fn belongs_to_a_user_that_has_many(pool: Pool) {
        let params = PostParams::example(&pool).await;
        let created = Post::create(&pool, &params).await.unwrap();
        let other = Post::create(&pool, &PostParams::example(&pool).await)
            .await
            .unwrap();
        let user = created
            .user(&pool)
            .await
            .unwrap()
            .expect("the user it refers to");
        assert_eq!(user.id, created.user_id);
        let page = Post::list_by_user_id(&pool, user.id, 1, 10).await.unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a user of its own.
        assert!(other.user_id != user.id);
        assert_eq!(user.posts(&pool, 1, 10).await.unwrap().total, 1);
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
        assert!(error.to_string().contains("user_id is required"), "{error}");
        assert!(error.to_string().contains("title is required"), "{error}");
        assert!(
            error.to_string().contains("published is required"),
            "{error}"
        );
    }

    #[sqlx::test]
    async fn user_id_must_exist(pool: Pool) {
        let params = PostParams {
            user_id: i64::MAX,
            ..PostParams::example(&pool).await
        };
        let err = Post::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["user_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "user_id does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_user_deletes_its_posts(pool: Pool) {
        let params = PostParams::example(&pool).await;
        let row = Post::create(&pool, &params).await.unwrap();
        let user_id = params.user_id;
        assert!(
            super::super::user::User::delete(&pool, user_id)
                .await
                .unwrap()
        );
        assert_eq!(Post::find(&pool, row.id).await.unwrap(), None);
    }
}
