//! Edits of Rust files the user owns: syn only finds the place, the new text
//! is spliced in at a byte offset, and every other byte (comments, blank
//! lines, formatting, CRLF) is kept.

use std::path::Path;

use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall, Item, Lit};

/// Calls that add routes; new routes go after the last of them.
pub(super) const ROUTE_CALLS: &[&str] =
    &["route", "merge", "nest", "route_service", "nest_service"];
/// Calls that must stay after every route: new routes go before the first.
pub(super) const STOP_CALLS: &[&str] = &[
    "layer",
    "route_layer",
    "fallback",
    "fallback_service",
    "method_not_allowed_fallback",
    "with_state",
];
/// The HTTP methods a route can have, as axum's `routing` functions.
pub const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error(
        "{file}:{line}:{column}: {message}\n\nnothing was written; fix the file, or add this by hand:\n\n{snippet}"
    )]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
        snippet: String,
    },
    #[error(
        "{file}: {message}\n\nnothing was written; add this by hand, or set `router` and `router-fn` under [package.metadata.mvc] in Cargo.toml:\n\n{snippet}"
    )]
    NotFound {
        file: String,
        message: String,
        snippet: String,
    },
    #[error(
        "{file}: no function `{function}` returning a `Router::new()` chain\n\nset `router` and `router-fn` under [package.metadata.mvc] in Cargo.toml to the routes table"
    )]
    NoRouter { file: String, function: String },
    #[error(
        "{file}: the edit did not give valid Rust, so nothing was written; add this by hand:\n\n{snippet}"
    )]
    Unverified { file: String, snippet: String },
    #[error(
        "{file}:{line}:{column}: no place in `fn {function}` serves a new route on every path: {why}\n\nnothing was written; add this by hand where every request reaches it:\n\n{snippet}"
    )]
    Refused {
        file: String,
        line: usize,
        column: usize,
        function: String,
        why: String,
        snippet: String,
    },
}

/// The result of an edit: the new text, or `None` when the file already has
/// what was asked (`identical`).
pub type Edited = Option<String>;

/// A route as the router table states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub path: String,
    pub method: String,
    /// The handler expression as written, e.g. `users::index`.
    pub handler: String,
}

/// A file's text with what is needed to turn spans into byte offsets.
pub(super) struct Source<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// Byte offset of a proc-macro2 line (1-based) and column (in chars).
    pub(super) fn offset(&self, lc: LineColumn) -> usize {
        let start = self.line_starts[lc.line - 1];
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(lc.column)
                .map_or(line.len(), |(i, _)| i)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Where the line after the one holding `offset` starts (the end of the
    /// text on the last line).
    pub(super) fn next_line_start(&self, offset: usize) -> usize {
        self.line_starts
            .get(self.line_of(offset) + 1)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The bytes of the line holding `offset`, without its line ending.
    pub(super) fn line_bounds(&self, offset: usize) -> (usize, usize) {
        let start = self.line_starts[self.line_of(offset)];
        let rest = &self.text[start..];
        let mut end = start + rest.find('\n').unwrap_or(rest.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }

    pub(super) fn indentation_at(&self, offset: usize) -> &'a str {
        let (start, end) = self.line_bounds(offset);
        let line = &self.text[start..end];
        &line[..line.len() - line.trim_start().len()]
    }

    /// Whether only whitespace stands between the line start and `offset`.
    pub(super) fn starts_line(&self, offset: usize) -> bool {
        let (start, _) = self.line_bounds(offset);
        self.text[start..offset].trim().is_empty()
    }

    /// Whether only whitespace or a `//` comment follows `offset` on its line.
    fn ends_line(&self, offset: usize) -> bool {
        let (_, end) = self.line_bounds(offset);
        let rest = self.text[offset..end].trim();
        rest.is_empty() || rest.starts_with("//")
    }

    pub(super) fn eol(&self) -> &'static str {
        if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    pub(super) fn indent_unit(&self) -> String {
        let mut smallest = usize::MAX;
        for line in self.text.lines() {
            if line.starts_with('\t') {
                return "\t".into();
            }
            let n = line.len() - line.trim_start_matches(' ').len();
            if n > 0 && n < line.len() {
                smallest = smallest.min(n);
            }
        }
        " ".repeat(if smallest == usize::MAX { 4 } else { smallest })
    }
}

pub(super) fn parse(file: &Path, text: &str, snippet: &str) -> Result<syn::File, EditError> {
    syn::parse_file(text).map_err(|e| {
        // syn stops at the first token tree it cannot build, far from the
        // delimiter that broke it: point where rustc would.
        if let Some(found) = super::delims::unbalanced(text) {
            return EditError::Parse {
                file: file.display().to_string(),
                line: found.line,
                column: found.column,
                message: found.message,
                snippet: snippet.to_string(),
            };
        }
        let mut at = e.span().start();
        // syn reports the end of input at the call site (1:0): point at the
        // end of the file instead, where the missing text belongs.
        if at.line == 1 && at.column == 0 && e.to_string().contains("end of input") {
            let last = text.trim_end().lines().count().max(1);
            let column = text
                .trim_end()
                .lines()
                .last()
                .map_or(0, |l| l.chars().count());
            at = LineColumn { line: last, column };
        }
        EditError::Parse {
            file: file.display().to_string(),
            line: at.line,
            column: at.column + 1,
            message: e.to_string(),
            snippet: snippet.to_string(),
        }
    })
}

/// One call of a method chain.
#[derive(Debug)]
pub(super) struct Call<'a> {
    pub(super) name: String,
    /// Offset of the `.` that starts the call.
    pub(super) dot: usize,
    /// Offset just after the closing parenthesis.
    pub(super) end: usize,
    pub(super) args: Vec<&'a Expr>,
}

/// `root.a(..).b(..)`: the calls in source order.
#[derive(Debug)]
pub(super) struct Chain<'a> {
    pub(super) root_is_router_new: bool,
    pub(super) root: &'a Expr,
    pub(super) root_end: usize,
    pub(super) calls: Vec<Call<'a>>,
}

struct ChainFinder<'s, 'a, 'ast> {
    source: &'s Source<'a>,
    chains: Vec<Chain<'ast>>,
    depth: usize,
}

impl<'ast> Visit<'ast> for ChainFinder<'_, '_, 'ast> {
    fn visit_expr_method_call(&mut self, node: &'ast ExprMethodCall) {
        if self.depth == 0 {
            self.chains.push(chain_of(self.source, node));
        }
        // Chains inside arguments (`.nest("/x", Router::new()...)`) are not
        // the table itself.
        self.depth += 1;
        let mut cur: &ExprMethodCall = node;
        loop {
            for arg in &cur.args {
                self.visit_expr(arg);
            }
            match &*cur.receiver {
                Expr::MethodCall(inner) => cur = inner,
                other => {
                    self.visit_expr(other);
                    break;
                }
            }
        }
        self.depth -= 1;
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        // A bare `Router::new()`, a table with no routes yet.
        if let Expr::Call(call) = node
            && self.depth == 0
            && is_router_new_call(call)
        {
            self.chains.push(Chain {
                root_is_router_new: true,
                root: node,
                root_end: self.source.offset(call.paren_token.span.close().end()),
                calls: Vec::new(),
            });
        }
        syn::visit::visit_expr(self, node);
    }

    fn visit_expr_call(&mut self, node: &'ast ExprCall) {
        self.depth += 1;
        syn::visit::visit_expr_call(self, node);
        self.depth -= 1;
    }

    fn visit_item(&mut self, _: &'ast Item) {
        // Nested items are other functions, not this router.
    }
}

/// The chain a method call ends: its calls in source order and its root.
pub(super) fn chain_of<'ast>(source: &Source<'_>, node: &'ast ExprMethodCall) -> Chain<'ast> {
    // Offsets come from the tokens' own spans: `Spanned::span()` on a call
    // would re-walk its whole receiver chain, which makes long routers
    // quadratic.
    let mut calls = Vec::new();
    let mut m = node;
    let root = loop {
        calls.push(Call {
            name: m.method.to_string(),
            dot: source.offset(m.dot_token.span.start()),
            end: source.offset(m.paren_token.span.close().end()),
            args: m.args.iter().collect(),
        });
        match &*m.receiver {
            Expr::MethodCall(inner) => m = inner,
            other => break other,
        }
    };
    calls.reverse();
    Chain {
        root_is_router_new: is_router_new(root),
        root_end: source.offset(root.span().end()),
        root,
        calls,
    }
}

pub(super) fn is_router_new(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if is_router_new_call(call))
}

fn is_router_new_call(ExprCall { func, .. }: &ExprCall) -> bool {
    let Expr::Path(p) = &**func else { return false };
    let segs = segments(&p.path);
    segs.len() >= 2 && segs[segs.len() - 2] == "Router" && segs[segs.len() - 1] == "new"
}

/// The identifiers of a path: `super::admin::routes` → `[super, admin, routes]`.
pub(super) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The body of the top-level `fn name` of `file`.
pub(super) fn fn_body<'f>(file: &'f syn::File, name: &str) -> Option<&'f syn::Block> {
    file.items.iter().find_map(|item| match item {
        Item::Fn(f) if f.sig.ident == name => Some(&*f.block),
        _ => None,
    })
}

/// Whether a statement is compiled only under a `#[cfg(..)]`.
pub(super) fn stmt_has_cfg(stmt: &syn::Stmt) -> bool {
    let attrs = match stmt {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Expr(e, _) => match e {
            Expr::Return(e) => &e.attrs,
            Expr::Assign(e) => &e.attrs,
            Expr::MethodCall(e) => &e.attrs,
            Expr::Block(e) => &e.attrs,
            Expr::If(e) => &e.attrs,
            Expr::Call(e) => &e.attrs,
            Expr::Path(e) => &e.attrs,
            _ => return false,
        },
        _ => return false,
    };
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

/// The name a `let` binds: `x`, `mut x`, `x: Router`.
pub(super) fn pat_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(p) => Some(p.ident.to_string()),
        syn::Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

/// The chain new routes of `function` go to: its base chain (see
/// [`super::flow`]). `Ok(None)` when there is no such function.
fn base_chain<'f>(
    source: &Source<'_>,
    file: &'f syn::File,
    function: &str,
) -> Result<Option<Chain<'f>>, super::flow::Refusal> {
    let Some(body) = fn_body(file, function) else {
        return Ok(None);
    };
    let expr = super::flow::base_chain(body)?;
    let mut finder = ChainFinder {
        source,
        chains: Vec::new(),
        depth: 0,
    };
    finder.visit_expr(expr);
    Ok(finder.chains.into_iter().next())
}

/// Every route-building chain of `function`, wherever it stands in the body.
fn all_chains<'f>(source: &Source<'_>, file: &'f syn::File, function: &str) -> Vec<Chain<'f>> {
    let Some(body) = fn_body(file, function) else {
        return Vec::new();
    };
    let mut finder = ChainFinder {
        source,
        chains: Vec::new(),
        depth: 0,
    };
    finder.visit_block(body);
    finder.chains
}

pub(super) fn string_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

fn tokens(expr: &Expr) -> String {
    quote::ToTokens::to_token_stream(expr)
        .to_string()
        .replace(' ', "")
}

/// Every `.route(path, methods)` of the chain, one entry a method.
fn routes_in(source: &Source<'_>, chain: &Chain) -> Vec<RouteDef> {
    let mut out = Vec::new();
    for call in &chain.calls {
        if call.name != "route" || call.args.len() != 2 {
            continue;
        }
        let Some(path) = string_lit(call.args[0]) else {
            continue;
        };
        for entry in method_calls(source, call.args[1]) {
            out.push(RouteDef {
                path: path.clone(),
                method: entry.method,
                handler: entry.handler,
            });
        }
    }
    out
}

/// rustfmt's defaults: the line width, and the widths above which a call's
/// arguments or a method chain go one to a line.
const MAX_WIDTH: usize = 100;
const CALL_WIDTH: usize = 60;
const CHAIN_WIDTH: usize = 60;

/// Formats `.route("/path", get(a).post(b))` the way rustfmt would at
/// `indent` (the column of the `.`), so the edited file stays rustfmt-clean.
/// The handler paths are checked with syn and printed with quote.
pub fn format_route(path: &str, methods: &[(String, String)], indent: &str, unit: &str) -> String {
    let lit = path_literal(path);
    let calls: Vec<String> = methods.iter().map(|(m, h)| format!("{m}({h})")).collect();
    let chain_flat = calls.join(".");
    let args_flat = format!("{lit}, {chain_flat}");
    let width = indent.chars().count() + ".route()".len() + args_flat.len();
    if chain_flat.len() <= CHAIN_WIDTH && args_flat.len() <= CALL_WIDTH && width <= MAX_WIDTH {
        return flat_route(path, methods);
    }
    let inner = format!("{indent}{unit}");
    let chain = if chain_flat.len() <= CHAIN_WIDTH && inner.len() + chain_flat.len() < MAX_WIDTH {
        chain_flat
    } else {
        let mut c = calls[0].clone();
        for call in &calls[1..] {
            c.push_str(&format!("\n{inner}{unit}.{call}"));
        }
        c
    };
    format!(".route(\n{inner}{lit},\n{inner}{chain},\n{indent})")
}

/// A path as a Rust string literal, printed by quote.
fn path_literal(path: &str) -> String {
    quote::ToTokens::to_token_stream(&syn::LitStr::new(path, proc_macro2::Span::call_site()))
        .to_string()
}

/// `.route("/path", get(a).post(b))` on one line, whatever its length.
fn flat_route(path: &str, methods: &[(String, String)]) -> String {
    let lit = path_literal(path);
    let calls: Vec<String> = methods.iter().map(|(m, h)| format!("{m}({h})")).collect();
    format!(".route({lit}, {})", calls.join("."))
}

/// A path and the methods to route on it: `[(method, handler)]`.
pub type RouteGroup = (String, Vec<(String, String)>);

/// Adds the methods of `path` to the router in `function` of `text`; see
/// [`insert_routes`].
#[cfg(test)]
pub fn insert_route(
    file: &Path,
    text: &str,
    function: &str,
    path: &str,
    methods: &[(String, String)],
) -> Result<Edited, EditError> {
    insert_routes(
        file,
        text,
        function,
        &[(path.to_string(), methods.to_vec())],
    )
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
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut added: Vec<(&String, Vec<(String, String)>)> = Vec::new();
    for (path, methods) in groups {
        let missing: Vec<(String, String)> = methods
            .iter()
            .filter(|(m, _)| !existing.iter().any(|r| r.path == *path && r.method == *m))
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
            let more: String = missing.iter().map(|(m, h)| format!(".{m}({h})")).collect();
            let one_line = source.line_bounds(call.dot) == source.line_bounds(end);
            let known = method_calls(&source, call.args[1]);
            let mut all: Vec<(String, String)> = known
                .iter()
                .map(|m| (m.method.clone(), m.written.clone()))
                .collect();
            all.extend(missing);
            let layout = restated(&source, call, path, &all, &unit);
            if one_line && !known.is_empty() && layout.contains('\n') {
                // No longer fits one line: the route as rustfmt lays it out.
                edits.push((call.dot, call.end, layout));
            } else {
                edits.push((end, end, more));
            }
        } else {
            added.push((path, missing));
        }
    }
    if edits.is_empty() && added.is_empty() {
        return Ok(None);
    }
    if !added.is_empty() {
        let added: Vec<(&String, Vec<(String, String)>)> = added
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
                    edits.push((b, b, format!("{eol}{indent}")));
                }
                text
            }
            None => inline.concat(),
        };
        edits.push((anchor.at, anchor.at, appended));
    }
    // Back to front, so earlier offsets stay valid; at one offset, the
    // insertion (empty range) goes after a replacement ending there.
    edits.sort_by_key(|(start, end, _)| std::cmp::Reverse((*start, *end)));
    let mut out = text.to_string();
    for (start, end, with) in edits {
        out.replace_range(start..end, &with);
    }
    verify(file, &out, function, &snippet, |routes| {
        groups.iter().all(|(path, methods)| {
            methods
                .iter()
                .all(|(m, _)| routes.iter().any(|r| r.path == *path && r.method == *m))
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
fn qualify(parsed: &syn::File, methods: Vec<(String, String)>) -> Vec<(String, String)> {
    methods
        .into_iter()
        .enumerate()
        .map(|(i, (m, h))| {
            // Only the first is a function; `.post(..)` after it is a method.
            if i > 0 || in_scope(parsed, &m, "routing") {
                (m, h)
            } else {
                (format!("axum::routing::{m}"), h)
            }
        })
        .collect()
}

fn qualified(parsed: &syn::File, groups: &[RouteGroup]) -> Vec<RouteGroup> {
    groups
        .iter()
        .map(|(path, methods)| (path.clone(), qualify(parsed, methods.clone())))
        .collect()
}

/// The routes as a user would paste them into a chain, evenly indented.
pub fn route_snippet(groups: &[RouteGroup]) -> String {
    groups
        .iter()
        .map(|(path, methods)| format_route(path, methods, "", "    "))
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
/// it (undoing [`insert_route`]); a route keeping other methods is re-stated
/// with those. `None` when there is nothing to remove.
pub fn remove_routes(
    file: &Path,
    text: &str,
    function: &str,
    is_ours: &dyn Fn(&str) -> bool,
) -> Result<Edited, EditError> {
    let source = Source::new(text);
    let parsed = parse(file, text, "")?;
    let chains = all_chains(&source, &parsed, function);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
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
                    edits.push((line_start - eol_len, call.end, String::new()));
                } else {
                    edits.push((call.dot, call.end, String::new()));
                }
                continue;
            }
            // A route laid out on several lines (as joining ours may have
            // made it) is re-stated with the methods it keeps.
            let spread = source.line_bounds(call.dot) != source.line_bounds(call.end);
            if spread && let Some(path) = string_lit(call.args[0]) {
                let kept: Vec<(String, String)> = methods
                    .iter()
                    .zip(&ours)
                    .filter(|(_, o)| !**o)
                    .map(|(m, _)| (m.method.clone(), m.written.clone()))
                    .collect();
                let unit = source.indent_unit();
                edits.push((
                    call.dot,
                    call.end,
                    restated(&source, call, &path, &kept, &unit),
                ));
                continue;
            }
            // Take out only the methods that are ours, as they were added.
            let first_kept = ours.iter().position(|o| !o).expect("one is kept");
            if ours[0] {
                // `get(ours).post(theirs)` becomes `post(theirs)`.
                let kept = &methods[first_kept];
                edits.push((methods[0].start, kept.start + 1, String::new()));
            }
            for (m, o) in methods.iter().zip(&ours).skip(first_kept) {
                if *o {
                    edits.push((m.start, m.end, String::new()));
                }
            }
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    edits.sort_by_key(|(start, _, _)| *start);
    let mut out = text.to_string();
    for (start, end, with) in edits.into_iter().rev() {
        out.replace_range(start..end, &with);
    }
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
    let mut gaps: Vec<(usize, usize)> = Vec::new();
    shrunk.dedup();
    for index in shrunk {
        if let Some(chain) = chains.get(index) {
            gaps.extend(one_line_again(&after, chain));
        }
    }
    if gaps.is_empty() {
        return Ok(Some(out));
    }
    gaps.sort();
    let mut joined = out.clone();
    for (start, end) in gaps.into_iter().rev() {
        joined.replace_range(start..end, "");
    }
    Ok(Some(joined))
}

/// The line breaks to take out of a chain laid out one call a line that
/// rustfmt would put on one line (it fits, and holds no comment): the
/// inverse of the layout [`Anchor`] gives a one-line chain that grew.
fn one_line_again(source: &Source<'_>, chain: &Chain) -> Vec<(usize, usize)> {
    let start = source.offset(chain.root.span().start());
    let mut gaps = Vec::new();
    let mut prev = chain.root_end;
    for call in &chain.calls {
        gaps.push((prev, call.dot));
        prev = call.end;
    }
    let text = source.text;
    let blank = gaps.iter().all(|&(a, b)| text[a..b].trim().is_empty());
    if !blank || !gaps.iter().any(|&(a, b)| text[a..b].contains('\n')) {
        return Vec::new();
    }
    let flat: usize = text[start..prev].chars().count()
        - gaps
            .iter()
            .map(|&(a, b)| text[a..b].chars().count())
            .sum::<usize>();
    let (line_start, _) = source.line_bounds(start);
    let (_, line_end) = source.line_bounds(prev);
    let line =
        text[line_start..start].chars().count() + flat + text[prev..line_end].chars().count();
    let multi_line_element = {
        let mut a = chain.root_end;
        let mut one = !text[start..a].contains('\n');
        for call in &chain.calls {
            one &= !text[call.dot..call.end].contains('\n');
            a = call.end;
        }
        let _ = a;
        !one
    };
    if (chain.calls.len() > 1 && flat > CHAIN_WIDTH) || line > MAX_WIDTH || multi_line_element {
        return Vec::new();
    }
    gaps.into_iter().filter(|(a, b)| a < b).collect()
}

/// One method of a method router and where it is written: `get(a)` (from
/// its start) or `.post(b)` (from its dot), to its closing parenthesis.
struct MethodCall {
    method: String,
    /// The handler's tokens, for comparing.
    handler: String,
    /// The handler as the file writes it, for restating the route.
    written: String,
    start: usize,
    end: usize,
}

fn written(source: &Source<'_>, expr: &Expr) -> String {
    let span = expr.span();
    source.text[source.offset(span.start())..source.offset(span.end())].to_string()
}

/// `.route(path, methods)` re-stated as rustfmt lays it out at the call's
/// indentation.
fn restated(
    source: &Source<'_>,
    call: &Call<'_>,
    path: &str,
    methods: &[(String, String)],
    unit: &str,
) -> String {
    let indent = source.indentation_at(call.dot).to_string();
    format_route(path, methods, &indent, unit).replace('\n', source.eol())
}

/// The methods of a method router, in source order, with their places.
fn method_calls(source: &Source<'_>, expr: &Expr) -> Vec<MethodCall> {
    let mut out = Vec::new();
    let mut cur = expr;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                if let Some(h) = m.args.first() {
                    out.push(MethodCall {
                        method: m.method.to_string(),
                        handler: tokens(h),
                        written: written(source, h),
                        start: source.offset(m.dot_token.span.start()),
                        end: source.offset(m.paren_token.span.close().end()),
                    });
                }
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                if let (Expr::Path(p), Some(h)) = (&*c.func, c.args.first())
                    && let Some(last) = p.path.segments.last()
                {
                    out.push(MethodCall {
                        method: last.ident.to_string(),
                        handler: tokens(h),
                        written: written(source, h),
                        start: source.offset(c.func.span().start()),
                        end: source.offset(c.paren_token.span.close().end()),
                    });
                }
                break;
            }
            _ => break,
        }
    }
    out.reverse();
    out
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
                splice(text, line_end..line_end, &format!("{eol}{eol}{line}"))
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
        splice(
            text,
            line_start..line_start,
            &format!("{indent}{line}{eol}"),
        )
    } else {
        let last = mods.last().expect("not empty");
        let (_, line_end) = source.line_bounds(last.2);
        let indent = source.indentation_at(last.1);
        splice(text, line_end..line_end, &format!("{eol}{indent}{line}"))
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
        return Ok(Some(splice(text, start..end, "")));
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
    let out = splice(text, start..stop, "");
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
    let root = &text[root_start..root_end];
    let indent = source.indentation_at(root_start);
    let flat: String = std::iter::once(root.to_string())
        .chain(after.iter().map(|a| format!(".{method}({a})")))
        .collect();
    let laid_out = if flat.len() <= CHAIN_WIDTH && indent.len() + flat.len() <= MAX_WIDTH {
        flat
    } else {
        let eol = source.eol();
        let unit = source.indent_unit();
        let mut out = root.to_string();
        for a in &after {
            out.push_str(&format!("{eol}{indent}{unit}.{method}({a})"));
        }
        out
    };
    let out = splice(text, root_start..end, &laid_out);
    syn::parse_file(&out).map_err(|_| EditError::Unverified {
        file: file.display().to_string(),
        snippet: laid_out.clone(),
    })?;
    Ok(Some(out))
}

/// `text` with the bytes in `range` replaced by `with`.
fn splice(text: &str, range: std::ops::Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

#[cfg(test)]
mod tests;
