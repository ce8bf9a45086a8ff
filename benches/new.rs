//! How long `cargo mvc new` takes (without `git init` and `cargo fetch`):
//! the median of many runs of the release binary, each into a fresh
//! directory. Run with `cargo bench --bench new`.
//!
//! With `MVC_BENCH_BASELINE=/path/to/cargo-mvc` (another build, e.g. the
//! commit before a change; `scripts/bench-tool` builds one), each variant is
//! measured on both binaries in `MVC_BENCH_ROUNDS` rounds (default 10) of
//! `MVC_BENCH_RUNS` runs of each (default 10), one run of either binary in
//! turn, so that whatever else the machine does slows both alike. It reports
//! each binary's median and p90 over every run, the ratio of the medians
//! (current/base) and its spread across rounds (the lowest, median and
//! highest of the rounds' ratios of medians). Without a baseline,
//! `MVC_BENCH_RUNS` runs (default 50) of the current binary.
//!
//! It reports figures; it never fails on a number.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CURRENT: &str = env!("CARGO_BIN_EXE_cargo-mvc");

/// Timing the base and the current binary in alternating rounds.
mod bench;

fn main() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let variants: [(&str, &[&str]); 2] = [
        ("default options", &[]),
        (
            "every --skip-*",
            &[
                "--skip-redis",
                "--skip-http-client",
                "--skip-openapi",
                "--skip-docker",
                "--skip-helm",
                "--skip-actions",
            ],
        ),
    ];
    let mut made = 0;
    let mut new = |bin: &Path, label: &str, extra: &[&str]| {
        made += 1;
        let name = format!("demo{made}-{}", label.len());
        let started = Instant::now();
        let status = Command::new(bin)
            .args([
                "mvc",
                "new",
                &name,
                "--skip-install",
                "--skip-git",
                "--quiet",
            ])
            .args(extra)
            .current_dir(root.path())
            .status()
            .expect("cargo-mvc runs");
        let elapsed = started.elapsed();
        assert!(status.success(), "{} mvc new {name} failed", bin.display());
        elapsed
    };
    let Some(base) = bench::baseline() else {
        let runs = bench::env_count("MVC_BENCH_RUNS", 50);
        println!("cargo mvc new <dir> --skip-install --skip-git, {runs} runs each");
        for (label, extra) in variants {
            let times: Vec<Duration> = (0..runs)
                .map(|_| new(Path::new(CURRENT), label, extra))
                .collect();
            let times = bench::sorted(times);
            println!(
                "{label:>16}: median {:.2} ms, min {:.2} ms, p90 {:.2} ms, max {:.2} ms",
                bench::ms(bench::median(&times)),
                bench::ms(times[0]),
                bench::ms(bench::p90(&times)),
                bench::ms(times[times.len() - 1]),
            );
        }
        return;
    };
    let (rounds, runs) = bench::rounds_and_runs();
    println!(
        "cargo mvc new <dir> --skip-install --skip-git, {rounds} rounds x {runs} runs of each binary, alternating"
    );
    bench::describe(&base);
    for (label, extra) in variants {
        let compared = bench::compare(&base, rounds, runs, |bin| new(bin, label, extra));
        println!("{label:>16}: {compared}");
    }
}
