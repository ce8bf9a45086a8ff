//! Entry point of `cargo mvc`: parse the command line, run it, report errors.

use std::process::ExitCode;

/// The version of what the templates generate: a whole number that goes up
/// whenever a generated file's content does, independently of the tool's
/// version. Projects record it (`cargo-mvc.toml`), `--version` prints it and
/// CHANGELOG.md names it with every release, for `update` to read.
macro_rules! templates_version {
    () => {
        2
    };
}

mod cli;
mod edit;
mod engine;
mod errors;
mod fs;
mod generate;
mod layout;
mod names;
mod plan;
mod project;
mod reflow;
mod routes;
mod serve;
mod shell;
mod update;
mod versions;

fn main() -> ExitCode {
    // A shell asking for completions (see `cargo mvc completions`): answered
    // from the command line as it is here, the project's generators included.
    clap_complete::CompleteEnv::with_factory(cli::command)
        .bin("cargo")
        .completer("cargo-mvc")
        .complete();
    let parsed = cli::parse();
    let shell = shell::Shell::new(
        parsed.global.quiet,
        parsed.global.verbose,
        parsed.global.color,
    );
    match cli::run(parsed, &shell) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            shell.error(&err);
            // Files were written with conflict markers: a status of its own,
            // so that scripts notice.
            if err.downcast_ref::<update::Conflicted>().is_some() {
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}
