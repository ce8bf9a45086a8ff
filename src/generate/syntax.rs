//! Rust syntax the generators compute from data (signatures, imports,
//! attributes, types, field lists, values), built as tokens with `quote!`
//! and printed with prettyplease, for templates to place. Templates keep
//! the shape of each file; what goes in it from the user's names and fields
//! is checked syntax, never text glued together.
//!
//! Each function prints one kind of node as prettyplease lays it out where
//! it stands in the file (an item or attribute at the top level, an
//! expression or type inside a line). The plan then formats the whole file
//! with the project's rustfmt when there is one (see
//! [`crate::plan::format_rust`]).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// Parses `tokens` the generator built as a `T`; a failure is a bug in the
/// generator, not in the user's input.
fn parse<T: syn::parse::Parse>(what: &str, tokens: TokenStream) -> T {
    syn::parse2(tokens.clone())
        .unwrap_or_else(|e| panic!("the generated {what} `{tokens}` does not parse: {e}"))
}

/// Items (`use` declarations, structs, functions), as prettyplease prints
/// them at the top level of a file, one after the other, without the final
/// newline.
pub fn items(tokens: TokenStream) -> String {
    let file: syn::File = parse("items", tokens);
    let mut text = prettyplease::unparse(&file);
    text.truncate(text.trim_end().len());
    text
}

/// A function's signature, printed as prettyplease lays out the function
/// at the top level, up to and with its opening brace: `pub async fn
/// index() -> Json<Page> {`. The template writes the body.
pub fn signature(signature: TokenStream) -> String {
    let item: syn::ItemFn = parse("function", quote!(#signature {}));
    let text = items(item.into_token_stream());
    let open = text
        .strip_suffix("{}")
        .expect("prettyplease prints an empty body as `{}`");
    format!("{open}{{")
}

/// An outer attribute (`#[openapi(..)]`), as prettyplease lays it out on an
/// item at the top level.
pub fn attribute(attribute: TokenStream) -> String {
    let item: syn::ItemStruct = parse("attribute", quote!(#attribute struct Item;));
    let text = items(item.into_token_stream());
    let attr = text
        .strip_suffix("struct Item;")
        .expect("prettyplease prints the item after its attributes");
    attr.trim_end().to_string()
}

/// A type (`Option<DateTime<Utc>>`), on one line.
pub fn ty(ty: TokenStream) -> String {
    let ty: syn::Type = parse("type", ty);
    let text = items(quote!(type T = #ty;));
    text.strip_prefix("type T = ")
        .and_then(|t| t.strip_suffix(';'))
        .expect("prettyplease prints a type alias on one line")
        .to_string()
}

/// An expression (a value, a call, a tuple), on one line as prettyplease
/// prints it inside a line of code; a tuple, array or call too long for
/// prettyplease's line has its parts printed so and joined on one line
/// (the plan's formatting breaks the line where rustfmt would).
pub fn expr(expr: TokenStream) -> String {
    let expr: syn::Expr = parse("expression", expr);
    one_line(&expr)
}

fn one_line(expr: &syn::Expr) -> String {
    let text = items(quote!(const C: T = #expr;));
    let text = text
        .strip_prefix("const C: T = ")
        .and_then(|t| t.strip_suffix(';'))
        .expect("prettyplease prints a constant's value after its type");
    if !text.contains('\n') {
        return text.to_string();
    }
    let list = |items: Vec<String>| items.join(", ");
    match expr {
        syn::Expr::Tuple(t) if t.elems.len() == 1 => format!("({},)", one_line(&t.elems[0])),
        syn::Expr::Tuple(t) => format!("({})", list(t.elems.iter().map(one_line).collect())),
        syn::Expr::Array(a) => format!("[{}]", list(a.elems.iter().map(one_line).collect())),
        syn::Expr::Call(c) => format!(
            "{}({})",
            one_line(&c.func),
            list(c.args.iter().map(one_line).collect())
        ),
        syn::Expr::Struct(lit) if lit.rest.is_none() && lit.qself.is_none() => {
            let fields = lit
                .fields
                .iter()
                .map(|f| match (&f.colon_token, &f.member) {
                    (None, member) => member.to_token_stream().to_string(),
                    (Some(_), member) => {
                        format!("{}: {}", member.to_token_stream(), one_line(&f.expr))
                    }
                });
            let path = text.split(" {").next().unwrap_or_default();
            format!("{path} {{ {} }}", list(fields.collect()))
        }
        _ => panic!("`{text}` is not one line"),
    }
}

/// Like [`expr`], with the identifier `placeholder` standing for `text`, code
/// prettyplease would print otherwise than it is written: a macro's own
/// syntax, such as the JSON `json!` takes.
pub fn expr_with(expr: TokenStream, placeholder: &str, text: &str) -> String {
    let printed = self::expr(expr);
    assert_eq!(
        printed.matches(placeholder).count(),
        1,
        "`{placeholder}` stands once in `{printed}`"
    );
    printed.replace(placeholder, text)
}

/// A Rust identifier for a name the generator has already checked (a
/// module, field or action name, never a keyword).
pub fn ident(name: &str) -> syn::Ident {
    syn::parse_str(name).unwrap_or_else(|e| panic!("`{name}` is not an identifier: {e}"))
}

/// A path (`crate::app::views::users`) from its `::`-separated text, every
/// segment an identifier the generator has checked.
pub fn path(text: &str) -> syn::Path {
    syn::parse_str(text).unwrap_or_else(|e| panic!("`{text}` is not a path: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_end_at_the_opening_brace() {
        let name = ident("show");
        let sig = signature(
            quote!(pub async fn #name(Path(id): Path<String>) -> Result<Json<UsersResponse>, AppError>),
        );
        assert_eq!(
            sig,
            "pub async fn show(Path(id): Path<String>) -> Result<Json<UsersResponse>, AppError> {"
        );
    }

    #[test]
    fn attributes_types_and_expressions_print_alone() {
        let handlers = [ident("index"), ident("show")];
        assert_eq!(
            attribute(
                quote!(#[openapi(paths(#(#handlers),*), components(schemas(UsersResponse)))])
            ),
            "#[openapi(paths(index, show), components(schemas(UsersResponse)))]"
        );
        assert_eq!(ty(quote!(Option<DateTime<Utc>>)), "Option<DateTime<Utc>>");
        assert_eq!(expr(quote!((name,))), "(name,)");
        assert_eq!(expr(quote!(format!("title {n}"))), "format!(\"title {n}\")");
        let uses = items(quote! {
            use axum::Json;
            use axum::extract::Path;
        });
        assert_eq!(uses, "use axum::Json;\nuse axum::extract::Path;");
    }
}
