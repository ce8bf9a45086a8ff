//! Where a new route is served on every path through a router function:
//! the *base chain*, a method chain built unconditionally (the function's
//! tail, or a top-level `let` or assignment; rooted at `Router::new()` or at
//! a router bound before) that every value the function returns grows from,
//! through `let` bindings, reassignments, `.merge(..)` and `.nest(..)`. A
//! route added anywhere else (an `if` arm, a loop, a closure, after an early
//! `return`, under `cfg`) would be served only sometimes.
//!
//! What a router value grows from is a *must* set: the chains it contains
//! on every path. A branch or a loop that may reassign a router keeps only
//! what both the old and the new value contain.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr, ExprAssign, ExprClosure, ExprReturn, Item, Local, Stmt};

use super::rust::{is_router_new, pat_name, stmt_has_cfg};

/// The chains, by index into [`Flow::bases`], a router value grows from.
type Origin = BTreeSet<usize>;

/// Why no place serves a new route on every path, and where that shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub at: LineColumn,
    pub why: String,
}

/// The base chain of `block` (a router function's body): the expression
/// (a method chain, or a bare `Router::new()`) new routes are added to.
pub fn base_chain(block: &Block) -> Result<&Expr, Refusal> {
    let mut flow = Flow::default();
    flow.top_block(block);
    flow.choose(block)
}

#[derive(Default)]
struct Flow<'ast> {
    /// Unconditional `Router::new()` chains, in source order.
    bases: Vec<&'ast Expr>,
    /// `let` bindings, innermost scope last.
    scopes: Vec<HashMap<String, Origin>>,
    /// What each returned value grows from, and where it is returned.
    exits: Vec<(Origin, LineColumn)>,
    /// The first `Router::new()` built inside a branch, loop or closure.
    conditional_router: Option<LineColumn>,
    /// Inside a closure, a `return` leaves the closure, not the function.
    closures: usize,
}

impl<'ast> Flow<'ast> {
    /// A block every path runs through: the function's body, or a block
    /// that is its tail.
    fn top_block(&mut self, block: &'ast Block) {
        self.scopes.push(HashMap::new());
        let last = block.stmts.len().saturating_sub(1);
        for (i, stmt) in block.stmts.iter().enumerate() {
            let cfg = stmt_has_cfg(stmt);
            match stmt {
                // Under `cfg`, a statement runs in some builds only.
                Stmt::Local(local) if cfg => self.cfg_local(local),
                Stmt::Expr(expr, _) if cfg => self.walk_expr(expr),
                Stmt::Local(local) => self.local(local, true),
                Stmt::Expr(Expr::Assign(assign), _) => self.assign(assign, true),
                Stmt::Expr(expr, None) if i == last => self.value_exits(expr, true),
                Stmt::Expr(expr, _) => self.walk_expr(expr),
                Stmt::Item(_) | Stmt::Macro(_) => {}
            }
        }
        self.scopes.pop();
    }

    /// `#[cfg(..)] let x = ..;`: where it is compiled out, an `x` bound
    /// before stays in scope; `x` holds only what both contain.
    fn cfg_local(&mut self, local: &'ast Local) {
        let before = pat_name(&local.pat)
            .and_then(|n| self.scopes.iter().rev().find_map(|s| s.get(&n)).cloned());
        self.local(local, false);
        if let (Some(before), Some(name)) = (before, pat_name(&local.pat))
            && let Some(slot) = self.scopes.last_mut().and_then(|s| s.get_mut(&name))
        {
            *slot = slot.intersection(&before).copied().collect();
        }
    }

    fn lookup(&self, name: &str) -> Origin {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .cloned()
            .unwrap_or_default()
    }

    /// What a router-valued expression grows from. `top` says it is
    /// evaluated unconditionally at the top of the function.
    fn eval(&mut self, expr: &'ast Expr, top: bool) -> Origin {
        match expr {
            Expr::MethodCall(_) | Expr::Call(_) => {
                let mut calls = Vec::new();
                let mut root = expr;
                while let Expr::MethodCall(m) = root {
                    calls.push(m);
                    root = &m.receiver;
                }
                if is_router_new(root) {
                    if top {
                        self.bases.push(expr);
                        return Origin::from([self.bases.len() - 1]);
                    }
                    self.conditional_router
                        .get_or_insert_with(|| expr.span().start());
                    // A router built here carries what it merges or nests.
                    let mut origin = Origin::new();
                    for call in calls {
                        if (call.method == "merge" || call.method == "nest")
                            && let Some(arg) = call.args.last()
                        {
                            origin.extend(self.eval(arg, false));
                        }
                    }
                    return origin;
                }
                if calls.is_empty() {
                    // A call of some function: what it returns is unknown.
                    return Origin::new();
                }
                let mut origin = self.eval(root, false);
                // `app.route(..).layer(..)` at the top, on a router bound
                // before: a chain every path runs through, too.
                // Only calls of a router, on a router bound by `let`.
                let builds = calls.iter().all(|c| {
                    let name = c.method.to_string();
                    super::rust::ROUTE_CALLS.contains(&name.as_str())
                        || super::rust::STOP_CALLS.contains(&name.as_str())
                });
                let bound = match root {
                    Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                        let name = i.to_string();
                        self.scopes.iter().any(|s| s.contains_key(&name))
                    }),
                    _ => false,
                };
                if top && builds && bound {
                    self.bases.push(expr);
                    origin.insert(self.bases.len() - 1);
                }
                origin
            }
            Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
                Some(ident) => self.lookup(&ident.to_string()),
                None => Origin::new(),
            },
            Expr::Paren(p) => self.eval(&p.expr, top),
            Expr::Group(g) => self.eval(&g.expr, top),
            Expr::Block(b) => self.block_value(&b.block),
            Expr::If(i) => {
                let then = self.block_value(&i.then_branch);
                match &i.else_branch {
                    Some((_, e)) => {
                        let other = self.eval(e, false);
                        then.intersection(&other).copied().collect()
                    }
                    None => Origin::new(),
                }
            }
            Expr::Match(m) => {
                let mut arms = m.arms.iter().map(|arm| self.eval(&arm.body, false));
                let first = arms.next().unwrap_or_default();
                arms.fold(first, |acc, o| acc.intersection(&o).copied().collect())
            }
            _ => Origin::new(),
        }
    }

    /// The value of a block evaluated for its tail, with its own scope.
    fn block_value(&mut self, block: &'ast Block) -> Origin {
        self.scopes.push(HashMap::new());
        let mut origin = Origin::new();
        let last = block.stmts.len().saturating_sub(1);
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                Stmt::Expr(expr, None) if i == last => origin = self.eval(expr, false),
                _ => self.walk_stmt(stmt),
            }
        }
        self.scopes.pop();
        origin
    }

    fn local(&mut self, local: &'ast Local, top: bool) {
        let origin = match &local.init {
            Some(init) => {
                self.walk_inner(&init.expr);
                self.eval(&init.expr, top)
            }
            None => Origin::new(),
        };
        if let Some(name) = pat_name(&local.pat) {
            self.scopes
                .last_mut()
                .expect("a scope")
                .insert(name, origin);
        }
    }

    /// `x = value`: replaces what `x` grows from at the top of the function;
    /// in a branch or loop, `x` may or may not be reassigned.
    fn assign(&mut self, assign: &'ast ExprAssign, top: bool) {
        self.walk_inner(&assign.right);
        let origin = self.eval(&assign.right, top);
        let Expr::Path(p) = &*assign.left else { return };
        let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
            return;
        };
        let depth = self.scopes.len();
        if let Some((level, scope)) = self
            .scopes
            .iter_mut()
            .enumerate()
            .rev()
            .find(|(_, s)| s.contains_key(&name))
        {
            let slot = scope.get_mut(&name).expect("found");
            if top || (level + 1 == depth && self.closures == 0) {
                *slot = origin;
            } else {
                // Reassigned on some paths only.
                *slot = slot.intersection(&origin).copied().collect();
            }
        }
    }

    /// The values the function's tail returns: each arm of a tail `if` or
    /// `match` is one.
    fn value_exits(&mut self, expr: &'ast Expr, top: bool) {
        match expr {
            Expr::If(i) => {
                self.walk_expr(&i.cond);
                self.block_exits(&i.then_branch);
                match &i.else_branch {
                    Some((_, e)) => self.value_exits(e, false),
                    None => self.exits.push((Origin::new(), expr.span().start())),
                }
            }
            Expr::Match(m) => {
                self.walk_expr(&m.expr);
                for arm in &m.arms {
                    self.value_exits(&arm.body, false);
                }
            }
            Expr::Block(b) if top => self.top_block(&b.block),
            Expr::Block(b) => self.block_exits(&b.block),
            Expr::Return(r) => self.walk_return(r),
            _ => {
                self.walk_inner(expr);
                let origin = self.eval(expr, top);
                self.exits.push((origin, expr.span().start()));
            }
        }
    }

    fn block_exits(&mut self, block: &'ast Block) {
        self.scopes.push(HashMap::new());
        let last = block.stmts.len().saturating_sub(1);
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                Stmt::Expr(expr, None) if i == last => self.value_exits(expr, false),
                _ => self.walk_stmt(stmt),
            }
        }
        self.scopes.pop();
    }

    fn walk_return(&mut self, r: &'ast ExprReturn) {
        if self.closures > 0 {
            return;
        }
        let origin = match &r.expr {
            Some(e) => {
                self.walk_inner(e);
                self.eval(e, false)
            }
            None => Origin::new(),
        };
        self.exits.push((origin, r.span().start()));
    }

    fn walk_stmt(&mut self, stmt: &'ast Stmt) {
        match stmt {
            Stmt::Local(local) => self.local(local, false),
            Stmt::Expr(expr, _) => self.walk_expr(expr),
            Stmt::Item(_) | Stmt::Macro(_) => {}
        }
    }

    /// Walks a statement-level expression for the assignments and returns
    /// inside it.
    fn walk_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Assign(a) => self.assign(a, false),
            Expr::Return(r) => self.walk_return(r),
            _ => self.walk_inner(expr),
        }
    }

    /// Visits the sub-expressions of `expr` (not `expr` itself as an
    /// assignment target).
    fn walk_inner(&mut self, expr: &'ast Expr) {
        let mut walker = Walker { flow: self };
        syn::visit::visit_expr(&mut walker, expr);
    }

    fn choose(self, block: &Block) -> Result<&'ast Expr, Refusal> {
        let end = block.brace_token.span.close().start();
        let Some((first, _)) = self.exits.first() else {
            return Err(Refusal {
                at: end,
                why: "the function returns no router".into(),
            });
        };
        let common: Origin = self.exits.iter().fold(first.clone(), |acc, (o, _)| {
            acc.intersection(o).copied().collect()
        });
        if let Some(&i) = common.iter().next() {
            return Ok(self.bases[i]);
        }
        if self.bases.is_empty() {
            return Err(match self.conditional_router {
                Some(at) => Refusal {
                    at,
                    why: "every `Router::new()` of this function is built inside a branch, a loop or a closure, so a route added to one of them is not served on every path".into(),
                },
                None => Refusal {
                    at: self.exits[0].1,
                    why: "the router it returns comes from a call or a value cargo mvc cannot follow, so it cannot tell where a route would be served on every path".into(),
                },
            });
        }
        // Some exit does not grow from the chain the others grow from.
        let base = self.bases[0].span().start();
        let odd = self
            .exits
            .iter()
            .find(|(o, _)| !o.contains(&0))
            .map_or(end, |(_, at)| *at);
        Err(Refusal {
            at: odd,
            why: format!(
                "the router returned here does not grow from the `Router::new()` chain at line {} through `let`, reassignment, `.merge` or `.nest` (it comes from a call or a branch, or an early `return` stands before that chain), so a route added to that chain is not served on every path",
                base.line
            ),
        })
    }
}

/// Finds the assignments, returns, `let`s and closures nested in an
/// expression, in source order.
struct Walker<'f, 'ast> {
    flow: &'f mut Flow<'ast>,
}

impl<'ast> Visit<'ast> for Walker<'_, 'ast> {
    fn visit_expr_assign(&mut self, node: &'ast ExprAssign) {
        self.flow.assign(node, false);
    }

    fn visit_expr_return(&mut self, node: &'ast ExprReturn) {
        self.flow.walk_return(node);
    }

    fn visit_expr_closure(&mut self, node: &'ast ExprClosure) {
        self.flow.closures += 1;
        syn::visit::visit_expr_closure(self, node);
        self.flow.closures -= 1;
    }

    fn visit_block(&mut self, node: &'ast Block) {
        self.flow.scopes.push(HashMap::new());
        for stmt in &node.stmts {
            self.flow.walk_stmt(stmt);
        }
        self.flow.scopes.pop();
    }

    fn visit_local(&mut self, node: &'ast Local) {
        self.flow.local(node, false);
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        // Note routers built in branches, for the refusal's message.
        if is_router_new(node) && (self.flow.scopes.len() > 1 || self.flow.closures > 0) {
            self.flow
                .conditional_router
                .get_or_insert_with(|| node.span().start());
        }
        syn::visit::visit_expr(self, node);
    }

    fn visit_item(&mut self, _: &'ast Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of the base chain of `fn routes` in `body`, or the refusal.
    fn base_line(body: &str) -> Result<usize, String> {
        let file: syn::File =
            syn::parse_str(&format!("fn routes() -> Router {{\n{body}\n}}")).unwrap();
        let Item::Fn(f) = &file.items[0] else {
            unreachable!()
        };
        base_chain(&f.block)
            .map(|e| e.span().start().line)
            .map_err(|r| r.why)
    }

    #[test]
    fn the_base_is_what_every_return_grows_from() {
        // Lines count from 2: line 1 is the signature.
        let cases: &[(&str, Result<usize, &str>)] = &[
            ("Router::new().route(\"/\", get(h))", Ok(2)),
            ("let r = Router::new();\nr.route(\"/\", get(h))", Ok(2)),
            (
                "let mut r = Router::new();\nif on() { r = r.route(\"/d\", get(h)); }\nr",
                Ok(2),
            ),
            ("let r = Router::new();\nlet r = r.layer(l);\nr", Ok(2)),
            // A `return` in a closure leaves the closure only.
            (
                "let r = Router::new().route(\"/\", get(|| async { return \"x\"; }));\nr",
                Ok(2),
            ),
            ("let r = Router::new();\nreturn r;", Ok(2)),
            ("{\n let r = Router::new();\n r\n}", Ok(3)),
            (
                "let r = Router::new();\nfor p in ps { r = r.route(p, get(h)); }\nr",
                Ok(2),
            ),
            (
                "let r = Router::new();\nif off() { return Router::new(); }\nr",
                Err("does not grow from"),
            ),
            (
                "if off() { return Router::new(); }\nRouter::new()",
                Err("does not grow from"),
            ),
            (
                "let r = if a() { Router::new() } else { Router::new() };\nr",
                Err("inside a branch"),
            ),
            ("make(Router::new())", Err("cannot follow")),
            (
                "let r = Router::new();\nif a() { r } else { Router::new().nest(\"/v1\", r) }",
                Ok(2),
            ),
        ];
        for (body, expected) in cases {
            let got = base_line(body);
            match expected {
                Ok(line) => assert_eq!(got, Ok(*line), "{body}"),
                Err(why) => assert!(
                    got.as_ref().is_err_and(|e| e.contains(why)),
                    "{body}: {got:?}"
                ),
            }
        }
    }
}
