//! The helpers of the browser tests work: the SMTP sink receives what an
//! SMTP client sends, and the WebDriver client drives headless Chromium
//! through a form (skipped without chromedriver, which `.ci/browser`
//! installs).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use common::smtp::{Message, SmtpSink};

/// Sends `command` (unless empty) and returns the whole reply, asserting
/// its code.
fn smtp(
    out: &mut TcpStream,
    replies: &mut BufReader<TcpStream>,
    command: &str,
    code: &str,
) -> String {
    if !command.is_empty() {
        out.write_all(format!("{command}\r\n").as_bytes()).unwrap();
    }
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        assert!(
            replies.read_line(&mut line).unwrap() > 0,
            "the sink hung up"
        );
        reply.push_str(&line);
        // The last line of a reply has a space after its code.
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    assert!(reply.starts_with(code), "{command:?} → {reply:?}");
    reply
}

#[test]
fn the_smtp_sink_keeps_each_message_decoded() {
    let sink = SmtpSink::start();
    assert!(
        sink.url().starts_with("smtp://127.0.0.1:"),
        "{}",
        sink.url()
    );
    let mut out = TcpStream::connect(&sink.addr).unwrap();
    let mut replies = BufReader::new(out.try_clone().unwrap());
    let (out, replies) = (&mut out, &mut replies);

    smtp(out, replies, "", "220 ");
    let ehlo = smtp(out, replies, "EHLO client.test", "250");
    assert!(
        !ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
        "{ehlo}"
    );
    smtp(out, replies, "NOOP", "250 ");
    smtp(out, replies, "DATA", "503 ");
    smtp(
        out,
        replies,
        "MAIL FROM:<alice@example.com> BODY=8BITMIME",
        "250 ",
    );
    smtp(out, replies, "RCPT TO:<bob@example.com>", "250 ");
    smtp(out, replies, "RCPT TO:<carol@example.com>", "250 ");
    smtp(out, replies, "DATA", "354 ");
    // A quoted-printable body with a soft line break, an escaped `=` and a
    // line starting with a dot, which the client doubles.
    out.write_all(
        b"From: alice@example.com\r\n\
          To: bob@example.com, carol@example.com\r\n\
          Subject: Reset\r\n \
          your password\r\n\
          Content-Type: text/plain; charset=utf-8\r\n\
          Content-Transfer-Encoding: quoted-printable\r\n\
          \r\n\
          Caf=C3=A9: open http://localhost:8000/reset?token=3Dabc=\r\n\
          def to reset it.\r\n\
          ..signed\r\n\
          .\r\n",
    )
    .unwrap();
    smtp(out, replies, "", "250 ");

    // A second message on the same connection, after a reset one.
    smtp(out, replies, "MAIL FROM:<>", "250 ");
    smtp(out, replies, "RCPT TO:<nobody@example.com>", "250 ");
    smtp(out, replies, "RSET", "250 ");
    smtp(out, replies, "MAIL FROM:<alice@example.com>", "250 ");
    smtp(out, replies, "RCPT TO:<Dave@Example.com>", "250 ");
    smtp(out, replies, "DATA", "354 ");
    out.write_all(
        b"Subject: Base64\r\n\
          Content-Transfer-Encoding: base64\r\n\
          \r\n\
          SGVsbG8sIHfDtnJsZCEK\r\n\
          .\r\n",
    )
    .unwrap();
    smtp(out, replies, "", "250 ");
    smtp(out, replies, "QUIT", "221 ");

    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let first = &messages[0];
    assert_eq!(first.from, "alice@example.com");
    assert_eq!(first.to, ["bob@example.com", "carol@example.com"]);
    assert!(
        first.data.ends_with("def to reset it.\r\n.signed\r\n"),
        "{first:?}"
    );
    assert_eq!(
        first.header("subject").as_deref(),
        Some("Reset your password")
    );
    assert_eq!(
        first.body_text(),
        "Café: open http://localhost:8000/reset?token=abcdef to reset it.\n.signed\n"
    );
    assert_eq!(messages[1].to, ["Dave@Example.com"]);
    assert_eq!(messages[1].body_text(), "Hello, wörld!\n");

    let to_carol: Option<Message> = sink.wait_for("carol@example.com", Duration::from_secs(1));
    assert_eq!(to_carol.as_ref(), Some(first));
    let to_dave = sink.wait_for("dave@example.com", Duration::from_secs(1));
    assert_eq!(to_dave.as_ref(), Some(&messages[1]));
    assert_eq!(
        sink.wait_for("nobody@example.com", Duration::from_millis(100)),
        None
    );
}

/// Decodes an `application/x-www-form-urlencoded` value.
fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                decoded.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            byte => decoded.push(byte),
        }
        i += 1;
    }
    String::from_utf8(decoded).unwrap()
}

/// Answers one HTTP request: a form at `/`, posting to `/done`, which greets
/// the name it was sent.
fn answer(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // a connection opened ahead of time and never used
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();

    let mut parts = request_line.split_whitespace();
    let (status, page) = match (parts.next(), parts.next()) {
        (Some("GET"), Some("/")) => (
            "200 OK",
            r#"<!doctype html><title>Form</title>
<form method="post" action="/done">
  <label>Name <input id="name" name="name" value="placeholder"></label>
  <button id="send" type="submit">Send</button>
</form>"#
                .to_string(),
        ),
        (Some("POST"), Some("/done")) => {
            let name = body
                .split('&')
                .find_map(|pair| pair.strip_prefix("name="))
                .map(form_decode)
                .unwrap_or_default();
            (
                "200 OK",
                format!("<!doctype html><title>Done</title><p id=\"greeting\">Hello, {name}!</p>"),
            )
        }
        _ => ("404 Not Found", "not found".to_string()),
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
}

/// Serves [`answer`] on a loopback port, a thread per connection, and
/// returns its base URL.
fn serve_form() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    base
}

#[test]
fn the_browser_fills_and_submits_a_form() {
    let base = serve_form();
    let Some(browser) = common::browser::start() else {
        return;
    };
    browser.goto(&format!("{base}/"));
    assert_eq!(browser.url(), format!("{base}/"));
    assert!(browser.page_source().contains("action=\"/done\""));

    browser.fill("#name", "Ada Lovelace & co");
    browser.click("#send");
    let url = browser.wait_for_url(|url| url.ends_with("/done"), Duration::from_secs(10));
    assert_eq!(url, format!("{base}/done"));
    assert_eq!(browser.text("#greeting"), "Hello, Ada Lovelace & co!");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser_support/done.png");
    let _ = std::fs::remove_file(&shot);
    browser.screenshot(&shot);
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG: {shot:?}");

    // A failing command panics with WebDriver's error.
    let missing =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| browser.text("#missing")))
            .expect_err("there is no #missing");
    let message = missing
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("\"error\":\"no such element\""),
        "{message}"
    );
}
