//! `cargo mvc serve` end to end: it builds a generated project and serves it;
//! an edit to a controller rebuilds and restarts the app while a client keeps
//! calling it, and no call is refused or fails; Ctrl-C stops everything.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{http_get, in_shared_target, new_project};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `path` until `accept` likes the answer, or panics after `limit`.
fn wait_for(addr: &str, path: &str, limit: Duration, accept: impl Fn(u16, &str) -> bool) {
    let started = Instant::now();
    loop {
        if let Ok((status, body)) = http_get(addr, path)
            && accept(status, &body)
        {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{path} did not answer as expected in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

#[cfg(unix)]
#[test]
fn serve_reloads_on_change_without_refusing_connections() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "live", &[]);
    common::ok(common::cargo_mvc(
        &project,
        &["g", "controller", "hello", "index"],
    ));
    let controller = project.join("src/app/controllers/hello.rs");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"));
    let mut serve = in_shared_target(&mut serve)
        .args([
            "mvc",
            "serve",
            "--port",
            &port.to_string(),
            "--env",
            "LIVE_LOG_LEVEL=warn",
        ])
        .current_dir(project.join("src"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_lines = {
        let stderr = serve.stderr.take().unwrap();
        std::thread::spawn(move || {
            use std::io::BufRead;
            std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        })
    };

    // The first build may compile every dependency.
    wait_for(
        &addr,
        "/api/ready",
        Duration::from_secs(900),
        |status, body| status == 200 && body == r#"{"status":"ok"}"#,
    );

    // A client calls the app without pause while it is rebuilt and restarted.
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let client = {
        let (stop, calls, addr) = (stop.clone(), calls.clone(), addr.clone());
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match http_get(&addr, "/api/health") {
                    Ok((200, _)) => {}
                    Ok((status, body)) => failures.push(format!("{status}: {body}")),
                    Err(e) => failures.push(e.to_string()),
                }
                calls.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
            failures
        })
    };

    // Edit the controller: the new answer appears once the app is rebuilt.
    replace_in(
        &controller,
        "new(\"index\", None)",
        "new(\"reloaded\", None)",
    );
    let reloaded =
        |status: u16, body: &str| status == 200 && body.contains(r#""action":"reloaded""#);
    wait_for(&addr, "/api/hello", Duration::from_secs(600), reloaded);
    // A broken edit keeps the last good server answering.
    replace_in(&controller, "new(\"reloaded\", None)", "new(reloaded None)");
    std::thread::sleep(Duration::from_secs(5));
    wait_for(&addr, "/api/hello", Duration::from_secs(60), reloaded);

    stop.store(true, Ordering::Relaxed);
    let failures = client.join().unwrap();
    assert!(
        calls.load(Ordering::Relaxed) > 10,
        "the client kept calling"
    );
    assert!(
        failures.is_empty(),
        "calls failed during the reload: {failures:?}"
    );

    let interrupted = Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = serve.wait().unwrap();
    assert!(
        status.success(),
        "cargo mvc serve exits cleanly on Ctrl-C: {status}"
    );
    assert!(
        http_get(&addr, "/api/health").is_err(),
        "nothing listens any more"
    );
    // The app runs in the project's root, whichever folder `serve` ran
    // from: its SQLite file is under `data/`, not in the watched `src/`.
    assert!(project.join("data/live.db").is_file());
    assert!(!project.join("src/data").exists());
    // One start and one restart: the build reading the sources is no change.
    let lines = status_lines.join().unwrap();
    let starts = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("Running"))
        .count();
    assert_eq!(starts, 2, "{}", lines.join("\n"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the last good server keeps running"))
    );
}
