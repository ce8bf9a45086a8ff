//! The user model: accounts of the `users` table, which sign in with an
//! email and a password. Emails are compared without case; passwords are
//! kept only as Argon2id hashes (see `app::auth`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::auth;
use crate::app::errors::{AppError, FieldErrors};
use crate::db::Pool;

/// Passwords shorter than this are refused (NIST SP 800-63B's minimum).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer ones are refused too, so hashing stays cheap to ask for.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A row of `users`, without its password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(format = "email")]
    pub email: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// What makes an account: the fields `create` takes (and what signs in).
#[derive(Clone, Deserialize, utoipa::ToSchema)]
pub struct UserParams {
    #[schema(format = "email", max_length = 255)]
    pub email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

impl UserParams {
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
        }
    }
}

/// Shows the email, never the password.
impl std::fmt::Debug for UserParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserParams")
            .field("email", &self.email)
            .field("password", &"[hidden]")
            .finish()
    }
}

/// The email as it is stored and looked up: trimmed, in lower case.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What is wrong with an email and a password for a new account.
pub fn check_credentials(email: &str, password: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let email_ok = email.chars().count() <= 255
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !email_ok {
        errors.insert("email".into(), vec!["is not an email address".into()]);
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        errors.insert(
            "password".into(),
            vec![format!(
                "is too short (at least {MIN_PASSWORD_CHARS} characters)"
            )],
        );
    } else if chars > MAX_PASSWORD_CHARS {
        errors.insert(
            "password".into(),
            vec![format!(
                "is too long (at most {MAX_PASSWORD_CHARS} characters)"
            )],
        );
    }
    errors
}

impl User {
    /// Creates an account; 422 for an invalid email or password, 409 when
    /// the email is taken.
    pub async fn create(pool: &Pool, params: &UserParams) -> Result<Self, AppError> {
        let email = normalize_email(&params.email);
        let password = params.password.as_str();
        let errors = check_credentials(&email, password);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let hash = auth::hash_password_async(password.to_string()).await?;
        let now = Utc::now();
        sqlx::query_as(
            "INSERT INTO users (email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4) RETURNING id, email, created_at, updated_at",
        )
        .bind(&email)
        .bind(&hash)
        .bind(now)
        .bind(now)
        .fetch_one(pool)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict(
                FieldErrors::from([("email".into(), vec!["has already been taken".into()])]),
            ),
            _ => err.into(),
        })
    }

    /// The user with `id`, if there is one.
    pub async fn find(pool: &Pool, id: i64) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, email, created_at, updated_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// The user with `email`, in any case.
    pub async fn find_by_email(pool: &Pool, email: &str) -> sqlx::Result<Option<Self>> {
        sqlx::query_as("SELECT id, email, created_at, updated_at FROM users WHERE email = $1")
            .bind(normalize_email(email))
            .fetch_optional(pool)
            .await
    }

    /// The user whose email and password these are. An unknown email takes
    /// as long to refuse as a wrong password, so the answer does not tell
    /// which emails have accounts.
    pub async fn authenticate(
        pool: &Pool,
        email: &str,
        password: &str,
    ) -> sqlx::Result<Option<Self>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
                .bind(normalize_email(email))
                .fetch_optional(pool)
                .await?;
        let (id, hash) = row.unzip();
        let verified = auth::verify_password_async(hash, password.to_string()).await;
        match id {
            Some(id) if verified => Self::find(pool, id).await,
            _ => Ok(None),
        }
    }

    /// The password hash of the user with `id`: what a password reset link
    /// is signed over, so that it works once.
    pub async fn password_hash(pool: &Pool, id: i64) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// Deletes the account with `id`, and with it its sessions and API
    /// tokens; whether there was one.
    pub async fn delete(pool: &Pool, id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets a new password; 422 when it is too short or too long.
    pub async fn set_password(pool: &Pool, id: i64, password: &str) -> Result<(), AppError> {
        let errors = check_credentials("valid@example.com", password);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let hash = auth::hash_password_async(password.to_string()).await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
impl UserParams {
    /// Valid params for tests: a new email on every call.
    pub async fn example(pool: &Pool) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = pool;
        Self::new(format!("user{n}@example.com"), "correct horse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test]
    async fn signs_up_and_authenticates_by_email_in_any_case(pool: Pool) {
        let user = User::create(
            &pool,
            &UserParams::new(" Ann@Example.COM ", "correct horse"),
        )
        .await
        .unwrap();
        assert_eq!(user.email, "ann@example.com");
        let found = User::authenticate(&pool, "ANN@example.com", "correct horse")
            .await
            .unwrap();
        assert_eq!(found, Some(user.clone()));
        let wrong = User::authenticate(&pool, "ann@example.com", "wrong horse")
            .await
            .unwrap();
        assert_eq!(wrong, None);
        let unknown = User::authenticate(&pool, "bob@example.com", "correct horse")
            .await
            .unwrap();
        assert_eq!(unknown, None);
        assert_eq!(
            User::find_by_email(&pool, "ANN@EXAMPLE.COM").await.unwrap(),
            Some(user)
        );
    }

    #[test]
    fn params_never_show_the_password() {
        let params = UserParams::new("ann@example.com", "correct horse");
        let shown = format!("{params:?}");
        assert!(shown.contains("ann@example.com"), "{shown}");
        assert!(!shown.contains("correct horse"), "{shown}");
    }

    #[sqlx::test]
    async fn an_email_has_one_account(pool: Pool) {
        User::create(&pool, &UserParams::new("ann@example.com", "password one"))
            .await
            .unwrap();
        let Err(AppError::Conflict(errors)) =
            User::create(&pool, &UserParams::new("ANN@example.com", "password two")).await
        else {
            panic!("the second account is refused");
        };
        assert_eq!(errors["email"], ["has already been taken"]);
    }

    #[sqlx::test]
    async fn invalid_emails_and_passwords_are_refused(pool: Pool) {
        let Err(AppError::Invalid(errors)) =
            User::create(&pool, &UserParams::new("ann", "short")).await
        else {
            panic!("refused");
        };
        assert_eq!(errors["email"], ["is not an email address"]);
        assert_eq!(errors["password"], ["is too short (at least 8 characters)"]);
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        let Err(AppError::Invalid(errors)) =
            User::create(&pool, &UserParams::new("a@b.co", &long)).await
        else {
            panic!("refused");
        };
        assert_eq!(errors["password"], ["is too long (at most 128 characters)"]);
        for email in [
            "@example.com",
            "ann@example",
            "ann@.com",
            "ann@example.",
            "a n@b.co",
        ] {
            assert!(!check_credentials(email, "password").is_empty(), "{email}");
        }
    }

    #[sqlx::test]
    async fn a_new_password_replaces_the_old_one(pool: Pool) {
        let user = User::create(&pool, &UserParams::new("ann@example.com", "old password"))
            .await
            .unwrap();
        User::set_password(&pool, user.id, "new password")
            .await
            .unwrap();
        let old = User::authenticate(&pool, "ann@example.com", "old password").await;
        assert_eq!(old.unwrap(), None);
        let new = User::authenticate(&pool, "ann@example.com", "new password").await;
        assert_eq!(new.unwrap().map(|u| u.id), Some(user.id));
        assert!(matches!(
            User::set_password(&pool, user.id, "short").await,
            Err(AppError::Invalid(_))
        ));
    }

    #[sqlx::test]
    async fn deleting_an_account_ends_its_sessions_and_tokens(pool: Pool) {
        let user = User::create(&pool, &UserParams::example(&pool).await)
            .await
            .unwrap();
        let day = std::time::Duration::from_secs(86_400);
        let (_, token) = crate::app::models::api_token::ApiToken::issue(&pool, user.id, "cli", day)
            .await
            .unwrap();
        let (_, cookie) =
            crate::app::models::session::Session::start(&pool, user.id, None, None, day)
                .await
                .unwrap();
        assert!(User::delete(&pool, user.id).await.unwrap());
        assert!(!User::delete(&pool, user.id).await.unwrap());
        assert_eq!(User::find(&pool, user.id).await.unwrap(), None);
        let token = crate::app::models::api_token::ApiToken::authenticate(&pool, &token).await;
        assert_eq!(token.unwrap(), None);
        let session = crate::app::models::session::Session::authenticate(&pool, &cookie).await;
        assert_eq!(session.unwrap(), None);
    }

    #[sqlx::test]
    async fn a_database_failure_is_an_internal_error(pool: Pool) {
        pool.close().await;
        let result = User::create(&pool, &UserParams::new("ann@example.com", "password")).await;
        assert!(matches!(result, Err(AppError::Internal(_))), "{result:?}");
    }
}
