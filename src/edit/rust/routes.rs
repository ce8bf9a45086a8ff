//! Adding routes to the routes table and taking them out again: where new
//! routes go (after the last route-like call, before the first `.layer`),
//! joining methods to a path routed already, the snippet a user pastes when
//! the file cannot be edited, and the check of the edited file.

use std::path::Path;

use syn::Item;
use syn::spanned::Spanned;

use super::layout::{CHAIN_WIDTH, MAX_WIDTH, flat_route, one_line_again, restated};
use super::source::{EditError, Edited, Source, Splice, parse};
use super::syntax::string_lit;
use super::table::{
    Chain, MethodRoute, ROUTE_CALLS, RouteGroup, STOP_CALLS, all_chains, base_chain, method_calls,
    routes_in,
};
use super::{RouteDef, format_route};

/// Adds the methods of `path` to the router in `function` of `text`; see
/// [`insert_routes`].
#[cfg(test)]
pub fn insert_route(
    file: &Path,
    text: &str,
    function: &str,
    path: &str,
    methods: &[MethodRoute],
) -> Result<Edited, EditError> {
    let group = RouteGroup {
        path: path.to_string(),
        methods: methods.to_vec(),
    };
    insert_routes(file, text, function, &[group])
}

/// Adds routes to the router in `function` of `text`, parsing it once: a
/// new path becomes a `.route` after the last route-like call before the
/// first `.layer`/`.fallback`/`.with_state`; a path routed already gets its
/// other methods joined to that route (axum panics on two `.route`s with
/// one path). `None` when every method is already there.
pub fn insert_routes(
    file: &Path,
    text: &str,
    function: &str,
    groups: &[RouteGroup],
) -> Result<Edited, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, &route_snippet(groups))?;
    // Pasted by hand, the routes must compile in this file too.
    let snippet = route_snippet(&qualified(&parsed, groups));
    let chain = match base_chain(&source, &parsed, function) {
        Ok(Some(chain)) => chain,
        Ok(None) => {
            return Err(EditError::NotFound {
                file: file.display().to_string(),
                message: format!("no function `{function}` returning a `Router::new()` chain"),
                snippet,
            });
        }
        Err(refusal) => {
            return Err(EditError::Refused {
                file: file.display().to_string(),
                line: refusal.at.line,
                column: refusal.at.column + 1,
                function: function.to_string(),
                why: refusal.why,
                snippet,
            });
        }
    };
    let existing = routes_in(&source, &chain);
    let eol = source.eol();
    let unit = source.indent_unit();
    let mut edits: Vec<Splice> = Vec::new();
    let mut added: Vec<(&String, Vec<MethodRoute>)> = Vec::new();
    for RouteGroup { path, methods } in groups {
        let missing: Vec<MethodRoute> = methods
            .iter()
            .filter(|m| {
                !existing
                    .iter()
                    .any(|r| r.path == *path && r.method == m.method)
            })
            .cloned()
            .collect();
        if missing.is_empty() {
            continue;
        }
        let same_path = chain.calls.iter().find(|c| {
            c.name == "route"
                && c.args.len() == 2
                && string_lit(c.args[0]).as_deref() == Some(path.as_str())
        });
        if let Some(call) = same_path {
            // Join the methods to that route's method router: axum takes
            // one `.route` a path in a chain best.
            let end = source.offset(call.args[1].span().end());
            let more: String = missing
                .iter()
                .map(|m| format!(".{}({})", m.method, m.handler))
                .collect();
            let one_line = source.line_bounds(call.dot) == source.line_bounds(end);
            let known = method_calls(&source, call.args[1]);
            let mut all: Vec<MethodRoute> = known
                .iter()
                .map(|m| MethodRoute::new(&m.method, &m.written))
                .collect();
            all.extend(missing);
            let layout = restated(&source, call, path, &all, &unit);
            if one_line && !known.is_empty() && layout.contains('\n') {
                // No longer fits one line: the route as rustfmt lays it out.
                edits.push(Splice::replace(call.dot..call.end, layout));
            } else {
                edits.push(Splice::insert(end, more));
            }
        } else {
            added.push((path, missing));
        }
    }
    if edits.is_empty() && added.is_empty() {
        return Ok(None);
    }
    if !added.is_empty() {
        let added: Vec<(&String, Vec<MethodRoute>)> = added
            .into_iter()
            .map(|(path, methods)| (path, qualify(&parsed, methods)))
            .collect();
        let inline: Vec<String> = added
            .iter()
            .map(|(path, methods)| flat_route(path, methods))
            .collect();
        let width = inline.iter().map(|r| r.chars().count()).sum();
        let anchor = Anchor::find(&source, &chain, &unit, width);
        let appended = match &anchor.indent {
            Some(indent) => {
                let mut text = String::new();
                for (i, (path, methods)) in added.iter().enumerate() {
                    let body = format_route(path, methods, indent, &unit).replace('\n', eol);
                    if i == 0 && anchor.beside_root {
                        text.push_str(&body);
                    } else {
                        text.push_str(&format!("{eol}{indent}{body}"));
                    }
                }
                // The line break of the call after the routes comes after them.
                if anchor.breaks.contains(&anchor.at) {
                    text.push_str(&format!("{eol}{indent}"));
                }
                for &b in anchor.breaks.iter().filter(|b| **b != anchor.at) {
                    edits.push(Splice::insert(b, format!("{eol}{indent}")));
                }
                text
            }
            None => inline.concat(),
        };
        edits.push(Splice::insert(anchor.at, appended));
    }
    let out = source.apply(edits);
    verify(file, &out, function, &snippet, |routes| {
        groups.iter().all(|group| {
            group.methods.iter().all(|m| {
                routes
                    .iter()
                    .any(|r| r.path == group.path && r.method == m.method)
            })
        })
    })?;
    Ok(Some(out))
}

/// Whether `name` can be used unqualified at the top of `file`: an item of
/// that name, a `use` that brings it, or a glob `use` of a module called
/// `glob_of` (`use axum::routing::*`, `use super::controllers::*`).
pub fn in_scope(file: &syn::File, name: &str, glob_of: &str) -> bool {
    fn tree(t: &syn::UseTree, last: Option<&syn::Ident>, name: &str, glob_of: &str) -> bool {
        match t {
            syn::UseTree::Path(p) => tree(&p.tree, Some(&p.ident), name, glob_of),
            syn::UseTree::Name(n) => n.ident == name,
            syn::UseTree::Rename(r) => r.rename == name,
            syn::UseTree::Glob(_) => last.is_some_and(|l| l == glob_of),
            syn::UseTree::Group(g) => g.items.iter().any(|i| tree(i, last, name, glob_of)),
        }
    }
    file.items.iter().any(|item| match item {
        Item::Use(u) => tree(&u.tree, None, name, glob_of),
        Item::Fn(f) => f.sig.ident == name,
        Item::Mod(m) => m.ident == name,
        _ => false,
    })
}

/// `get(..)` needs axum's method routers in scope: in a file that does not
/// import them, the methods are named by their full path.
fn qualify(parsed: &syn::File, methods: Vec<MethodRoute>) -> Vec<MethodRoute> {
    methods
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            // Only the first is a function; `.post(..)` after it is a method.
            if i > 0 || in_scope(parsed, &m.method, "routing") {
                m
            } else {
                MethodRoute::new(format!("axum::routing::{}", m.method), m.handler)
            }
        })
        .collect()
}

fn qualified(parsed: &syn::File, groups: &[RouteGroup]) -> Vec<RouteGroup> {
    groups
        .iter()
        .map(|g| RouteGroup {
            path: g.path.clone(),
            methods: qualify(parsed, g.methods.clone()),
        })
        .collect()
}

/// The routes as a user would paste them into a chain, evenly indented.
pub fn route_snippet(groups: &[RouteGroup]) -> String {
    groups
        .iter()
        .map(|g| format_route(&g.path, &g.methods, "", "    "))
        .flat_map(|route| {
            route
                .lines()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where new routes go: the offset, the indentation when they go on lines
/// of their own (`None`: inline, in a one-line chain that still fits), and
/// the offsets of the calls of a one-line chain that grows too long for one
/// line, which then goes one call a line as rustfmt lays it out.
struct Anchor {
    at: usize,
    indent: Option<String>,
    breaks: Vec<usize>,
    /// The first route goes on the root's line: rustfmt keeps the first
    /// call on the line of a root shorter than an indent (`app.route(..)`).
    beside_root: bool,
}

impl Anchor {
    /// `added` is the length of the routes to add, written inline.
    fn find(source: &Source<'_>, chain: &Chain, unit: &str, added: usize) -> Self {
        let stop = chain
            .calls
            .iter()
            .position(|c| STOP_CALLS.contains(&c.name.as_str()))
            .unwrap_or(chain.calls.len());
        let anchor = chain.calls[..stop]
            .iter()
            .rposition(|c| ROUTE_CALLS.contains(&c.name.as_str()));
        let anchor_end = anchor.map_or(chain.root_end, |i| chain.calls[i].end);
        // A chain laid out one call a line: the new routes get lines of
        // their own, indented as the calls before them.
        let upto = anchor.map_or(0, |i| i + 1);
        let line_start = chain.calls[..upto]
            .iter()
            .rev()
            .chain(chain.calls[upto..].iter())
            .find(|c| source.starts_line(c.dot));
        if let Some(call) = line_start {
            let at = if source.ends_line(anchor_end) {
                // After a comment that ends the anchor's line, not before it.
                source.line_bounds(anchor_end).1
            } else {
                anchor_end
            };
            return Self {
                at,
                indent: Some(source.indentation_at(call.dot).to_string()),
                breaks: Vec::new(),
                beside_root: false,
            };
        }
        // A chain on one line stays so while rustfmt would keep it so.
        let start = source.offset(chain.root.span().start());
        let end = chain.calls.last().map_or(chain.root_end, |c| c.end);
        let (line_start, line_end) = source.line_bounds(start);
        let width = |a: usize, b: usize| source.text[a..b].chars().count();
        // rustfmt keeps a root with one call on a line as long as the line
        // fits; from two calls on, the chain must fit `chain_width` too.
        let fits = |calls: usize, more: usize| {
            (calls < 2 || width(start, end) + more <= CHAIN_WIDTH)
                && width(line_start, line_end) + more <= MAX_WIDTH
        };
        let calls = chain.calls.len();
        // Already longer than rustfmt keeps on a line: the file is laid out
        // by hand, and the route joins the line as the others did.
        if fits(calls + 1, added) || !fits(calls, 0) {
            return Self {
                at: anchor_end,
                indent: None,
                breaks: Vec::new(),
                beside_root: false,
            };
        }
        let short_root = width(start, chain.root_end) <= 4;
        let mut breaks: Vec<usize> = chain.calls.iter().map(|c| c.dot).collect();
        let beside_root = short_root && anchor_end == chain.root_end;
        if short_root && !beside_root {
            breaks.remove(0);
        }
        Self {
            at: anchor_end,
            indent: Some(format!("{}{unit}", source.indentation_at(start))),
            breaks,
            beside_root,
        }
    }
}

/// Removes from the router every method whose handler `is_ours` says was
/// generated: a route left with no method goes with the line break before
/// it (undoing [`insert_routes`]); a route keeping other methods is
/// re-stated with those. `None` when there is nothing to remove.
pub fn remove_routes(
    file: &Path,
    text: &str,
    function: &str,
    is_ours: &dyn Fn(&str) -> bool,
) -> Result<Edited, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, "")?;
    let chains = all_chains(&source, &parsed, function);
    let mut edits: Vec<Splice> = Vec::new();
    // Chains that lost a whole route may fit on one line again.
    let mut shrunk = Vec::new();
    for (index, chain) in chains.iter().enumerate() {
        for call in &chain.calls {
            if call.name != "route" || call.args.len() != 2 {
                continue;
            }
            let methods = method_calls(&source, call.args[1]);
            let ours: Vec<bool> = methods.iter().map(|m| is_ours(&m.handler)).collect();
            if !ours.contains(&true) {
                continue;
            }
            if ours.iter().all(|o| *o) {
                shrunk.push(index);
                // The inverse of the insertion: the route and the line
                // break before it; a comment after it stays on its line.
                let rest = text[call.end..source.line_bounds(call.end).1].trim();
                if source.starts_line(call.dot) && !rest.starts_with("//") {
                    let (line_start, _) = source.line_bounds(call.dot);
                    let eol_len = if text[..line_start].ends_with("\r\n") {
                        2
                    } else {
                        1
                    };
                    edits.push(Splice::remove(line_start - eol_len..call.end));
                } else {
                    edits.push(Splice::remove(call.dot..call.end));
                }
                continue;
            }
            // A route laid out on several lines (as joining ours may have
            // made it) is re-stated with the methods it keeps.
            let spread = source.line_bounds(call.dot) != source.line_bounds(call.end);
            if spread && let Some(path) = string_lit(call.args[0]) {
                let kept: Vec<MethodRoute> = methods
                    .iter()
                    .zip(&ours)
                    .filter(|(_, o)| !**o)
                    .map(|(m, _)| MethodRoute::new(&m.method, &m.written))
                    .collect();
                let unit = source.indent_unit();
                edits.push(Splice::replace(
                    call.dot..call.end,
                    restated(&source, call, &path, &kept, &unit),
                ));
                continue;
            }
            // Take out only the methods that are ours, as they were added.
            let first_kept = ours.iter().position(|o| !o).expect("one is kept");
            if ours[0] {
                // `get(ours).post(theirs)` becomes `post(theirs)`.
                let kept = &methods[first_kept];
                edits.push(Splice::remove(methods[0].start..kept.start + 1));
            }
            for (m, o) in methods.iter().zip(&ours).skip(first_kept) {
                if *o {
                    edits.push(Splice::remove(m.start..m.end));
                }
            }
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let out = source.apply(edits);
    let reparsed = syn::parse_file(&out).map_err(|_| EditError::Unverified {
        file: file.display().to_string(),
        snippet: String::new(),
    })?;
    let after = Source::new(&out);
    let chains = all_chains(&after, &reparsed, function);
    if chains
        .iter()
        .flat_map(|c| routes_in(&after, c))
        .any(|r| is_ours(&r.handler))
    {
        return Err(EditError::Unverified {
            file: file.display().to_string(),
            snippet: String::new(),
        });
    }
    shrunk.dedup();
    let gaps = shrunk
        .into_iter()
        .filter_map(|index| chains.get(index))
        .flat_map(|chain| one_line_again(&after, chain))
        .map(|(a, b)| Splice::remove(a..b));
    Ok(Some(after.apply(gaps)))
}

/// Re-parses an edited file and checks the router reads as intended.
fn verify(
    file: &Path,
    text: &str,
    function: &str,
    snippet: &str,
    ok: impl Fn(&[RouteDef]) -> bool,
) -> Result<(), EditError> {
    let unverified = || EditError::Unverified {
        file: file.display().to_string(),
        snippet: snippet.to_string(),
    };
    let parsed = syn::parse_file(text).map_err(|_| unverified())?;
    let source = Source::new(text);
    let chain = base_chain(&source, &parsed, function)
        .ok()
        .flatten()
        .ok_or_else(unverified)?;
    if ok(&routes_in(&source, &chain)) {
        Ok(())
    } else {
        Err(unverified())
    }
}
