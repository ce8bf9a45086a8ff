//! The layout rustfmt would give what an edit writes, so the edited file
//! stays rustfmt-clean: a `.route(..)` call, a chain of one method's calls,
//! and when a chain that lost routes goes back on one line.

use std::ops::Range;

use syn::spanned::Spanned;

use super::source::Source;
use super::table::{Call, Chain, MethodRoute};

/// rustfmt's defaults: the line width, and the widths above which a call's
/// arguments or a method chain go one to a line.
pub(super) const MAX_WIDTH: usize = 100;
const CALL_WIDTH: usize = 60;
pub(super) const CHAIN_WIDTH: usize = 60;

/// Formats `.route("/path", get(a).post(b))` the way rustfmt would at
/// `indent` (the column of the `.`), so the edited file stays rustfmt-clean.
/// The handler paths are checked with syn and printed with quote.
pub fn format_route(path: &str, methods: &[MethodRoute], indent: &str, unit: &str) -> String {
    let lit = path_literal(path);
    let calls = method_calls(methods);
    let chain_flat = calls.join(".");
    let args_flat = format!("{lit}, {chain_flat}");
    let width = indent.chars().count() + ".route()".len() + args_flat.len();
    // rustfmt holds a chain to `chain_width` from its second link on:
    // `get(a).post(b)` is one link after its root.
    let chain_fits = calls.len() <= 2 || chain_flat.len() <= CHAIN_WIDTH;
    if chain_fits && args_flat.len() <= CALL_WIDTH && width <= MAX_WIDTH {
        return flat_route(path, methods);
    }
    let inner = format!("{indent}{unit}");
    let chain = if chain_fits && inner.len() + chain_flat.len() < MAX_WIDTH {
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
pub(super) fn flat_route(path: &str, methods: &[MethodRoute]) -> String {
    let lit = path_literal(path);
    format!(".route({lit}, {})", method_calls(methods).join("."))
}

/// `get(a)`, `post(b)`: each method's call.
fn method_calls(methods: &[MethodRoute]) -> Vec<String> {
    methods
        .iter()
        .map(|m| format!("{}({})", m.method, m.handler))
        .collect()
}

/// `.route(path, methods)` re-stated as rustfmt lays it out at the call's
/// indentation.
pub(super) fn restated(
    source: &Source<'_>,
    call: &Call<'_>,
    path: &str,
    methods: &[MethodRoute],
    unit: &str,
) -> String {
    let indent = source.indentation_at(call.dot).to_string();
    format_route(path, methods, &indent, unit).replace('\n', source.eol())
}

/// `root.method(a).method(b)..`, one call an argument, where the bytes of
/// `root` stand: on one line while it fits, else one call a line.
pub(super) fn call_chain(
    source: &Source<'_>,
    root: Range<usize>,
    method: &str,
    args: &[String],
) -> String {
    let indent = source.indentation_at(root.start);
    let root = &source.text[root];
    let flat: String = std::iter::once(root.to_string())
        .chain(args.iter().map(|a| format!(".{method}({a})")))
        .collect();
    // rustfmt keeps a root with one call on a line whenever it fits the
    // line; longer chains must also fit its chain width.
    let chain_fits = args.len() <= 1 || flat.len() <= CHAIN_WIDTH;
    if chain_fits && indent.len() + flat.len() <= MAX_WIDTH {
        flat
    } else {
        let eol = source.eol();
        let unit = source.indent_unit();
        let mut out = root.to_string();
        for a in args {
            out.push_str(&format!("{eol}{indent}{unit}.{method}({a})"));
        }
        out
    }
}

/// The line breaks to take out of a chain laid out one call a line that
/// rustfmt would put on one line (it fits, and holds no comment): the
/// inverse of the layout [`Anchor`](super::routes::Anchor) gives a one-line
/// chain that grew.
pub(super) fn one_line_again(source: &Source<'_>, chain: &Chain) -> Vec<(usize, usize)> {
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
