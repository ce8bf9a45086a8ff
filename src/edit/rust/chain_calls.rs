//! Rewriting the arguments of the chain of one method's calls that ends a
//! function, such as the `.merge_from(..)` calls of the OpenAPI document.

use std::path::Path;

use syn::spanned::Spanned;
use syn::{Expr, Item};

use super::layout::call_chain;
use super::source::{EditError, Edited, Source, Splice, parse};

/// Rewrites the argument list of the `.method(..)` calls that end the chain
/// `function` returns, e.g. the `.merge_from(..)` calls of the OpenAPI
/// document: `update` gets the arguments as written and changes them. The
/// chain is laid out again as rustfmt would. `None` when nothing changes.
pub fn edit_chain_calls(
    file: &Path,
    text: &str,
    function: &str,
    method: &str,
    update: &dyn Fn(&mut Vec<String>),
) -> Result<Edited, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, "")?;
    let not_found = || EditError::NotFound {
        file: file.display().to_string(),
        message: format!("`fn {function}` does not end in a chain of `.{method}(..)` calls"),
        snippet: String::new(),
    };
    let tail = parsed
        .items
        .iter()
        .find_map(|item| match item {
            Item::Fn(f) if f.sig.ident == function => f.block.stmts.last(),
            _ => None,
        })
        .and_then(|stmt| match stmt {
            syn::Stmt::Expr(expr, None) => Some(expr),
            _ => None,
        })
        .ok_or_else(not_found)?;
    let mut calls = Vec::new();
    let mut cur = tail;
    while let Expr::MethodCall(m) = cur {
        if m.method != method || m.args.len() != 1 {
            return Err(not_found());
        }
        let arg = &m.args[0];
        let start = source.offset(arg.span().start());
        let end = source.offset(arg.span().end());
        calls.push((
            text[start..end].to_string(),
            source.offset(m.paren_token.span.close().end()),
        ));
        cur = &m.receiver;
    }
    calls.reverse();
    let root_start = source.offset(cur.span().start());
    let root_end = source.offset(cur.span().end());
    let end = calls.last().map_or(root_end, |(_, end)| *end);
    let before: Vec<String> = calls.into_iter().map(|(arg, _)| arg).collect();
    let mut after = before.clone();
    update(&mut after);
    let same = |a: &[String], b: &[String]| {
        let norm = |v: &[String]| {
            v.iter()
                .map(|x| x.replace(char::is_whitespace, ""))
                .collect::<Vec<_>>()
        };
        norm(a) == norm(b)
    };
    if same(&before, &after) {
        return Ok(None);
    }
    let laid_out = call_chain(&source, root_start..root_end, method, &after);
    let out = source.apply([Splice::replace(root_start..end, laid_out.as_str())]);
    syn::parse_file(&out).map_err(|_| EditError::Unverified {
        file: file.display().to_string(),
        snippet: laid_out,
    })?;
    Ok(Some(out))
}
