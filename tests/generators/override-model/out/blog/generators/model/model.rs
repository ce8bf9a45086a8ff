//! The <@ m.human @> model: rows of the `<@ m.table @>` table, and the queries
//! on them. Handlers call these functions with the pool from the state.

<@ m.imports | join("\n\n") @>

/// A row of `<@ m.table @>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow<% if m.openapi %>, utoipa::ToSchema<% endif %>)]
pub struct <@ m.pascal @> {
    pub id: i64,
<%- for f in m.fields %>
<%- if m.openapi %>
<%- if f.schema is not none %><%- set attr = f.schema %>
    <@ attr | indent(4) @>
<%- endif %>
<%- endif %>
    pub <@ f.name @>: <@ f.ty @>,
<%- endfor %>
<%- if m.openapi %>
    #[schema(value_type = String, format = DateTime)]
<%- endif %>
    pub created_at: DateTime<Utc>,
<%- if m.openapi %>
    #[schema(value_type = String, format = DateTime)]
<%- endif %>
    pub updated_at: DateTime<Utc>,
}

/// What a client sets on a <@ m.human @>: the fields `create` and `update` take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize<% if m.openapi %>, utoipa::ToSchema<% endif %>)]
pub struct <@ m.pascal @>Params {
<%- for f in m.fields %>
<%- if m.openapi %>
<%- if f.schema is not none %><%- set attr = f.schema %>
    <@ attr | indent(4) @>
<%- endif %>
<%- endif %>
    pub <@ f.name @>: <@ f.ty @>,
<%- endfor %>
<%- if m.fields %>
}
<%- else %>}
<%- endif %>

/// One page of <@ m.human_plural @>, in the order they were created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize<% if m.openapi %>, utoipa::ToSchema<% endif %>)]
pub struct <@ m.pascal @>Page {
    pub items: Vec<<@ m.pascal @>>,
    pub page: i64,
    pub per_page: i64,
    /// Rows in the whole table.
    pub total: i64,
}

impl <@ m.pascal @>Params {
    /// Reads the fields of a request; every missing or invalid field is
    /// reported at once.
    pub fn from_fields(mut fields: Fields) -> Result<Self, AppError> {
<%- for f in m.fields %>
        let <@ f.name @> = <@ f.take @>;
<%- if f.string %>
        fields.check(
            "<@ f.name @>",
            <@ f.name @>.iter()<% if f.nullable %>.flatten()<% endif %>.all(|v| v.chars().count() <= <@ m.string_max @>),
            "is too long (at most <@ m.string_max @> characters)",
        );
<%- endif %>
<%- endfor %>
        <@ m.from_fields @>
    }
}

impl <@ m.pascal @> {
    /// The fields a client sets, as they are now.
    pub fn params(&self) -> <@ m.pascal @>Params {
        <@ m.pascal @>Params {
<%- for f in m.fields %>
            <@ f.name @>: self.<@ f.name @><% if not f.copy %>.clone()<% endif %>,
<%- endfor %>
<%- if m.fields %>
        }
<%- else %>}
<%- endif %>
    }

    /// Inserts a row.
    pub async fn create(pool: &Pool, params: &<@ m.pascal @>Params) -> sqlx::Result<Self> {
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO <@ m.table @> (<@ m.insert_columns @>) VALUES (<@ m.insert_values @>) RETURNING <@ m.columns @>",
        )
<%- for f in m.fields %>
        .bind(<% if not f.copy %>&<% endif %>params.<@ f.name @>)
<%- endfor %>
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
    }

    /// The row with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT <@ m.columns @> FROM <@ m.table @> WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Page `page` (from 1) of `per_page` rows, ordered by id so pages never
    /// overlap or skip a row.
    pub async fn list(pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<<@ m.pascal @>Page> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT <@ m.columns @> FROM <@ m.table @> ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM <@ m.table @>")
            .fetch_one(pool)
            .await?;
        Ok(<@ m.pascal @>Page {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Replaces the fields of the row with `id`; `None` if there is no such
    /// row.
    pub async fn update(pool: &Pool, id: i64, params: &<@ m.pascal @>Params) -> sqlx::Result<Option<Self>> {
        sqlx::query_as(
            "UPDATE <@ m.table @> SET <@ m.update_set @> WHERE id = $<@ m.id_param @> RETURNING <@ m.columns @>",
        )
<%- for f in m.fields %>
        .bind(<% if not f.copy %>&<% endif %>params.<@ f.name @>)
<%- endfor %>
        .bind(Utc::now())
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// Deletes the row with `id`; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM <@ m.table @> WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
<%- for p in m.parents %>

    /// Page `page` (from 1) of `per_page` rows that refer to the <@ p.human @> with
    /// `<@ p.field @>`, ordered by id.
    pub async fn list_by_<@ p.field @>(pool: &Pool, <@ p.field @>: i64, page: i64, per_page: i64) -> sqlx::Result<<@ m.pascal @>Page> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let items = sqlx::query_as(
            "SELECT <@ m.columns @> FROM <@ m.table @> WHERE <@ p.field @> = $1 ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(<@ p.field @>)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM <@ m.table @> WHERE <@ p.field @> = $1")
            .bind(<@ p.field @>)
            .fetch_one(pool)
            .await?;
        Ok(<@ m.pascal @>Page {
            items,
            page,
            per_page,
            total,
        })
    }
<%- if p.belongs %>

    /// The <@ p.human @> this <@ m.human @> belongs to<% if p.nullable %>, if it has one<% endif %>.
    pub async fn <@ p.var @>(&self, pool: &Pool) -> sqlx::Result<Option<super::<@ p.module @>::<@ p.pascal @>>> {
<%- if p.nullable %>
        match self.<@ p.field @> {
            Some(id) => super::<@ p.module @>::<@ p.pascal @>::find(pool, id).await,
            None => Ok(None),
        }
<%- else %>
        super::<@ p.module @>::<@ p.pascal @>::find(pool, self.<@ p.field @>).await
<%- endif %>
    }
<%- endif %>
<%- endfor %>
}
<%- for p in m.parents %>
<%- if p.many %>

impl super::<@ p.module @>::<@ p.pascal @> {
    /// Page `page` (from 1) of `per_page` of this <@ p.human @>'s <@ m.human_plural @>, ordered
    /// by id (defined with the <@ m.human @> model, which refers to it).
    pub async fn <@ m.table @>(&self, pool: &Pool, page: i64, per_page: i64) -> sqlx::Result<<@ m.pascal @>Page> {
        <@ m.pascal @>::list_by_<@ p.field @>(pool, self.id, page, per_page).await
    }
}
<%- endif %>
<%- endfor %>

#[cfg(test)]
impl <@ m.pascal @>Params {
    /// Valid params for tests: unique values on every call, and the rows
    /// they refer to created first.
    pub async fn example(pool: &Pool) -> Self {
<%- if m.example_n %>
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
<%- endif %>
<%- for p in m.parents %>
        let <@ p.var @> =
            super::<@ p.module @>::<@ p.pascal @>::create(pool, &super::<@ p.module @>::<@ p.pascal @>Params::example(pool).await)
                .await
                .expect("a <@ p.human @> for the example");
<%- endfor %>
<%- if not m.parents %>
        let _ = pool;
<%- endif %>
        Self {
<%- for f in m.fields %>
            <@ f.name @>: <@ f.example @>,
<%- endfor %>
<%- if m.fields %>
        }
<%- else %>}
<%- endif %>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
<%- if m.test_imports %>
    <@ m.test_imports @>
<%- endif %>

    #[sqlx::test]
    async fn create_find_update_delete(pool: Pool) {
        let params = <@ m.pascal @>Params::example(&pool).await;
        let created = <@ m.pascal @>::create(&pool, &params).await.unwrap();
        assert_eq!(created.params(), params);
        let found = <@ m.pascal @>::find(&pool, created.id).await.unwrap();
        assert_eq!(found, Some(created.clone()));

<%- if m.has_changes %>
        let changed = <@ m.pascal @>Params {
<%- for f in m.fields %>
<%- if f.changed is not none %><%- set c = f.changed %>
            <@ f.name @>: <@ c @>,
<%- endif %>
<%- endfor %>
<%- if m.all_changed %>
        };
<%- else %>
            ..params.clone()
        };
<%- endif %>
<%- else %>
        let changed = params.clone();
<%- endif %>
        let updated = <@ m.pascal @>::update(&pool, created.id, &changed)
            .await
            .unwrap()
            .expect("the row exists");
        assert_eq!(updated.params(), changed);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        assert!(<@ m.pascal @>::delete(&pool, created.id).await.unwrap());
        assert_eq!(<@ m.pascal @>::find(&pool, created.id).await.unwrap(), None);
        assert!(!<@ m.pascal @>::delete(&pool, created.id).await.unwrap());
        let gone = <@ m.pascal @>::update(&pool, created.id, &changed).await.unwrap();
        assert_eq!(gone, None);
    }

<%- for p in m.parents %>

    #[sqlx::test]
    async fn belongs_to_a_<@ p.var @>_that_has_many(pool: Pool) {
        let params = <@ m.pascal @>Params::example(&pool).await;
        let created = <@ m.pascal @>::create(&pool, &params).await.unwrap();
        let other = <@ m.pascal @>::create(&pool, &<@ m.pascal @>Params::example(&pool).await).await.unwrap();
<%- if p.belongs %>
        let <@ p.var @> = created
            .<@ p.var @>(&pool)
            .await
            .unwrap()
            .expect("the <@ p.human @> it refers to");
<%- else %>
        let <@ p.var @> = super::super::<@ p.module @>::<@ p.pascal @>::find(&pool, created.<@ p.field @><% if p.nullable %>.expect("a <@ p.human @>")<% endif %>)
            .await
            .unwrap()
            .expect("the <@ p.human @> it refers to");
<%- endif %>
        assert_eq!(<% if p.nullable %>Some(<@ p.var @>.id)<% else %><@ p.var @>.id<% endif %>, created.<@ p.field @>);
        let page = <@ m.pascal @>::list_by_<@ p.field @>(&pool, <@ p.var @>.id, 1, 10).await.unwrap();
        assert_eq!((page.items, page.total), (vec![created], 1));
        // Each example refers to a <@ p.human @> of its own.
        assert!(other.<@ p.field @> != <% if p.nullable %>Some(<@ p.var @>.id)<% else %><@ p.var @>.id<% endif %>);
<%- if p.many %>
        assert_eq!(<@ p.var @>.<@ m.table @>(&pool, 1, 10).await.unwrap().total, 1);
<%- endif %>
    }
<%- endfor %>

    #[sqlx::test]
    async fn lists_pages_in_creation_order(pool: Pool) {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let params = <@ m.pascal @>Params::example(&pool).await;
            ids.push(<@ m.pascal @>::create(&pool, &params).await.unwrap().id);
        }
        let ids_of = |page: <@ m.pascal @>Page| page.items.iter().map(|row| row.id).collect::<Vec<_>>();
        let first = <@ m.pascal @>::list(&pool, 1, 2).await.unwrap();
        assert_eq!((first.page, first.per_page, first.total), (1, 2, 3));
        assert_eq!(ids_of(first), ids[..2]);
        assert_eq!(ids_of(<@ m.pascal @>::list(&pool, 2, 2).await.unwrap()), ids[2..]);
        assert!(<@ m.pascal @>::list(&pool, 3, 2).await.unwrap().items.is_empty());
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let fields = Fields::json(b"{}").unwrap();
<%- if not m.required %>
        assert!(<@ m.pascal @>Params::from_fields(fields).is_ok());
<%- else %>
        let error = <@ m.pascal @>Params::from_fields(fields).unwrap_err();
        assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
<%- for r in m.required %>
        assert!(
            error.to_string().contains("<@ r @> is required"),
            "{error}"
        );
<%- endfor %>
<%- endif %>
    }
<%- for f in m.fields %>
<%- if f.unique %>

    #[sqlx::test]
    async fn <@ f.name @>_is_unique(pool: Pool) {
        let first = <@ m.pascal @>Params::example(&pool).await;
        <@ m.pascal @>::create(&pool, &first).await.unwrap();
        let second = <@ m.pascal @>Params {
            <@ f.name @>: first.<@ f.name @><% if not f.copy %>.clone()<% endif %>,
<%- if m.fields | length > 1 %>
            ..<@ m.pascal @>Params::example(&pool).await
<%- endif %>
        };
        let err = <@ m.pascal @>::create(&pool, &second).await.unwrap_err();
        assert!(matches!(
            db_error(err, &["<@ f.name @>"], &[]),
            AppError::Conflict(_)
        ));
    }
<%- endif %>
<%- endfor %>
<%- for f in m.fields %>
<%- if f.target is not none %><%- set t = f.target %>

    #[sqlx::test]
    async fn <@ f.name @>_must_exist(pool: Pool) {
        let params = <@ m.pascal @>Params {
            <@ f.name @>: <% if f.nullable %>Some(i64::MAX)<% else %>i64::MAX<% endif %>,
<%- if m.fields | length > 1 %>
            ..<@ m.pascal @>Params::example(&pool).await
<%- endif %>
        };
        let err = <@ m.pascal @>::create(&pool, &params).await.unwrap_err();
        let error = db_error(err, &[], &["<@ f.name @>"]);
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "<@ f.name @> does not exist");
    }

    #[sqlx::test]
    async fn deleting_the_<@ t @>_deletes_its_<@ m.table @>(pool: Pool) {
        let params = <@ m.pascal @>Params::example(&pool).await;
        let row = <@ m.pascal @>::create(&pool, &params).await.unwrap();
        let <@ t @>_id = params.<@ f.name @><% if f.nullable %>.expect("the example refers to a row")<% endif %>;
        assert!(
            super::super::<@ t @>::<@ f.target_pascal @>::delete(&pool, <@ t @>_id)
                .await
                .unwrap()
        );
        assert_eq!(<@ m.pascal @>::find(&pool, row.id).await.unwrap(), None);
    }
<%- endif %>
<%- endfor %>
}
