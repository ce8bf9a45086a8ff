//! Mail the application sends. With `<PREFIX>_SMTP_URL` set it goes out
//! through SMTP (lettre, TLS by rustls):
//!
//! - `smtps://USER:PASSWORD@HOST:465`: TLS from the start;
//! - `smtp://USER:PASSWORD@HOST:587?tls=required`: STARTTLS;
//! - `smtp://HOST:PORT`: no TLS, for a relay on the same host or network.
//!
//! Without it (in development) each mail is written to the log, and in the
//! tests kept in an outbox that they read ([`testing::sent_to`]). The sender
//! is `<PREFIX>_MAIL_FROM`, and links in mail start with `<PREFIX>_PUBLIC_URL`
//! (the address users reach the application at, never taken from a request,
//! whose `Host` header anyone can set).

pub mod passwords;

use std::sync::LazyLock;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::ENV_PREFIX;

/// One mail: plain text to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Where mail goes.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log,
    /// The tests' [`testing::sent_to`].
    Outbox,
}

static TRANSPORT: LazyLock<Result<Transport, String>> = LazyLock::new(|| {
    if cfg!(test) {
        return Ok(Transport::Outbox);
    }
    let name = format!("{ENV_PREFIX}_SMTP_URL");
    transport(&name, std::env::var(&name).ok().as_deref())
});

/// SMTP to `url` when it is set and not blank, else the log.
fn transport(name: &str, url: Option<&str>) -> Result<Transport, String> {
    match url.map(str::trim) {
        Some(url) if !url.is_empty() => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map(|builder| Transport::Smtp(builder.build()))
            .map_err(|err| format!("{name} is not a valid SMTP URL: {err}")),
        _ => Ok(Transport::Log),
    }
}

/// The sender of every mail, from `<PREFIX>_MAIL_FROM`.
static FROM: LazyLock<Result<Mailbox, String>> = LazyLock::new(|| {
    let name = format!("{ENV_PREFIX}_MAIL_FROM");
    let from = std::env::var(&name).unwrap_or_else(|_| "no-reply@localhost".to_string());
    from.parse()
        .map_err(|err| format!("{name} is not a mail address ({from}): {err}"))
});

/// The address users reach the application at, for links in mail, from
/// `<PREFIX>_PUBLIC_URL` (default `http://localhost:8000`), without a
/// trailing `/`.
pub fn public_url() -> String {
    let name = format!("{ENV_PREFIX}_PUBLIC_URL");
    let url = std::env::var(name).unwrap_or_else(|_| "http://localhost:8000".to_string());
    url.trim().trim_end_matches('/').to_string()
}

/// Fails when `<PREFIX>_SMTP_URL` or `<PREFIX>_MAIL_FROM` is invalid, so the
/// server refuses to start rather than fail its first mail.
pub fn check() -> anyhow::Result<()> {
    TRANSPORT.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
    FROM.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok(())
}

/// Sends `mail`: through SMTP when configured, else to the log (in the
/// tests, to the outbox).
pub async fn deliver(mail: Mail) -> anyhow::Result<()> {
    let transport = TRANSPORT.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
    let from = FROM.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
    send(transport, from, mail).await
}

async fn send(transport: &Transport, from: &Mailbox, mail: Mail) -> anyhow::Result<()> {
    match transport {
        Transport::Smtp(smtp) => {
            let message = Message::builder()
                .from(from.clone())
                .to(mail.to.parse()?)
                .subject(mail.subject)
                .body(mail.text)?;
            smtp.send(message).await?;
        }
        Transport::Log => {
            tracing::info!(to = %mail.to, subject = %mail.subject, "mail (set {ENV_PREFIX}_SMTP_URL to send it):\n{}", mail.text);
        }
        Transport::Outbox => testing::OUTBOX
            .lock()
            .expect("the outbox is not poisoned")
            .push(mail),
    }
    Ok(())
}

/// Sends `mail` without waiting for it (an error is logged): the request
/// that caused it does not take longer, so its time does not tell whether a
/// mail went out. In the tests, it is in the outbox when this returns.
pub async fn deliver_later(mail: Mail) {
    let sending = tokio::spawn(async move {
        if let Err(err) = deliver(mail).await {
            tracing::error!(error = format!("{err:#}"), "sending mail failed");
        }
    });
    if cfg!(test) {
        let _ = sending.await;
    }
}

/// The outbox of the tests: every mail [`deliver`] sent in this process.
pub mod testing {
    use std::sync::Mutex;

    use super::Mail;

    pub(super) static OUTBOX: Mutex<Vec<Mail>> = Mutex::new(Vec::new());

    /// The mail sent to `to` so far, oldest first.
    pub fn sent_to(to: &str) -> Vec<Mail> {
        OUTBOX
            .lock()
            .expect("the outbox is not poisoned")
            .iter()
            .filter(|mail| mail.to == to)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tests_keep_mail_in_the_outbox() {
        let mail = Mail {
            to: "outbox@example.com".to_string(),
            subject: "Hello".to_string(),
            text: "Hi".to_string(),
        };
        deliver(mail.clone()).await.unwrap();
        assert_eq!(testing::sent_to("outbox@example.com"), [mail]);
        assert!(testing::sent_to("nobody@example.com").is_empty());
    }

    #[test]
    fn the_settings_are_valid_and_links_have_no_trailing_slash() {
        check().unwrap();
        assert!(!public_url().ends_with('/'));
    }

    #[tokio::test]
    async fn mail_goes_to_the_log_or_through_smtp() {
        let from: Mailbox = "app@example.com".parse().unwrap();
        let mail = Mail {
            to: "ann@example.com".to_string(),
            subject: "Hello".to_string(),
            text: "Hi".to_string(),
        };
        let log = transport("SMTP_URL", Some("  ")).unwrap();
        send(&log, &from, mail.clone()).await.unwrap();
        let invalid = transport("SMTP_URL", Some("ftp://mail.example.com"))
            .err()
            .unwrap();
        assert!(
            invalid.starts_with("SMTP_URL is not a valid SMTP URL"),
            "{invalid}"
        );
        // Port 1 of loopback refuses the connection: the error comes back.
        let smtp = transport("SMTP_URL", Some("smtp://127.0.0.1:1")).unwrap();
        assert!(send(&smtp, &from, mail.clone()).await.is_err());
        let bad = Mail {
            to: "not an address".to_string(),
            ..mail
        };
        assert!(send(&smtp, &from, bad).await.is_err());
    }
}
