//! The account pages, rendered from `templates/accounts/`: sign up, sign in,
//! the user's sessions, and the two steps of a password reset.

use askama::Template;

use crate::app::errors::FieldErrors;
use crate::app::models::session::Session;

/// What is wrong with `field` in `errors`.
fn errors_on<'a>(errors: &'a FieldErrors, field: &str) -> &'a [String] {
    errors.get(field).map_or(&[], Vec::as_slice)
}

/// `templates/accounts/sign_up.html`
#[derive(Debug, Default, Template)]
#[template(path = "accounts/sign_up.html")]
pub struct SignUpPage {
    pub email: String,
    pub errors: FieldErrors,
}

impl SignUpPage {
    pub fn errors_on(&self, field: &str) -> &[String] {
        errors_on(&self.errors, field)
    }
}

/// `templates/accounts/sign_in.html`
#[derive(Debug, Default, Template)]
#[template(path = "accounts/sign_in.html")]
pub struct SignInPage {
    pub email: String,
    /// The page to go back to after signing in, if any.
    pub return_to: Option<String>,
    /// What went wrong, or what happened before.
    pub alert: Option<String>,
    pub notice: Option<String>,
}

/// `templates/accounts/sessions.html`: where the user is signed in.
#[derive(Debug, Template)]
#[template(path = "accounts/sessions.html")]
pub struct SessionsPage {
    pub email: String,
    pub sessions: Vec<Session>,
    /// The session of this browser.
    pub current: Option<i64>,
}

impl SessionsPage {
    /// Whether `session` is this browser's.
    pub fn is_current(&self, session: &Session) -> bool {
        self.current == Some(session.id)
    }
}

/// `templates/accounts/forgot_password.html`: asks for the email to send a
/// reset link to.
#[derive(Debug, Default, Template)]
#[template(path = "accounts/forgot_password.html")]
pub struct ForgotPasswordPage {
    /// The email a link was sent to, if it has an account.
    pub sent_to: Option<String>,
    pub alert: Option<String>,
}

/// `templates/accounts/reset_password.html`: the new password, from the
/// mail's link.
#[derive(Debug, Default, Template)]
#[template(path = "accounts/reset_password.html")]
pub struct ResetPasswordPage {
    pub token: String,
    pub errors: FieldErrors,
}

impl ResetPasswordPage {
    pub fn errors_on(&self, field: &str) -> &[String] {
        errors_on(&self.errors, field)
    }
}
