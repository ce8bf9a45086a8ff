//! How long `cargo mvc new` takes (without `git init` and `cargo fetch`):
//! the median of many runs of the release binary, each into a fresh
//! directory. Run with `cargo bench --bench new`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 50;

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
    println!("cargo mvc new <dir> --skip-install --skip-git, {RUNS} runs each");
    for (label, extra) in variants {
        let mut times = Vec::with_capacity(RUNS);
        for i in 0..RUNS {
            let name = format!("demo{i}-{}", label.len());
            let started = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_cargo-mvc"))
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
            times.push(started.elapsed());
            assert!(status.success());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{label:>16}: median {:.2} ms, min {:.2} ms, p90 {:.2} ms, max {:.2} ms",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS * 9 / 10]),
            ms(times[RUNS - 1]),
        );
    }
}
