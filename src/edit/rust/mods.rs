//! The `mod name;` lines of a module file: adding one (at its sorted place
//! when the lines are sorted), taking it out again, and listing them.

use std::path::Path;

use syn::Item;
use syn::spanned::Spanned;

use super::source::{EditError, Edited, Source, Splice, parse};

/// Adds `pub mod name;` (`keyword` is `pub mod` or `mod`) to a module file: at the sorted position when the
/// existing `mod` lines are sorted, else after the last one. `None` when the
/// module is already declared.
pub fn insert_mod(file: &Path, text: &str, name: &str, keyword: &str) -> Result<Edited, EditError> {
    let line = format!("{keyword} {name};");
    let source = Source::new(text);
    let parsed = parse(file, text, &line)?;
    let mods = declared_mods(&source, &parsed);
    if mods.iter().any(|(n, _, _)| n == name) {
        return Ok(None);
    }
    let eol = source.eol();
    let sorted = mods.windows(2).all(|w| w[0].0 <= w[1].0);
    let out = if mods.is_empty() {
        // After the module's `//!` docs and `use` lines, or at the end.
        let after = parsed
            .items
            .iter()
            .filter(|i| matches!(i, Item::Use(_)))
            .map(|i| source.offset(i.span().end()))
            .max();
        match after {
            Some(end) => {
                let (_, line_end) = source.line_bounds(end);
                source.apply([Splice::insert(line_end, format!("{eol}{eol}{line}"))])
            }
            None => {
                let mut out = text.to_string();
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push_str(eol);
                }
                if out.lines().any(|l| !l.trim().is_empty())
                    && !out.ends_with(&format!("{eol}{eol}"))
                {
                    out.push_str(eol);
                }
                out.push_str(&line);
                out.push_str(eol);
                out
            }
        }
    } else if let Some(next) = mods.iter().find(|(n, _, _)| sorted && n.as_str() > name) {
        let (line_start, _) = source.line_bounds(next.1);
        let indent = source.indentation_at(next.1);
        source.apply([Splice::insert(line_start, format!("{indent}{line}{eol}"))])
    } else {
        let last = mods.last().expect("not empty");
        let (_, line_end) = source.line_bounds(last.2);
        let indent = source.indentation_at(last.1);
        source.apply([Splice::insert(line_end, format!("{eol}{indent}{line}"))])
    };
    if syn::parse_file(&out).is_err() {
        return Err(EditError::Unverified {
            file: file.display().to_string(),
            snippet: line,
        });
    }
    Ok(Some(out))
}

/// Removes the `mod name;` line [`insert_mod`] added. `None` when absent.
pub fn remove_mod(file: &Path, text: &str, name: &str) -> Result<Edited, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, "")?;
    let mods = declared_mods(&source, &parsed);
    let Some(&(_, start, end)) = mods.iter().find(|(n, _, _)| n == name) else {
        return Ok(None);
    };
    let (line_start, _) = source.line_bounds(start);
    let (_, last_end) = source.line_bounds(end);
    if !text[line_start..start].trim().is_empty() || !text[end..last_end].trim().is_empty() {
        return Ok(Some(source.apply([Splice::remove(start..end)])));
    }
    // The whole line, and its line ending.
    let mut stop = last_end;
    if text[stop..].starts_with("\r\n") {
        stop += 2;
    } else if text[stop..].starts_with('\n') {
        stop += 1;
    }
    // The first declaration was added with a blank line before it: take
    // that line back too.
    let eol = source.eol();
    let start = if mods.len() == 1 && text[..line_start].ends_with(&format!("{eol}{eol}")) {
        line_start - eol.len()
    } else {
        line_start
    };
    let out = source.apply([Splice::remove(start..stop)]);
    Ok(Some(out))
}

/// The names of the `mod name;` declarations of a file.
pub fn declared_mod_names(file: &Path, text: &str) -> Result<Vec<String>, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, "")?;
    Ok(declared_mods(&source, &parsed)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect())
}

/// The `mod name;` declarations of a file: name, start and end offsets.
fn declared_mods(source: &Source<'_>, parsed: &syn::File) -> Vec<(String, usize, usize)> {
    parsed
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Mod(m) if m.content.is_none() => Some((
                m.ident.to_string(),
                source.offset(m.span().start()),
                source.offset(m.span().end()),
            )),
            _ => None,
        })
        .collect()
}

/// The top-level `use` items: `(tokens without spacing, start, end)`.
fn uses(source: &Source, file: &syn::File) -> Vec<(String, usize, usize)> {
    file.items
        .iter()
        .filter_map(|i| match i {
            Item::Use(u) => Some((
                quote::quote!(#u).to_string().split_whitespace().collect(),
                source.offset(u.span().start()),
                source.offset(u.span().end()),
            )),
            _ => None,
        })
        .collect()
}

/// Adds `use PATH;` to a module file: among the last group of `use` lines
/// at its sorted place, or after the module's `//!` docs when it has none.
/// `None` when the same `use` is there.
pub fn insert_use(file: &Path, text: &str, path: &str) -> Result<Edited, EditError> {
    let line = format!("use {path};");
    let want: String = line.split_whitespace().collect();
    let source = Source::new(text);
    let parsed = parse(file, text, &line)?;
    let uses = uses(&source, &parsed);
    if uses.iter().any(|(u, _, _)| *u == want) {
        return Ok(None);
    }
    let eol = source.eol();
    let out = match uses.last() {
        Some(last) => {
            // The last group: the uses after the last blank line between them.
            let mut group_start = uses.len() - 1;
            while group_start > 0 {
                let between = &text[uses[group_start - 1].2..uses[group_start].1];
                if between.matches('\n').count() > 1 {
                    break;
                }
                group_start -= 1;
            }
            match uses[group_start..].iter().find(|(u, _, _)| *u > want) {
                Some(next) => {
                    let (line_start, _) = source.line_bounds(next.1);
                    source.apply([Splice::insert(line_start, format!("{line}{eol}"))])
                }
                None => {
                    let (_, line_end) = source.line_bounds(last.2);
                    source.apply([Splice::insert(line_end, format!("{eol}{line}"))])
                }
            }
        }
        None => match parsed
            .attrs
            .iter()
            .map(|a| source.offset(a.span().end()))
            .max()
        {
            Some(end) => {
                let (_, line_end) = source.line_bounds(end);
                source.apply([Splice::insert(line_end, format!("{eol}{eol}{line}"))])
            }
            None => format!("{line}{eol}{eol}{text}"),
        },
    };
    Ok(Some(out))
}

/// Takes `use PATH;` out of a module file, with the blank line that set it
/// apart when it was alone. `None` when it is not there.
pub fn remove_use(file: &Path, text: &str, path: &str) -> Result<Edited, EditError> {
    let line = format!("use {path};");
    let want: String = line.split_whitespace().collect();
    let source = Source::new(text);
    let parsed = parse(file, text, &line)?;
    let Some((_, start, end)) = uses(&source, &parsed)
        .into_iter()
        .find(|(u, _, _)| *u == want)
    else {
        return Ok(None);
    };
    let (line_start, _) = source.line_bounds(start);
    let next = source.next_line_start(end);
    let before = &text[..line_start];
    let after = &text[next..];
    let blank = |s: &str| s.trim().is_empty();
    // Alone between blank lines (or at the start of the file): one blank
    // line goes with it.
    let out = if before.is_empty() && after.lines().next().is_some_and(blank) {
        after[after.find('\n').map_or(after.len(), |i| i + 1)..].to_string()
    } else if before.ends_with(&format!("{0}{0}", source.eol()))
        && after.lines().next().is_none_or(blank)
    {
        format!("{}{after}", &before[..before.len() - source.eol().len()])
    } else {
        format!("{before}{after}")
    };
    Ok(Some(out))
}

#[cfg(test)]
mod use_tests {
    use super::*;

    fn round_trip(text: &str, path: &str) -> String {
        let file = Path::new("x.rs");
        let out = insert_use(file, text, path).unwrap().expect("inserted");
        assert_eq!(
            insert_use(file, &out, path).unwrap(),
            None,
            "a second run changes nothing"
        );
        let back = remove_use(file, &out, path).unwrap().expect("removed");
        assert_eq!(back, text, "removing gives back every byte");
        assert_eq!(remove_use(file, text, path).unwrap(), None);
        out
    }

    #[test]
    fn use_lines_go_in_sorted_and_come_out_exactly() {
        let text =
            "//! Docs.\n\nuse std::fmt;\n\nuse crate::a::B;\nuse crate::c::D;\n\nfn f() {}\n";
        let out = round_trip(text, "crate::b::C");
        assert!(
            out.contains("use crate::a::B;\nuse crate::b::C;\nuse crate::c::D;\n"),
            "{out}"
        );
        let out = round_trip(text, "crate::z::Z");
        assert!(
            out.contains("use crate::c::D;\nuse crate::z::Z;\n\nfn"),
            "{out}"
        );
        let bare = "//! Docs.\n\nfn f() {}\n";
        let out = round_trip(bare, "crate::a::B");
        assert_eq!(out, "//! Docs.\n\nuse crate::a::B;\n\nfn f() {}\n");
        let nothing = "fn f() {}\n";
        let out = round_trip(nothing, "crate::a::B");
        assert_eq!(out, "use crate::a::B;\n\nfn f() {}\n");
    }
}
