//! The item model: rows of the `items` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::errors::AppError;
use crate::app::models::fields::Fields;
use crate::db::{Decimal, Pool};

/// A row of `items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    #[schema(max_length = 255)]
    pub name: String,
    pub notes: String,
    pub count: i32,
    pub total: i64,
    pub ratio: f64,
    #[schema(
        value_type = String,
        format = "decimal",
        pattern = "^-?[0-9]{1,18}(\\.[0-9]{1,10})?$"
    )]
    pub price: Decimal,
    pub active: bool,
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: NaiveDate,
    #[schema(
        value_type = String,
        format = DateTime,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    pub seen_at: DateTime<Utc>,
    #[schema(
        value_type = String,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: Uuid,
    pub data: serde_json::Value,
    pub post_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a item: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemParams {
    #[schema(max_length = 255)]
    pub name: String,
    pub notes: String,
    pub count: i32,
    pub total: i64,
    pub ratio: f64,
    #[schema(
        value_type = String,
        format = "decimal",
        pattern = "^-?[0-9]{1,18}(\\.[0-9]{1,10})?$"
    )]
    pub price: Decimal,
    pub active: bool,
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: NaiveDate,
    #[schema(
        value_type = String,
        format = DateTime,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    pub seen_at: DateTime<Utc>,
    #[schema(
        value_type = String,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: Uuid,
    pub data: serde_json::Value,
    pub post_id: i64,
}

/// One page of items, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemPage {
    pub items: Vec<Item>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl ItemParams {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
        let name = fields.take::<String>("name");
        fields.check(
            "name",
            name.iter().all(|v| v.chars().count() <= 255),
            "is too long (at most 255 characters)",
        );
        let notes = fields.take::<String>("notes");
        let count = fields.take::<i32>("count");
        let total = fields.take::<i64>("total");
        let ratio = fields.take::<f64>("ratio");
        let price = fields.take::<Decimal>("price");
        let active = fields.take::<bool>("active");
        let born_on = fields.take::<NaiveDate>("born_on");
        let seen_at = fields.take::<DateTime<Utc>>("seen_at");
        let token = fields.take::<Uuid>("token");
        let data = fields.take::<serde_json::Value>("data");
        let post_id = fields.take::<i64>("post_id");
        match (
            name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id,
        ) {
            (
                Some(name),
                Some(notes),
                Some(count),
                Some(total),
                Some(ratio),
                Some(price),
                Some(active),
                Some(born_on),
                Some(seen_at),
                Some(token),
                Some(data),
                Some(post_id),
            ) if fields.is_valid() => Ok(Self {
                name,
                notes,
                count,
                total,
                ratio,
                price,
                active,
                born_on,
                seen_at,
                token,
                data,
                post_id,
            }),
            _ => Err(fields.into_error()),
        }
    }
}

impl Item {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> ItemParams {
        ItemParams {
            name: self.name.clone(),
            notes: self.notes.clone(),
            count: self.count,
            total: self.total,
            ratio: self.ratio,
            price: self.price,
            active: self.active,
            born_on: self.born_on,
            seen_at: self.seen_at,
            token: self.token,
            data: self.data.clone(),
            post_id: self.post_id,
        }
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &ItemParams) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO items (name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id, name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at",
        )
        .bind(&params.name)
        .bind(&params.notes)
        .bind(params.count)
        .bind(params.total)
        .bind(params.ratio)
        .bind(params.price)
        .bind(params.active)
        .bind(params.born_on)
        .bind(params.seen_at)
        .bind(params.token)
        .bind(&params.data)
        .bind(params.post_id)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at FROM items WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<ItemPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at FROM items ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM items")
            .fetch_one(pool)
            .await?;
        Ok(ItemPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &ItemParams) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE items SET name = $1, notes = $2, count = $3, total = $4, ratio = $5, price = $6, active = $7, born_on = $8, seen_at = $9, token = $10, data = $11, post_id = $12, updated_at = $13 WHERE id = $14 RETURNING id, name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at",
        )
        .bind(&params.name)
        .bind(&params.notes)
        .bind(params.count)
        .bind(params.total)
        .bind(params.ratio)
        .bind(params.price)
        .bind(params.active)
        .bind(params.born_on)
        .bind(params.seen_at)
        .bind(params.token)
        .bind(&params.data)
        .bind(params.post_id)
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM items WHERE id = $1")
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
    ) -> sqlx::Result<ItemPage> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT id, name, notes, count, total, ratio, price, active, born_on, seen_at, token, data, post_id, created_at, updated_at FROM items WHERE post_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(post_id)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(pool)
            .await?;
        Ok(ItemPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The post this item belongs to.
    pub async fn post(&self, pool: &Pool) -> sqlx::Result<Option<super::post::Post>> {
        super::post::Post::find(pool, self.post_id).await
    }
}

impl super::post::Post {
    /// Page `page` (from 1) of `per_page` of this post's items, ordered
    /// by id (defined with the item model, which refers to it).
    pub async fn items(&self, pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<ItemPage> {
        Item::list_by_post_id(pool, self.id, page, per_page).await
    }
}

#[cfg(test)]
impl ItemParams {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let post = super::post::Post::create(pool, &super::post::PostParams::example(pool).await)
            .await
            .expect("a post for the example");
        Self {
            name: format!("name {n}"),
            notes: format!("notes {n}"),
            count: i32::try_from(n).unwrap_or(i32::MAX),
            total: i64::try_from(n).unwrap_or(i64::MAX),
            ratio: n as f64 + 0.5,
            price: format!("{n}.25").parse().expect("a decimal"),
            active: true,
            born_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
            seen_at: DateTime::from_timestamp(1_767_225_600, 0).expect("a time"),
            token: Uuid::new_v4(),
            data: serde_json::json!({ "n": n }),
            post_id: post.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::fields::db_error;

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = ItemParams::example(&pool).await;
        let created = Item::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = Item::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));
        let changed = ItemParams {
            name: "changed".to_string(),
            notes: "changed".to_string(),
            count: -7,
            total: -7,
            ratio: -2.5,
            price: "-3.75".parse().expect("a decimal"),
            active: false,
            born_on: NaiveDate::from_ymd_opt(2027, 6, 30).expect("a date"),
            seen_at: DateTime::from_timestamp(1_800_000_000, 0).expect("a time"),
            token: Uuid::nil(),
            data: serde_json::json!([1, 2, 3]),
            ..params.clone()
        };
        let updated = Item::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(Item::delete(&pool, created.id).await.unwrap());
        assert_eq!(Item::find(&pool, created.id).await.unwrap(), None);
        assert!(!Item::delete(&pool, created.id).await.unwrap());
        let gone = Item::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test]
    async fn belongs_to_a_post_that_has_many(pool: Pool) {
        let params = ItemParams::example(&pool).await;
        let created = Item::create(&pool, &params).await.unwrap();
        let other = Item::create(&pool, &ItemParams::example(&pool).await)
            .await
            .unwrap();
        let post = created
            .post(&pool)
            .await
            .unwrap()
            .expect("the post it refers to");
        assert_eq!(post.id, created.post_id);
        let page = Item::list_by_post_id(&pool, post.id, 1, 10).await.unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a post of its own.
        assert!(other.post_id != post.id);
        assert_eq!(post.items(&pool, 1, 10).await.unwrap().total, 1);
    }

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = ItemParams::example(&pool).await;
            ids.push(Item::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: ItemPage| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = Item::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(Item::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(Item::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
        let error = ItemParams::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
        assert!(error.to_string().contains("name is required"), "{error}");
        assert!(error.to_string().contains("notes is required"), "{error}");
        assert!(error.to_string().contains("count is required"), "{error}");
        assert!(error.to_string().contains("total is required"), "{error}");
        assert!(error.to_string().contains("ratio is required"), "{error}");
        assert!(error.to_string().contains("price is required"), "{error}");
        assert!(error.to_string().contains("active is required"), "{error}");
        assert!(error.to_string().contains("born_on is required"), "{error}");
        assert!(error.to_string().contains("seen_at is required"), "{error}");
        assert!(error.to_string().contains("token is required"), "{error}");
        assert!(error.to_string().contains("data is required"), "{error}");
        assert!(error.to_string().contains("post_id is required"), "{error}");
    }

    #[sqlx::test]
    async fn post_id_must_exist(pool: Pool) {
        let params = ItemParams {
            post_id: i64::MAX,
            ..ItemParams::example(&pool).await
        };
        let err = Item::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["post_id"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "post_id does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_post_deletes_its_items(pool: Pool) {
        let params = ItemParams::example(&pool).await;
        let row = Item::create(&pool, &params).await.unwrap();
        let post_id = params.post_id;
        assert!(
            super::super::post::Post::delete(&pool, post_id)
                .await
                .unwrap()
        );
        assert_eq!(Item::find(&pool, row.id).await.unwrap(), None);
    }
}
