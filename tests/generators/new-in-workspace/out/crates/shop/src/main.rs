//! The `shop` binary: everything lives in the library; see `cli.rs`.

fn main() -> std::process::ExitCode {
    shop::cli::run()
}
