//! The routes graph: every route a router function serves, followed through
//! `let` bindings, reassignments, branches and loops, `.merge(..)` and
//! `.nest(..)` into inline routers, other functions and other files; and the
//! clash rules of axum's path matcher, to tell whether a new route is
//! already served.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ExprMethodCall, Item, Local, Stmt};

use super::rust::{
    Chain, EditError, Source, chain_of, fn_body, parse, pat_name, segments, stmt_has_cfg,
    string_lit,
};

/// A route read from a router, with the nest prefix already applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListedRoute {
    /// `GET`, `POST`, …, or `ANY` for a service or a fallback.
    pub method: String,
    /// The path; `*` ends the prefix a nested service or a fallback takes.
    pub path: String,
    /// The handler (or service) as written.
    pub handler: String,
    /// `route`, `service` (`route_service`, `nest_service`, `*_service`)
    /// or `fallback`.
    pub kind: &'static str,
    /// Served only on some paths through the router (a branch, a loop, a
    /// `cfg`, after an early `return`).
    pub conditional: bool,
    /// Where it is stated: file (relative to the project) and line.
    pub file: String,
    pub line: usize,
    /// The sub-router function it is stated in ([`Graph::subrouters`]),
    /// `None` for the router function itself.
    #[serde(skip)]
    pub via: Option<usize>,
}

/// A function the router merges or nests (`.merge(articles::router())`,
/// `.nest("/v1", v1())`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRouter {
    pub file: PathBuf,
    pub function: String,
    /// The path it is nested at.
    pub prefix: String,
    pub conditional: bool,
    /// A top-level function of its file, which routes can be added to (not
    /// one of an inline module).
    pub editable: bool,
}

/// The routes of a router and the sub-router functions they come from.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub routes: Vec<ListedRoute>,
    pub subrouters: Vec<SubRouter>,
}

/// Finds the file that defines a function called from `file` by `path`
/// (its segments, e.g. `["super", "admin", "routes"]`), with its text.
pub type Lookup<'l> = &'l dyn Fn(&Path, &[String]) -> Option<(PathBuf, String)>;

/// Lists the routes of `function` in `text`.
#[cfg(test)]
pub fn list_routes(
    file: &Path,
    text: &str,
    function: &str,
    lookup: Lookup<'_>,
) -> Result<Vec<ListedRoute>, EditError> {
    Ok(routes_graph(file, text, function, lookup)?.routes)
}

/// The routes of `function` in `text`, with the sub-routers they are in.
pub fn routes_graph(
    file: &Path,
    text: &str,
    function: &str,
    lookup: Lookup<'_>,
) -> Result<Graph, EditError> {
    let mut lister = Lister {
        lookup,
        out: Graph::default(),
        current: None,
    };
    if !lister.function(file, text, function, "", false, 0)? {
        return Err(EditError::NoRouter {
            file: file.display().to_string(),
            function: function.to_string(),
        });
    }
    Ok(lister.out)
}

/// Nests deeper than this are taken for a cycle and not followed.
const MAX_NESTING: usize = 8;

struct Lister<'l> {
    lookup: Lookup<'l>,
    out: Graph,
    /// The sub-router being listed.
    current: Option<usize>,
}

/// A parsed file, for following sub-routers within it.
struct Parsed<'a> {
    file: &'a Path,
    text: &'a str,
    source: Source<'a>,
    syntax: syn::File,
}

impl Parsed<'_> {
    /// The value of a `const NAME: &str = "..";` of the file.
    fn const_str(&self, name: &str) -> Option<String> {
        self.syntax.items.iter().find_map(|item| match item {
            Item::Const(c) if c.ident == name => string_lit(&c.expr),
            _ => None,
        })
    }
}

/// A route-building chain of a function, and how it is reached.
struct Found<'ast> {
    chain: Chain<'ast>,
    /// The `let` or assignment it is the value of.
    binding: Option<String>,
    conditional: bool,
}

impl Lister<'_> {
    /// Lists `function`'s routes; `false` when the file has no such function.
    fn function(
        &mut self,
        file: &Path,
        text: &str,
        function: &str,
        prefix: &str,
        conditional: bool,
        depth: usize,
    ) -> Result<bool, EditError> {
        if depth > MAX_NESTING {
            return Ok(true);
        }
        let parsed = Parsed {
            file,
            text,
            source: Source::new(text),
            syntax: parse(file, text, "")?,
        };
        let Some(body) = fn_body(&parsed.syntax, function) else {
            return Ok(false);
        };
        self.body(&parsed, body, prefix, conditional, depth)?;
        Ok(true)
    }

    /// Makes `sub` the sub-router being listed; returns the one before.
    fn enter(&mut self, sub: SubRouter) -> Option<usize> {
        self.out.subrouters.push(sub);
        self.current.replace(self.out.subrouters.len() - 1)
    }

    /// Lists the routes a function body builds.
    fn body(
        &mut self,
        parsed: &Parsed<'_>,
        body: &syn::Block,
        prefix: &str,
        conditional: bool,
        depth: usize,
    ) -> Result<(), EditError> {
        let mut collector = Collector {
            source: &parsed.source,
            found: Vec::new(),
            nesting: 0,
            returned: false,
            binding: None,
            uses: HashMap::new(),
            closures: 0,
            saw_return: false,
        };
        for stmt in &body.stmts {
            collector.stmt(stmt);
        }
        let Collector { found, uses, .. } = collector;
        // A body that only returns another function's router.
        if let Some(Stmt::Expr(tail @ Expr::Call(_), None)) = body.stmts.last() {
            self.sub_router(parsed, tail, prefix, conditional, depth)?;
        }
        for f in &found {
            let places = match &f.binding {
                Some(name) => uses.get(name).cloned().unwrap_or_default(),
                None => Vec::new(),
            };
            let nested: Vec<&Use> = places.iter().filter(|u| u.nest.is_some()).collect();
            let direct: Vec<&Use> = places.iter().filter(|u| u.nest.is_none()).collect();
            let cond = conditional || f.conditional;
            if f.binding.is_none() || nested.is_empty() || !direct.is_empty() {
                // Returned or grown only in some branches: conditional too.
                let some_paths = !direct.is_empty() && direct.iter().all(|u| u.conditional);
                self.chain(parsed, &f.chain, prefix, cond || some_paths, depth)?;
            }
            for u in nested {
                let at = join(prefix, u.nest.as_deref().unwrap_or_default());
                self.chain(parsed, &f.chain, &at, cond || u.conditional, depth)?;
            }
        }
        Ok(())
    }

    fn push(
        &mut self,
        parsed: &Parsed<'_>,
        at: &Expr,
        route: (&str, String, String, &'static str),
        conditional: bool,
    ) {
        let (method, path, handler, kind) = route;
        self.out.routes.push(ListedRoute {
            via: self.current,
            method: method.to_string(),
            path,
            handler,
            kind,
            conditional,
            file: parsed.file.display().to_string(),
            line: at.span().start().line,
        });
    }

    fn chain(
        &mut self,
        parsed: &Parsed<'_>,
        chain: &Chain<'_>,
        prefix: &str,
        conditional: bool,
        depth: usize,
    ) -> Result<(), EditError> {
        // `users::router().merge(articles::router())`: the root is a
        // sub-router too.
        if matches!(chain.root, Expr::Call(_)) && !chain.root_is_router_new {
            self.sub_router(parsed, chain.root, prefix, conditional, depth)?;
        }
        for call in &chain.calls {
            match (call.name.as_str(), call.args.as_slice()) {
                ("route", [path, methods]) => {
                    let path = path_text(parsed, path);
                    for (method, handler, kind) in method_router(parsed, methods) {
                        let route = (method.as_str(), join(prefix, &path), handler, kind);
                        self.push(parsed, methods, route, conditional);
                    }
                }
                ("route_service", [path, service]) => {
                    let path = join(prefix, &path_text(parsed, path));
                    let route = ("ANY", path, as_written(parsed, service), "service");
                    self.push(parsed, service, route, conditional);
                }
                ("nest_service", [path, service]) => {
                    let path = format!(
                        "{}/*",
                        join(prefix, &path_text(parsed, path)).trim_end_matches('/')
                    );
                    let route = ("ANY", path, as_written(parsed, service), "service");
                    self.push(parsed, service, route, conditional);
                }
                ("fallback" | "fallback_service", [handler]) => {
                    let path = format!("{}/*", prefix.trim_end_matches('/'));
                    let route = ("ANY", path, as_written(parsed, handler), "fallback");
                    self.push(parsed, handler, route, conditional);
                }
                ("nest", [path, router]) => {
                    let at = join(prefix, &path_text(parsed, path));
                    self.sub_router(parsed, router, &at, conditional, depth)?;
                }
                ("merge", [router]) => {
                    self.sub_router(parsed, router, prefix, conditional, depth)?
                }
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
        conditional: bool,
        depth: usize,
    ) -> Result<(), EditError> {
        match router {
            // An inline `Router::new().route(..)` chain.
            Expr::MethodCall(m) => {
                let chain = chain_of(&parsed.source, m);
                if chain.root_is_router_new {
                    self.chain(parsed, &chain, prefix, conditional, depth)?;
                } else {
                    // `users::router().layer(..)`: the call at its root.
                    self.sub_router(parsed, chain.root, prefix, conditional, depth)?;
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
                let here = local && fn_body(&parsed.syntax, &name).is_some();
                let sub = |file: &Path, editable| SubRouter {
                    file: file.to_path_buf(),
                    function: name.clone(),
                    prefix: prefix.to_string(),
                    conditional,
                    editable,
                };
                if here {
                    let outer = self.enter(sub(parsed.file, true));
                    self.function(
                        parsed.file,
                        parsed.text,
                        &name,
                        prefix,
                        conditional,
                        depth + 1,
                    )?;
                    self.current = outer;
                } else if let Some(body) = inline_function(&parsed.syntax, &segments) {
                    if depth < MAX_NESTING {
                        let outer = self.enter(sub(parsed.file, false));
                        self.body(parsed, body, prefix, conditional, depth + 1)?;
                        self.current = outer;
                    }
                } else if let Some((other, text)) = (self.lookup)(parsed.file, &segments) {
                    let outer = self.enter(sub(&other, true));
                    self.function(&other, &text, &name, prefix, conditional, depth + 1)?;
                    self.current = outer;
                }
            }
            Expr::Paren(p) => self.sub_router(parsed, &p.expr, prefix, conditional, depth)?,
            _ => {}
        }
        Ok(())
    }
}

/// A function of an inline module of the file (`users::router` for
/// `mod users { pub fn router() .. }`).
fn inline_function<'f>(file: &'f syn::File, segments: &[String]) -> Option<&'f syn::Block> {
    let segments = match segments.first() {
        Some(s) if s == "self" => &segments[1..],
        _ => segments,
    };
    let (name, modules) = segments.split_last()?;
    if modules.is_empty() {
        return None;
    }
    let mut items = &file.items;
    for m in modules {
        items = items.iter().find_map(|i| match i {
            Item::Mod(im) if im.ident == m.as_str() => im.content.as_ref().map(|(_, c)| c),
            _ => None,
        })?;
    }
    items.iter().find_map(|i| match i {
        Item::Fn(f) if f.sig.ident == name.as_str() => Some(&*f.block),
        _ => None,
    })
}

/// How a `let` binding of a router is used: nested under a prefix, or
/// directly (returned, merged, grown); `conditional` when the use is in a
/// branch, a loop or under `cfg` (the uses after an early `return` are not:
/// with the `return` itself, they cover every path).
#[derive(Debug, Clone)]
struct Use {
    nest: Option<String>,
    conditional: bool,
}

/// Walks a function body for its route-building chains.
struct Collector<'s, 'a, 'ast> {
    source: &'s Source<'a>,
    found: Vec<Found<'ast>>,
    /// Inside a branch, loop or closure.
    nesting: usize,
    /// After a top-level `return` (or one under `cfg`).
    returned: bool,
    /// The binding the expression being visited is the value of.
    binding: Option<String>,
    uses: HashMap<String, Vec<Use>>,
    closures: usize,
    /// A `return` of the function was seen.
    saw_return: bool,
}

impl<'ast> Collector<'_, '_, 'ast> {
    fn conditional(&self) -> bool {
        self.nesting > 0 || self.returned
    }

    fn stmt(&mut self, stmt: &'ast Stmt) {
        let cfg = stmt_has_cfg(stmt);
        if cfg {
            self.nesting += 1;
        }
        match stmt {
            Stmt::Local(local) => self.visit_local(local),
            Stmt::Expr(Expr::Assign(a), _) => {
                self.binding = ident_of(&a.left);
                self.visit_expr(&a.right);
                self.binding = None;
            }
            Stmt::Expr(e, _) => self.visit_expr(e),
            _ => {}
        }
        if cfg {
            self.nesting -= 1;
        }
        // What comes after a `return` (even one in a branch) is served
        // only on the paths that do not take it.
        if self.saw_return {
            self.returned = true;
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_, '_, 'ast> {
    fn visit_local(&mut self, local: &'ast Local) {
        if let Some(init) = &local.init {
            self.binding = pat_name(&local.pat);
            self.visit_expr(&init.expr);
            self.binding = None;
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        let binding = self.binding.take();
        match node {
            Expr::MethodCall(m) => self.method_chain(m, binding),
            Expr::Path(p) => {
                if let Some(ident) = p.path.get_ident() {
                    let conditional = self.nesting > 0;
                    self.uses.entry(ident.to_string()).or_default().push(Use {
                        nest: None,
                        conditional,
                    });
                }
            }
            Expr::If(_) | Expr::Match(_) | Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.nesting += 1;
                syn::visit::visit_expr(self, node);
                self.nesting -= 1;
            }
            Expr::Closure(_) => {
                self.nesting += 1;
                self.closures += 1;
                syn::visit::visit_expr(self, node);
                self.closures -= 1;
                self.nesting -= 1;
            }
            Expr::Assign(a) => {
                self.binding = ident_of(&a.left);
                self.visit_expr(&a.right);
                self.binding = None;
            }
            Expr::Return(_) => {
                if self.closures == 0 {
                    self.saw_return = true;
                }
                syn::visit::visit_expr(self, node);
            }
            _ => syn::visit::visit_expr(self, node),
        }
    }

    fn visit_item(&mut self, _: &'ast Item) {}
}

impl<'ast> Collector<'_, '_, 'ast> {
    fn method_chain(&mut self, node: &'ast ExprMethodCall, binding: Option<String>) {
        let chain = chain_of(self.source, node);
        let builds_routes = chain.root_is_router_new
            || chain.calls.iter().any(|c| {
                matches!(
                    c.name.as_str(),
                    "route"
                        | "route_service"
                        | "nest"
                        | "nest_service"
                        | "merge"
                        | "fallback"
                        | "fallback_service"
                )
            });
        if !builds_routes {
            syn::visit::visit_expr_method_call(self, node);
            return;
        }
        // What the chain uses: its root, and the bindings it nests or merges.
        for call in &chain.calls {
            match (call.name.as_str(), call.args.as_slice()) {
                ("nest", [path, Expr::Path(p)]) => {
                    if let (Some(ident), Some(lit)) = (p.path.get_ident(), string_lit(path)) {
                        let conditional = self.nesting > 0;
                        self.uses.entry(ident.to_string()).or_default().push(Use {
                            nest: Some(lit),
                            conditional,
                        });
                    }
                }
                ("route", _) => {}
                _ => {
                    // Closures and other chains inside the arguments.
                    for arg in &call.args {
                        if !matches!(arg, Expr::MethodCall(_) | Expr::Call(_)) {
                            self.visit_expr(arg);
                        }
                    }
                }
            }
        }
        self.visit_expr(chain.root);
        let conditional = self.conditional();
        self.found.push(Found {
            chain,
            binding,
            conditional,
        });
    }
}

fn ident_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// A path argument: the literal's value, or the expression as written.
fn path_text(parsed: &Parsed<'_>, expr: &Expr) -> String {
    let constant = || match expr {
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| parsed.const_str(&i.to_string())),
        _ => None,
    };
    string_lit(expr)
        .or_else(constant)
        .unwrap_or_else(|| format!("{{{}}}", as_written(parsed, expr)))
}

/// An expression as the file writes it, on one line.
fn as_written(parsed: &Parsed<'_>, expr: &Expr) -> String {
    let span = expr.span();
    let start = parsed.source.offset(span.start());
    let end = parsed.source.offset(span.end());
    parsed.text[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The methods of a method router `get(a).post(b)`, in source order:
/// (METHOD, handler as written, kind).
fn method_router(parsed: &Parsed<'_>, expr: &Expr) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    let mut cur = expr;
    let entry = |name: &str, args: &[&Expr]| -> Option<(String, String, &'static str)> {
        let (method, kind) = match name.strip_suffix("_service") {
            Some(m) => (m, "service"),
            None => (name, "route"),
        };
        match (method, args) {
            ("on", [filter, handler]) => {
                let filter = as_written(parsed, filter);
                let method = filter.rsplit("::").next().unwrap_or(&filter).to_string();
                Some((method.to_uppercase(), as_written(parsed, handler), kind))
            }
            (_, [handler]) => Some((method.to_uppercase(), as_written(parsed, handler), kind)),
            _ => None,
        }
    };
    loop {
        match cur {
            Expr::MethodCall(m) => {
                let args: Vec<&Expr> = m.args.iter().collect();
                let name = m.method.to_string();
                if name == "merge" {
                    // `get(a).merge(delete(b))`: the other router's methods.
                    if let Some(other) = args.first() {
                        let mut merged = method_router(parsed, other);
                        merged.reverse();
                        out.extend(merged);
                    }
                } else if !matches!(
                    name.as_str(),
                    // They dress a method router; they are not methods.
                    "layer" | "route_layer" | "with_state" | "fallback" | "fallback_service"
                ) && let Some(e) = entry(&name, &args)
                {
                    out.push(e);
                }
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func
                    && let Some(last) = p.path.segments.last()
                {
                    let args: Vec<&Expr> = c.args.iter().collect();
                    out.extend(entry(&last.ident.to_string(), &args));
                }
                break;
            }
            // A method router built elsewhere (`let listing = get(..);`):
            // its methods are unknown, so it is taken to serve them all.
            other => {
                out.push(("ANY".to_string(), as_written(parsed, other), "route"));
                break;
            }
        }
    }
    out.reverse();
    out
}

pub(super) fn join(prefix: &str, path: &str) -> String {
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

/// How a new `(method, path)` stands against the routes already served.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing<'r> {
    /// Not served yet.
    New,
    /// Served already by the very handler being added.
    Identical,
    /// Served by something else, or matching a path that clashes with it.
    Clash(&'r ListedRoute),
}

/// Looks `(method, path)` up among `routes`, as axum's matcher sees paths:
/// `/posts/{post_id}` and `/posts/{id}` are one path for every method, and
/// everything under a catch-all (`{*rest}`) or a nested service is taken. A
/// fallback takes nothing. `handlers` are the ways the handler being added
/// may be written (`users::index`, `crate::app::controllers::users::index`).
pub fn standing<'r>(
    routes: &'r [ListedRoute],
    method: &str,
    path: &str,
    handlers: &[&str],
) -> Standing<'r> {
    let method = method.to_uppercase();
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    for r in routes {
        if r.kind == "fallback" {
            continue;
        }
        let same_method = r.method == method || r.method == "ANY";
        match clash(&r.path, path) {
            Clash::None => {}
            Clash::SamePath if !same_method => {}
            Clash::SamePath
                if r.kind == "route"
                    && handlers.iter().any(|h| squash(&r.handler) == squash(h)) =>
            {
                return Standing::Identical;
            }
            _ => return Standing::Clash(r),
        }
    }
    Standing::New
}

enum Clash {
    None,
    /// The very same path: clashes for the same method only.
    SamePath,
    /// A path axum cannot tell from it, or one under a catch-all: clashes
    /// for every method.
    Overlap,
}

fn clash(existing: &str, new: &str) -> Clash {
    if existing == new {
        return Clash::SamePath;
    }
    let a: Vec<&str> = existing.trim_end_matches('/').split('/').collect();
    let b: Vec<&str> = new.trim_end_matches('/').split('/').collect();
    let is_param = |s: &str| s.starts_with('{') && s.ends_with('}') && !s.starts_with("{*");
    let is_rest = |s: &str| s == "*" || s.starts_with("{*");
    for (i, seg) in a.iter().enumerate() {
        if is_rest(seg) {
            // Everything from here on is the catch-all's.
            return if b.len() > i || (b.len() == i && i > 0) {
                Clash::Overlap
            } else {
                Clash::None
            };
        }
        let Some(other) = b.get(i) else {
            return Clash::None;
        };
        let same = seg == other || (is_param(seg) && is_param(other));
        if !same {
            return Clash::None;
        }
    }
    if a.len() == b.len() {
        Clash::Overlap
    } else {
        Clash::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clash_as_axum_sees_them() {
        assert!(matches!(clash("/a/{id}", "/a/{id}"), Clash::SamePath));
        assert!(matches!(clash("/a/{slug}", "/a/{id}"), Clash::Overlap));
        assert!(matches!(clash("/a/{slug}", "/a/feed"), Clash::None));
        assert!(matches!(
            clash("/files/{*path}", "/files/x/y"),
            Clash::Overlap
        ));
        assert!(matches!(clash("/files/{*path}", "/files"), Clash::Overlap));
        assert!(matches!(
            clash("/assets/*", "/assets/app.js"),
            Clash::Overlap
        ));
        assert!(matches!(clash("/{*rest}", "/probe"), Clash::Overlap));
        assert!(matches!(
            clash("/api/users", "/api/users/{id}"),
            Clash::None
        ));
        assert!(matches!(clash("/{user}", "/probe"), Clash::None));
    }
}
