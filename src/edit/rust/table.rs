//! Reading the routes table: the `Router::new()` method chains of a router
//! function, their calls, and the routes and methods those calls state.

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall, Item};

use super::source::Source;
use super::syntax::{fn_body, segments, string_lit};
use crate::edit::flow;

/// Calls that add routes; new routes go after the last of them.
pub(in crate::edit) const ROUTE_CALLS: &[&str] =
    &["route", "merge", "nest", "route_service", "nest_service"];
/// Calls that must stay after every route: new routes go before the first.
pub(in crate::edit) const STOP_CALLS: &[&str] = &[
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

/// A route as the router table states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub path: String,
    pub method: String,
    /// The handler expression as written, e.g. `users::index`.
    pub handler: String,
}

/// One method of a route and the handler it calls: `get(users::index)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRoute {
    /// Lowercase, as axum's method router is named: `get`.
    pub method: String,
    /// The handler's path as written: `users::index`.
    pub handler: String,
}

impl MethodRoute {
    pub fn new(method: impl Into<String>, handler: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            handler: handler.into(),
        }
    }
}

/// A path and the methods to route on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGroup {
    pub path: String,
    pub methods: Vec<MethodRoute>,
}

/// One call of a method chain.
#[derive(Debug)]
pub(in crate::edit) struct Call<'a> {
    pub(in crate::edit) name: String,
    /// Offset of the `.` that starts the call.
    pub(in crate::edit) dot: usize,
    /// Offset just after the closing parenthesis.
    pub(in crate::edit) end: usize,
    pub(in crate::edit) args: Vec<&'a Expr>,
}

/// `root.a(..).b(..)`: the calls in source order.
#[derive(Debug)]
pub(in crate::edit) struct Chain<'a> {
    pub(in crate::edit) root_is_router_new: bool,
    pub(in crate::edit) root: &'a Expr,
    pub(in crate::edit) root_end: usize,
    pub(in crate::edit) calls: Vec<Call<'a>>,
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
pub(in crate::edit) fn chain_of<'ast>(
    source: &Source<'_>,
    node: &'ast ExprMethodCall,
) -> Chain<'ast> {
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

pub(in crate::edit) fn is_router_new(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if is_router_new_call(call))
}

fn is_router_new_call(ExprCall { func, .. }: &ExprCall) -> bool {
    let Expr::Path(p) = &**func else { return false };
    let segs = segments(&p.path);
    segs.len() >= 2 && segs[segs.len() - 2] == "Router" && segs[segs.len() - 1] == "new"
}

/// The chain new routes of `function` go to: its base chain (see
/// [`flow`]). `Ok(None)` when there is no such function.
pub(super) fn base_chain<'f>(
    source: &Source<'_>,
    file: &'f syn::File,
    function: &str,
) -> Result<Option<Chain<'f>>, flow::Refusal> {
    let Some(body) = fn_body(file, function) else {
        return Ok(None);
    };
    let expr = flow::base_chain(body)?;
    let mut finder = ChainFinder {
        source,
        chains: Vec::new(),
        depth: 0,
    };
    finder.visit_expr(expr);
    Ok(finder.chains.into_iter().next())
}

/// Every route-building chain of `function`, wherever it stands in the body.
pub(super) fn all_chains<'f>(
    source: &Source<'_>,
    file: &'f syn::File,
    function: &str,
) -> Vec<Chain<'f>> {
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

fn tokens(expr: &Expr) -> String {
    quote::ToTokens::to_token_stream(expr)
        .to_string()
        .replace(' ', "")
}

/// Every `.route(path, methods)` of the chain, one entry a method.
pub(super) fn routes_in(source: &Source<'_>, chain: &Chain) -> Vec<RouteDef> {
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

/// One method of a method router and where it is written: `get(a)` (from
/// its start) or `.post(b)` (from its dot), to its closing parenthesis.
pub(super) struct MethodCall {
    pub(super) method: String,
    /// The handler's tokens, for comparing.
    pub(super) handler: String,
    /// The handler as the file writes it, for restating the route.
    pub(super) written: String,
    pub(super) start: usize,
    pub(super) end: usize,
}

fn written(source: &Source<'_>, expr: &Expr) -> String {
    let span = expr.span();
    source.text[source.offset(span.start())..source.offset(span.end())].to_string()
}

/// The methods of a method router, in source order, with their places.
pub(super) fn method_calls(source: &Source<'_>, expr: &Expr) -> Vec<MethodCall> {
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
