//! The mail of a password reset.

use super::{Mail, public_url};
use crate::app::auth::PASSWORD_RESET_LIFETIME;

/// The mail with the link that resets the password of `email`, made from
/// `token` (`auth::password_reset_token`).
pub fn reset(email: &str, token: &str) -> Mail {
    let minutes = PASSWORD_RESET_LIFETIME.as_secs() / 60;
    let url = public_url();
    let action = format!("Choose a new password at\n\n  {url}/passwords/{token}/edit");
    Mail {
        to: email.to_string(),
        subject: "Reset your password".to_string(),
        text: format!(
            "Someone, probably you, asked to reset the password of {email}.\n\n{action}\n\nThe link works once, for {minutes} minutes. If you did not ask, ignore this mail: your password stays as it is.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_carries_the_link() {
        let mail = reset("ann@example.com", "1-2-abc");
        assert_eq!(mail.to, "ann@example.com");
        assert!(
            mail.text.contains("/passwords/1-2-abc/edit"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("20 minutes"), "{}", mail.text);
    }
}
