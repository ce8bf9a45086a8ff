//! Entry point of `cargo mvc`: parse the command line, run it, report errors.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod edit;
mod engine;
mod fs;
mod generate;
mod names;
mod plan;
mod project;
mod routes;
mod serve;
mod shell;

fn main() -> ExitCode {
    let cli::Cargo::Mvc(args) = cli::Cargo::parse();
    let shell = shell::Shell::new(args.global.quiet, args.global.verbose, args.global.color);
    match cli::run(args, &shell) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            shell.error(&err);
            ExitCode::FAILURE
        }
    }
}
