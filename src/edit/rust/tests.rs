//! Golden fixtures and properties of the router edits.
//!
//! Each `fixtures/router/<case>/before.rs` gets `GET|POST /api/users`; the
//! result must equal `after.rs` (or, for a file that cannot be edited, the
//! error must equal `error.txt`). Then: a second run changes nothing, the
//! result parses, the edit only adds text, and removing the routes gives back `before.rs`
//! byte for byte. Refresh the goldens after an intended change with
//! `MVC_BLESS=1 cargo test --bin cargo-mvc fixtures`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::layout::one_line_again;
use super::table::all_chains;
use super::*;
use crate::edit::graph::{self, Standing, list_routes};

fn users_routes() -> Vec<MethodRoute> {
    vec![
        MethodRoute::new("get", "users::index"),
        MethodRoute::new("post", "users::create"),
    ]
}

fn is_users(handler: &str) -> bool {
    handler.starts_with("users::")
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/router");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("before.rs").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Checks one golden, or writes it when blessing.
fn golden(path: &Path, actual: &str) {
    if std::env::var_os("MVC_BLESS").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing; bless the fixtures", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

#[test]
fn fixtures() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 10, "the fixtures are found");
    for dir in dirs {
        let name = Path::new("src/app/router.rs");
        let before = std::fs::read_to_string(dir.join("before.rs")).unwrap();
        let result = insert_route(name, &before, "routes", "/api/users", &users_routes());
        let after = match result {
            Err(e) => {
                golden(&dir.join("error.txt"), &format!("{e}\n"));
                continue;
            }
            Ok(edited) => edited.expect("the route is new"),
        };
        golden(&dir.join("after.rs"), &after);
        let case = dir.display();

        // A second run finds every method and changes nothing.
        let again = insert_route(name, &after, "routes", "/api/users", &users_routes()).unwrap();
        assert_eq!(again, None, "{case}: second run");
        // The result parses.
        syn::parse_file(&after).unwrap_or_else(|e| panic!("{case}: {e}"));
        // Only text was added: not a byte of the original is changed.
        let diff = similar::TextDiff::from_chars(&before, &after);
        let removed = diff.ops().iter().any(|op| {
            matches!(
                op.tag(),
                similar::DiffTag::Delete | similar::DiffTag::Replace
            )
        });
        assert!(!removed, "{case}: the edit touches only what it adds");
        // Removing the routes gives back the original bytes.
        let restored = remove_routes(name, &after, "routes", &is_users).unwrap();
        assert_eq!(
            restored.as_deref(),
            Some(before.as_str()),
            "{case}: destroy"
        );
    }
}

/// The corpus of router shapes found in real applications: each
/// `fixtures/routers/<case>/before.rs` gets the route its `case.toml`
/// names, with the outcome it expects: `accept` (the result must equal
/// `after.rs`, and pass the same checks as the goldens above), `refuse`
/// (the message must equal `error.txt`), `identical` or `conflict` (found in
/// the routes graph before any edit).
#[test]
fn corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/routers");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "the corpus is found");
    for dir in dirs {
        let case_name = dir.file_name().unwrap().to_string_lossy().to_string();
        let case: toml_edit::DocumentMut = std::fs::read_to_string(dir.join("case.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let get = |k: &str| {
            case.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let (method, path, handler) = (get("method"), get("path"), get("handler"));
        let clean = case.get("rustfmt_clean").and_then(|v| v.as_bool()) == Some(true);
        let file = PathBuf::from(format!("fixtures/routers/{case_name}/before.rs"));
        let before = std::fs::read_to_string(dir.join("before.rs")).unwrap();
        let served = list_routes(&file, &before, "routes", &|_, _| None)
            .unwrap_or_else(|e| panic!("{case_name}: {e}"));
        let standing = graph::standing(&served, &method, &path, &[&handler]);
        let groups = vec![RouteGroup {
            path: path.clone(),
            methods: vec![MethodRoute::new(&method, &handler)],
        }];
        match get("expect").as_str() {
            "identical" => assert_eq!(standing, Standing::Identical, "{case_name}"),
            "conflict" => assert!(
                matches!(standing, Standing::Clash(_)),
                "{case_name}: {standing:?} in {served:#?}"
            ),
            "refuse" => {
                assert_eq!(standing, Standing::New, "{case_name}");
                let err = insert_routes(&file, &before, "routes", &groups)
                    .expect_err(&case_name)
                    .to_string();
                assert!(err.contains("nothing was written"), "{case_name}: {err}");
                assert!(err.contains(".route("), "{case_name}: the snippet: {err}");
                assert!(
                    err.contains(&get("reason")),
                    "{case_name}: the reason: {err}"
                );
                golden(&dir.join("error.txt"), &format!("{err}\n"));
            }
            "accept" => {
                assert_eq!(standing, Standing::New, "{case_name}");
                let after = insert_routes(&file, &before, "routes", &groups)
                    .unwrap_or_else(|e| panic!("{case_name}: {e}"))
                    .expect("the route is new");
                golden(&dir.join("after.rs"), &after);
                check_edit(&case_name, &before, &after, clean, |text| {
                    insert_routes(&file, text, "routes", &groups).unwrap()
                });
                let restored = remove_routes(&file, &after, "routes", &|h| h == handler).unwrap();
                assert_eq!(
                    restored.as_deref(),
                    Some(before.as_str()),
                    "{case_name}: destroy"
                );
                let listed = list_routes(&file, &after, "routes", &|_, _| None).unwrap();
                assert!(
                    listed.iter().any(|r| r.handler == handler),
                    "{case_name}: listed"
                );
            }
            other => panic!("{case_name}: unknown expectation {other:?}"),
        }
    }
}

/// An accepted edit parses, only adds text, stays rustfmt-clean if it was,
/// and a second run changes nothing.
fn check_edit(
    case: &str,
    before: &str,
    after: &str,
    rustfmt_clean: bool,
    again: impl Fn(&str) -> Edited,
) {
    syn::parse_file(after).unwrap_or_else(|e| panic!("{case}: {e}"));
    let diff = similar::TextDiff::from_chars(before, after);
    let removed = diff.ops().iter().any(|op| {
        matches!(
            op.tag(),
            similar::DiffTag::Delete | similar::DiffTag::Replace
        )
    });
    assert!(!removed, "{case}: the edit touches only what it adds");
    assert_eq!(again(after), None, "{case}: second run");
    // rustfmt prints to stdout with `\n`; the file's own line endings are
    // checked by the goldens.
    let lf = after.replace("\r\n", "\n");
    if rustfmt_clean && let Some(formatted) = rustfmt(&lf) {
        assert_eq!(formatted, lf, "{case}: no longer rustfmt-clean");
    }
}

/// `text` as rustfmt prints it, or `None` without rustfmt.
fn rustfmt(text: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "rustfmt fails on the edited file");
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn routes_are_listed_through_nest_and_merge() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/router/nest_merge");
    let text = std::fs::read_to_string(dir.join("before.rs")).unwrap();
    let routes = list_routes(Path::new("router.rs"), &text, "routes", &|_, _| None).unwrap();
    let listed: Vec<String> = routes
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.handler))
        .collect();
    assert_eq!(
        listed,
        [
            "GET /api/health health::show",
            "GET /api/admin/stats health::show",
            "GET /api/ready ready::show",
            "ANY /* health::show"
        ]
    );
}

#[test]
fn mod_lines_keep_a_sorted_list_sorted() {
    let file = Path::new("mod.rs");
    let sorted = "//! Controllers.\n\npub mod health;\npub mod ready;\n";
    let out = insert_mod(file, sorted, "posts", "pub mod")
        .unwrap()
        .unwrap();
    assert_eq!(
        out,
        "//! Controllers.\n\npub mod health;\npub mod posts;\npub mod ready;\n"
    );
    assert_eq!(
        remove_mod(file, &out, "posts").unwrap().as_deref(),
        Some(sorted)
    );

    let unsorted = "pub mod zebra;\npub mod apple;\n";
    let out = insert_mod(file, unsorted, "mango", "pub mod")
        .unwrap()
        .unwrap();
    assert_eq!(out, "pub mod zebra;\npub mod apple;\npub mod mango;\n");

    let empty = "//! Models.\n";
    let out = insert_mod(file, empty, "post", "pub mod").unwrap().unwrap();
    assert_eq!(out, "//! Models.\n\npub mod post;\n");
    assert_eq!(
        remove_mod(file, &out, "post").unwrap().as_deref(),
        Some(empty)
    );
    assert_eq!(insert_mod(file, &out, "post", "pub mod").unwrap(), None);
}

/// One call of a generated router: a route or a comment, in a given style.
#[derive(Debug, Clone)]
enum Piece {
    Route {
        path: usize,
        methods: Vec<&'static str>,
    },
    LineComment,
    BlockComment,
    Blank,
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => (0usize..50, proptest::sample::subsequence(vec!["get", "post", "put", "delete"], 1..=3))
            .prop_map(|(path, methods)| Piece::Route { path, methods }),
        1 => Just(Piece::LineComment),
        1 => Just(Piece::BlockComment),
        1 => Just(Piece::Blank),
    ]
}

/// Renders a router with the pieces, indentation, line ending and an
/// optional trailing `.layer(..)`.
fn render(
    pieces: &[Piece],
    indent: &str,
    eol: &str,
    layer: bool,
    trailing_comment: bool,
) -> String {
    let mut out = format!(
        "use axum::Router;{eol}use axum::routing::*;{eol}{eol}pub fn routes() -> Router {{{eol}"
    );
    out.push_str(&format!("{indent}Router::new()"));
    let mut seen = std::collections::HashSet::new();
    for piece in pieces {
        match piece {
            Piece::Route { path, methods } => {
                if !seen.insert(*path) {
                    continue;
                }
                let chain: Vec<String> = methods
                    .iter()
                    .map(|m| format!("{m}(h::p{path}_{m})"))
                    .collect();
                out.push_str(&format!(
                    "{eol}{indent}{indent}.route(\"/api/p{path}\", {})",
                    chain.join(".")
                ));
                if trailing_comment {
                    out.push_str(" // note");
                }
            }
            Piece::LineComment => out.push_str(&format!("{eol}{indent}{indent}// a comment")),
            Piece::BlockComment => out.push_str(&format!("{eol}{indent}{indent}/* a block */")),
            Piece::Blank => out.push_str(eol),
        }
    }
    if layer {
        out.push_str(&format!(
            "{eol}{indent}{indent}.layer(tower::layer::util::Identity::new())"
        ));
    }
    out.push_str(&format!("{eol}}}{eol}"));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn insert_then_remove_is_the_identity(
        pieces in proptest::collection::vec(piece(), 0..12),
        indent in prop_oneof![Just("    "), Just("  "), Just("\t")],
        eol in prop_oneof![Just("\n"), Just("\r\n")],
        layer: bool,
        trailing_comment: bool,
    ) {
        let before = render(&pieces, indent, eol, layer, trailing_comment);
        prop_assume!(syn::parse_file(&before).is_ok());
        // A chain short enough for one line but laid out on several is
        // not how rustfmt leaves it, and destroy gives it back on one line.
        let short_vertical = {
            let parsed = syn::parse_file(&before).unwrap();
            let source = Source::new(&before);
            all_chains(&source, &parsed, "routes")
                .iter()
                .any(|c| !one_line_again(&source, c).is_empty())
        };
        prop_assume!(!short_vertical);
        let file = Path::new("router.rs");
        let after = insert_route(file, &before, "routes", "/api/users", &users_routes())
            .unwrap()
            .expect("the path is new");
        // The result parses and holds the routes, in the file's line endings.
        prop_assert!(syn::parse_file(&after).is_ok());
        if eol == "\r\n" {
            prop_assert!(!after.replace("\r\n", "").contains('\n'));
        }
        let listed = list_routes(file, &after, "routes", &|_, _| None).unwrap();
        prop_assert!(listed.iter().any(|r| r.path == "/api/users" && r.method == "POST"));
        // Only text was added.
        let diff = similar::TextDiff::from_chars(&before, &after);
        prop_assert!(diff.ops().iter().all(|op| matches!(op.tag(), similar::DiffTag::Equal | similar::DiffTag::Insert)));
        // A second run changes nothing; removing gives back every byte.
        prop_assert_eq!(insert_route(file, &after, "routes", "/api/users", &users_routes()).unwrap(), None);
        let restored = remove_routes(file, &after, "routes", &is_users).unwrap();
        prop_assert_eq!(restored.as_deref(), Some(before.as_str()));
    }
}

/// Merges are laid out as rustfmt lays them: a root with one call stays on
/// its line while the line fits; two calls or more break past the chain
/// width. Taking the merges out again gives back the file.
#[test]
fn merged_documents_are_laid_out_as_rustfmt_does() {
    let file = Path::new("src/app/openapi.rs");
    let before = "pub fn document() -> OpenApi {\n    ApiDoc::openapi()\n}\n";
    let add = |text: &str, doc: &'static str| {
        edit_chain_calls(file, text, "document", "merge_from", &|m: &mut Vec<
            String,
        >| {
            m.push(doc.to_string());
        })
        .unwrap()
        .unwrap()
    };
    let one = add(before, "authentication::ApiDoc::openapi()");
    assert_eq!(
        one,
        "pub fn document() -> OpenApi {\n    ApiDoc::openapi().merge_from(authentication::ApiDoc::openapi())\n}\n"
    );
    let two = add(&one, "posts::ApiDoc::openapi()");
    assert_eq!(
        two,
        "pub fn document() -> OpenApi {\n    ApiDoc::openapi()\n        .merge_from(authentication::ApiDoc::openapi())\n        .merge_from(posts::ApiDoc::openapi())\n}\n"
    );
    let back = edit_chain_calls(file, &one, "document", "merge_from", &|m: &mut Vec<
        String,
    >| {
        m.clear();
    })
    .unwrap()
    .unwrap();
    assert_eq!(back, before);
}
