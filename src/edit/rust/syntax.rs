//! Small syn helpers the router modules share: a path's identifiers, a
//! function's body, a statement under `cfg`, a `let`'s name, a string
//! literal's value.

use syn::{Expr, Item, Lit};

/// The identifiers of a path: `super::admin::routes` → `[super, admin, routes]`.
pub(in crate::edit) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The body of the top-level `fn name` of `file`.
pub(in crate::edit) fn fn_body<'f>(file: &'f syn::File, name: &str) -> Option<&'f syn::Block> {
    file.items.iter().find_map(|item| match item {
        Item::Fn(f) if f.sig.ident == name => Some(&*f.block),
        _ => None,
    })
}

/// Whether a statement is compiled only under a `#[cfg(..)]`.
pub(in crate::edit) fn stmt_has_cfg(stmt: &syn::Stmt) -> bool {
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
pub(in crate::edit) fn pat_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(p) => Some(p.ident.to_string()),
        syn::Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

pub(in crate::edit) fn string_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}
