//! CLI cases in cargo's style: each `tests/cmd/<case>.toml` runs the binary
//! and compares stdout and stderr with the text stored beside it. Refresh
//! them after an intended change with `TRYCMD=overwrite cargo test --test cli`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
