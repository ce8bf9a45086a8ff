//! The session model: one row of `sessions` for each signed-in browser. The
//! browser's cookie holds a random token; the table keeps its SHA-256 hash,
//! the browser's user agent and address, and when it was last seen and
//! expires, so a user can see their sessions and end any of them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::auth;
use crate::app::models::user::User;
use crate::db::Pool;

/// A row of `sessions`, without its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub user_agent: Option<String>,
    /// The address the browser signed in from.
    pub ip: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
}

/// `last_seen_at` is written at most once a minute per session.
const LAST_SEEN_PRECISION_SECS: i64 = 60;

impl Session {
    /// Starts a session for `user_id` that lasts `lifetime`; the token for
    /// the cookie comes back beside the row and is never stored.
    pub async fn start(
        pool: &Pool,
        user_id: i64,
        user_agent: Option<&str>,
        ip: Option<&str>,
        lifetime: Duration,
    ) -> sqlx::Result<(Self, String)> {
        let token = auth::new_token();
        let now = Utc::now();
        let row = sqlx::query_as(
            "INSERT INTO sessions (user_id, token_hash, user_agent, ip, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, user_id, user_agent, ip, created_at, last_seen_at, expires_at",
        )
        .bind(user_id)
        .bind(auth::token_hash(&token))
        .bind(user_agent.map(|ua| ua.chars().take(255).collect::<String>()))
        .bind(ip)
        .bind(now)
        .bind(now)
        .bind(now + lifetime)
        .fetch_one(pool)
        .await?;
        Ok((row, token))
    }

    /// The user a cookie's token belongs to, and the session's id, unless the
    /// session ended or expired.
    pub async fn authenticate(pool: &Pool, token: &str) -> sqlx::Result<Option<(User, i64)>> {
        let now = Utc::now();
        let row: Option<(i64, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT id, last_seen_at, user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(auth::token_hash(token))
        .bind(now)
        .fetch_optional(pool)
        .await?;
        let Some((id, last_seen_at, user_id)) = row else {
            return Ok(None);
        };
        if (now - last_seen_at).num_seconds() >= LAST_SEEN_PRECISION_SECS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
        }
        Ok(User::find(pool, user_id).await?.map(|user| (user, id)))
    }

    /// The sessions of `user_id` that have not expired, newest first.
    pub async fn list(pool: &Pool, user_id: i64) -> sqlx::Result<Vec<Self>> {
        sqlx::query_as(
            "SELECT id, user_id, user_agent, ip, created_at, last_seen_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY id DESC",
        )
        .bind(user_id)
        .bind(Utc::now())
        .fetch_all(pool)
        .await
    }

    /// Ends the session `id` of `user_id`; whether there was one (another
    /// user's session counts as none).
    pub async fn end(pool: &Pool, user_id: i64, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of `user_id` but `keep`; how many ended.
    pub async fn end_all(pool: &Pool, user_id: i64, keep: Option<i64>) -> sqlx::Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id != $2")
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

    #[sqlx::test]
    async fn a_session_signs_its_browser_in_until_it_ends(pool: Pool) {
        let ann = User::create(&pool, &UserParams::new("ann@example.com", "password"))
            .await
            .unwrap();
        let day = Duration::from_secs(86_400);
        let (session, token) =
            Session::start(&pool, ann.id, Some("Firefox"), Some("10.0.0.1"), day)
                .await
                .unwrap();
        assert_eq!(session.user_agent.as_deref(), Some("Firefox"));
        assert_eq!(session.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(
            Session::authenticate(&pool, &token).await.unwrap(),
            Some((ann.clone(), session.id))
        );
        let (other, _) = Session::start(&pool, ann.id, None, None, day)
            .await
            .unwrap();
        assert_eq!(
            Session::list(&pool, ann.id).await.unwrap(),
            [other.clone(), session.clone()]
        );

        let bob = User::create(&pool, &UserParams::new("bob@example.com", "password"))
            .await
            .unwrap();
        assert!(!Session::end(&pool, bob.id, session.id).await.unwrap());
        assert!(Session::end(&pool, ann.id, session.id).await.unwrap());
        assert_eq!(Session::authenticate(&pool, &token).await.unwrap(), None);
        assert_eq!(
            Session::end_all(&pool, ann.id, Some(other.id))
                .await
                .unwrap(),
            0
        );
        assert_eq!(Session::end_all(&pool, ann.id, None).await.unwrap(), 1);
    }

    #[sqlx::test]
    async fn expired_sessions_sign_no_one_in(pool: Pool) {
        let ann = User::create(&pool, &UserParams::new("ann@example.com", "password"))
            .await
            .unwrap();
        let (_, token) = Session::start(&pool, ann.id, None, None, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(Session::authenticate(&pool, &token).await.unwrap(), None);
        assert!(Session::list(&pool, ann.id).await.unwrap().is_empty());
    }

    #[sqlx::test]
    async fn last_seen_is_written_when_a_minute_has_passed(pool: Pool) {
        let ann = User::create(&pool, &UserParams::new("ann@example.com", "password"))
            .await
            .unwrap();
        let (session, token) = Session::start(&pool, ann.id, None, None, Duration::from_secs(3600))
            .await
            .unwrap();
        let hour_ago = Utc::now() - chrono::Duration::hours(1);
        sqlx::query("UPDATE sessions SET last_seen_at = $1")
            .bind(hour_ago)
            .execute(&pool)
            .await
            .unwrap();
        Session::authenticate(&pool, &token).await.unwrap();
        let seen = Session::list(&pool, ann.id).await.unwrap()[0].last_seen_at;
        assert!(seen > hour_ago + chrono::Duration::minutes(59));
        assert!(seen >= session.last_seen_at);
    }
}
