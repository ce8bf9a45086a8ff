//! Edits of Rust files the user owns: syn only finds the place, the new text
//! is spliced in at a byte offset, and every other byte (comments, blank
//! lines, formatting, CRLF) is kept.

use std::path::{Path, PathBuf};

use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall, Item, Lit};

/// Calls that add routes; new routes go after the last of them.
const ROUTE_CALLS: &[&str] = &["route", "merge", "nest", "route_service", "nest_service"];
/// Calls that must stay after every route: new routes go before the first.
const STOP_CALLS: &[&str] = &[
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
struct Call<'a> {
    name: String,
    /// Offset of the `.` that starts the call.
    dot: usize,
    /// Offset just after the closing parenthesis.
    end: usize,
    args: Vec<&'a Expr>,
}

/// `root.a(..).b(..)`: the calls in source order.
#[derive(Debug)]
struct Chain<'a> {
    root_is_router_new: bool,
    root_end: usize,
    calls: Vec<Call<'a>>,
}

impl Chain<'_> {
    fn has_routes(&self) -> bool {
        self.calls
            .iter()
            .any(|c| ROUTE_CALLS.contains(&c.name.as_str()))
    }
}

struct ChainFinder<'s, 'a, 'ast> {
    source: &'s Source<'a>,
    chains: Vec<Chain<'ast>>,
    depth: usize,
}

impl<'ast> Visit<'ast> for ChainFinder<'_, '_, 'ast> {
    fn visit_expr_method_call(&mut self, node: &'ast ExprMethodCall) {
        if self.depth == 0 {
            // Offsets come from the tokens' own spans: `Spanned::span()` on a
            // call would re-walk its whole receiver chain, which makes long
            // routers quadratic.
            let mut calls = Vec::new();
            let mut m = node;
            let root = loop {
                calls.push(Call {
                    name: m.method.to_string(),
                    dot: self.source.offset(m.dot_token.span.start()),
                    end: self.source.offset(m.paren_token.span.close().end()),
                    args: m.args.iter().collect(),
                });
                match &*m.receiver {
                    Expr::MethodCall(inner) => m = inner,
                    other => break other,
                }
            };
            calls.reverse();
            self.chains.push(Chain {
                root_is_router_new: is_router_new(root),
                root_end: self.source.offset(root.span().end()),
                calls,
            });
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

    fn visit_expr_call(&mut self, node: &'ast ExprCall) {
        // A bare `Router::new()`, a table with no routes yet.
        if self.depth == 0 && is_router_new_call(node) {
            self.chains.push(Chain {
                root_is_router_new: true,
                root_end: self.source.offset(node.paren_token.span.close().end()),
                calls: Vec::new(),
            });
        }
        self.depth += 1;
        syn::visit::visit_expr_call(self, node);
        self.depth -= 1;
    }

    fn visit_item(&mut self, _: &'ast Item) {
        // Nested items are other functions, not this router.
    }
}

fn is_router_new(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if is_router_new_call(call))
}

fn is_router_new_call(ExprCall { func, .. }: &ExprCall) -> bool {
    let Expr::Path(p) = &**func else { return false };
    let segs = segments(&p.path);
    segs.len() >= 2 && segs[segs.len() - 2] == "Router" && segs[segs.len() - 1] == "new"
}

/// The identifiers of a path: `super::admin::routes` → `[super, admin, routes]`.
fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The router's method chain inside function `function` of `file`.
fn find_chain<'f>(source: &Source<'_>, file: &'f syn::File, function: &str) -> Option<Chain<'f>> {
    let body = file.items.iter().find_map(|item| match item {
        Item::Fn(f) if f.sig.ident == function => Some(&f.block),
        _ => None,
    })?;
    let mut finder = ChainFinder {
        source,
        chains: Vec::new(),
        depth: 0,
    };
    finder.visit_block(body);
    let mut chains = finder.chains;
    if let Some(i) = chains.iter().rposition(Chain::has_routes) {
        return Some(chains.swap_remove(i));
    }
    let i = chains.iter().rposition(|c| c.root_is_router_new)?;
    Some(chains.swap_remove(i))
}

fn string_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// One method of a method router: `get(a)` or `.post(b)`.
#[derive(Debug)]
struct MethodEntry {
    method: String,
    handler: String,
}

/// The methods of a method router `get(a).post(b)`, in source order.
fn method_router(expr: &Expr) -> Vec<MethodEntry> {
    let mut out = Vec::new();
    let mut cur = expr;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                if let Some(h) = m.args.first() {
                    out.push(MethodEntry {
                        method: m.method.to_string(),
                        handler: tokens(h),
                    });
                }
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                if let (Expr::Path(p), Some(h)) = (&*c.func, c.args.first())
                    && let Some(last) = p.path.segments.last()
                {
                    out.push(MethodEntry {
                        method: last.ident.to_string(),
                        handler: tokens(h),
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

fn tokens(expr: &Expr) -> String {
    quote::ToTokens::to_token_stream(expr)
        .to_string()
        .replace(' ', "")
}

/// Every `.route(path, methods)` of the chain, one entry a method.
fn routes_in(chain: &Chain) -> Vec<RouteDef> {
    let mut out = Vec::new();
    for call in &chain.calls {
        if call.name != "route" || call.args.len() != 2 {
            continue;
        }
        let Some(path) = string_lit(call.args[0]) else {
            continue;
        };
        for entry in method_router(call.args[1]) {
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
    let lit =
        quote::ToTokens::to_token_stream(&syn::LitStr::new(path, proc_macro2::Span::call_site()))
            .to_string();
    let calls: Vec<String> = methods.iter().map(|(m, h)| format!("{m}({h})")).collect();
    let chain_flat = calls.join(".");
    let args_flat = format!("{lit}, {chain_flat}");
    let width = indent.chars().count() + ".route()".len() + args_flat.len();
    if chain_flat.len() <= CHAIN_WIDTH && args_flat.len() <= CALL_WIDTH && width <= MAX_WIDTH {
        return format!(".route({args_flat})");
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
    let snippet: Vec<String> = groups
        .iter()
        .map(|(path, methods)| format_route(path, methods, "        ", "    "))
        .collect();
    let snippet = snippet.join("\n");
    let source = Source::new(text);
    let parsed = parse(file, text, &snippet)?;
    let Some(chain) = find_chain(&source, &parsed, function) else {
        return Err(EditError::NotFound {
            file: file.display().to_string(),
            message: format!("no function `{function}` returning a `Router::new()` chain"),
            snippet,
        });
    };
    let existing = routes_in(&chain);
    let eol = source.eol();
    let unit = source.indent_unit();
    let anchor = Anchor::find(&source, &chain, &unit);
    // (start, end, replacement); the new routes all go at the anchor.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut appended = String::new();
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
            // Re-state that one route with the joined methods.
            let mut all: Vec<(String, String)> = method_router(call.args[1])
                .into_iter()
                .map(|e| (e.method, e.handler))
                .collect();
            all.extend(missing);
            let indent = source.indentation_at(call.dot).to_string();
            let restated = format_route(path, &all, &indent, &unit).replace('\n', eol);
            edits.push((call.dot, call.end, restated));
        } else if let Some(indent) = &anchor.indent {
            let body = format_route(path, methods, indent, &unit).replace('\n', eol);
            appended.push_str(&format!("{eol}{indent}{body}"));
        } else {
            appended.push_str(&format_route(path, methods, "", &unit).replace('\n', " "));
        }
    }
    if edits.is_empty() && appended.is_empty() {
        return Ok(None);
    }
    if !appended.is_empty() {
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

/// Where new routes go: the offset, and the indentation when they go on
/// lines of their own (`None`: inline, in a one-line chain).
struct Anchor {
    at: usize,
    indent: Option<String>,
}

impl Anchor {
    fn find(source: &Source<'_>, chain: &Chain, unit: &str) -> Self {
        let stop = chain
            .calls
            .iter()
            .position(|c| STOP_CALLS.contains(&c.name.as_str()))
            .unwrap_or(chain.calls.len());
        let anchor = chain.calls[..stop]
            .iter()
            .rposition(|c| ROUTE_CALLS.contains(&c.name.as_str()));
        let anchor_end = anchor.map_or(chain.root_end, |i| chain.calls[i].end);
        let anchor_starts_line = anchor.is_some_and(|i| source.starts_line(chain.calls[i].dot));
        let next_starts_line = chain
            .calls
            .get(stop)
            .is_some_and(|c| source.starts_line(c.dot));
        let own_lines = source.ends_line(anchor_end)
            && (anchor_starts_line || next_starts_line || anchor.is_none());
        if !own_lines {
            return Self {
                at: anchor_end,
                indent: None,
            };
        }
        let indent = if let (true, Some(i)) = (anchor_starts_line, anchor) {
            source.indentation_at(chain.calls[i].dot).to_string()
        } else if next_starts_line {
            source.indentation_at(chain.calls[stop].dot).to_string()
        } else {
            format!("{}{}", source.indentation_at(chain.root_end), unit)
        };
        // After a comment that ends the anchor's line, not before it.
        let (_, line_end) = source.line_bounds(anchor_end);
        Self {
            at: line_end,
            indent: Some(indent),
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
    let Some(chain) = find_chain(&source, &parsed, function) else {
        return Ok(None);
    };
    let unit = source.indent_unit();
    let eol = source.eol();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for call in &chain.calls {
        if call.name != "route" || call.args.len() != 2 {
            continue;
        }
        let Some(path) = string_lit(call.args[0]) else {
            continue;
        };
        let methods = method_router(call.args[1]);
        let kept: Vec<(String, String)> = methods
            .iter()
            .filter(|e| !is_ours(&e.handler))
            .map(|e| (e.method.clone(), e.handler.clone()))
            .collect();
        if kept.len() == methods.len() {
            continue;
        }
        if kept.is_empty() {
            let whole_line = source.starts_line(call.dot) && {
                let (_, line_end) = source.line_bounds(call.end);
                text[call.end..line_end].trim().is_empty()
            };
            if whole_line {
                let (line_start, _) = source.line_bounds(call.dot);
                let eol_len = if text[..line_start].ends_with("\r\n") {
                    2
                } else {
                    1
                };
                let (_, line_end) = source.line_bounds(call.end);
                edits.push((line_start - eol_len, line_end, String::new()));
            } else {
                edits.push((call.dot, call.end, String::new()));
            }
        } else {
            let indent = source.indentation_at(call.dot).to_string();
            let restated = format_route(&path, &kept, &indent, &unit).replace('\n', eol);
            edits.push((call.dot, call.end, restated));
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let mut out = text.to_string();
    for (start, end, with) in edits.into_iter().rev() {
        out.replace_range(start..end, &with);
    }
    verify(file, &out, function, "", |routes| {
        !routes.iter().any(|r| is_ours(&r.handler))
    })?;
    Ok(Some(out))
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
    let chain = find_chain(&source, &parsed, function).ok_or_else(unverified)?;
    if ok(&routes_in(&chain)) {
        Ok(())
    } else {
        Err(unverified())
    }
}

/// A route read from a router, with the nest prefix already applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListedRoute {
    pub method: String,
    pub path: String,
    pub handler: String,
}

/// Finds the file that defines a function called from `file` by `path`
/// (its segments, e.g. `["super", "admin", "routes"]`), with its text.
pub type Lookup<'l> = &'l dyn Fn(&Path, &[String]) -> Option<(PathBuf, String)>;

/// Lists the routes of `function` in `text`, following `.nest(prefix, ..)`
/// and `.merge(..)` into inline sub-routers and into functions of the same
/// file, or of other files found through `lookup`.
pub fn list_routes(
    file: &Path,
    text: &str,
    function: &str,
    lookup: Lookup<'_>,
) -> Result<Vec<ListedRoute>, EditError> {
    let mut lister = Lister {
        lookup,
        out: Vec::new(),
    };
    lister.function(file, text, function, "", 0)?;
    Ok(lister.out)
}

/// Nests deeper than this are taken for a cycle and not followed.
const MAX_NESTING: usize = 8;

struct Lister<'l> {
    lookup: Lookup<'l>,
    out: Vec<ListedRoute>,
}

/// A parsed file, for following sub-routers within it.
struct Parsed<'a> {
    file: &'a Path,
    text: &'a str,
    source: Source<'a>,
    syntax: syn::File,
}

impl Lister<'_> {
    fn function(
        &mut self,
        file: &Path,
        text: &str,
        function: &str,
        prefix: &str,
        depth: usize,
    ) -> Result<(), EditError> {
        if depth > MAX_NESTING {
            return Ok(());
        }
        let parsed = Parsed {
            file,
            text,
            source: Source::new(text),
            syntax: parse(file, text, "")?,
        };
        let Some(chain) = find_chain(&parsed.source, &parsed.syntax, function) else {
            return Err(EditError::NoRouter {
                file: file.display().to_string(),
                function: function.to_string(),
            });
        };
        self.chain(&parsed, &chain.calls, prefix, depth)
    }

    fn chain(
        &mut self,
        parsed: &Parsed<'_>,
        calls: &[Call<'_>],
        prefix: &str,
        depth: usize,
    ) -> Result<(), EditError> {
        for call in calls {
            match (call.name.as_str(), call.args.as_slice()) {
                ("route", [path, methods]) => {
                    let Some(path) = string_lit(path) else {
                        continue;
                    };
                    for entry in method_router(methods) {
                        self.out.push(ListedRoute {
                            method: entry.method.to_uppercase(),
                            path: join(prefix, &path),
                            handler: entry.handler,
                        });
                    }
                }
                ("nest", [path, router]) => {
                    let Some(path) = string_lit(path) else {
                        continue;
                    };
                    self.sub_router(parsed, router, &join(prefix, &path), depth)?;
                }
                ("merge", [router]) => self.sub_router(parsed, router, prefix, depth)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn sub_router(
        &mut self,
        parsed: &Parsed<'_>,
        router: &Expr,
        prefix: &str,
        depth: usize,
    ) -> Result<(), EditError> {
        match router {
            // An inline `Router::new().route(..)` chain.
            Expr::MethodCall(_) => {
                let mut finder = ChainFinder {
                    source: &parsed.source,
                    chains: Vec::new(),
                    depth: 0,
                };
                finder.visit_expr(router);
                if let Some(chain) = finder.chains.into_iter().next() {
                    self.chain(parsed, &chain.calls, prefix, depth)?;
                }
            }
            // A call to a function that builds the sub-router.
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Ok(());
                };
                let segments = segments(&p.path);
                let Some(name) = segments.last().cloned() else {
                    return Ok(());
                };
                // `reports()` or `self::reports()`: a function of this file.
                let local = segments.len() == 1 || (segments.len() == 2 && segments[0] == "self");
                let here = local
                    && parsed
                        .syntax
                        .items
                        .iter()
                        .any(|i| matches!(i, Item::Fn(f) if f.sig.ident == name));
                if here {
                    self.function(parsed.file, parsed.text, &name, prefix, depth + 1)?;
                } else if let Some((other, text)) = (self.lookup)(parsed.file, &segments) {
                    self.function(&other, &text, &name, prefix, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_string();
    }
    let prefix = prefix.trim_end_matches('/');
    if path == "/" || path.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}{path}")
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
