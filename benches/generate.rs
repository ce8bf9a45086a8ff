//! How `cargo mvc generate controller` grows with the size of the router:
//! a project whose routes table holds 10, 100 and 1,000 routes gets a
//! controller with two routes; each run is timed (median of many), then
//! undone with `destroy` so the next starts from the same bytes. Run with
//! `cargo bench --bench generate`.
//!
//! With `MVC_BENCH_BASELINE=/path/to/cargo-mvc` (another build, e.g. the
//! commit before a change; `scripts/bench-tool` builds one), each binary
//! works in a project it created itself (so each finds the files its own
//! `new` writes), both routes tables are the same, and each size is measured
//! on both binaries in `MVC_BENCH_ROUNDS` rounds (default 10) of
//! `MVC_BENCH_RUNS` runs of each (default 10), one run of either binary in
//! turn, so that whatever else the machine does slows both alike. It reports
//! each binary's median and p90 over every run, the ratio of the medians
//! (current/base) and its spread across rounds (the lowest, median and
//! highest of the rounds' ratios of medians). Without a baseline,
//! `MVC_BENCH_RUNS` runs (default 30) of the current binary. Only
//! `generate` is timed, never the `destroy` after it.
//!
//! It reports figures; it never fails on a number.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CURRENT: &str = env!("CARGO_BIN_EXE_cargo-mvc");

/// Timing the base and the current binary in alternating rounds.
mod bench;

fn cargo_mvc(bin: &Path, dir: &Path, args: &[&str]) {
    let status = Command::new(bin)
        .arg("mvc")
        .args(args)
        .arg("--quiet")
        .current_dir(dir)
        .status()
        .expect("cargo-mvc runs");
    assert!(
        status.success(),
        "{} mvc {args:?} failed in {}",
        bin.display(),
        dir.display()
    );
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

/// A project made by `bin`'s own `new` under `root/dir`.
fn project(bin: &Path, root: &Path, dir: &str) -> PathBuf {
    let parent = root.join(dir);
    std::fs::create_dir(&parent).expect("a directory for the project");
    cargo_mvc(
        bin,
        &parent,
        &["new", "bench", "--skip-install", "--skip-git"],
    );
    parent.join("bench")
}

/// Times `generate controller users index show` in `project`, then undoes it
/// (untimed).
fn generate(bin: &Path, project: &Path) -> Duration {
    let started = Instant::now();
    cargo_mvc(
        bin,
        project,
        &["generate", "controller", "users", "index", "show"],
    );
    let elapsed = started.elapsed();
    cargo_mvc(bin, project, &["destroy", "controller", "users"]);
    elapsed
}

const SIZES: [usize; 3] = [10, 100, 1000];

fn main() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let current = Path::new(CURRENT);
    let Some(base) = bench::baseline() else {
        let runs = bench::env_count("MVC_BENCH_RUNS", 30);
        let project = project(current, root.path(), "current");
        println!("cargo mvc generate controller users index show, {runs} runs each");
        let mut medians = Vec::new();
        for n in SIZES {
            std::fs::write(project.join("src/app/router.rs"), router(n)).expect("router written");
            let times = bench::sorted((0..runs).map(|_| generate(current, &project)).collect());
            let median = bench::median(&times);
            println!(
                "{n:>5} routes: median {:.2} ms, min {:.2} ms, p90 {:.2} ms",
                bench::ms(median),
                bench::ms(times[0]),
                bench::ms(bench::p90(&times))
            );
            medians.push((n, median));
        }
        growth("", &medians);
        return;
    };
    let (rounds, runs) = bench::rounds_and_runs();
    let base_project = project(&base, root.path(), "base");
    let current_project = project(current, root.path(), "current");
    println!(
        "cargo mvc generate controller users index show, {rounds} rounds x {runs} runs of each binary, alternating"
    );
    bench::describe(&base);
    let mut base_medians = Vec::new();
    let mut current_medians = Vec::new();
    for n in SIZES {
        for project in [&base_project, &current_project] {
            std::fs::write(project.join("src/app/router.rs"), router(n)).expect("router written");
        }
        let compared = bench::compare(&base, rounds, runs, |bin| {
            let project = if bin == current {
                &current_project
            } else {
                &base_project
            };
            generate(bin, project)
        });
        for project in [&base_project, &current_project] {
            let after =
                std::fs::read_to_string(project.join("src/app/router.rs")).expect("router read");
            assert!(
                after == router(n),
                "destroy did not give back the routes table in {}",
                project.display()
            );
        }
        println!("{n:>5} routes: {compared}");
        base_medians.push((n, bench::median(&compared.base)));
        current_medians.push((n, bench::median(&compared.current)));
    }
    growth("base: ", &base_medians);
    growth("current: ", &current_medians);
}

/// How the median grows from the smallest table to each larger one.
fn growth(who: &str, medians: &[(usize, Duration)]) {
    let (n0, t0) = medians[0];
    for &(n, t) in &medians[1..] {
        println!(
            "{who}{n0} -> {n} routes ({}x): time x{:.2}",
            n / n0,
            t.as_secs_f64() / t0.as_secs_f64()
        );
    }
}
