//! Timing the base and the current binary in alternating rounds, shared
//! by the `new` and `generate` benchmarks.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::CURRENT;

/// The binary named by `MVC_BENCH_BASELINE`, if any.
pub fn baseline() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("MVC_BENCH_BASELINE")?);
    assert!(
        path.is_file(),
        "MVC_BENCH_BASELINE={} is not a file",
        path.display()
    );
    Some(path)
}

/// A positive count from the environment, or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => match value.parse() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name}={value} is not a positive number"),
        },
        Err(_) => default,
    }
}

/// `MVC_BENCH_ROUNDS` (default 10) and `MVC_BENCH_RUNS` (default 10 a
/// round) when comparing with a baseline.
pub fn rounds_and_runs() -> (usize, usize) {
    (
        env_count("MVC_BENCH_ROUNDS", 10),
        env_count("MVC_BENCH_RUNS", 10),
    )
}

pub fn describe(base: &Path) {
    println!("base: {}", base.display());
    println!("current: {CURRENT}");
}

pub fn sorted(mut times: Vec<Duration>) -> Vec<Duration> {
    times.sort();
    times
}

/// The median of sorted times (the upper one of an even count).
pub fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

pub fn p90(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() * 9 / 10]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The figures of one measurement on both binaries.
#[derive(Debug)]
pub struct Compared {
    pub base: Vec<Duration>,
    pub current: Vec<Duration>,
    /// current/base of each round's medians.
    pub round_ratios: Vec<f64>,
}

impl Compared {
    /// current/base of the medians over every run.
    pub fn ratio(&self) -> f64 {
        median(&self.current).as_secs_f64() / median(&self.base).as_secs_f64()
    }
}

impl fmt::Display for Compared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rounds = self.round_ratios.clone();
        rounds.sort_by(f64::total_cmp);
        let (lowest, highest) = (rounds[0], rounds[rounds.len() - 1]);
        let middle = rounds[rounds.len() / 2];
        write!(
            f,
            "base median {:.2} ms (p90 {:.2}), current median {:.2} ms (p90 {:.2}), \
             current/base {:.3} (rounds {lowest:.2}-{highest:.2}, median {middle:.2})",
            ms(median(&self.base)),
            ms(p90(&self.base)),
            ms(median(&self.current)),
            ms(p90(&self.current)),
            self.ratio(),
        )
    }
}

/// Runs `measure` on each binary once untimed (to warm the page cache),
/// then `rounds` rounds of `runs` timed runs of each, one of each binary
/// in turn, whichever went second going first next time (so a slow spell
/// of the machine falls on both alike).
pub fn compare(
    base: &Path,
    rounds: usize,
    runs: usize,
    mut measure: impl FnMut(&Path) -> Duration,
) -> Compared {
    let current = Path::new(CURRENT);
    measure(base);
    measure(current);
    let mut compared = Compared {
        base: Vec::new(),
        current: Vec::new(),
        round_ratios: Vec::new(),
    };
    for round in 0..rounds {
        let mut base_round = Vec::with_capacity(runs);
        let mut current_round = Vec::with_capacity(runs);
        for run in 0..runs {
            if (round + run) % 2 == 0 {
                base_round.push(measure(base));
                current_round.push(measure(current));
            } else {
                current_round.push(measure(current));
                base_round.push(measure(base));
            }
        }
        let base_round = sorted(base_round);
        let current_round = sorted(current_round);
        compared
            .round_ratios
            .push(median(&current_round).as_secs_f64() / median(&base_round).as_secs_f64());
        compared.base.extend(base_round);
        compared.current.extend(current_round);
    }
    compared.base.sort();
    compared.current.sort();
    compared
}
