//! Insertions into the items of a user's Rust file: a field into a struct or
//! a struct expression, a variant into an enum, an arm into a match, a
//! statement into a function. syn finds the braces; the snippet is indented
//! like its neighbours and spliced in, and every other byte stays.

use std::path::Path;

use proc_macro2::{LineColumn, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr, ExprMatch, ExprStruct, ImplItem, Item, Pat, Stmt};

use super::rust::{EditError, Edited, Source};

/// Where a snippet goes.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    /// After the last field of `struct NAME`.
    StructFields(&'a str),
    /// After the last variant of `enum NAME`.
    EnumVariants(&'a str),
    /// After the last field of the first `PATH { .. }` expression in the
    /// function (before a `..rest`).
    StructLiteral { function: &'a str, path: &'a str },
    /// After the last arm of the first `match` in the function.
    MatchArms(&'a str),
    /// Before the first statement of the function.
    FnStart(&'a str),
    /// After the statement `let BINDING = ...;` of the function.
    AfterLet { function: &'a str, binding: &'a str },
}

impl<'a> Place<'a> {
    /// The place a generator manifest's `insert` step names: `struct NAME`,
    /// `enum NAME`, `match in fn NAME`, `fn NAME`, `PATH { .. } in fn NAME`.
    pub fn parse(into: &'a str) -> Option<Self> {
        let into = into.trim();
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit())
        };
        if let Some(name) = into.strip_prefix("struct ") {
            return ident(name.trim()).then(|| Place::StructFields(name.trim()));
        }
        if let Some(name) = into.strip_prefix("enum ") {
            return ident(name.trim()).then(|| Place::EnumVariants(name.trim()));
        }
        if let Some(name) = into.strip_prefix("match in fn ") {
            return ident(name.trim()).then(|| Place::MatchArms(name.trim()));
        }
        if let Some(name) = into.strip_prefix("fn ") {
            return ident(name.trim()).then(|| Place::FnStart(name.trim()));
        }
        if let Some((path, function)) = into.split_once("{ .. } in fn ") {
            let path = path.trim();
            let ok = path.split("::").all(ident);
            return (ok && ident(function.trim())).then(|| Place::StructLiteral {
                function: function.trim(),
                path,
            });
        }
        None
    }

    fn describe(&self) -> String {
        match self {
            Place::StructFields(n) => format!("struct `{n}`"),
            Place::EnumVariants(n) => format!("enum `{n}`"),
            Place::StructLiteral { function, path } => {
                format!("a `{path} {{ .. }}` expression in fn `{function}`")
            }
            Place::MatchArms(f) => format!("a `match` in fn `{f}`"),
            Place::FnStart(f) => format!("fn `{f}`"),
            Place::AfterLet { function, binding } => {
                format!("`let {binding} = ..;` in fn `{function}`")
            }
        }
    }
}

/// Tokens without spacing, to compare code whatever its layout.
fn flat(tokens: TokenStream) -> String {
    tokens.to_string().split_whitespace().collect()
}

/// The name a field, variant or field initialiser snippet declares: its
/// first identifier after attributes and `pub`.
fn leading_ident(snippet: &str) -> Option<String> {
    let tokens: TokenStream = snippet.parse().ok()?;
    let mut skip_group = false;
    for tt in tokens {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '#' => skip_group = true,
            TokenTree::Group(_) if skip_group => skip_group = false,
            TokenTree::Group(_) => {}
            TokenTree::Ident(i) if i == "pub" => {}
            TokenTree::Ident(i) => return Some(i.to_string()),
            _ => {}
        }
    }
    None
}

/// What the target looks like once found.
struct Target {
    /// Offset of the opening and closing brace.
    open: usize,
    close: usize,
    /// The text between the braces already holds the snippet.
    present: bool,
    /// Where to insert: before `close` (`None`), or at this offset's line.
    before_line_of: Option<usize>,
    after_line_of: Option<usize>,
    /// End of the last element, and whether a comma must follow it.
    comma_after: Option<usize>,
}

fn find_fn<'f>(file: &'f syn::File, name: &str) -> Option<&'f Block> {
    for item in &file.items {
        match item {
            Item::Fn(f) if f.sig.ident == name => return Some(&f.block),
            Item::Impl(imp) => {
                for it in &imp.items {
                    if let ImplItem::Fn(f) = it
                        && f.sig.ident == name
                    {
                        return Some(&f.block);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Default)]
struct FirstIn<'a> {
    path: Option<String>,
    literal: Option<&'a ExprStruct>,
    matched: Option<&'a ExprMatch>,
}

impl<'a> Visit<'a> for FirstIn<'a> {
    fn visit_expr_struct(&mut self, e: &'a ExprStruct) {
        let path: Vec<String> = e
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if self.literal.is_none() && self.path.as_deref() == Some(path.join("::").as_str()) {
            self.literal = Some(e);
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_expr_match(&mut self, e: &'a ExprMatch) {
        if self.matched.is_none() {
            self.matched = Some(e);
        }
        syn::visit::visit_expr_match(self, e);
    }
}

fn locate(lines: &Source, file: &syn::File, place: Place, snippet: &str) -> Option<Target> {
    let want = snippet.parse::<TokenStream>().map(flat).unwrap_or_default();
    let key = leading_ident(snippet);
    let off = |lc: LineColumn| lines.offset(lc);
    match place {
        Place::StructFields(name) => {
            let s = file.items.iter().find_map(|i| match i {
                Item::Struct(s) if s.ident == name => Some(s),
                _ => None,
            })?;
            let syn::Fields::Named(named) = &s.fields else {
                return None;
            };
            let present = named
                .named
                .iter()
                .any(|f| f.ident.as_ref().map(|i| i.to_string()) == key);
            let last = named.named.iter().last().map(|f| off(f.span().end()));
            Some(Target {
                open: off(named.brace_token.span.open().start()),
                close: off(named.brace_token.span.close().start()),
                present,
                before_line_of: None,
                after_line_of: None,
                comma_after: last.filter(|_| !named.named.trailing_punct()),
            })
        }
        Place::EnumVariants(name) => {
            let e = file.items.iter().find_map(|i| match i {
                Item::Enum(e) if e.ident == name => Some(e),
                _ => None,
            })?;
            let present = e.variants.iter().any(|v| Some(v.ident.to_string()) == key);
            let last = e.variants.iter().last().map(|v| off(v.span().end()));
            Some(Target {
                open: off(e.brace_token.span.open().start()),
                close: off(e.brace_token.span.close().start()),
                present,
                before_line_of: None,
                after_line_of: None,
                comma_after: last.filter(|_| !e.variants.trailing_punct()),
            })
        }
        Place::StructLiteral { function, path } => {
            let body = find_fn(file, function)?;
            let mut v = FirstIn {
                path: Some(path.to_string()),
                ..FirstIn::default()
            };
            v.visit_block(body);
            let lit = v.literal?;
            let present = lit.fields.iter().any(|f| match &f.member {
                syn::Member::Named(i) => Some(i.to_string()) == key,
                syn::Member::Unnamed(_) => false,
            });
            let last = lit.fields.iter().last().map(|f| off(f.span().end()));
            Some(Target {
                open: off(lit.brace_token.span.open().start()),
                close: off(lit.brace_token.span.close().start()),
                present,
                before_line_of: lit.dot2_token.map(|d| off(d.span().start())),
                after_line_of: None,
                comma_after: if lit.dot2_token.is_some() {
                    None
                } else {
                    last.filter(|_| !lit.fields.trailing_punct())
                },
            })
        }
        Place::MatchArms(function) => {
            let body = find_fn(file, function)?;
            let mut v = FirstIn::default();
            v.visit_block(body);
            let m = v.matched?;
            let present = m
                .arms
                .iter()
                .any(|a| flat(quote::quote!(#a)).contains(&want));
            let last = m.arms.last();
            let needs_comma =
                last.is_some_and(|a| a.comma.is_none() && !matches!(&*a.body, Expr::Block(_)));
            Some(Target {
                open: off(m.brace_token.span.open().start()),
                close: off(m.brace_token.span.close().start()),
                present,
                before_line_of: None,
                after_line_of: None,
                comma_after: last.filter(|_| needs_comma).map(|a| off(a.span().end())),
            })
        }
        Place::FnStart(function) => {
            let body = find_fn(file, function)?;
            let present = flat(quote::quote!(#body)).contains(&want);
            Some(Target {
                open: off(body.brace_token.span.open().start()),
                close: off(body.brace_token.span.close().start()),
                present,
                before_line_of: body.stmts.first().map(|s| off(s.span().start())),
                after_line_of: None,
                comma_after: None,
            })
        }
        Place::AfterLet { function, binding } => {
            let body = find_fn(file, function)?;
            let present = flat(quote::quote!(#body)).contains(&want);
            let local = body.stmts.iter().find_map(|s| match s {
                Stmt::Local(l) => {
                    let name = match &l.pat {
                        Pat::Ident(i) => Some(i.ident.to_string()),
                        Pat::Type(t) => match &*t.pat {
                            Pat::Ident(i) => Some(i.ident.to_string()),
                            _ => None,
                        },
                        _ => None,
                    };
                    (name.as_deref() == Some(binding)).then_some(l)
                }
                _ => None,
            })?;
            Some(Target {
                open: off(body.brace_token.span.open().start()),
                close: off(body.brace_token.span.close().start()),
                present,
                before_line_of: None,
                after_line_of: Some(off(local.semi_token.span().end())),
                comma_after: None,
            })
        }
    }
}

/// Inserts `snippet` (unindented, one or more lines) at `place`. `None` when
/// the code is there already.
pub fn insert(file: &Path, text: &str, place: Place, snippet: &str) -> Result<Edited, EditError> {
    let not_found = |message: String| EditError::NotFound {
        file: file.display().to_string(),
        message,
        snippet: snippet.to_string(),
    };
    let parsed = super::rust::parse(file, text, snippet)?;
    let lines = Source::new(text);
    let Some(target) = locate(&lines, &parsed, place, snippet) else {
        return Err(not_found(format!("no {} to add to", place.describe())));
    };
    if target.present {
        return Ok(None);
    }
    let eol = lines.eol();
    let unit = lines.indent_unit();
    let (at, indent) = if let Some(anchor) = target.before_line_of {
        (
            lines.line_bounds(anchor).0,
            lines.indentation_at(anchor).to_string(),
        )
    } else if let Some(anchor) = target.after_line_of {
        (
            lines.next_line_start(anchor),
            lines.indentation_at(anchor).to_string(),
        )
    } else {
        if !lines.starts_line(target.close)
            || lines.line_bounds(target.open).0 == lines.line_bounds(target.close).0
        {
            return Err(not_found(format!(
                "the closing brace of {} is not on a line of its own",
                place.describe()
            )));
        }
        let indent = format!("{}{unit}", lines.indentation_at(target.close));
        (lines.line_bounds(target.close).0, indent)
    };
    let mut block = String::new();
    for line in snippet.lines() {
        if !line.trim().is_empty() {
            block.push_str(&indent);
            block.push_str(line);
        }
        block.push_str(eol);
    }
    let mut out = String::with_capacity(text.len() + block.len() + 1);
    match target.comma_after {
        Some(end) if end <= at => {
            out.push_str(&text[..end]);
            out.push(',');
            out.push_str(&text[end..at]);
        }
        _ => out.push_str(&text[..at]),
    }
    out.push_str(&block);
    out.push_str(&text[at..]);
    if syn::parse_file(&out).is_err() {
        return Err(EditError::Unverified {
            file: file.display().to_string(),
            snippet: snippet.to_string(),
        });
    }
    Ok(Some(out))
}

/// Takes out `snippet` where [`insert`] put it at `place`: the lines that
/// hold it, whatever their indentation. `None` when it is not there; an
/// error when the code is there but shares its lines with other code, which
/// must then be removed by hand.
pub fn remove(file: &Path, text: &str, place: Place, snippet: &str) -> Result<Edited, EditError> {
    let not_found = |message: String| EditError::NotFound {
        file: file.display().to_string(),
        message,
        snippet: snippet.to_string(),
    };
    let parsed = super::rust::parse(file, text, snippet)?;
    let lines = Source::new(text);
    let Some(target) = locate(&lines, &parsed, place, snippet) else {
        return Ok(None);
    };
    if !target.present {
        return Ok(None);
    }
    let wanted: Vec<&str> = snippet
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    // The line starts between the braces.
    let mut starts = Vec::new();
    let mut at = lines.next_line_start(target.open);
    while at < target.close {
        starts.push(at);
        at = lines.next_line_start(at);
        if at == text.len() {
            break;
        }
    }
    let line_text = |start: usize| {
        let (a, b) = lines.line_bounds(start);
        text[a..b].trim()
    };
    for (i, &start) in starts.iter().enumerate() {
        let mut j = i;
        let mut matched = 0;
        while matched < wanted.len() && j < starts.len() {
            let line = line_text(starts[j]);
            if line.is_empty() {
                j += 1;
                continue;
            }
            if line != wanted[matched] {
                break;
            }
            matched += 1;
            j += 1;
        }
        if matched == wanted.len() {
            let end = starts.get(j).copied().unwrap_or(target.close);
            let end = end.min(lines.line_bounds(target.close).0);
            let out = format!("{}{}", &text[..start], &text[end..]);
            if syn::parse_file(&out).is_err() {
                return Err(EditError::Unverified {
                    file: file.display().to_string(),
                    snippet: snippet.to_string(),
                });
            }
            return Ok(Some(out));
        }
    }
    Err(not_found(format!(
        "the code is in {} but not on lines of its own as it was added; remove it by hand",
        place.describe()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert!(matches!(
            Place::parse("struct Settings"),
            Some(Place::StructFields("Settings"))
        ));
        assert!(matches!(
            Place::parse("enum Command"),
            Some(Place::EnumVariants("Command"))
        ));
        assert!(matches!(
            Place::parse("match in fn run"),
            Some(Place::MatchArms("run"))
        ));
        assert!(matches!(
            Place::parse("fn main"),
            Some(Place::FnStart("main"))
        ));
        assert!(matches!(
            Place::parse("Settings { .. } in fn read"),
            Some(Place::StructLiteral {
                function: "read",
                path: "Settings"
            })
        ));
        assert!(Place::parse("impl Foo").is_none());
        assert!(Place::parse("struct a b").is_none());
    }

    fn run(text: &str, place: Place, snippet: &str) -> String {
        let out = insert(Path::new("x.rs"), text, place, snippet)
            .unwrap()
            .expect("inserted");
        assert_eq!(
            insert(Path::new("x.rs"), &out, place, snippet).unwrap(),
            None,
            "a second run changes nothing"
        );
        out
    }

    #[test]
    fn remove_is_the_inverse_of_insert() {
        let text = "struct S {\n    a: u8, // trailing\n}\n\nfn f(x: u8) -> u8 {\n    match x {\n        0 => 1,\n        _ => 2,\n    }\n}\n";
        for (place, snippet) in [
            (Place::StructFields("S"), "/// Doc\npub db: Pool,"),
            (Place::MatchArms("f"), "7 => 8,"),
            (Place::FnStart("f"), "let y = x;"),
        ] {
            let out = run(text, place, snippet);
            let back = remove(Path::new("x.rs"), &out, place, snippet).unwrap();
            assert_eq!(back.as_deref(), Some(text), "{snippet}");
            assert_eq!(
                remove(Path::new("x.rs"), text, place, snippet).unwrap(),
                None
            );
        }
    }

    #[test]
    fn fields_variants_and_arms() {
        let text = "// keep\nstruct S {\n    a: u8, // trailing\n}\n\nenum E {\n    A\n}\n";
        let out = run(text, Place::StructFields("S"), "pub db: Pool,");
        assert_eq!(
            out,
            "// keep\nstruct S {\n    a: u8, // trailing\n    pub db: Pool,\n}\n\nenum E {\n    A\n}\n"
        );
        let out = run(text, Place::EnumVariants("E"), "/// Doc\nB(u8),");
        assert!(
            out.ends_with("enum E {\n    A,\n    /// Doc\n    B(u8),\n}\n"),
            "{out}"
        );

        let text = "fn f(x: u8) -> u8 {\n\tmatch x {\n\t\t0 => {\n\t\t\t1\n\t\t}\n\t}\n}\n";
        let out = run(text, Place::MatchArms("f"), "_ => 2,");
        assert!(out.contains("\t\t}\n\t\t_ => 2,\n\t}"), "{out}");
    }

    #[test]
    fn literals_statements_and_crlf() {
        let text = "impl A {\r\n    fn new(s: S) -> Self {\r\n        let x = 1;\r\n        Self {\r\n            s,\r\n            ..Default::default()\r\n        }\r\n    }\r\n}\r\n";
        let out = run(
            text,
            Place::StructLiteral {
                function: "new",
                path: "Self",
            },
            "db,",
        );
        assert!(
            out.contains("            s,\r\n            db,\r\n            ..Default"),
            "{out}"
        );
        let out = run(&out, Place::FnStart("new"), "let db = pool()?;");
        assert!(
            out.contains("{\r\n        let db = pool()?;\r\n        let x = 1;"),
            "{out}"
        );
        let out = run(
            &out,
            Place::AfterLet {
                function: "new",
                binding: "x",
            },
            "check(x);",
        );
        assert!(out.contains("let x = 1;\r\n        check(x);\r\n"), "{out}");
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn missing_targets_are_errors() {
        let err = insert(
            Path::new("x.rs"),
            "struct T;\n",
            Place::StructFields("S"),
            "a: u8,",
        );
        assert!(err.unwrap_err().to_string().contains("no struct `S`"));
        let err = insert(
            Path::new("x.rs"),
            "struct S { a: u8 }\n",
            Place::StructFields("S"),
            "b: u8,",
        );
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("not on a line of its own")
        );
    }
}
