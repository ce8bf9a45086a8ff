//! The `shop-api` binary: everything lives in the library; see `cli.rs`.

fn main() -> std::process::ExitCode {
    shop_api::cli::run()
}
