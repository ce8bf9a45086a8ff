//! How `cargo mvc generate controller` grows with the size of the router:
//! a project whose routes table holds 10, 100 and 1,000 routes gets a
//! controller with two routes; each run is timed (median of many), then
//! undone with `destroy` so the next starts from the same bytes. Run with
//! `cargo bench --bench generate`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn cargo_mvc(dir: &Path, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
        .arg("mvc")
        .args(args)
        .arg("--quiet")
        .current_dir(dir)
        .status()
        .expect("cargo-mvc runs");
    assert!(status.success(), "cargo mvc {args:?} failed");
}

/// A routes table with `n` routes, written like the generated one.
fn router(n: usize) -> String {
    let mut routes = String::new();
    for i in 0..n {
        routes.push_str(&format!(
            "        .route(\"/api/r{i}\", get(health::show))\n"
        ));
    }
    format!(
        "//! Routes.\n\nuse axum::Router;\nuse axum::routing::*;\n\nuse super::AppState;\nuse super::controllers::*;\n\npub fn routes() -> Router<AppState> {{\n    Router::new()\n{routes}}}\n"
    )
}

fn main() {
    let root = tempfile::tempdir().expect("a temporary directory");
    cargo_mvc(
        root.path(),
        &["new", "bench", "--skip-install", "--skip-git"],
    );
    let project = root.path().join("bench");
    println!("cargo mvc generate controller users index show, {RUNS} runs each");
    let mut medians = Vec::new();
    for n in [10, 100, 1000] {
        std::fs::write(project.join("src/app/router.rs"), router(n)).expect("router written");
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            cargo_mvc(
                &project,
                &["generate", "controller", "users", "index", "show"],
            );
            times.push(started.elapsed());
            cargo_mvc(&project, &["destroy", "controller", "users"]);
        }
        times.sort();
        let median = times[RUNS / 2];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{n:>5} routes: median {:.2} ms, min {:.2} ms, p90 {:.2} ms",
            ms(median),
            ms(times[0]),
            ms(times[RUNS * 9 / 10])
        );
        medians.push((n, median));
    }
    let (n0, t0) = medians[0];
    for &(n, t) in &medians[1..] {
        println!(
            "{n0} -> {n} routes ({}x): time x{:.2}",
            n / n0,
            t.as_secs_f64() / t0.as_secs_f64()
        );
    }
}
