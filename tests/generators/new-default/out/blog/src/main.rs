//! The `blog` binary: everything lives in the library; see `cli.rs`.

fn main() -> std::process::ExitCode {
    blog::cli::run()
}
