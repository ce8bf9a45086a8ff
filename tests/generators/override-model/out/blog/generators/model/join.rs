//! The many-to-many association of <@ j.a.human_plural @> and <@ j.b.human_plural @>, through the
//! `<@ j.table @>` table: one row for each pair.

use super::<@ j.a.module @>::<@ j.a.pascal @>;
use super::<@ j.b.module @>::<@ j.b.pascal @>;
use crate::db::Pool;

impl <@ j.a.pascal @> {
    /// The <@ j.b.human_plural @> of this <@ j.a.human @>, ordered by id.
    pub async fn <@ j.b.table @>(&self, pool: &Pool) -> sqlx::Result<Vec<<@ j.b.pascal @>>> {
        sqlx::query_as(
            "SELECT <@ j.b.table @>.* FROM <@ j.b.table @> JOIN <@ j.table @> ON <@ j.table @>.<@ j.b.column @> = <@ j.b.table @>.id WHERE <@ j.table @>.<@ j.a.column @> = $1 ORDER BY <@ j.b.table @>.id",
        )
        .bind(self.id)
        .fetch_all(pool)
        .await
    }

    /// Gives this <@ j.a.human @> the <@ j.b.human @> `<@ j.b.module @>`; whether it did not have it yet.
    pub async fn add_<@ j.b.module @>(&self, pool: &Pool, <@ j.b.module @>: &<@ j.b.pascal @>) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO <@ j.table @> (<@ j.a.column @>, <@ j.b.column @>) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(self.id)
        .bind(<@ j.b.module @>.id)
        .execute(pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Takes the <@ j.b.human @> `<@ j.b.module @>` from this <@ j.a.human @>; whether it had it.
    pub async fn remove_<@ j.b.module @>(&self, pool: &Pool, <@ j.b.module @>: &<@ j.b.pascal @>) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM <@ j.table @> WHERE <@ j.a.column @> = $1 AND <@ j.b.column @> = $2")
            .bind(self.id)
            .bind(<@ j.b.module @>.id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl <@ j.b.pascal @> {
    /// The <@ j.a.human_plural @> that have this <@ j.b.human @>, ordered by id.
    pub async fn <@ j.a.table @>(&self, pool: &Pool) -> sqlx::Result<Vec<<@ j.a.pascal @>>> {
        sqlx::query_as(
            "SELECT <@ j.a.table @>.* FROM <@ j.a.table @> JOIN <@ j.table @> ON <@ j.table @>.<@ j.a.column @> = <@ j.a.table @>.id WHERE <@ j.table @>.<@ j.b.column @> = $1 ORDER BY <@ j.a.table @>.id",
        )
        .bind(self.id)
        .fetch_all(pool)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::<@ j.a.module @>::<@ j.a.pascal @>Params;
    use crate::app::models::<@ j.b.module @>::<@ j.b.pascal @>Params;

    #[sqlx::test]
    async fn pairs_are_added_listed_and_removed(pool: Pool) {
        let <@ j.a.module @> = <@ j.a.pascal @>::create(&pool, &<@ j.a.pascal @>Params::example(&pool).await)
            .await
            .unwrap();
        let <@ j.b.module @> = <@ j.b.pascal @>::create(&pool, &<@ j.b.pascal @>Params::example(&pool).await)
            .await
            .unwrap();
        let other = <@ j.b.pascal @>::create(&pool, &<@ j.b.pascal @>Params::example(&pool).await)
            .await
            .unwrap();
        assert!(<@ j.a.module @>.add_<@ j.b.module @>(&pool, &<@ j.b.module @>).await.unwrap());
        assert!(!<@ j.a.module @>.add_<@ j.b.module @>(&pool, &<@ j.b.module @>).await.unwrap(), "a pair is added once");
        assert_eq!(<@ j.a.module @>.<@ j.b.table @>(&pool).await.unwrap(), vec![<@ j.b.module @>.clone()]);
        assert_eq!(<@ j.b.module @>.<@ j.a.table @>(&pool).await.unwrap(), vec![<@ j.a.module @>.clone()]);
        assert!(other.<@ j.a.table @>(&pool).await.unwrap().is_empty());
        assert!(<@ j.a.module @>.remove_<@ j.b.module @>(&pool, &<@ j.b.module @>).await.unwrap());
        assert!(<@ j.a.module @>.<@ j.b.table @>(&pool).await.unwrap().is_empty());
        assert!(!<@ j.a.module @>.remove_<@ j.b.module @>(&pool, &<@ j.b.module @>).await.unwrap());
    }
}
