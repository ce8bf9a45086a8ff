//! rustfmt's line breaking, for the Rust files a command creates when
//! rustfmt is not installed.
//!
//! Templates write each statement, signature and attribute on one line (or
//! in the layout rustfmt gives it for names of ordinary length); whether
//! rustfmt keeps that line or breaks it, and where, depends on the lengths
//! of the names and field lists that went into it. This module makes the
//! same decisions with rustfmt's default widths, for the forms generated
//! code takes: calls and macro calls with their arguments, method chains
//! with `.await` and `?`, `let` statements (the value on the same line or
//! the next), tuples, struct literals, `match` arms with guards, function
//! signatures and attribute argument lists. A statement with anything else
//! in it that does not fit is left as written, as rustfmt leaves code it
//! cannot lay out within its widths.

use proc_macro2::{Delimiter, LineColumn, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// rustfmt's defaults (`max_width` and the widths derived from it).
const MAX_WIDTH: usize = 100;
const FN_CALL_WIDTH: usize = 60;
const CHAIN_WIDTH: usize = 60;
const STRUCT_LIT_WIDTH: usize = 18;
const ATTR_FN_LIKE_WIDTH: usize = 70;
const SHORT_ITEM: usize = 10;
const TAB: usize = 4;

/// `text` (a whole Rust file) with every statement, signature and
/// attribute rustfmt would lay out otherwise laid out as rustfmt would.
/// A file that does not parse is returned as it is.
pub fn file(text: &str) -> String {
    let Ok(file) = syn::parse_file(text) else {
        return text.to_string();
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut finder = Finder {
        lines: &lines,
        edits: Vec::new(),
        spans_lines: std::cell::Cell::new(false),
    };
    finder.visit_file(&file);
    let mut edits = finder.edits;
    edits.sort_by_key(|e| e.first);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut next = 0;
    for edit in edits {
        if edit.first < next {
            continue;
        }
        out.extend(lines[next..edit.first].iter().map(|l| l.to_string()));
        out.push(edit.text);
        next = edit.last + 1;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    let out = out.join("\n");
    // Only the layout may change (whitespace, a trailing comma, the block
    // around a match arm's body): the same tokens but for those, or the
    // file as it was.
    let tokens = |file: &syn::File| {
        let text = file.to_token_stream().to_string();
        text.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '{' | '}'))
            .collect::<String>()
    };
    match syn::parse_file(&out) {
        Ok(laid) if tokens(&laid) == tokens(&file) => out,
        _ => text.to_string(),
    }
}

/// Lines `first..=last` (0-based) replaced by `text`.
struct Edit {
    first: usize,
    last: usize,
    text: String,
}

struct Finder<'a> {
    lines: &'a [&'a str],
    edits: Vec<Edit>,
    /// Set when a piece kept as written spans lines: the statement it is
    /// in is left alone.
    spans_lines: std::cell::Cell<bool>,
}

impl Finder<'_> {
    /// The source between two positions (lines 1-based, columns in chars).
    fn slice(&self, start: LineColumn, end: LineColumn) -> String {
        let (first, last) = (start.line - 1, end.line - 1);
        let mut text = String::new();
        for line in first..=last {
            let chars: Vec<char> = self.lines[line].chars().collect();
            let from = if line == first { start.column } else { 0 };
            let to = if line == last {
                end.column
            } else {
                chars.len()
            };
            if line != first {
                text.push(' ');
                text.extend(chars[from..to].iter().skip_while(|c| c.is_whitespace()));
            } else {
                text.extend(&chars[from..to]);
            }
        }
        text
    }

    fn text(&self, node: &impl Spanned) -> String {
        let span = node.span();
        if span.start().line != span.end().line {
            self.spans_lines.set(true);
        }
        self.slice(span.start(), span.end())
    }

    /// Whether lines `start..=end` hold a comment (or what may be one).
    fn commented(&self, start: LineColumn, end: LineColumn) -> bool {
        self.lines[start.line - 1..end.line]
            .iter()
            .any(|l| l.contains("//") || l.contains("/*"))
    }

    /// Whether `node` takes whole lines: nothing but indentation before it
    /// and nothing after it on its last line but `after`.
    fn whole_lines(&self, start: LineColumn, end: LineColumn, after: &str) -> bool {
        let first: String = self.lines[start.line - 1]
            .chars()
            .take(start.column)
            .collect();
        let rest: String = self.lines[end.line - 1].chars().skip(end.column).collect();
        first.trim().is_empty() && rest.trim() == after
    }

    fn replace(&mut self, start: LineColumn, end: LineColumn, text: String) {
        let (first, last) = (start.line - 1, end.line - 1);
        if self.lines[first..=last].join("\n") != text {
            self.edits.push(Edit { first, last, text });
        }
    }

    /// The layout tree of an expression.
    fn expr(&self, expr: &syn::Expr) -> Node {
        match expr {
            syn::Expr::Call(call) => Node::Call {
                head: self.text(&call.func),
                args: call.args.iter().map(|a| self.expr(a)).collect(),
                trailing_comma: true,
            },
            syn::Expr::Macro(mac) => self.mac(&mac.mac).unwrap_or_else(|| self.leaf(expr)),
            syn::Expr::MethodCall(_)
            | syn::Expr::Await(_)
            | syn::Expr::Try(_)
            | syn::Expr::Field(_) => {
                let mut links = Vec::new();
                let mut at = expr;
                loop {
                    match at {
                        syn::Expr::MethodCall(call) => {
                            let turbofish = call
                                .turbofish
                                .as_ref()
                                .map(|t| self.text(t))
                                .unwrap_or_default();
                            links.push(Link::Call(
                                format!(".{}{turbofish}", call.method),
                                call.args.iter().map(|a| self.expr(a)).collect(),
                                true,
                            ));
                            at = &call.receiver;
                        }
                        syn::Expr::Await(a) => {
                            links.push(Link::Text(".await".into()));
                            at = &a.base;
                        }
                        syn::Expr::Try(t) => {
                            links.push(Link::Try);
                            at = &t.expr;
                        }
                        syn::Expr::Field(f) => {
                            links.push(Link::Text(format!(".{}", self.text(&f.member))));
                            at = &f.base;
                        }
                        _ => break,
                    }
                }
                links.reverse();
                // rustfmt's chain: `?` belongs to the element before it.
                let mut chain: Vec<(Link, usize)> = Vec::new();
                let mut root_tries = 0;
                for link in links {
                    match link {
                        Link::Try => match chain.last_mut() {
                            Some((_, tries)) => *tries += 1,
                            None => root_tries += 1,
                        },
                        link => chain.push((link, 0)),
                    }
                }
                let root = self.expr(at);
                Node::Chain {
                    root: Box::new(root),
                    root_tries,
                    links: chain,
                }
            }
            syn::Expr::Reference(r) => {
                let prefix = if r.mutability.is_some() { "&mut " } else { "&" };
                Node::Prefix(prefix.into(), Box::new(self.expr(&r.expr)))
            }
            syn::Expr::Unary(u) => {
                let op = u.op.to_token_stream().to_string();
                Node::Prefix(op, Box::new(self.expr(&u.expr)))
            }
            syn::Expr::Array(a) => Node::List {
                open: "[".into(),
                close: "]".into(),
                items: a.elems.iter().map(|e| self.expr(e)).collect(),
            },
            syn::Expr::Tuple(t) if t.elems.len() > 1 => Node::List {
                open: "(".into(),
                close: ")".into(),
                items: t.elems.iter().map(|e| self.expr(e)).collect(),
            },
            syn::Expr::Struct(s) if s.qself.is_none() => Node::Struct {
                head: self.text(&s.path),
                fields: s
                    .fields
                    .iter()
                    .map(|f| match f.colon_token {
                        Some(_) => Field {
                            name: format!("{}: ", self.text(&f.member)),
                            value: self.expr(&f.expr),
                        },
                        None => Field {
                            name: String::new(),
                            value: self.leaf(&f.member),
                        },
                    })
                    .collect(),
                rest: s.rest.as_ref().map(|r| format!("..{}", self.text(r))),
            },
            syn::Expr::Async(a) if a.block.stmts.len() == 1 && a.attrs.is_empty() => {
                let syn::Stmt::Expr(body, None) = &a.block.stmts[0] else {
                    return self.leaf(expr);
                };
                let open = a.block.brace_token.span.open().start();
                let head = self.slice(a.span().start(), open);
                Node::Block {
                    head: head.trim_end().to_string(),
                    body: Box::new(self.expr(body)),
                }
            }
            syn::Expr::Closure(c)
                if !matches!(*c.body, syn::Expr::Block(_))
                    && c.output == syn::ReturnType::Default =>
            {
                let head_end = c.inputs_end.span.end();
                let head = self.slice(c.span().start(), head_end);
                Node::Closure {
                    head,
                    body: Box::new(self.expr(&c.body)),
                }
            }
            _ => self.leaf(expr),
        }
    }

    fn leaf(&self, node: &impl Spanned) -> Node {
        Node::Leaf(self.text(node))
    }

    /// A macro call whose arguments are expressions (`assert_eq!(a, b)`,
    /// `format!("{}", x)`), laid out as rustfmt lays out a call, without a
    /// trailing comma.
    fn mac(&self, mac: &syn::Macro) -> Option<Node> {
        if !matches!(mac.delimiter, syn::MacroDelimiter::Paren(_)) {
            return None;
        }
        let name = mac.path.get_ident()?.to_string();
        if !matches!(
            name.as_str(),
            "assert"
                | "assert_eq"
                | "assert_ne"
                | "format"
                | "matches"
                | "panic"
                | "println"
                | "eprintln"
        ) {
            return None;
        }
        let args = mac
            .parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            )
            .ok()?;
        let mut args: Vec<Node> = args.iter().map(|a| self.expr(a)).collect();
        args.iter_mut().for_each(in_macro);
        Some(Node::Call {
            head: format!("{name}!"),
            args,
            trailing_comma: false,
        })
    }

    fn indent_of(&self, line: usize) -> usize {
        self.lines[line - 1].len() - self.lines[line - 1].trim_start().len()
    }

    /// A statement on one line of its own.
    fn statement(&mut self, stmt: &syn::Stmt) {
        let span = stmt.span();
        let (start, end) = (span.start(), span.end());
        if !self.whole_lines(start, end, "") || self.commented(start, end) {
            return;
        }
        self.spans_lines.set(false);
        let indent = start.column;
        let laid = match stmt {
            syn::Stmt::Local(local) => {
                let Some(init) = local.init.as_ref().filter(|i| i.diverge.is_none()) else {
                    return;
                };
                let head = format!("let {} = ", self.text(&local.pat));
                let value = self.expr(&init.expr);
                let_statement(indent, &head, &value)
            }
            syn::Stmt::Expr(expr, semi) => {
                let node = self.expr(expr);
                let reserve = usize::from(semi.is_some());
                layout(&node, indent, indent, reserve).map(|t| {
                    format!(
                        "{}{t}{}",
                        " ".repeat(indent),
                        if semi.is_some() { ";" } else { "" }
                    )
                })
            }
            syn::Stmt::Macro(mac) => {
                let Some(node) = self.mac(&mac.mac) else {
                    return;
                };
                let semi = mac.semi_token.is_some();
                layout(&node, indent, indent, usize::from(semi))
                    .map(|t| format!("{}{t}{}", " ".repeat(indent), if semi { ";" } else { "" }))
            }
            syn::Stmt::Item(_) => return,
        };
        if self.spans_lines.get() {
            return;
        }
        if let Some(text) = laid {
            self.replace(start, end, text);
        }
    }

    /// `let pattern = value else {` (its block below, left as it is):
    /// `let pattern =`, the value and `else {` on lines of their own when
    /// they do not fit on one.
    fn let_else(&mut self, stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Local(local) = stmt else {
            return false;
        };
        let Some(init) = &local.init else {
            return false;
        };
        let Some((else_token, diverge)) = &init.diverge else {
            return false;
        };
        let syn::Expr::Block(block) = &**diverge else {
            return true;
        };
        let start = stmt.span().start();
        let brace = block.block.brace_token.span.open().end();
        let line = start.line;
        if init.expr.span().end().line != line
            || else_token.span.start().line != line
            || brace.line != line
            || !self.whole_lines(start, brace, "")
            || self.commented(start, brace)
        {
            return true;
        }
        self.spans_lines.set(false);
        let pat = self.text(&local.pat);
        let value = self.expr(&init.expr);
        if self.spans_lines.get() {
            return true;
        }
        let indent = start.column;
        let pad = " ".repeat(indent);
        let one = format!("{pad}let {pat} = {} else {{", flat(&value));
        let text = if one_line_ok(&value) && width(&one) <= MAX_WIDTH {
            one
        } else {
            match layout(&value, indent + TAB, indent + TAB, 0) {
                Some(next) if !next.contains('\n') => {
                    format!("{pad}let {pat} =\n{pad}    {next}\n{pad}else {{")
                }
                _ => return true,
            }
        };
        self.replace(start, start, text);
        true
    }

    /// `for pattern in values {` (its body below, left as it is).
    fn for_header(&mut self, stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::ForLoop(l), _) = stmt else {
            return false;
        };
        let start = stmt.span().start();
        let brace = l.body.brace_token.span.open().end();
        if l.expr.span().start().line != start.line
            || brace.line != start.line
            || l.label.is_some()
            || !self.whole_lines(start, brace, "")
            || self.commented(start, brace)
        {
            return true;
        }
        self.spans_lines.set(false);
        let head = format!("for {} in ", self.text(&l.pat));
        let values = self.expr(&l.expr);
        if self.spans_lines.get() {
            return true;
        }
        let indent = start.column;
        if let Some(values) = layout(&values, indent + width(&head), indent, 2) {
            let text = format!("{}{head}{values} {{", " ".repeat(indent));
            self.replace(start, start, text);
        }
        true
    }

    /// A `match` whose scrutinee and arms each take one line.
    fn match_statement(&mut self, stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::Match(m), None) = stmt else {
            return false;
        };
        let span = stmt.span();
        let (start, end) = (span.start(), span.end());
        let scrutinee = m.expr.span();
        if scrutinee.start().line != start.line
            || scrutinee.end().line != start.line
            || !self.whole_lines(start, end, "")
            || self.commented(start, end)
            || m.arms.iter().any(|arm| {
                let s = arm.span();
                s.start().line != s.end().line || !arm.attrs.is_empty()
            })
        {
            return false;
        }
        self.spans_lines.set(false);
        let indent = start.column;
        let pad = " ".repeat(indent);
        let arm_pad = " ".repeat(indent + TAB);
        let Some(head) = layout(&self.expr(&m.expr), indent + 6, indent, 2) else {
            return false;
        };
        let mut text = format!("{pad}match {head} {{\n");
        for arm in &m.arms {
            let (pat, guard) = match &arm.pat {
                syn::Pat::Guard(g) => (&*g.pat, Some(self.text(&g.guard))),
                p => (p, None),
            };
            let pat = match pat {
                syn::Pat::Tuple(t) if t.elems.len() > 1 => Node::List {
                    open: "(".into(),
                    close: ")".into(),
                    items: t.elems.iter().map(|p| self.leaf(p)).collect(),
                },
                p => self.leaf(p),
            };
            let body = self.expr(&arm.body);
            let Some(laid) = match_arm(indent + TAB, &pat, guard.as_deref(), &body) else {
                return false;
            };
            text.push_str(&arm_pad);
            text.push_str(&laid);
            text.push('\n');
        }
        text.push_str(&pad);
        text.push('}');
        if !self.spans_lines.get() {
            self.replace(start, end, text);
        }
        true
    }

    /// A function's signature (with its opening brace): on one line when
    /// it fits, else one parameter per line.
    fn signature(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let start = sig.span().start();
        let open = sig.paren_token.span.open().start();
        let close = sig.paren_token.span.close().start();
        let brace = block.brace_token.span.open().end();
        if open.line != start.line
            || brace.line != close.line
            || !self.whole_lines(
                LineColumn {
                    line: start.line,
                    column: 0,
                },
                brace,
                "",
            )
            || self.commented(start, brace)
            || sig.generics.where_clause.is_some()
            || sig.variadic.is_some()
        {
            return;
        }
        self.spans_lines.set(false);
        let params: Vec<String> = sig.inputs.iter().map(|p| self.text(p)).collect();
        if self.spans_lines.get() {
            return;
        }
        let line_start = LineColumn {
            line: start.line,
            column: 0,
        };
        let after_open = LineColumn {
            line: open.line,
            column: open.column + 1,
        };
        let head = self.slice(line_start, after_open);
        let tail = self.slice(close, brace);
        let indent = self.indent_of(start.line);
        let one = format!("{head}{}{tail}", params.join(", "));
        let text = if width(&one) <= MAX_WIDTH || params.is_empty() {
            one
        } else {
            let inner = " ".repeat(indent + TAB);
            let params: String = params.iter().map(|p| format!("{inner}{p},\n")).collect();
            format!("{head}\n{params}{}{tail}", " ".repeat(indent))
        };
        self.replace(start, brace, text);
    }

    /// `use a::b::{C, D};`: on one line when it fits, else the names
    /// several to a line.
    fn use_item(&mut self, item: &syn::ItemUse) {
        let span = item.span();
        let (start, end) = (span.start(), span.end());
        if !self.whole_lines(start, end, "") || self.commented(start, end) || !item.attrs.is_empty()
        {
            return;
        }
        let mut prefix = String::new();
        let mut tree = &item.tree;
        while let syn::UseTree::Path(path) = tree {
            prefix.push_str(&format!("{}::", path.ident));
            tree = &path.tree;
        }
        let syn::UseTree::Group(group) = tree else {
            return;
        };
        if group
            .items
            .iter()
            .any(|i| matches!(i, syn::UseTree::Group(_)))
        {
            return;
        }
        self.spans_lines.set(false);
        let names: Vec<String> = group.items.iter().map(|i| self.text(i)).collect();
        if self.spans_lines.get() || names.len() < 2 {
            return;
        }
        let vis = match &item.vis {
            syn::Visibility::Inherited => String::new(),
            vis => format!("{} ", self.text(vis)),
        };
        let indent = start.column;
        let pad = " ".repeat(indent);
        let one = format!("{pad}{vis}use {prefix}{{{}}};", names.join(", "));
        // rustfmt keeps two columns free after a `use` on one line.
        let text = if width(&one) + 2 <= MAX_WIDTH {
            one
        } else {
            let items: Vec<Node> = names.into_iter().map(Node::Leaf).collect();
            let open = format!("{pad}{vis}use {prefix}{{");
            let list = fill(&open, "}", &items, indent);
            format!("{list};")
        };
        self.replace(start, end, text);
    }

    /// An outer attribute with an argument list: `#[name(…)]`.
    fn attribute(&mut self, attr: &syn::Attribute) {
        let syn::Meta::List(list) = &attr.meta else {
            return;
        };
        if !matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) {
            return;
        }
        let span = attr.span();
        let (start, end) = (span.start(), span.end());
        if !self.whole_lines(start, end, "") {
            return;
        }
        // rustfmt leaves `derive` lists on one line, and does not touch an
        // attribute whose arguments are not all meta items (`path`,
        // `path = literal`, `path(…)`).
        if list.path.is_ident("derive") {
            return;
        }
        let Some(items) = self.meta_items(list.tokens.clone()) else {
            return;
        };
        if !items.iter().all(is_meta) {
            return;
        }
        let indent = start.column;
        let node = Node::List {
            open: format!("#[{}(", self.text(&list.path)),
            close: ")]".into(),
            items,
        };
        let text = attr_list(&node, indent, indent, 0);
        self.replace(start, end, format!("{}{text}", " ".repeat(indent)));
    }

    /// The comma-separated items of an attribute's arguments: a nested
    /// list (`paths(a, b)`, `(status = 200, …)`) or a run of tokens.
    fn meta_items(&self, tokens: TokenStream) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        let mut current: Vec<TokenTree> = Vec::new();
        let flush = |current: &mut Vec<TokenTree>, items: &mut Vec<Node>| -> Option<()> {
            if current.is_empty() {
                return Some(());
            }
            let item = match current.last() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let head = if current.len() > 1 {
                        let first = current[0].span().start();
                        let last = current[current.len() - 2].span().end();
                        self.slice(first, last)
                    } else {
                        String::new()
                    };
                    Node::List {
                        open: format!("{head}("),
                        close: ")".into(),
                        items: self.meta_items(g.stream())?,
                    }
                }
                _ => {
                    let first = current[0].span().start();
                    let last = current[current.len() - 1].span().end();
                    Node::Leaf(self.slice(first, last))
                }
            };
            items.push(item);
            current.clear();
            Some(())
        };
        for token in tokens {
            match &token {
                TokenTree::Punct(p) if p.as_char() == ',' => flush(&mut current, &mut items)?,
                _ => current.push(token),
            }
        }
        flush(&mut current, &mut items)?;
        Some(items)
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        for stmt in &block.stmts {
            if !self.match_statement(stmt) && !self.let_else(stmt) && !self.for_header(stmt) {
                self.statement(stmt);
            }
        }
        syn::visit::visit_block(self, block);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_item(item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.signature(&item.sig, &item.block);
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.signature(&item.sig, &item.block);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if matches!(attr.style, syn::AttrStyle::Outer) {
            self.attribute(attr);
        }
    }
}

/// An expression, as a tree of what rustfmt lays out.
#[derive(Clone)]
enum Node {
    /// Code kept as written, on one line.
    Leaf(String),
    /// `&x`, `&mut x`.
    Prefix(String, Box<Node>),
    /// `f(a, b)` or `m!(a, b)`.
    Call {
        head: String,
        args: Vec<Node>,
        trailing_comma: bool,
    },
    /// `root.a(..).await?.b`: each link with the `?`s after it.
    Chain {
        root: Box<Node>,
        root_tries: usize,
        links: Vec<(Link, usize)>,
    },
    /// A tuple (or a list of attribute arguments).
    List {
        open: String,
        close: String,
        items: Vec<Node>,
    },
    /// `Path { a, b: c, ..d }`.
    Struct {
        head: String,
        fields: Vec<Field>,
        rest: Option<String>,
    },
    /// `|x| body`, the body not a block.
    Closure { head: String, body: Box<Node> },
    /// `async move { body }`, a block of one expression.
    Block { head: String, body: Box<Node> },
}

/// A field of a struct literal: `name: ` (empty for a shorthand) and its
/// value.
#[derive(Clone)]
struct Field {
    name: String,
    value: Node,
}

fn flat_fields(fields: &[Field], rest: &Option<String>) -> String {
    let mut items: Vec<String> = fields
        .iter()
        .map(|f| format!("{}{}", f.name, flat(&f.value)))
        .collect();
    items.extend(rest.clone());
    items.join(", ")
}

#[derive(Clone)]
enum Link {
    Text(String),
    /// `.name(args)`, and whether its arguments one to a line end with a
    /// comma (not inside a macro's arguments).
    Call(String, Vec<Node>, bool),
    Try,
}

/// `node` as an argument of a macro: rustfmt writes no trailing comma
/// after the last of the arguments it lays out one to a line in there.
fn in_macro(node: &mut Node) {
    match node {
        Node::Call {
            args,
            trailing_comma,
            ..
        } => {
            *trailing_comma = false;
            args.iter_mut().for_each(in_macro);
        }
        Node::Prefix(_, inner) => in_macro(inner),
        Node::Chain { root, links, .. } => {
            in_macro(root);
            for (link, _) in links {
                if let Link::Call(_, args, trailing_comma) = link {
                    *trailing_comma = false;
                    args.iter_mut().for_each(in_macro);
                }
            }
        }
        Node::List { items, .. } => items.iter_mut().for_each(in_macro),
        Node::Closure { body, .. } | Node::Block { body, .. } => in_macro(body),
        Node::Leaf(_) | Node::Struct { .. } => {}
    }
}

fn flat(node: &Node) -> String {
    match node {
        Node::Leaf(text) => text.clone(),
        Node::Prefix(prefix, inner) => format!("{prefix}{}", flat(inner)),
        Node::Call { head, args, .. } => format!("{head}({})", flat_list(args)),
        Node::Chain {
            root,
            root_tries,
            links,
        } => {
            let mut text = format!("{}{}", flat(root), "?".repeat(*root_tries));
            for (link, tries) in links {
                text.push_str(&flat_link(link));
                text.push_str(&"?".repeat(*tries));
            }
            text
        }
        Node::List { open, close, items } => format!("{open}{}{close}", flat_list(items)),
        Node::Struct { head, fields, rest } if fields.is_empty() && rest.is_none() => {
            format!("{head} {{}}")
        }
        Node::Struct { head, fields, rest } => {
            format!("{head} {{ {} }}", flat_fields(fields, rest))
        }
        Node::Closure { head, body } => format!("{head} {}", flat(body)),
        Node::Block { head, body } => format!("{head} {{ {} }}", flat(body)),
    }
}

fn flat_list(items: &[Node]) -> String {
    items.iter().map(flat).collect::<Vec<_>>().join(", ")
}

fn flat_link(link: &Link) -> String {
    match link {
        Link::Text(text) => text.clone(),
        Link::Call(name, args, _) => format!("{name}({})", flat_list(args)),
        Link::Try => "?".into(),
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Whether `node` may stay on one line by rustfmt's narrower widths (the
/// arguments of a call, a chain, a struct literal), whatever the room.
fn one_line_ok(node: &Node) -> bool {
    match node {
        Node::Leaf(_) => true,
        Node::Prefix(_, inner) => one_line_ok(inner),
        Node::Call { args, .. } => args_ok(args),
        Node::Chain { root, links, .. } => {
            // rustfmt holds a chain of one link to the line's width only.
            let text = flat(node);
            let trailing = text.len() - text.trim_end_matches('?').len();
            (links.len() <= 1 || width(&text) + trailing <= CHAIN_WIDTH)
                && one_line_ok(root)
                && links.iter().all(|(l, _)| match l {
                    Link::Call(_, args, _) => args_ok(args),
                    _ => true,
                })
        }
        Node::List { items, .. } => {
            width(&flat_list(items)) <= FN_CALL_WIDTH && items.iter().all(one_line_ok)
        }
        Node::Struct { fields, rest, .. } => {
            width(&flat_fields(fields, rest)) <= STRUCT_LIT_WIDTH
                && fields.iter().all(|f| one_line_ok(&f.value))
        }
        Node::Closure { body, .. } | Node::Block { body, .. } => one_line_ok(body),
    }
}

/// Whether a call's arguments may stay on one line: within the width for
/// a call's arguments; a single argument within the line, but a call
/// (`Ok(Json(…))`), which is held to that width too.
fn args_ok(args: &[Node]) -> bool {
    let within = match args {
        [only] => !is_call(only) || width(&flat(only)) <= FN_CALL_WIDTH,
        _ => width(&flat_list(args)) <= FN_CALL_WIDTH,
    };
    within && args.iter().all(one_line_ok)
}

/// A call or macro call, maybe behind `&` or followed by `?`.
fn is_call(node: &Node) -> bool {
    match node {
        Node::Call { .. } => true,
        Node::Prefix(_, inner) => is_call(inner),
        Node::Chain { root, links, .. } => links.is_empty() && is_call(root),
        _ => false,
    }
}

/// What a call's single argument may open on the call's line when it does
/// not fit on one: a call, a tuple or a struct literal (`Ok(Self {`).
fn opens_inline(node: &Node) -> bool {
    match node {
        Node::Call { .. } | Node::Struct { .. } | Node::List { .. } => true,
        Node::Prefix(_, inner) => opens_inline(inner),
        Node::Closure { .. } | Node::Block { .. } => false,
        _ => false,
    }
}

/// `node` laid out starting at column `col`, continuation lines indented
/// from `indent`, with `reserve` columns kept free after its last line;
/// `None` if rustfmt could not lay it out within its widths.
fn layout(node: &Node, col: usize, indent: usize, reserve: usize) -> Option<String> {
    let text = flat(node);
    if one_line_ok(node) && col + width(&text) + reserve <= MAX_WIDTH {
        return Some(text);
    }
    broken(node, col, indent, reserve)
}

/// `text`, laid out from column `col`, if every line of it fits.
fn within(text: String, col: usize, reserve: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let fits = match lines.as_slice() {
        [] => true,
        [one] => col + width(one) + reserve <= MAX_WIDTH,
        // The room rustfmt gives an expression is for its first line too.
        [first, rest @ ..] => {
            col + width(first) + reserve <= MAX_WIDTH && rest.iter().all(|l| width(l) <= MAX_WIDTH)
        }
    };
    fits.then_some(text)
}

/// `node` laid out over several lines, as [`layout`] does when it does not
/// fit on one.
fn broken(node: &Node, col: usize, indent: usize, reserve: usize) -> Option<String> {
    let text = broken_unchecked(node, col, indent, reserve)?;
    within(text, col, reserve)
}

fn broken_unchecked(node: &Node, col: usize, indent: usize, reserve: usize) -> Option<String> {
    match node {
        Node::Leaf(_) => None,
        Node::Prefix(prefix, inner) => {
            broken(inner, col + width(prefix), indent, reserve).map(|t| format!("{prefix}{t}"))
        }
        Node::Call {
            head,
            args,
            trailing_comma,
        } => {
            let open = format!("{head}(");
            // A single argument that is itself a call or a struct literal
            // opens on the same line: `Ok(Json(` … `))`.
            // A call in it is held to the width of a call's arguments.
            let inner = |arg: &Node| {
                let (col, reserve) = (col + width(&open), reserve + 1);
                if is_call(arg) && width(&flat(arg)) > FN_CALL_WIDTH {
                    broken(arg, col, indent, reserve)
                } else {
                    layout(arg, col, indent, reserve)
                }
            };
            // After a callee shorter than an indentation, a method chain
            // opens there too (`Ok(Redirect::to(..)` … `.into_response())`).
            let chain_opens = |arg: &Node| {
                width(head) < TAB
                    && matches!(arg, Node::Chain { links, .. } if matches!(links.last(), Some((Link::Call(..), _))))
            };
            if let [arg] = args.as_slice()
                && (opens_inline(arg) || chain_opens(arg))
                && let Some(inner) = inner(arg)
                && inner.contains('\n')
            {
                return Some(format!("{open}{inner})"));
            }
            vertical(&open, ")", args, indent, *trailing_comma)
        }
        Node::Chain {
            root,
            root_tries,
            links,
        } => chain(root, *root_tries, links, col, indent, reserve),
        Node::List { open, close, items } => {
            let simple = items
                .iter()
                .all(|i| matches!(i, Node::Leaf(t) if width(t) <= SHORT_ITEM && is_simple(t)));
            if simple && items.len() > 1 {
                return Some(fill(open, close, items, indent));
            }
            vertical(open, close, items, indent, true)
        }
        Node::Struct { head, fields, rest } => {
            let inner = indent + TAB;
            let pad = " ".repeat(inner);
            let mut out = format!("{head} {{\n");
            for field in fields {
                let value = layout(&field.value, inner + width(&field.name), inner, 1)?;
                out.push_str(&format!("{pad}{}{value},\n", field.name));
            }
            if let Some(rest) = rest {
                out.push_str(&format!("{pad}{rest}\n"));
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
            Some(out)
        }
        // rustfmt may open a closure's body on its line (`|m| Row {`); only
        // the plain case, the value of a `let`, is laid out here.
        Node::Closure { .. } => None,
        Node::Block { head, body } => {
            // rustfmt leaves the one-expression `async` block a closure
            // returns on its line a little past the width (measured at the
            // indentation of the tests the generators write).
            if col + width(&flat(node)) + reserve <= MAX_WIDTH + TAB && one_line_ok(node) {
                return Some(flat(node));
            }
            let body = layout(body, indent + TAB, indent + TAB, 0)?;
            let pad = " ".repeat(indent);
            Some(format!("{head} {{\n{pad}    {body}\n{pad}}}"))
        }
    }
}

/// A method chain (rustfmt's block-indented chain): on one line when it
/// fits; else the root, then each link on a line of its own, but for a
/// last link that can open on the same line as the rest (`fields.check(`
/// and its arguments below). A root no wider than an indentation at the
/// start of a line takes the links that keep it so (`page.render()`).
fn chain(
    root: &Node,
    root_tries: usize,
    links: &[(Link, usize)],
    col: usize,
    indent: usize,
    reserve: usize,
) -> Option<String> {
    let mut head = layout(root, col, indent, root_tries)?;
    head.push_str(&"?".repeat(root_tries));
    let mut rest = links;
    if col == indent && !head.contains('\n') {
        while width(&head) <= TAB
            && let Some(((link, tries), tail)) = rest.split_first()
        {
            let end = tries + if tail.is_empty() { reserve } else { 0 };
            head.push_str(&link_layout(link, col + width(&head), indent, end)?);
            head.push_str(&"?".repeat(*tries));
            rest = tail;
        }
    }
    let Some(((last, last_tries), middle)) = rest.split_last() else {
        return Some(head);
    };
    let at = if head.contains('\n') {
        indent
    } else {
        indent + TAB
    };
    let mut parts = Vec::new();
    for (link, tries) in middle {
        let text = link_layout(link, at, at, *tries)?;
        parts.push(format!("{text}{}", "?".repeat(*tries)));
    }
    let tries = "?".repeat(*last_tries);
    let own_line = link_layout(last, at, at, reserve + last_tries);
    let vertical = |last: &str| {
        let pad = " ".repeat(at);
        let mut out = head.clone();
        for part in parts.iter().map(String::as_str).chain([last]) {
            out.push('\n');
            out.push_str(&pad);
            out.push_str(part);
        }
        out.push_str(&tries);
        out
    };
    let all_in_one_line = !head.contains('\n') && parts.iter().all(|p| !p.contains('\n'));
    let almost_total = width(&head) + parts.iter().map(|p| width(p)).sum::<usize>() + last_tries;
    let room = MAX_WIDTH.saturating_sub(col + reserve);
    let limit = if links.len() == 1 {
        room
    } else {
        room.min(CHAIN_WIDTH)
    };
    let budget = limit.saturating_sub(almost_total);
    if all_in_one_line && budget > 0 {
        let start = col + almost_total - last_tries;
        if let Some(same) = link_layout(last, start, indent, reserve + last_tries) {
            let first = same.lines().next().map(width).unwrap_or(0);
            let could_fit = first <= budget;
            let lines = same.lines().count();
            let same_line = could_fit
                && (lines >= 5
                    || own_line
                        .as_ref()
                        .is_none_or(|own| own.lines().count() >= lines));
            if same_line {
                return Some(format!("{head}{}{same}{tries}", parts.concat()));
            }
        }
    }
    Some(vertical(&own_line?))
}

/// A link of a chain laid out at `col`.
fn link_layout(link: &Link, col: usize, indent: usize, reserve: usize) -> Option<String> {
    match link {
        Link::Call(name, args, trailing_comma) => {
            let call = Node::Call {
                head: name.clone(),
                args: args.clone(),
                trailing_comma: *trailing_comma,
            };
            layout(&call, col, indent, reserve)
        }
        link => Some(flat_link(link)),
    }
}

/// An identifier, path or literal: what rustfmt lays out several to a
/// line when a list of them is short enough.
fn is_simple(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '"')
}

/// `open` items one per line, each followed by a comma (but the last when
/// `trailing_comma` is false), `close` on a line of its own.
fn vertical(
    open: &str,
    close: &str,
    items: &[Node],
    indent: usize,
    trailing_comma: bool,
) -> Option<String> {
    let inner = indent + TAB;
    let pad = " ".repeat(inner);
    let mut out = format!("{open}\n");
    for (i, item) in items.iter().enumerate() {
        let comma = trailing_comma || i + 1 < items.len();
        let text = layout(item, inner, inner, usize::from(comma))?;
        out.push_str(&pad);
        out.push_str(&text);
        if comma {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    Some(out)
}

/// Items several to a line, as rustfmt lays out a tuple or array of short
/// identifiers, or the names a `use` imports.
fn fill(open: &str, close: &str, items: &[Node], indent: usize) -> String {
    let inner = indent + TAB;
    let mut out = format!("{open}\n");
    let mut line = String::new();
    for item in items {
        let text = format!("{},", flat(item));
        if !line.is_empty() && inner + width(&line) + 1 + width(&text) > MAX_WIDTH {
            out.push_str(&" ".repeat(inner));
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&text);
    }
    out.push_str(&" ".repeat(inner));
    out.push_str(&line);
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    out
}

/// `let pat = value;` at `indent`: the value on the same line when it
/// fits there, on the next line when that keeps it on one line or spares
/// lines (rustfmt's `choose_rhs`).
fn let_statement(indent: usize, head: &str, value: &Node) -> Option<String> {
    let pad = " ".repeat(indent);
    if let Node::Closure { head: params, body } = value
        && !(one_line_ok(value) && indent + width(head) + width(&flat(value)) < MAX_WIDTH)
        && !opens_inline(body)
    {
        let body = layout(body, indent + TAB, indent + TAB, 0)?;
        return Some(format!("{pad}{head}{params} {{\n{pad}    {body}\n{pad}}};"));
    }
    let same = layout(value, indent + width(head), indent, 1);
    if let Some(text) = &same
        && !text.contains('\n')
    {
        return Some(format!("{pad}{head}{text};"));
    }
    let next = layout(value, indent + TAB, indent + TAB, 1);
    let head = head.trim_end();
    let on_next = |text: &str| format!("{pad}{head}\n{}{text};", " ".repeat(indent + TAB));
    match (same, next) {
        (Some(same), Some(next)) if prefer_next_line(&same, &next) => Some(on_next(&next)),
        (None, Some(next)) => Some(on_next(&next)),
        (Some(same), _) => Some(format!("{pad}{head} {same};")),
        (None, None) => None,
    }
}

fn prefer_next_line(same: &str, next: &str) -> bool {
    let ends = |text: &str, c: char| text.lines().next().is_some_and(|l| l.ends_with(c));
    !next.contains('\n')
        || same.matches('\n').count() > next.matches('\n').count() + 1
        || ['(', '{', '[']
            .iter()
            .any(|&c| ends(same, c) && !ends(next, c))
}

/// A match arm at `indent`: `pattern if guard => body,`, the pattern and
/// the guard broken as rustfmt breaks them, the body on the same line or
/// in a block.
fn match_arm(indent: usize, pat: &Node, guard: Option<&str>, body: &Node) -> Option<String> {
    let pad = " ".repeat(indent);
    let guard_text = guard.map(|g| format!(" if {g}")).unwrap_or_default();
    let one = format!("{}{guard_text} => {},", flat(pat), flat(body));
    if one_line_ok(body) && indent + width(&one) <= MAX_WIDTH {
        return Some(one);
    }
    let pat_one = flat(pat);
    let (head, guard_broken) = if indent + width(&pat_one) + width(&guard_text) + 3 <= MAX_WIDTH {
        (format!("{pat_one}{guard_text} =>"), false)
    } else if indent + width(&pat_one) <= MAX_WIDTH {
        let guard = guard?;
        (
            format!("{pat_one}\n{}if {guard} =>", " ".repeat(indent + TAB)),
            true,
        )
    } else {
        let pat = layout(pat, indent, indent, 0)?;
        (format!("{pat}{guard_text} =>"), false)
    };
    let block = |body: &str| {
        let sep = if guard_broken {
            format!("\n{pad}")
        } else {
            " ".into()
        };
        format!("{head}{sep}{{\n{}{body}\n{pad}}}", " ".repeat(indent + TAB))
    };
    if !guard_broken {
        let last = head.lines().last().unwrap_or_default();
        let col = if head.contains('\n') { 0 } else { indent } + width(last) + 1;
        let same = layout(body, col, indent, 1);
        let next = layout(body, indent + TAB, indent + TAB, 0);
        // rustfmt's `rewrite_match_body`.
        let same_line = match (&same, &next) {
            (Some(same), Some(next)) if prefer_next_line(same, next) => false,
            (Some(_), _) if extends(body) => true,
            (Some(same), Some(_)) => !same.contains('\n'),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if same_line {
            return Some(format!("{head} {},", same?));
        }
        return Some(block(&next?));
    }
    let body = layout(body, indent + TAB, indent + TAB, 0)?;
    Some(block(&body))
}

/// A body rustfmt keeps on its arm's line even when it takes several
/// (rustfmt's `can_flatten_block_around_this`).
fn extends(node: &Node) -> bool {
    match node {
        Node::Call { .. }
        | Node::Struct { .. }
        | Node::List { .. }
        | Node::Closure { .. }
        | Node::Block { .. } => true,
        Node::Chain { root, links, .. } => match links.last() {
            Some((Link::Call(..), _)) => true,
            Some(_) => false,
            None => extends(root),
        },
        Node::Prefix(_, inner) => extends(inner),
        Node::Leaf(_) => false,
    }
}

/// Whether an attribute argument is a meta item rustfmt lays out.
fn is_meta(node: &Node) -> bool {
    let path = |t: &str| {
        !t.is_empty()
            && t.split("::")
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
    };
    let literal = |t: &str| {
        t.starts_with('"') && t.ends_with('"') && t.len() > 1
            || t.parse::<f64>().is_ok()
            || t == "true"
            || t == "false"
    };
    match node {
        Node::Leaf(text) => match text.split_once(" = ") {
            Some((name, value)) => path(name) && literal(value),
            None => path(text),
        },
        Node::List { open, items, .. } => {
            path(open.trim_end_matches('(')) && items.iter().all(is_meta)
        }
        _ => false,
    }
}

/// An attribute's argument list at `col` (continuation from `indent`):
/// on one line within rustfmt's width for function-like attributes, else
/// one argument per line, a single nested list opening on the same line.
fn attr_list(node: &Node, col: usize, indent: usize, reserve: usize) -> String {
    let Node::List { open, close, items } = node else {
        return flat(node);
    };
    let args = flat_list(items);
    let text = flat(node);
    let args_fit = items.len() == 1 || width(&args) <= ATTR_FN_LIKE_WIDTH;
    if args_fit && col + width(&text) + reserve <= MAX_WIDTH {
        return text;
    }
    if let [only @ Node::List { .. }] = items.as_slice() {
        let inner = attr_list(only, col + width(open), indent, reserve + width(close));
        if inner.contains('\n') {
            return format!("{open}{inner}{close}");
        }
    }
    let inner = indent + TAB;
    let mut out = format!("{open}\n");
    for (i, item) in items.iter().enumerate() {
        let comma = i + 1 < items.len();
        out.push_str(&" ".repeat(inner));
        out.push_str(&attr_list(item, inner, inner, usize::from(comma)));
        if comma {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(file(input), expected, "\n{}", file(input));
    }

    #[test]
    fn lines_within_the_widths_stay() {
        let text = "fn f() {\n    let x = a.b().c();\n    assert_eq!(x, 1);\n}\n";
        check(text, text);
    }

    #[test]
    fn arguments_past_the_call_width_go_one_per_line() {
        check(
            "fn f() {\n        assert_eq!(body[\"errors\"][\"born_on\"], json!([\"must be a date (YYYY-MM-DD)\"]));\n}\n",
            "fn f() {\n        assert_eq!(\n            body[\"errors\"][\"born_on\"],\n            json!([\"must be a date (YYYY-MM-DD)\"])\n        );\n}\n",
        );
    }

    #[test]
    fn chains_break_and_values_move_to_the_next_line() {
        check(
            "fn f() {\n    let member = Member::find(&state.db, id).await?.ok_or(AppError::NotFound)?;\n}\n",
            "fn f() {\n    let member = Member::find(&state.db, id)\n        .await?\n        .ok_or(AppError::NotFound)?;\n}\n",
        );
        check(
            "fn f() {\n        let (status, created) = call_json(state.clone(), Method::POST, \"/api/members\", &input).await;\n}\n",
            "fn f() {\n        let (status, created) =\n            call_json(state.clone(), Method::POST, \"/api/members\", &input).await;\n}\n",
        );
    }

    #[test]
    fn match_arms_use_lists_and_let_else_break_as_rustfmt_does() {
        check(
            "impl A {\n    fn f() {\n        match (subject, body, priority, resolved) {\n            (Some(subject), Some(body), Some(priority), Some(resolved)) if fields.is_valid() => Ok(Self { subject, body, priority, resolved }),\n            _ => Err(fields.into_error()),\n        }\n    }\n}\n",
            "impl A {\n    fn f() {\n        match (subject, body, priority, resolved) {\n            (Some(subject), Some(body), Some(priority), Some(resolved)) if fields.is_valid() => {\n                Ok(Self {\n                    subject,\n                    body,\n                    priority,\n                    resolved,\n                })\n            }\n            _ => Err(fields.into_error()),\n        }\n    }\n}\n",
        );
        check(
            "use crate::app::models::organization_membership_invitation::{OrganizationMembershipInvitation, OrganizationMembershipInvitationPage, OrganizationMembershipInvitationParams};\n",
            "use crate::app::models::organization_membership_invitation::{\n    OrganizationMembershipInvitation, OrganizationMembershipInvitationPage,\n    OrganizationMembershipInvitationParams,\n};\n",
        );
        check(
            "fn f() {\n        let AppError::Invalid(errors) = CustomerSupportTicketParams::from_fields(fields).unwrap_err() else {\n            panic!();\n        };\n}\n",
            "fn f() {\n        let AppError::Invalid(errors) =\n            CustomerSupportTicketParams::from_fields(fields).unwrap_err()\n        else {\n            panic!();\n        };\n}\n",
        );
    }

    #[test]
    fn calls_in_a_macro_end_without_a_comma() {
        check(
            "fn f() {\n        assert_eq!(ids_of(VeryLongModelNameForTestingPurpose::list(&pool, 2, 2).await.unwrap()), ids[2..]);\n}\n",
            "fn f() {\n        assert_eq!(\n            ids_of(\n                VeryLongModelNameForTestingPurpose::list(&pool, 2, 2)\n                    .await\n                    .unwrap()\n            ),\n            ids[2..]\n        );\n}\n",
        );
    }

    #[test]
    fn long_signatures_and_attributes_break() {
        check(
            "impl A {\n    pub async fn update(pool: &Pool, id: i64, params: &CommentParams) -> sqlx::Result<Option<Self>> {\n    }\n}\n",
            "impl A {\n    pub async fn update(\n        pool: &Pool,\n        id: i64,\n        params: &CommentParams,\n    ) -> sqlx::Result<Option<Self>> {\n    }\n}\n",
        );
        check(
            "#[openapi(paths(index, show, create, destroy), components(schemas(UsersResponse)))]\npub struct ApiDoc;\n",
            "#[openapi(\n    paths(index, show, create, destroy),\n    components(schemas(UsersResponse))\n)]\npub struct ApiDoc;\n",
        );
    }
}
