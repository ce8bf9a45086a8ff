//! End to end: generate projects with `cargo mvc new` (SQLite, PostgreSQL,
//! and no database), generate controllers, scaffolds, models and accounts
//! (`generate authentication`, scaffolds with `--auth` and `--owned`) into them,
//! then, inside each, run what its own CI runs (fmt, clippy -D warnings,
//! tests), start the production server, check `/api/ready`, stop it with
//! SIGTERM, fuzz the scaffolds' API against its OpenAPI document
//! (schemathesis), lint its Dockerfile, workflow and chart, and run its
//! `make coverage`.
//!
//! The PostgreSQL project needs a server: `MVC_TEST_DATABASE_URL`, which
//! `./scripts/test` sets after starting one with `.ci/postgres`. Without
//! it, that test says it is skipped and passes, except in CI (`CI` set).
//!
//! Every generated project builds into one shared target directory, so the
//! dependencies compile once for the whole suite.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use common::{
    cargo, cargo_mvc, http_form, http_get, http_request, http_request_with, in_shared_target,
    new_project, ok, shared_target,
};

/// One cargo build at a time: they share the target directory anyway.
static BUILD: Mutex<()> = Mutex::new(());

/// A running `<binary> serve` and the address it listens on.
struct Served {
    child: std::process::Child,
    addr: String,
    /// Where `/metrics` is served, for an application with metrics.
    metrics: Option<String>,
    drain: std::thread::JoinHandle<usize>,
}

/// Starts `<binary> serve` in `dir` on a free port.
fn serve(binary: &Path, dir: &Path, env: &[(&str, String)]) -> Served {
    let name = binary.file_name().unwrap().to_string_lossy();
    let prefix = name.to_uppercase().replace('-', "_");
    let mut child = Command::new(binary)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        // An application with metrics serves them on a free port too.
        .env(format!("{prefix}_METRICS_BIND"), "127.0.0.1:0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr_in = |line: &str| {
        let at = line.find("addr=")?;
        Some(line[at + 5..].split_whitespace().next()?.to_string())
    };
    let mut metrics = None;
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            if line.contains("serving metrics") {
                metrics = addr_in(&line);
                return None;
            }
            addr_in(&line).filter(|_| line.contains("listening"))
        })
        .expect("the server logs the address it listens on");
    let drain = std::thread::spawn(move || lines.count());
    let (status, body) = http_get(&addr, "/api/ready").unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"status":"ok"}"#);
    Served {
        child,
        addr,
        metrics,
        drain,
    }
}

impl Served {
    /// Sends SIGTERM and expects a clean exit.
    fn stop(mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "serve exits 0 on SIGTERM");
        self.drain.join().unwrap();
    }
}

/// 1,000 clients that send a request line and never finish their headers
/// are all disconnected within the header read timeout, while ordinary
/// requests are answered, during and after.
fn slow_clients_are_disconnected(binary: &Path, dir: &Path, prefix: &str) {
    use std::io::Read;
    use std::time::{Duration, Instant};
    // Both ends of 1,000 connections, the client's here and the server's in
    // the child, which inherits the limit.
    let (soft, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .expect("the open-files limit");
    if soft < 4096 {
        nix::sys::resource::setrlimit(
            nix::sys::resource::Resource::RLIMIT_NOFILE,
            hard.min(4096),
            hard,
        )
        .expect("raising the open-files limit");
    }
    let timeout = Duration::from_secs(2);
    let var = format!("{prefix}_HEADER_READ_TIMEOUT");
    let served = serve(binary, dir, &[(var.as_str(), "2".to_string())]);
    let started = Instant::now();
    let mut slow: Vec<std::net::TcpStream> = (0..1000)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&served.addr).unwrap();
            stream
                .write_all(b"GET /api/posts HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            stream
        })
        .collect();
    let sent = started.elapsed();
    let (status, _) = http_get(&served.addr, "/api/posts").unwrap();
    assert_eq!(status, 200, "answered while 1,000 clients hang");
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut buf = [0; 64];
        let read = stream.read(&mut buf);
        assert!(
            matches!(read, Ok(0))
                || read
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "a half-sent request is disconnected: {read:?}"
        );
    }
    let closed = started.elapsed();
    assert!(
        closed < sent + timeout + Duration::from_secs(3),
        "all closed {closed:?} after the first was opened ({sent:?} to open them)"
    );
    let (status, _) = http_get(&served.addr, "/api/posts").unwrap();
    assert_eq!(status, 200, "answered after");
    served.stop();
}

/// The metrics count the requests served, by route, and not the probes.
fn metrics_are_served(binary: &Path, dir: &Path) {
    let served = serve(binary, dir, &[]);
    let metrics = served
        .metrics
        .clone()
        .expect("the server logs where it serves metrics");
    for _ in 0..3 {
        let (status, _) = http_get(&served.addr, "/api/posts").unwrap();
        assert_eq!(status, 200);
    }
    let (status, _) = http_get(&served.addr, "/api/metrics").unwrap();
    assert_eq!(
        status, 404,
        "the application's port does not serve the metrics"
    );
    let (status, text) = http_get(&metrics, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/posts",status="200"} 3"#),
        "{text}"
    );
    assert!(
        !text.contains("/api/ready"),
        "probes are not traffic: {text}"
    );
    assert!(text.contains("db_pool_connections"), "{text}");
    served.stop();
}

/// With `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a collector (a loopback
/// listener here), the spans of the requests served, in their callers'
/// traces, are posted to it over OTLP/HTTP by the time the server stops.
fn traces_reach_a_collector(binary: &Path, dir: &Path, env: &[(&str, String)]) {
    use std::io::Read;
    let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", collector.local_addr().unwrap());
    // Each request: its head and body, answered 200.
    let received = std::thread::spawn(move || {
        let mut posts = Vec::new();
        for stream in collector.incoming() {
            let mut stream = stream.unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut data = Vec::new();
            let mut buf = [0; 65536];
            let (head, length) = loop {
                let n = stream.read(&mut buf).unwrap();
                data.extend_from_slice(&buf[..n]);
                if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    data.drain(..end + 4);
                    break (head, length);
                }
            };
            while data.len() < length {
                let n = stream.read(&mut buf).unwrap();
                data.extend_from_slice(&buf[..n]);
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .unwrap();
            let last = head.starts_with("post /v1/traces");
            posts.push((head, data));
            if last {
                return posts;
            }
        }
        posts
    });
    let mut env = env.to_vec();
    env.push(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint));
    let served = serve(binary, dir, &env);
    let (status, _) = http_get(&served.addr, "/api/posts/1").unwrap();
    assert_eq!(status, 200);
    served.stop();
    let posts = received.join().unwrap();
    let (head, body) = posts.last().expect("the collector was called");
    assert!(head.starts_with("post /v1/traces"), "{head}");
    assert!(
        head.contains("content-type: application/x-protobuf"),
        "{head}"
    );
    let route = b"/api/posts/{id}";
    assert!(
        body.windows(route.len()).any(|w| w == route),
        "the request's span, with its route"
    );
}

/// Serves, checks `/api/ready`, stops.
fn serve_ready_and_stop(binary: &Path, dir: &Path, env: &[(&str, String)]) {
    serve(binary, dir, env).stop();
}

/// Data created through the API is still there after a restart.
fn data_survives_a_restart(binary: &Path, dir: &Path, env: &[(&str, String)]) {
    let served = serve(binary, dir, env);
    let body = r#"{"title": "Kept", "body": "across restarts", "published": true}"#;
    let (status, created) = http_request(&served.addr, "POST", "/api/posts", Some(body)).unwrap();
    assert_eq!(status, 201, "{created}");
    let id: serde_json::Value = serde_json::from_str(&created).unwrap();
    let path = format!("/api/posts/{}", id["id"]);
    let comment = format!(
        r#"{{"post_id": {}, "body": "first", "author": null}}"#,
        id["id"]
    );
    let (status, body) =
        http_request(&served.addr, "POST", "/api/comments", Some(&comment)).unwrap();
    assert_eq!(status, 201, "{body}");
    served.stop();

    let served = serve(binary, dir, env);
    let (status, found) = http_get(&served.addr, &path).unwrap();
    assert_eq!((status, &found), (200, &created));
    let (status, body) = http_request(&served.addr, "POST", "/api/comments", Some("{}")).unwrap();
    assert_eq!(status, 422, "{body}");
    served.stop();
}

/// The scaffolds behind sign-in that the projects with accounts get, after
/// `generate authentication`: one owned, one for any signed-in user.
const SIGNED_IN_SCAFFOLDS: &[&[&str]] = &[
    &[
        "order",
        "total:decimal",
        "note:string?",
        "--owned",
        "--html",
    ],
    &["bookmark", "url:string", "post:references", "--auth"],
];

/// Adds accounts and the scaffolds behind sign-in to `project`.
fn generate_accounts(project: &Path) {
    ok(cargo_mvc(
        project,
        &["generate", "authentication", "--html", "--quiet"],
    ));
    generate(project, "scaffold", SIGNED_IN_SCAFFOLDS);
}

/// Signs `email` up and in on the server at `addr`; the bearer token.
fn sign_up_and_in(addr: &str, email: &str) -> String {
    let credentials = format!(r#"{{"email": "{email}", "password": "correct horse"}}"#);
    let (status, body) = http_request(addr, "POST", "/api/users", Some(&credentials)).unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = http_request(addr, "POST", "/api/session", Some(&credentials)).unwrap();
    assert_eq!(status, 201, "{body}");
    let signed_in: serde_json::Value = serde_json::from_str(&body).unwrap();
    signed_in["token"].as_str().expect("a token").to_string()
}

/// The value of the response header `name`.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// The session token of a response's `Set-Cookie`.
fn session_cookie(headers: &[(String, String)]) -> String {
    let cookie = header(headers, "set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (pair, _) = cookie.split_once(';').expect("a cookie with attributes");
    pair.strip_prefix("session=")
        .expect("the session cookie")
        .to_string()
}

/// The form token of the browser of these tests: a page gives a browser
/// its own in the `form_token` cookie, and its forms repeat it.
const FORM_TOKEN: &str = "4a1e0c2b9d8f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";

/// A form as a browser sends it from the application's own page: with the
/// session `cookie`, and the form token in its cookie and its field.
fn browser(
    addr: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> common::Exchange {
    let mut cookies = format!("form_token={FORM_TOKEN}");
    if let Some(cookie) = cookie {
        cookies.push_str(&format!("; session={cookie}"));
    }
    let headers = [
        ("Sec-Fetch-Site", "same-origin"),
        ("Cookie", cookies.as_str()),
    ];
    let form = form.map(|f| format!("authenticity_token={FORM_TOKEN}&{f}"));
    http_form(addr, method, path, &headers, form.as_deref()).unwrap()
}

/// Accounts over real HTTP, on the served binary: a user signs up and in,
/// makes a row of an owned scaffold and reads it; another user cannot see,
/// change or delete it; a form posted from another site is refused; signing
/// out ends the token and the cookie; a password reset mailed through SMTP
/// (to a sink on loopback) works once; wrong passwords are limited. With
/// `screenshot`, a headless Chromium signs up and in through the pages.
fn accounts_work_over_http(
    binary: &Path,
    dir: &Path,
    env: &[(&str, String)],
    screenshot: Option<&str>,
) {
    let sink = common::smtp::SmtpSink::start();
    let name = binary.file_name().unwrap().to_string_lossy();
    let prefix = name.to_uppercase().replace('-', "_");
    let smtp = format!("{prefix}_SMTP_URL");
    let from = format!("{prefix}_MAIL_FROM");
    let mut served_env: Vec<(&str, String)> = env.to_vec();
    served_env.push((smtp.as_str(), sink.url()));
    served_env.push((from.as_str(), "accounts@example.com".to_string()));
    let served = serve(binary, dir, &served_env);
    let addr = served.addr.as_str();
    let call = |method: &str, path: &str, token: &str, body: Option<&str>| {
        let bearer = format!("Bearer {token}");
        http_request_with(addr, method, path, &[("Authorization", &bearer)], body).unwrap()
    };
    let ann = sign_up_and_in(addr, "ann@example.com");
    let (status, body) = call("POST", "/api/orders", &ann, Some(r#"{"total": "12.50"}"#));
    assert_eq!(status, 201, "{body}");
    let order: serde_json::Value = serde_json::from_str(&body).unwrap();
    let path = format!("/api/orders/{}", order["id"]);
    assert_eq!(call("GET", &path, &ann, None), (200, body.clone()));
    let (status, body) = call("GET", "/api/me", &ann, None);
    assert_eq!(status, 200, "{body}");
    let me: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(order["user_id"], me["id"]);

    let bob = sign_up_and_in(addr, "bob@example.com");
    let (status, page) = call("GET", "/api/orders", &bob, None);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#""total":0"#), "{page}");
    let change = Some(r#"{"total": "0.01"}"#);
    for (method, body) in [
        ("GET", None),
        ("PUT", change),
        ("PATCH", change),
        ("DELETE", None),
    ] {
        let (status, answer) = call(method, &path, &bob, body);
        assert_eq!(status, 404, "{method} of another user's order: {answer}");
    }
    let (status, kept) = call("GET", &path, &ann, None);
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(
        (status, kept),
        (200, order.clone()),
        "the order is as it was"
    );
    let (status, _) = http_get(addr, "/api/orders").unwrap();
    assert_eq!(status, 401, "no token, no orders");

    // The same in a browser, with the session cookie.
    let credentials = "email=carol%40example.com&password=correct+horse";
    let (status, headers, body) = browser(addr, "POST", "/users", None, Some(credentials));
    assert_eq!(
        (status, header(&headers, "location")),
        (303, "/sessions"),
        "{body}"
    );
    let carol = session_cookie(&headers);
    let (status, headers, body) = browser(
        addr,
        "POST",
        "/orders",
        Some(&carol),
        Some("total=7.25&note=by+form"),
    );
    assert_eq!(status, 303, "{body}");
    let page = header(&headers, "location").to_string();
    assert!(page.starts_with("/orders/"), "{page}");
    let (status, _, shown) = browser(addr, "GET", &page, Some(&carol), None);
    assert_eq!(status, 200);
    assert!(
        shown.contains("7.25") && shown.contains("carol@example.com"),
        "{shown}"
    );
    let credentials = "email=dave%40example.com&password=correct+horse";
    let (_, headers, _) = browser(addr, "POST", "/users", None, Some(credentials));
    let dave = session_cookie(&headers);
    for (method, uri, form) in [
        ("GET", page.clone(), None),
        ("GET", format!("{page}/edit"), None),
        ("POST", page.clone(), Some("total=0.01")),
        ("POST", format!("{page}/delete"), Some("")),
    ] {
        let (status, _, body) = browser(addr, method, &uri, Some(&dave), form);
        assert_eq!(
            status, 404,
            "{method} {uri} of another user's order: {body}"
        );
    }
    let (status, _, shown) = browser(addr, "GET", &page, Some(&carol), None);
    assert!(
        status == 200 && shown.contains("7.25"),
        "the order is as it was"
    );
    let (status, headers, _) = browser(addr, "POST", "/session/delete", Some(&carol), Some(""));
    assert_eq!(
        (status, header(&headers, "location")),
        (303, "/session/new")
    );
    let (status, headers, _) = browser(addr, "GET", "/orders", Some(&carol), None);
    assert_eq!(
        (status, header(&headers, "location")),
        (303, "/session/new?return_to=%2Forders"),
        "the cookie after sign-out"
    );

    // A page of another site that makes the browser post a form to the
    // HTML routes is refused before it reaches them.
    let total = || http_get(addr, "/api/posts?per_page=1").unwrap().1;
    let posts_before = total();
    let forged = r#"{"title": "forged", "body": "by another site", "published": true}"#;
    let from = [("Sec-Fetch-Site", "cross-site")];
    let (status, body) = http_request_with(addr, "POST", "/posts", &from, Some(forged)).unwrap();
    assert_eq!(status, 403, "a cross-site form: {body}");
    let old_browser = [("Origin", "https://evil.example")];
    let (status, _) =
        http_request_with(addr, "POST", "/posts", &old_browser, Some(forged)).unwrap();
    assert_eq!(
        status, 403,
        "a cross-site form from a browser without Sec-Fetch-Site"
    );
    assert_eq!(total(), posts_before, "no post was made");
    // A form of the application's own origin without the browser's form
    // token (as a page injected into the site would send) is refused too.
    let cookies = format!("form_token={FORM_TOKEN}; session={dave}");
    let same_origin = [
        ("Sec-Fetch-Site", "same-origin"),
        ("Cookie", cookies.as_str()),
    ];
    let (status, _, body) =
        http_form(addr, "POST", "/orders", &same_origin, Some("total=1.00")).unwrap();
    assert_eq!(status, 403, "a form without its token: {body}");
    let with_cookie = [("Origin", "https://evil.example"), ("Cookie", "session=x")];
    let (status, _, _) =
        http_form(addr, "POST", "/session/delete", &with_cookie, Some("")).unwrap();
    assert_eq!(status, 403, "a cross-site sign-out");

    // A password reset, mailed through SMTP: the link works once.
    let (status, _, body) = browser(
        addr,
        "POST",
        "/passwords",
        None,
        Some("email=carol%40example.com"),
    );
    assert_eq!(status, 200, "{body}");
    let mail = sink
        .wait_for("carol@example.com", std::time::Duration::from_secs(20))
        .expect("the reset mail reaches the SMTP server");
    assert_eq!(mail.from, "accounts@example.com");
    let text = mail.body_text();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/passwords/"))
        .unwrap_or_else(|| panic!("a link in the mail:\n{text}"));
    let edit = &link[link.find("/passwords/").unwrap()..];
    let (status, _, _) = browser(addr, "GET", edit, None, None);
    assert_eq!(status, 200, "{edit}");
    let action = edit.trim_end_matches("/edit");
    let new_password = Some("password=a+new+horse+entirely");
    let (status, headers, _) = browser(addr, "POST", action, None, new_password);
    assert_eq!(
        (status, header(&headers, "location")),
        (303, "/session/new?password_reset=done")
    );
    let (status, _, _) = browser(addr, "POST", action, None, Some("password=yet+another+one"));
    assert_eq!(status, 404, "a reset link works once");
    let old = "email=carol%40example.com&password=correct+horse";
    let (status, _, _) = browser(addr, "POST", "/session", None, Some(old));
    assert_eq!(status, 422, "the old password after the reset");
    let new = "email=carol%40example.com&password=a+new+horse+entirely";
    let (status, headers, _) = browser(addr, "POST", "/session", None, Some(new));
    assert_eq!(status, 303);
    session_cookie(&headers);

    let (status, _) = call("DELETE", "/api/session", &ann, None);
    assert_eq!(status, 204);
    let (status, body) = call("GET", "/api/me", &ann, None);
    assert_eq!(status, 401, "a token after sign-out: {body}");

    // Before the limit below shuts this address out for a while.
    if let Some(name) = screenshot {
        signs_up_and_in_with_a_browser(addr, name);
    }

    let wrong = r#"{"email": "bob@example.com", "password": "wrong horse"}"#;
    for _ in 0..10 {
        let (status, body) = http_request(addr, "POST", "/api/session", Some(wrong)).unwrap();
        assert_eq!(status, 401, "{body}");
    }
    let right = r#"{"email": "bob@example.com", "password": "correct horse"}"#;
    let (status, body) = http_request(addr, "POST", "/api/session", Some(right)).unwrap();
    assert_eq!(status, 429, "the 11th try within 3 minutes: {body}");

    served.stop();
}

/// A headless Chromium (Debian's, installed by `.ci/browser`) signs up and
/// in through the HTML pages, and the screenshot of the signed-in index
/// page of the orders is kept under `target/` as the test's artifact.
fn signs_up_and_in_with_a_browser(addr: &str, name: &str) {
    let Some(chromium) = common::browser::start() else {
        return;
    };
    let base = format!("http://localhost:{}", addr.rsplit_once(':').unwrap().1);
    chromium.goto(&format!("{base}/users/new"));
    chromium.fill("#email", "erin@example.com");
    chromium.fill("#password", "correct horse");
    chromium.click("button[type=submit]");
    chromium.wait_for_url(
        |url| url.ends_with("/sessions"),
        std::time::Duration::from_secs(20),
    );
    chromium.click("main form button[type=submit]");
    chromium.wait_for_url(
        |url| url.ends_with("/session/new"),
        std::time::Duration::from_secs(20),
    );
    // Asked for while signed out, the orders are shown after signing in.
    chromium.goto(&format!("{base}/orders"));
    chromium.wait_for_url(
        |url| url.contains("return_to=%2Forders"),
        std::time::Duration::from_secs(20),
    );
    chromium.fill("#email", "erin@example.com");
    chromium.fill("#password", "correct horse");
    chromium.click("main button[type=submit]");
    chromium.wait_for_url(
        |url| url.ends_with("/orders"),
        std::time::Duration::from_secs(20),
    );
    // An order made through its form, which carries the form's token.
    chromium.goto(&format!("{base}/orders/new"));
    chromium.fill("#total", "19.99");
    chromium.fill("#note", "made in a browser");
    chromium.click("main button[type=submit]");
    chromium.wait_for_url(
        |url| url.contains("/orders/"),
        std::time::Duration::from_secs(20),
    );
    chromium.goto(&format!("{base}/orders"));
    let listed = chromium.text("main");
    assert!(listed.contains("19.99"), "{listed}");
    let nav = chromium.text("nav");
    assert!(nav.contains("Signed in as erin@example.com"), "{nav}");
    let file = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots")
        .join(format!("{name}-signed-in-orders.png"));
    chromium.screenshot(&file);
    let png = std::fs::read(&file).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    let _ = writeln!(
        std::io::stderr(),
        "screenshot of the signed-in orders page: {}",
        file.display()
    );
}

/// The API keeps the contract its OpenAPI document states: schemathesis
/// (installed by `.ci/install-tools`) runs every check on every operation,
/// against the served project on a database of its own. The seed is fixed,
/// so that a failure is reproduced by the command it prints.
fn api_contract_holds(binary: &Path, dir: &Path) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/.venv/bin/schemathesis");
    if !tool.is_file() {
        let why = "schemathesis is not installed: run .ci/install-tools";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        let _ = writeln!(std::io::stderr(), "skipped: the API contract check; {why}");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        scratch.path().join("contract.db").display()
    );
    let served = serve(binary, dir, &[("DATABASE_URL", database)]);
    // Signed in for the operations that need it; signing out and revoking
    // tokens are left out, so that the token keeps working to the end
    // (`accounts_work_over_http` checks them).
    let token = sign_up_and_in(&served.addr, "contract@example.com");
    let output = Command::new(&tool)
        .args([
            "run",
            &format!("http://{}/api/openapi.json", served.addr),
            // The scaffolds' and the accounts' operations: the plain
            // controllers answer canned JSON until their actions are written.
            "--include-path-regex",
            "^/api/(posts|comments|listings|orders|bookmarks|users|session|me|tokens|sessions)",
            "--exclude-operation-id",
            "session_destroy",
            "--exclude-operation-id",
            "tokens_destroy",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "all",
            "--workers",
            "1",
            "--seed",
            "20261128",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .current_dir(scratch.path())
        .output()
        .expect("schemathesis runs");
    served.stop();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains(" passed"), "{report}");
}

fn lint_operations_files(project: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/lint-generated");
    let output = Command::new(script).arg(project).output().unwrap();
    assert!(
        output.status.success(),
        "linting the operations files failed (run .ci/install-tools first):\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The controllers the default project gets before it is checked: REST
/// actions, custom actions with methods, a namespaced one, and HTML pages.
const CONTROLLERS: &[&[&str]] = &[
    // Not `users`: the accounts generated next serve `POST /api/users`.
    &["members", "index", "show", "create", "update", "destroy"],
    &["ticker", "buy:post", "sell:delete"],
    &["admin/reports", "index", "show"],
    &["pages", "index", "show", "about", "--html"],
];

/// The scaffolds of the database projects: the two of the README, and one
/// with a field of every type and both modifiers.
const SCAFFOLDS: &[&[&str]] = &[
    &[
        "post",
        "title:string",
        "body:text",
        "published:boolean",
        "--html",
    ],
    &["comment", "post:references", "body:text", "author:string?"],
    &[
        "listing",
        "--html",
        "name:string:unique",
        "price:decimal",
        "rating:float?",
        "stock:integer:index",
        "views:bigint",
        "opens:date?",
        "updated:datetime",
        "sku:uuid",
        "extra:json?",
    ],
];

fn generate(project: &Path, kind: &str, list: &[&[&str]]) {
    for args in list {
        let mut all = vec!["generate", kind, "--quiet"];
        all.extend_from_slice(args);
        ok(cargo_mvc(&project.join("src"), &all));
    }
}

/// fmt, clippy and the tests of the project, then its server.
fn checks(project: &Path, name: &str, env: &[(&str, String)]) {
    lint_operations_files(project);
    let _one_build = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    cargo(project, &["fmt", "--check"], env);
    cargo(
        project,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
        env,
    );
    cargo(project, &["test"], env);
    serve_ready_and_stop(&shared_target().join("debug").join(name), project, env);
}

/// The migrations the database projects get after their first checks:
/// one of each kind `generate migration` knows, on the tables the
/// scaffolds made (with rows in them by then).
const MIGRATIONS: &[&[&str]] = &[
    &["add_email_to_posts", "email:string?:unique"],
    &["add_views_to_posts", "views:integer:default=0"],
    &["add_listing_ref_to_posts", "listing:references?"],
    &["rename_body_to_content_in_posts"],
    &["change_views_in_posts", "views:bigint?"],
    &["add_index_to_posts", "title", "published"],
    &["create_join_table", "posts", "listings"],
    &["remove_published_from_posts"],
    &["backfill_posts"],
    &["drop_table", "listings_posts"],
];

/// `<binary> migrate ARGS` in `dir`.
fn migrate(binary: &Path, dir: &Path, env: &[(&str, String)], args: &[&str]) -> String {
    let output = Command::new(binary)
        .arg("migrate")
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "migrate {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The schema of a SQLite file, comparable across table rebuilds: tables
/// with their columns (name, type, nullability, default, key) sorted,
/// foreign keys, and indexes with their columns.
fn sqlite_schema(file: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(file).unwrap();
    let mut out = Vec::new();
    let objects: Vec<(String, String, String)> = db
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let strings = |sql: &str| -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        rows
    };
    for (ty, name, table) in objects {
        match ty.as_str() {
            "table" => out.push(format!(
                "table {name} {:?} {:?}",
                strings(&format!("SELECT name, upper(type), \"notnull\", dflt_value, pk FROM pragma_table_info('{name}')")),
                strings(&format!("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{name}')")),
            )),
            "index" => out.push(format!(
                "index {name} on {table} {:?} {:?}",
                strings(&format!("SELECT \"unique\" FROM pragma_index_list('{table}') WHERE name = '{name}'")),
                strings(&format!("SELECT seqno, name FROM pragma_index_info('{name}')")),
            )),
            other => out.push(format!("{other} {name} on {table}")),
        }
    }
    out.sort();
    out
}

/// The schema of a PostgreSQL database, comparable however columns were
/// added: columns sorted by table and name, indexes, constraints.
fn postgres_schema(url: &str) -> Vec<String> {
    let query = "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' AND table_name != '_sqlx_migrations'
UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename != '_sqlx_migrations'
UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text != '_sqlx_migrations'";
    let output = Command::new("psql")
        .args([url, "-At", "-c", query])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The post `data_survives_a_restart` made, as the API shows it.
fn the_kept_post(addr: &str) -> serde_json::Value {
    let (status, body) = http_get(addr, "/api/posts?per_page=100").unwrap();
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|p| p["title"] == "Kept"))
        .cloned()
        .unwrap_or_else(|| panic!("the post made before the migrations is gone: {body}"))
}

/// Every kind of migration on a project with rows: generated (the post
/// scaffold following each), the project's checks passed again, applied,
/// the new fields used through the API, then rolled back one step at a
/// time to the start, the schema compared at each step and the rows kept.
fn migrations_evolve_the_project(
    project: &Path,
    name: &str,
    env: &[(&str, String)],
    schema: &dyn Fn() -> Vec<String>,
    posts: &dyn Fn() -> Vec<String>,
) {
    let binary = shared_target().join("debug").join(name);
    let start = schema();
    let rows = posts();
    assert!(rows.iter().any(|r| r == "Kept|across restarts"), "{rows:?}");
    for args in MIGRATIONS {
        let mut all = vec!["generate", "migration", "--quiet"];
        all.extend_from_slice(args);
        ok(cargo_mvc(project, &all));
    }
    checks(project, name, env);
    // The server `checks` started applied them already (debug builds
    // migrate on start); `migrate` finds nothing left to do.
    migrate(&binary, project, env, &[]);
    let status = migrate(&binary, project, env, &["--status"]);
    assert!(!status.contains("pending"), "{status}");
    let top = schema();

    let served = serve(&binary, project, env);
    let kept = the_kept_post(&served.addr);
    assert_eq!(kept["content"], "across restarts", "{kept}");
    assert_eq!(kept["views"], 0, "{kept}");
    assert!(kept.get("published").is_none(), "{kept}");
    let new = r#"{"title": "After", "content": "the migrations", "email": "a@b.c", "views": 3, "listing_id": null}"#;
    let (status, body) = http_request(&served.addr, "POST", "/api/posts", Some(new)).unwrap();
    assert_eq!(status, 201, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&created["email"], &created["views"]),
        (&serde_json::json!("a@b.c"), &serde_json::json!(3))
    );
    let bad = r#"{"title": "Bad", "content": "x", "email": 42, "views": 1, "listing_id": null}"#;
    let (status, body) = http_request(&served.addr, "POST", "/api/posts", Some(bad)).unwrap();
    assert_eq!(status, 422, "{body}");
    let errors: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        errors["errors"]["email"],
        serde_json::json!(["must be a string"]),
        "{body}"
    );
    let (status, body) = http_request(
        &served.addr,
        "DELETE",
        &format!("/api/posts/{}", created["id"]),
        None,
    )
    .unwrap();
    assert_eq!(status, 204, "{body}");
    served.stop();

    // Down one at a time, then up again: each step gives the schema it had.
    let mut steps = vec![top.clone()];
    for _ in MIGRATIONS {
        migrate(&binary, project, env, &["--down", "1"]);
        steps.push(schema());
    }
    assert_eq!(
        steps.last(),
        Some(&start),
        "rolling every migration back gives the schema before them"
    );
    for (i, pair) in steps.windows(2).enumerate() {
        let undone = MIGRATIONS[MIGRATIONS.len() - 1 - i];
        // Only the migration of no convention, left empty, changes nothing.
        assert_eq!(
            pair[0] == pair[1],
            undone == ["backfill_posts"],
            "rolling back {undone:?}"
        );
    }
    migrate(&binary, project, env, &[]);
    assert_eq!(schema(), top, "applying them again gives the same schema");
    migrate(
        &binary,
        project,
        env,
        &["--down", &MIGRATIONS.len().to_string()],
    );
    assert_eq!(schema(), start);
    assert_eq!(posts(), rows, "the posts are as they were, title and body");
}

#[test]
fn default_project_with_controllers_and_scaffolds_passes_its_checks_and_serves() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "blog", &["--metrics"]);
    generate(&project, "controller", CONTROLLERS);
    generate(&project, "scaffold", SCAFFOLDS);
    generate_accounts(&project);
    checks(&project, "blog", &[]);
    let binary = shared_target().join("debug").join("blog");
    data_survives_a_restart(&binary, &project, &[]);
    slow_clients_are_disconnected(&binary, &project, "BLOG");
    metrics_are_served(&binary, &project);
    api_contract_holds(&binary, &project);
    accounts_work_over_http(&binary, &project, &[], Some("blog"));
    let file = project.join("data/blog.db");
    assert!(file.is_file(), "SQLite keeps its file under data/");
    let posts = || {
        let db = rusqlite::Connection::open(&file).unwrap();
        db.prepare("SELECT title || '|' || body FROM posts ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<String>>()
    };
    migrations_evolve_the_project(&project, "blog", &[], &|| sqlite_schema(&file), &posts);
}

/// A new project with the scaffolds of the README and one of every field
/// type is covered by its own tests at the floor its `make coverage` and its
/// CI enforce (99% of lines), measured by that target. cargo-llvm-cov comes
/// from `.ci/install-tools`.
#[test]
fn new_project_with_scaffolds_meets_its_coverage_floor() {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/cargo/bin");
    if !tools.join("cargo-llvm-cov").is_file() {
        let why = "cargo-llvm-cov is not installed: run .ci/install-tools";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        let _ = writeln!(std::io::stderr(), "skipped: the coverage floor; {why}");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "shop", &[]);
    generate(&project, "scaffold", SCAFFOLDS);
    generate_accounts(&project);
    let path = std::env::join_paths(std::iter::once(tools).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let _one_build = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    // The instrumented build shares nothing with the others: it goes in the
    // project's temporary folder, so its gigabytes go when the test ends.
    let mut make = Command::new("make");
    make.arg("coverage").current_dir(&project).env("PATH", path);
    let output = in_shared_target(&mut make)
        .env("CARGO_TARGET_DIR", root.path().join("target"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "make coverage failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let total = report
        .lines()
        .find(|l| l.starts_with("TOTAL"))
        .unwrap_or("");
    let _ = writeln!(
        std::io::stderr(),
        "coverage of the scaffolded project: {total}"
    );
}

#[test]
fn postgres_project_with_scaffolds_passes_its_checks_against_a_real_server() {
    let Ok(server) = std::env::var("MVC_TEST_DATABASE_URL") else {
        let why = "MVC_TEST_DATABASE_URL is not set: run ./scripts/test, which starts PostgreSQL with .ci/postgres";
        // CI always has the server: there, a missing URL is a failure.
        assert!(std::env::var_os("CI").is_none(), "{why}");
        // Straight to stderr, past the test harness's capture, so that a
        // plain `cargo test` shows it.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the PostgreSQL project needs a server; {why}"
        );
        return;
    };
    // A database of this run's own, so earlier runs' tables do not matter.
    let database = format!("e2e_{}", std::process::id());
    let psql = |sql: &str| {
        let status = Command::new("psql")
            .args([server.as_str(), "-q", "-c", sql])
            .status()
            .expect("psql runs");
        assert!(status.success(), "psql: {sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS {database}"));
    psql(&format!("CREATE DATABASE {database}"));
    let base = server.rsplit_once('/').expect("a URL with a database").0;
    let url = format!("{base}/{database}");
    let env = [("DATABASE_URL", url.clone())];

    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "pgblog", &["--database", "postgres", "--otel"]);
    generate(&project, "scaffold", SCAFFOLDS);
    generate_accounts(&project);
    checks(&project, "pgblog", &env);
    let binary = shared_target().join("debug").join("pgblog");
    data_survives_a_restart(&binary, &project, &env);
    accounts_work_over_http(&binary, &project, &env, None);
    traces_reach_a_collector(&binary, &project, &env);
    let posts = || {
        let output = Command::new("psql")
            .args([
                url.as_str(),
                "-At",
                "-c",
                "SELECT title || '|' || body FROM posts ORDER BY id",
            ])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<String>>()
    };
    migrations_evolve_the_project(&project, "pgblog", &env, &|| postgres_schema(&url), &posts);
    psql(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
}

#[test]
fn project_without_optional_parts_gets_a_database_from_generate_model() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(
        root.path(),
        "lean-api",
        &[&["--database", "none"], common::SKIP_ALL].concat(),
    );
    // Metrics added before the database: without the pool's statistics.
    ok(cargo_mvc(&project, &["generate", "metrics", "--quiet"]));
    generate(
        &project,
        "model",
        &[&["post", "title:string", "body:text", "published:boolean"]],
    );
    // Without an OpenAPI document: its accounts have no `utoipa` in them.
    ok(cargo_mvc(
        &project,
        &["generate", "authentication", "--html", "--quiet"],
    ));
    checks(&project, "lean-api", &[]);
}
