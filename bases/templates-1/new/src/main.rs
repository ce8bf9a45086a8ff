//! The `<@ p.name @>` binary: everything lives in the library; see `cli.rs`.

fn main() -> std::process::ExitCode {
    <@ p.crate_name @>::cli::run()
}
