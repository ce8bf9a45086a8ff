//! The `blog` binary: flags, startup errors, and a graceful shutdown on
//! SIGTERM; and the in-process server's shutdown timeout.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use blog::config::ENV_PREFIX;
use blog::server::Server;

use crate::helpers::{client, spawn_app_with, test_settings};

const BIN: &str = env!("CARGO_BIN_EXE_blog");

#[test]
fn version_flag() {
    let output = Command::new(BIN).arg("--version").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let expected = format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
    assert_eq!(stdout.trim(), expected);
}

#[test]
fn bad_setting_stops_startup_naming_the_variable() {
    let var = format!("{ENV_PREFIX}_WORKERS");
    let output = Command::new(BIN)
        .arg("serve")
        .env(&var, "lots")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&var), "{stderr}");
}

#[cfg(unix)]
#[test]
fn serves_until_sigterm_then_exits_zero() {
    let unique = format!("{}-test-{}", env!("CARGO_PKG_NAME"), std::process::id());
    let dir = std::env::temp_dir().join(unique);
    std::fs::create_dir_all(&dir).unwrap();
    let pid_file = dir.join("server.pid");
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2", "--pid"])
        .arg(&pid_file)
        .env(format!("{ENV_PREFIX}_LOG_FORMAT"), "json")
        // Metrics, where the application serves them, on a free port too:
        // tests run side by side.
        .env(format!("{ENV_PREFIX}_METRICS_BIND"), "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    for line in lines.by_ref() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["message"] == "listening" {
            addr = event["addr"].as_str().map(str::to_string);
            break;
        }
    }
    let addr = addr.expect("the server logs its address");
    // Keep reading the log, so the server never writes to a closed pipe.
    let drain = std::thread::spawn(move || lines.count());
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert_eq!(pid.trim(), child.id().to_string());

    let body: serde_json::Value = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            client()
                .get(format!("http://{addr}/api/ready"))
                .send()
                .await?
                .json()
                .await
        })
        .unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!pid_file.exists(), "the pid file is removed on exit");
    assert!(drain.join().unwrap() > 0, "the shutdown is logged");
    let _ = std::fs::remove_dir_all(dir);
}

/// Under a supervisor (`cargo mvc serve`, systemd socket activation) the
/// binary serves the socket it is handed in `LISTEN_FDS` instead of binding.
#[cfg(unix)]
#[test]
fn serves_the_socket_its_supervisor_hands_over() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The socket goes in as standard input; the shell moves it to fd 3,
    // where `LISTEN_FDS` says the sockets start.
    let script = r#"export LISTEN_PID=$$; exec "$0" serve 3<&0 0</dev/null"#;
    let mut child = Command::new("sh")
        .args(["-c", script, BIN])
        .env("LISTEN_FDS", "1")
        // Tests run side by side: metrics, where the application serves
        // them, on a free port, and the database left alone (the health
        // check needs none).
        .env(format!("{ENV_PREFIX}_METRICS_BIND"), "127.0.0.1:0")
        .env(format!("{ENV_PREFIX}_AUTO_MIGRATE"), "false")
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(listener)))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The socket listens already: the request waits in its backlog until
    // the server accepts it.
    let body: serde_json::Value = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            client()
                .get(format!("http://{addr}/api/health"))
                .send()
                .await?
                .json()
                .await
        })
        .unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
    // Ctrl-C (SIGINT) stops it gracefully, as SIGTERM does.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// HTTP/2 clients that know the server speaks it (prior knowledge) are
/// answered on the same port as HTTP/1.
#[tokio::test]
async fn http2_clients_are_answered_on_the_same_port() {
    let app = spawn_app_with(test_settings()).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // The connection preface, then an empty SETTINGS frame.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut frame = [0u8; 9];
    stream.read_exact(&mut frame).await.unwrap();
    assert_eq!(
        frame[3], 0x04,
        "the server starts with its SETTINGS: {frame:?}"
    );
    drop(stream);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn unfinished_requests_are_dropped_after_the_shutdown_timeout() {
    let mut settings = test_settings();
    settings.shutdown_timeout = Duration::from_millis(200);
    let app = spawn_app_with(settings).await;
    // A request whose headers never finish keeps its connection busy.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /api/ready HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    app.stop().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Clients that never finish their headers, and keep-alive connections left
/// idle, are disconnected by their timeouts; others are served meanwhile.
#[tokio::test]
async fn slow_and_idle_clients_are_disconnected() {
    let mut settings = test_settings();
    settings.header_read_timeout = Duration::from_millis(500);
    settings.keep_alive_timeout = Duration::from_millis(800);
    let app = spawn_app_with(settings).await;
    let started = std::time::Instant::now();
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    let url = format!("http://{}/api/health", app.addr);
    let during = app.client.get(&url).send().await.unwrap();
    assert_eq!(during.status(), 200);
    for stream in &mut slow {
        let mut buf = [0; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0) | Err(_))),
            "a half-sent request is disconnected"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(5));

    // A keep-alive connection: answered twice, then closed once idle.
    let mut idle = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    for _ in 0..2 {
        idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0; 1024];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let waited = std::time::Instant::now();
    let mut buf = [0; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "an idle connection is closed"
    );
    assert!(waited.elapsed() >= Duration::from_millis(300));

    let after = app.client.get(&url).send().await.unwrap();
    assert_eq!(after.status(), 200);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = test_settings();
    settings.bind = taken.local_addr().unwrap();
    let err = Server::bind(settings).await.unwrap_err();
    assert!(err.to_string().contains("could not listen on"), "{err}");
}
