//! The API token model: bearer tokens of API clients, rows of `api_tokens`,
//! separate from browser sessions. A token is shown once, when it is made;
//! the table keeps its SHA-256 hash, a name, when it was last used and when
//! it expires.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::auth;
use crate::app::models::user::User;
use crate::db::Pool;

/// A row of `api_tokens`, without its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    /// What the client called it.
    pub name: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// `last_used_at` is written at most once a minute per token, so reads do
/// not each cost a write.
const LAST_USED_PRECISION_SECS: i64 = 60;

impl ApiToken {
    /// Makes a token for `user_id` that lasts `lifetime`; the secret comes
    /// back beside the row and is never stored.
    pub async fn issue(
        pool: &Pool,
        user_id: i64,
        name: &str,
        lifetime: Duration,
    ) -> sqlx::Result<(Self, String)> {
        let secret = auth::new_token();
        let now = Utc::now();
        let expires_at = now + lifetime;
        let row = sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id, user_id, name, last_used_at, expires_at, created_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(auth::token_hash(&secret))
        .bind(expires_at)
        .bind(now)
        .fetch_one(pool)
        .await?;
        Ok((row, secret))
    }

    /// The user a secret belongs to, and the token's id, unless the token is
    /// unknown, revoked or expired.
    pub async fn authenticate(pool: &Pool, secret: &str) -> sqlx::Result<Option<(User, i64)>> {
        let now = Utc::now();
        let row: Option<(i64, Option<DateTime<Utc>>, i64)> = sqlx::query_as(
            "SELECT id, last_used_at, user_id FROM api_tokens WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(auth::token_hash(secret))
        .bind(now)
        .fetch_optional(pool)
        .await?;
        let Some((id, last_used_at, user_id)) = row else {
            return Ok(None);
        };
        if last_used_at.is_none_or(|at| (now - at).num_seconds() >= LAST_USED_PRECISION_SECS) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
        }
        Ok(User::find(pool, user_id).await?.map(|user| (user, id)))
    }

    /// The tokens of `user_id` that have not expired, newest first.
    pub async fn list(pool: &Pool, user_id: i64) -> sqlx::Result<Vec<Self>> {
        sqlx::query_as(
            "SELECT id, user_id, name, last_used_at, expires_at, created_at FROM api_tokens WHERE user_id = $1 AND expires_at > $2 ORDER BY id DESC",
        )
        .bind(user_id)
        .bind(Utc::now())
        .fetch_all(pool)
        .await
    }

    /// Deletes the token `id` of `user_id`; whether there was one (another
    /// user's token counts as none).
    pub async fn revoke(pool: &Pool, user_id: i64, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every token of `user_id` but `keep` (after a password
    /// change); how many went.
    pub async fn revoke_all(pool: &Pool, user_id: i64, keep: Option<i64>) -> sqlx::Result<u64> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND id != $2")
            .bind(user_id)
            .bind(keep.unwrap_or(0))
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::user::UserParams;

    async fn user(pool: &Pool, email: &str) -> User {
        User::create(pool, &UserParams::new(email, "password"))
            .await
            .unwrap()
    }

    #[sqlx::test]
    async fn a_token_signs_its_user_in_until_it_is_revoked(pool: Pool) {
        let ann = user(&pool, "ann@example.com").await;
        let hour = Duration::from_secs(3600);
        let (token, secret) = ApiToken::issue(&pool, ann.id, "laptop", hour)
            .await
            .unwrap();
        assert_eq!((token.user_id, token.name.as_str()), (ann.id, "laptop"));
        assert_eq!(token.last_used_at, None);
        let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored, auth::token_hash(&secret));
        assert_ne!(stored, secret);

        let found = ApiToken::authenticate(&pool, &secret).await.unwrap();
        assert_eq!(found, Some((ann.clone(), token.id)));
        let listed = ApiToken::list(&pool, ann.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].last_used_at.is_some());
        assert_eq!(ApiToken::authenticate(&pool, "wrong").await.unwrap(), None);

        let bob = user(&pool, "bob@example.com").await;
        assert!(!ApiToken::revoke(&pool, bob.id, token.id).await.unwrap());
        assert!(ApiToken::revoke(&pool, ann.id, token.id).await.unwrap());
        assert_eq!(ApiToken::authenticate(&pool, &secret).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn expired_tokens_sign_no_one_in(pool: Pool) {
        let ann = user(&pool, "ann@example.com").await;
        let (_, secret) = ApiToken::issue(&pool, ann.id, "old", Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(ApiToken::authenticate(&pool, &secret).await.unwrap(), None);
        assert!(ApiToken::list(&pool, ann.id).await.unwrap().is_empty());
    }

    #[sqlx::test]
    async fn revoking_all_keeps_the_one_asked_for(pool: Pool) {
        let ann = user(&pool, "ann@example.com").await;
        let hour = Duration::from_secs(3600);
        let (keep, _) = ApiToken::issue(&pool, ann.id, "a", hour).await.unwrap();
        ApiToken::issue(&pool, ann.id, "b", hour).await.unwrap();
        assert_eq!(
            ApiToken::revoke_all(&pool, ann.id, Some(keep.id))
                .await
                .unwrap(),
            1
        );
        let left = ApiToken::list(&pool, ann.id).await.unwrap();
        assert_eq!(left, [keep]);
        assert_eq!(ApiToken::revoke_all(&pool, ann.id, None).await.unwrap(), 1);
    }
}
