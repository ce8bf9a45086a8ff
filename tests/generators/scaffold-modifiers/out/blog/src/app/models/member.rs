//! The member model: rows of the `members` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::Pool;

/// A row of `members`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    #[schema(max_length = 255)]
    pub email: String,
    #[schema(max_length = 255)]
    pub slug: String,
    pub code: Option<i32>,
    pub rank: i64,
    #[schema(
        value_type = String,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: Uuid,
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: Option<NaiveDate>,
    pub author_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a member: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberParams {
    #[schema(max_length = 255)]
    pub email: String,
    #[schema(max_length = 255)]
    pub slug: String,
    pub code: Option<i32>,
    pub rank: i64,
    #[schema(
        value_type = String,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: Uuid,
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: Option<NaiveDate>,
    pub author_id: i64,
}

/// One page of members, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberPage {
    pub items: Vec<Member>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl MemberParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let email = fields.take::<String>("email");
        fields.check(
            "email",
            email.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let slug = fields.take::<String>("slug");
        fields.check(
            "slug",
            slug.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let code = fields.take::<Option<i32>>("code");
        let rank = fields.take::<i64>("rank");
        let token = fields.take::<Uuid>("token");
        let born_on = fields.take::<Option<NaiveDate>>("born_on");
        let author_id = fields.take::<i64>("author_id");
        match (email, slug, code, rank, token, born_on, author_id) {
            (
                Some(email),
                Some(slug),
                Some(code),
                Some(rank),
                Some(token),
                Some(born_on),
                Some(author_id),
            ) if fields.is_valid() => Ok(Self {
                email,
                slug,
                code,
                rank,
                token,
                born_on,
                author_id,
            }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Member {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> MemberParams {
        MemberParams {
            email: self.email.clone(),
            slug: self.slug.clone(),
            code: self.code,
            rank: self.rank,
            token: self.token,
            born_on: self.born_on,
            author_id: self.author_id,
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &MemberParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO members (email, slug, code, rank, token, born_on, author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, email, slug, code, rank, token, born_on, author_id, created_at, updated_at",
        )
        .bind(&params.email)
        .bind(&params.slug)
        .bind(params.code)
        .bind(params.rank)
        .bind(params.token)
        .bind(params.born_on)
        .bind(params.author_id)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, email, slug, code, rank, token, born_on, author_id, created_at, updated_at FROM members WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<MemberPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, email, slug, code, rank, token, born_on, author_id, created_at, updated_at FROM members ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM members")
            .fetch_one(pool)
            .await?;
        Ok(MemberPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &MemberParams) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE members SET email = $1, slug = $2, code = $3, rank = $4, token = $5, born_on = $6, author_id = $7, updated_at = $8 WHERE id = $9 RETURNING id, email, slug, code, rank, token, born_on, author_id, created_at, updated_at",
        )
        .bind(&params.email)
        .bind(&params.slug)
        .bind(params.code)
        .bind(params.rank)
        .bind(params.token)
        .bind(params.born_on)
        .bind(params.author_id)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM members WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Page `page` (from 1) of `per_page` rows that refer to the author with
    /// `author_id`, ordered by id.
    pub async fn list_by_author_id(
        pool: &Pool,
        author_id: i64,
        page: i64,
        per_page: i64,
    ) -> sqlx::Result<MemberPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, email, slug, code, rank, token, born_on, author_id, created_at, updated_at FROM members WHERE author_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(author_id)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE author_id = $1")
            .bind(author_id)
            .fetch_one(pool)
            .await?;
        Ok(MemberPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The author this member belongs to.
    pub async fn author(&self, pool: &Pool) -> sqlx::Result<Option<super::author::Author>> {
        super::author::Author::find(pool, self.author_id).await
    }
}

impl super::author::Author {
    /// Page `page` (from 1) of `per_page` of this author's members, ordered
    /// by id (defined with the member model, which refers to it).
    pub async fn members(&self, pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<MemberPage> {
        Member::list_by_author_id(pool, self.id, page, per_page).await
    }
}

#[cfg(test)]
impl MemberParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let author =
            super::author::Author::create(pool, &super::author::AuthorParams::example(pool).await)
                .await
                .expect("a author for the example");
        Self {
            email: format!("email {n}"),
            slug: format!("slug {n}"),
            code: Some(i32::try_from(n).unwrap_or(i32::MAX)),
            rank: i64::try_from(n).unwrap_or(i64::MAX),
            token: Uuid::new_v4(),
            born_on: Some(NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date")),
            author_id: author.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::fields::db_error;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = MemberParams::example(&pool).await;
        let created = Member::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Member::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = MemberParams {
            email: "changed".to_string(),
            slug: "changed".to_string(),
            code: Some(-7),
            rank: -7,
            token: Uuid::nil(),
            born_on: Some(NaiveDate::from_ymd_opt(2027, 6, 30).expect("a date")),
            ..params.clone()
        };
        let updated = Member::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Member::delete(&pool, created.id).await.unwrap());
        assert_eq!(Member::find(&pool, created.id).await.unwrap(), None);
        assert!(!Member::delete(&pool, created.id).await.unwrap());
        let gone = Member::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn belongs_to_a_author_that_has_many(pool: Pool) {
        let params = MemberParams::example(&pool).await;
        let created = Member::create(&pool, &params).await.unwrap();
        let other = Member::create(&pool, &MemberParams::example(&pool).await)
            .await
            .unwrap();
        let author = created
            .author(&pool)
            .await
            .unwrap()
            .expect("the author it refers to");
        assert_eq!(author.id, created.author_id);
        let page = Member::list_by_author_id(&pool, author.id, 1, 10)
            .await
            .unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a author of its own.
        assert!(other.author_id != author.id);
        assert_eq!(author.members(&pool, 1, 10).await.unwrap().total, 1);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = MemberParams::example(&pool).await;
            ids.push(Member::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: MemberPage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Member::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Member::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Member::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = MemberParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("email is required"), "{error}");
        assert!(error.to_string().contains("slug is required"), "{error}");
        assert!(error.to_string().contains("rank is required"), "{error}");
        assert!(error.to_string().contains("token is required"), "{error}");
        assert!(
            error.to_string().contains("author_id is required"),
            "{error}"
        );
    }

    #[sqlx::test]
    async fn email_is_unique(pool: Pool) {
        let first = MemberParams::example(&pool).await;
        Member::create(&pool, &first).await.unwrap();
        let second = MemberParams {
            email: first.email.clone(),
            ..MemberParams::example(&pool).await
        };
        let err = Member::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["email"], &[]),
            AppError::Conflict(_)
        ));
    }

    #[sqlx::test]
    async fn code_is_unique(pool: Pool) {
        let first = MemberParams::example(&pool).await;
        Member::create(&pool, &first).await.unwrap();
        let second = MemberParams {
            code: first.code,
            ..MemberParams::example(&pool).await
        };
        let err = Member::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["code"], &[]),
            AppError::Conflict(_)
        ));
    }

    #[sqlx::test]
    async fn token_is_unique(pool: Pool) {
        let first = MemberParams::example(&pool).await;
        Member::create(&pool, &first).await.unwrap();
        let second = MemberParams {
            token: first.token,
            ..MemberParams::example(&pool).await
        };
        let err = Member::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["token"], &[]),
            AppError::Conflict(_)
        ));
    }

    #[sqlx::test]
    async fn author_id_is_unique(pool: Pool) {
        let first = MemberParams::example(&pool).await;
        Member::create(&pool, &first).await.unwrap();
        let second = MemberParams {
            author_id: first.author_id,
            ..MemberParams::example(&pool).await
        };
        let err = Member::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["author_id"], &[]),
            AppError::Conflict(_)
        ));
    }

    #[sqlx::test]
    async fn author_id_must_exist(pool: Pool) {
        let params = MemberParams {
            author_id: i64::MAX,
            ..MemberParams::example(&pool).await
        };
        let err = Member::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["author_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "author_id does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_author_deletes_its_members(pool: Pool) {
        let params = MemberParams::example(&pool).await;
        let row = Member::create(&pool, &params).await.unwrap();
        let author_id = params.author_id;
        assert!(
            super::super::author::Author::delete(&pool, author_id)
                .await
                .unwrap()
        );
        assert_eq!(Member::find(&pool, row.id).await.unwrap(), None);
    }
}
