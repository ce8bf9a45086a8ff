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
