//! The Rust files of every shape of new project are rustfmt-clean, whatever
//! the length of the project's name: rustfmt wraps lines by width, so a name
//! that lands inside a long line could otherwise leave a project that fails
//! its own `cargo fmt --check`.

mod common;

use common::{assert_rustfmt_clean, new_project, options_in};

const SHORT: &str = "ab";
const LONG: &str = "inventory-management-service-backend-api";

#[test]
fn every_variant_is_rustfmt_clean() {
    let optional = ["--skip-redis", "--skip-http-client", "--skip-openapi"];
    let root = tempfile::tempdir().unwrap();
    for name in [SHORT, LONG] {
        for database in ["sqlite", "postgres", "none"] {
            for mask in 0..(1u32 << optional.len()) {
                let mut args = options_in(&optional, mask);
                args.extend(["--database", database]);
                let dir = root
                    .path()
                    .join(format!("{}-{database}-{mask}", name.len()));
                std::fs::create_dir(&dir).unwrap();
                let project = new_project(&dir, name, &args);
                assert_rustfmt_clean(&project, &format!("`{name}` with {args:?}"));
            }
        }
    }
}
