//! Finding the delimiter that breaks a file's token tree, to report it where rustc would.

/// A delimiter problem: where (1-based line, 1-based column in chars) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbalanced {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The first delimiter problem of `text`, scanning as Rust's lexer does, or `None` when `(`, `[`, `{` all match.
///
/// Comments (nested block comments included), string, byte string, C string
/// and raw string literals, and char and byte literals are skipped; a `'` that
/// does not start a char literal starts a lifetime or a label. A string or
/// block comment that never ends is reported at its start.
///
/// The delimiters are matched with a stack, and the first problem wins:
///
/// - A closing delimiter with nothing open is an "unexpected closing
///   delimiter", reported where it is.
/// - A closing delimiter that does not match the innermost open one, while an
///   opener of its own kind is open further out (`}` with the stack
///   `{ … (`): the delimiters above that opener can never be closed any more,
///   so the innermost open one is an "unclosed delimiter". This is the case
///   of `.route("/x", get(handler)` missing its `)` inside a function: the
///   function's `}` meets the route's `(`, which is reported. It is also the
///   delimiter rustc labels "unclosed delimiter" in that case; which outer
///   opener the close was meant for (rustc guesses by indentation) does not
///   change which delimiter is certainly left open.
/// - A closing delimiter that does not match the innermost open one
///   otherwise is a "mismatched closing delimiter", reported where it is and
///   naming the opener it would close: when no opener of its kind is open
///   (`( ]`), or when indentation says the close is a stray. A close on a
///   later line than the innermost open delimiter, on a line indented deeper
///   than the opener's, sits inside the opener's body rather than at its end
///   (`let x = y.clone);` inside a closure's `{`). But a `(` or `[` often
///   closes at the end of its last, deeper, line, right after the closes of
///   inner delimiters (`"x86_64"))]`): under a `(` or `[`, a close right
///   after another close is no stray.
/// - At the end of the text, the innermost delimiter still open is
///   "unclosed".
///
/// When the delimiter to report as unclosed is a `{`, the `}` that is really
/// missing was often swallowed by a block inside it: the block's own `}` is
/// missing, so the next `}` (its parent's) closed it instead, and so on
/// outwards. Like rustc's "this delimiter might not be properly closed...",
/// the `{ … }` pairs inside the unclosed `{` whose closing line is indented
/// differently from their opening line are suspects, unless a well-indented
/// pair contains them; the innermost suspect's `{` is reported instead, as it
/// is where the `}` should be added.
pub fn unbalanced(text: &str) -> Option<Unbalanced> {
    Scanner::new(text).run().err()
}

/// A place in the text: `index` into the chars, for ordering, and where a
/// person sees it.
#[derive(Debug, Clone, Copy)]
struct Pos {
    index: usize,
    line: usize,
    column: usize,
}

/// An opening delimiter not closed yet.
#[derive(Debug)]
struct Open {
    delim: char,
    pos: Pos,
    /// Whitespace chars before the first token of its line, to compare with
    /// the line of the delimiter that closes it.
    indent: usize,
}

/// A `{` and the `}` that closed it, kept to find a block that swallowed
/// someone else's `}`.
#[derive(Debug)]
struct BracePair {
    open: Pos,
    close: usize,
    same_indent: bool,
}

#[derive(Debug)]
struct Scanner {
    chars: Vec<char>,
    index: usize,
    line: usize,
    column: usize,
    line_start: usize,
    stack: Vec<Open>,
    brace_pairs: Vec<BracePair>,
}

fn at(pos: Pos, message: impl Into<String>) -> Unbalanced {
    Unbalanced {
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

/// Chars of identifiers, keywords and number literals: a whole word is read
/// at once so that only a word that is exactly `b`, `r`, `br`, … can prefix
/// a literal.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn opener_of(close: char) -> char {
    match close {
        ')' => '(',
        ']' => '[',
        _ => '{',
    }
}

impl Scanner {
    fn new(text: &str) -> Self {
        Scanner {
            chars: text.chars().collect(),
            index: 0,
            line: 1,
            column: 1,
            line_start: 0,
            stack: Vec::new(),
            brace_pairs: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.index + ahead).copied()
    }

    fn bump(&mut self) {
        let Some(&c) = self.chars.get(self.index) else {
            return;
        };
        self.index += 1;
        // Only `\n` ends a line: with CRLF the `\r` is the last column of its
        // line, and a lone `\r` is no line break to rustc either.
        if c == '\n' {
            self.line += 1;
            self.column = 1;
            self.line_start = self.index;
        } else {
            self.column += 1;
        }
    }

    fn bump_n(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            index: self.index,
            line: self.line,
            column: self.column,
        }
    }

    /// rustc compares the margins of the opening and closing lines; a
    /// delimiter preceded only by whitespace has that whitespace as margin.
    fn indent(&self) -> usize {
        self.chars[self.line_start..self.index]
            .iter()
            .take_while(|c| c.is_whitespace())
            .count()
    }

    fn run(mut self) -> Result<(), Unbalanced> {
        self.skip_preamble();
        while let Some(c) = self.peek(0) {
            match c {
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment()?,
                '"' => {
                    let start = self.pos();
                    self.bump();
                    self.quoted(start)?;
                }
                '\'' => self.quote_or_lifetime(self.pos())?,
                '(' | '[' | '{' => {
                    self.stack.push(Open {
                        delim: c,
                        pos: self.pos(),
                        indent: self.indent(),
                    });
                    self.bump();
                }
                ')' | ']' | '}' => self.close(c)?,
                c if is_word_char(c) => self.word()?,
                _ => self.bump(),
            }
        }
        match self.stack.last() {
            Some(open) => Err(self.unclosed(open)),
            None => Ok(()),
        }
    }

    /// rustc drops a byte order mark before counting columns, and a first
    /// line starting with `#!` is a shebang unless `[` follows (`#![attr]`).
    fn skip_preamble(&mut self) {
        if self.peek(0) == Some('\u{feff}') {
            self.index = 1;
            self.line_start = 1;
        }
        if self.peek(0) == Some('#') && self.peek(1) == Some('!') {
            let mut ahead = 2;
            while self.peek(ahead).is_some_and(char::is_whitespace) {
                ahead += 1;
            }
            if self.peek(ahead) != Some('[') {
                self.line_comment();
            }
        }
    }

    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn block_comment(&mut self) -> Result<(), Unbalanced> {
        let start = self.pos();
        self.bump_n(2);
        let mut depth = 1;
        loop {
            match (self.peek(0), self.peek(1)) {
                (None, _) => return Err(at(start, "unterminated block comment")),
                (Some('/'), Some('*')) => {
                    depth += 1;
                    self.bump_n(2);
                }
                (Some('*'), Some('/')) => {
                    depth -= 1;
                    self.bump_n(2);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => self.bump(),
            }
        }
    }

    /// The rest of a string, byte string or C string, its opening `"` read.
    fn quoted(&mut self, start: Pos) -> Result<(), Unbalanced> {
        loop {
            match self.peek(0) {
                None => return Err(at(start, "unterminated string literal")),
                Some('\\') => self.bump_n(2),
                Some('"') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A raw string from the `#`s or `"` after its `r`, `br` or `cr`; when no
    /// `"` follows the `#`s it was a raw identifier (`r#type`), and the
    /// `#` and the name are read as ordinary tokens.
    fn raw_string(&mut self, start: Pos) -> Result<(), Unbalanced> {
        let mut hashes = 0;
        while self.peek(hashes) == Some('#') {
            hashes += 1;
        }
        if self.peek(hashes) != Some('"') {
            return Ok(());
        }
        self.bump_n(hashes + 1);
        loop {
            match self.peek(0) {
                None => return Err(at(start, "unterminated string literal")),
                Some('"') if (1..=hashes).all(|k| self.peek(k) == Some('#')) => {
                    self.bump_n(hashes + 1);
                    return Ok(());
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A char or byte literal, or a lifetime or label, at a `'`. As in
    /// rustc's lexer, `'x'` is a char whatever `x` is, `'\` starts an escaped
    /// char, and anything else is a lifetime (`'a`, `'static`, `'outer:`).
    fn quote_or_lifetime(&mut self, start: Pos) -> Result<(), Unbalanced> {
        match (self.peek(1), self.peek(2)) {
            (Some('\\'), _) => {
                // The escaped char is skipped blindly so that `'\''` does not
                // end at its second quote; then `\u{28}` or `\x28` runs on.
                self.bump_n(3);
                loop {
                    match self.peek(0) {
                        Some('\'') => {
                            self.bump();
                            return Ok(());
                        }
                        None | Some('\n') => {
                            return Err(at(start, "unterminated character literal"));
                        }
                        Some(_) => self.bump(),
                    }
                }
            }
            (Some(_), Some('\'')) => self.bump_n(3),
            _ => {
                // The name is read here so that a lifetime such as `'r` is
                // never taken for a literal prefix.
                self.bump();
                while self.peek(0).is_some_and(is_word_char) {
                    self.bump();
                }
            }
        }
        Ok(())
    }

    /// An identifier, keyword or number, and the literal it prefixes, if any.
    fn word(&mut self) -> Result<(), Unbalanced> {
        let start = self.pos();
        while self.peek(0).is_some_and(is_word_char) {
            self.bump();
        }
        let word = &self.chars[start.index..self.index];
        let quote_prefix = matches!(word, ['b'] | ['c']);
        let byte_prefix = word == ['b'];
        let raw_prefix = matches!(word, ['r'] | ['b', 'r'] | ['c', 'r']);
        match self.peek(0) {
            Some('"') if quote_prefix => {
                self.bump();
                self.quoted(start)
            }
            Some('\'') if byte_prefix => self.quote_or_lifetime(start),
            Some('"' | '#') if raw_prefix => self.raw_string(start),
            _ => Ok(()),
        }
    }

    fn close(&mut self, delim: char) -> Result<(), Unbalanced> {
        let pos = self.pos();
        let Some(open) = self.stack.pop() else {
            return Err(at(pos, format!("unexpected closing delimiter `{delim}`")));
        };
        let opener = opener_of(delim);
        if open.delim != opener {
            let stray = pos.line > open.pos.line
                && self.indent() > open.indent
                && (open.delim == '{' || !self.after_close());
            if !stray && self.stack.iter().any(|o| o.delim == opener) {
                return Err(self.unclosed(&open));
            }
            return Err(at(
                pos,
                format!(
                    "mismatched closing delimiter `{delim}`: it would close the `{}` at {}:{}",
                    open.delim, open.pos.line, open.pos.column
                ),
            ));
        }
        if delim == '}' {
            self.brace_pairs.push(BracePair {
                open: open.pos,
                close: pos.index,
                same_indent: open.indent == self.indent(),
            });
        }
        self.bump();
        Ok(())
    }

    /// Whether the char before the current one, spaces aside, on the same
    /// line, is a closing delimiter.
    fn after_close(&self) -> bool {
        self.chars[self.line_start..self.index]
            .iter()
            .rev()
            .find(|c| !c.is_whitespace())
            .is_some_and(|c| matches!(c, ')' | ']' | '}'))
    }

    fn unclosed(&self, open: &Open) -> Unbalanced {
        let pos = match open.delim {
            '{' => self.swallowing_block(open.pos.index).unwrap_or(open.pos),
            // No `}` can have closed a `(` or `[`: it is the one left open.
            _ => open.pos,
        };
        at(pos, format!("unclosed delimiter `{}`", open.delim))
    }

    /// The `{` of the innermost brace pair after `after` (the index of an
    /// unclosed `{`) whose `}` is indented differently, ignoring pairs inside
    /// a well-indented pair, as rustc's `report_suspicious_mismatch_block`.
    fn swallowing_block(&self, after: usize) -> Option<Pos> {
        let mut pairs: Vec<&BracePair> = self
            .brace_pairs
            .iter()
            .filter(|pair| pair.open.index > after)
            .collect();
        pairs.sort_by_key(|pair| pair.open.index);
        // Pairs nest, so those enclosing the current one form a stack, each
        // with whether it or one of its own enclosing pairs is well indented.
        let mut enclosing: Vec<(usize, bool)> = Vec::new();
        let mut suspect = None;
        for pair in pairs {
            while enclosing
                .last()
                .is_some_and(|&(close, _)| close < pair.open.index)
            {
                enclosing.pop();
            }
            let vouched = pair.same_indent || enclosing.last().is_some_and(|&(_, ok)| ok);
            if !vouched {
                suspect = Some(pair.open);
            }
            enclosing.push((pair.close, vouched));
        }
        suspect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: usize, column: usize, message: &str) -> Option<Unbalanced> {
        Some(Unbalanced {
            line,
            column,
            message: message.to_string(),
        })
    }

    fn unclosed(line: usize, column: usize, delim: char) -> Option<Unbalanced> {
        problem(line, column, &format!("unclosed delimiter `{delim}`"))
    }

    /// An axum router whose `.route` on line 25 misses its `)`, which syn
    /// only notices at the function's `}` on line 39.
    const ROUTER: &str = r#"//! A small service: routes, state and handlers.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    routing::{get, post},
    Json, Router,
};

#[derive(Clone)]
struct AppState {
    name: &'static str,
    hits: Arc<std::sync::atomic::AtomicUsize>,
}

async fn item(Path(id): Path<u32>, State(s): State<AppState>) -> String {
    format!("{} ({id}) {}", s.name, '(')
}

pub fn app(state: AppState) -> Router {
    // Routes are grouped by resource; keep `/health` first for the probes.
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/items/{id}", get(item)
        .route("/items", post(create_item))
        .route(
            "/search",
            get(|Path(q): Path<String>| async move {
                format!("searching for \"{q}\" [{}]", q.len())
            }),
        )
        .fallback(|| async {
            let closing = ']';
            closing.to_string()
        })
        .with_state(state)
    /* TODO: add /metrics once the exporter lands */
}
async fn create_item(Json(body): Json<String>) -> String { body }
"#;

    #[test]
    fn router_missing_paren_points_at_its_route() {
        let lines: Vec<&str> = ROUTER.lines().collect();
        assert_eq!(lines.len(), 40);
        assert_eq!(lines[24], r#"        .route("/items/{id}", get(item)"#);
        assert_eq!(lines[38], "}");
        assert_eq!(unbalanced(ROUTER), unclosed(25, 15, '('));
    }

    #[test]
    fn router_fixed_is_balanced() {
        let fixed = ROUTER.replace("get(item)\n", "get(item))\n");
        assert_eq!(unbalanced(&fixed), None);
    }

    #[test]
    fn balanced_shapes() {
        let text = r#"#![allow(dead_code)]
//! Crate docs with [links] and (parens.

use std::collections::HashMap;

/// Returns the range [start, end).
#[derive(Debug, Default)]
pub struct Store<'a, T: Clone + 'a> {
    items: HashMap<&'a str, Vec<T>>,
}

impl<'a, T: Clone> Store<'a, T> {
    pub fn get(&self, key: &'a str) -> Option<&[T]> {
        self.items.get(key).map(|v| &v[..])
    }

    pub fn describe(&self) -> String {
        let mut out = String::new();
        'outer: for (k, v) in &self.items {
            for _ in v.iter() {
                if k.starts_with('{') || k.ends_with("}") {
                    continue 'outer;
                }
            }
            out.push_str(&format!("{k}: {} [{}]\n", v.len(), '['));
        }
        match out.as_str() {
            "" => "empty".into(),
            s if s.contains(')') => format!("{s:?}"),
            _ => out,
        }
    }
}

macro_rules! square {
    ($x:expr) => {{ $x * $x }};
}

fn main() {
    let v = [0b1010, 0x1f, 1e3 as i32, 1_000u32 as i32, 0o7];
    let t = (v[0], v.len(), 2.0f64, x.0 .1);
    let r = async move { square!(t.0) };
    let f: fn(&str) -> Result<(), Box<dyn std::error::Error>> = |_| Ok(());
}
"#;
        assert_eq!(unbalanced(text), None);
    }

    #[test]
    fn empty_and_blank_texts_are_balanced() {
        assert_eq!(unbalanced(""), None);
        assert_eq!(unbalanced("\n\n  \r\n"), None);
        assert_eq!(unbalanced("fn main() {}\n"), None);
    }

    #[test]
    fn unclosed_at_end_of_file() {
        assert_eq!(
            unbalanced("fn main() {\n    foo(1, 2;\n"),
            unclosed(2, 8, '(')
        );
        assert_eq!(
            unbalanced("fn main() {\n    let x = 1;\n"),
            unclosed(1, 11, '{')
        );
        assert_eq!(
            unbalanced("const A: [u8; 2] = [1, 2;"),
            unclosed(1, 20, '[')
        );
    }

    #[test]
    fn innermost_of_several_unclosed_is_reported() {
        assert_eq!(
            unbalanced("fn main() {\n    let v = vec![foo(1, 2;\n}\n"),
            unclosed(2, 21, '(')
        );
        assert_eq!(unbalanced("fn f() { g(h["), unclosed(1, 13, '['));
    }

    #[test]
    fn unexpected_closing_delimiter() {
        assert_eq!(
            unbalanced(")"),
            problem(1, 1, "unexpected closing delimiter `)`")
        );
        assert_eq!(
            unbalanced("fn main() {}\n}\n"),
            problem(2, 1, "unexpected closing delimiter `}`")
        );
        assert_eq!(
            unbalanced("fn a() {}\nfn b() { x[0] }]\n"),
            problem(2, 16, "unexpected closing delimiter `]`")
        );
    }

    #[test]
    fn mismatched_closing_delimiter_names_its_opener() {
        assert_eq!(
            unbalanced("fn f() {\n    let x = (1, 2];\n}\n"),
            problem(
                2,
                18,
                "mismatched closing delimiter `]`: it would close the `(` at 2:13"
            )
        );
        assert_eq!(
            unbalanced("fn f() { foo()); }"),
            problem(
                1,
                15,
                "mismatched closing delimiter `)`: it would close the `{` at 1:8"
            )
        );
    }

    #[test]
    fn close_meant_for_an_outer_opener_blames_the_innermost() {
        let text = "fn main() {\n    if x {\n        foo(\n    }\n}\n";
        assert_eq!(unbalanced(text), unclosed(3, 12, '('));
        let text = "fn main() {\n    run(|| {\n        go();\n    );\n}\n";
        assert_eq!(unbalanced(text), unclosed(2, 12, '{'));
    }

    #[test]
    fn close_inside_the_body_of_the_open_delimiter_is_a_stray() {
        let text = "\
fn main() {
    run(move || {
        let fired = clone);
        go(fired);
    });
}
";
        assert_eq!(
            unbalanced(text),
            problem(
                3,
                26,
                "mismatched closing delimiter `)`: it would close the `{` at 2:17"
            )
        );
        let text = "\
let v = vec![
    Just(Ordering::Relaxed),
    JustOrdering::Acquire),
];
";
        assert_eq!(
            unbalanced(text),
            problem(
                3,
                26,
                "mismatched closing delimiter `)`: it would close the `[` at 1:13"
            )
        );
    }

    #[test]
    fn close_after_a_run_of_closes_is_no_stray() {
        let text = "\
#[cfg(any(
    unix,
    all(windows, target_env = \"gnu\")]
fn f() {}
";
        assert_eq!(unbalanced(text), unclosed(1, 10, '('));
    }

    #[test]
    fn first_problem_wins() {
        assert_eq!(
            unbalanced("fn a() { ) }\nfn b() {\n"),
            problem(
                1,
                10,
                "mismatched closing delimiter `)`: it would close the `{` at 1:8"
            )
        );
    }

    #[test]
    fn block_that_swallowed_a_brace_is_blamed_at_end_of_file() {
        let text = "\
impl Counter {
    pub fn bump(&mut self, by: u32) {
        if by > 0 {
            self.total += by;
        // the `if` is never closed
    }

    pub fn reset(&mut self) {
        self.total = 0;
    }
}
";
        assert_eq!(unbalanced(text), unclosed(3, 19, '{'));
    }

    #[test]
    fn block_that_swallowed_a_brace_is_blamed_on_mismatch() {
        let text = "\
fn main() {
    run(|| {
        if ready {
            go();
    });
}
";
        assert_eq!(unbalanced(text), unclosed(3, 18, '{'));
    }

    #[test]
    fn well_indented_file_missing_its_last_brace_blames_the_outer_block() {
        let text = "\
impl Counter {
    pub fn bump(&mut self) {
        if self.on {
            self.total += 1;
        }
    }
";
        assert_eq!(unbalanced(text), unclosed(1, 14, '{'));
    }

    #[test]
    fn sloppy_block_inside_a_well_indented_one_is_not_blamed() {
        let text = "\
fn main() {
    if a {
      if b {
            c();
        }
    }
";
        assert_eq!(unbalanced(text), unclosed(1, 11, '{'));
    }

    #[test]
    fn unclosed_paren_is_blamed_over_a_sloppy_block() {
        let text = "fn main() {\n  if x {\n      }\n    foo(\n";
        assert_eq!(unbalanced(text), unclosed(4, 8, '('));
    }

    #[test]
    fn comments_are_skipped() {
        let text = "\
//! Module docs: ( [ {
/// Returns [a, b).
// a plain comment }
/** block doc ( */
/*! inner block doc ] */
fn f() {} // trailing )
";
        assert_eq!(unbalanced(text), None);
        assert_eq!(unbalanced("/**/ ("), unclosed(1, 6, '('));
        assert_eq!(unbalanced("/*/ ( */ fn f() {}"), None);
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(
            unbalanced("/* outer /* inner ( */ still a comment ) */ fn f() {}"),
            None
        );
        assert_eq!(
            unbalanced("fn f() {\n    /* a /* b */ (\n}\n"),
            problem(2, 5, "unterminated block comment")
        );
        assert_eq!(
            unbalanced("/* never closed"),
            problem(1, 1, "unterminated block comment")
        );
    }

    #[test]
    fn strings_with_escapes() {
        assert_eq!(unbalanced(r#"f("a\"(b");"#), None);
        assert_eq!(unbalanced(r#"f("\\"); g("#), unclosed(1, 11, '('));
        assert_eq!(unbalanced(r#"let s = "\u{28}\x28\n\t\0";"#), None);
    }

    #[test]
    fn string_with_every_delimiter() {
        assert_eq!(unbalanced(r#"let s = ("([{}])}{)(][", ']');"#), None);
    }

    #[test]
    fn multi_line_strings_keep_line_numbers() {
        let text = "let s = \"one (\ntwo [\";\nlet c = \"a\\\n    b {\";\nlet t = (;\n";
        assert_eq!(unbalanced(text), unclosed(5, 9, '('));
    }

    #[test]
    fn byte_and_c_strings() {
        assert_eq!(unbalanced(r#"f(b"(", b"\"(", c"(", c"\"[");"#), None);
        assert_eq!(unbalanced(r#"let x = b"("; ("#), unclosed(1, 15, '('));
    }

    #[test]
    fn raw_strings() {
        assert_eq!(unbalanced(r##"f(r"(", r"\", r#"a "( "#);"##), None);
        assert_eq!(
            unbalanced(r###"f(br##"a "# ( "##, cr"[", cr#"{"#);"###),
            None
        );
        assert_eq!(unbalanced(r##"let s = r#"("#; ("##), unclosed(1, 17, '('));
    }

    #[test]
    fn raw_identifiers_are_not_raw_strings() {
        assert_eq!(
            unbalanced("let r#type = (1, 2); let r#match = [r#type];"),
            None
        );
        assert_eq!(unbalanced("fn r#fn(x: u8 {}"), unclosed(1, 8, '('));
        assert_eq!(
            unbalanced("let r = 1; let br = (r, 2); let cr = [br];"),
            None
        );
    }

    #[test]
    fn words_ending_like_prefixes_are_identifiers() {
        assert_eq!(unbalanced(r#"let bar = "("; let cab = (bar, "[");"#), None);
    }

    #[test]
    fn char_literals() {
        assert_eq!(
            unbalanced(r#"f('(', '\'', '\u{28}', '\\', '"', '\x28', '\u{1F600}', ']');"#),
            None
        );
        assert_eq!(unbalanced(r"let c = '\\'; g("), unclosed(1, 16, '('));
    }

    #[test]
    fn byte_chars() {
        assert_eq!(
            unbalanced(r"matches!(x, b'(' | b')' | b'\'' | b'\\' | b'{')"),
            None
        );
    }

    #[test]
    fn lifetimes_next_to_chars() {
        assert_eq!(unbalanced("fn f<'a>(x: &'a str) -> char { '(' }"), None);
        assert_eq!(
            unbalanced("fn g<'a,'b: 'a>(x: &'a str, y: &'b str) -> (char, char) { ('{','}') }"),
            None
        );
        assert_eq!(
            unbalanced("static S: &'static str = \")\"; fn h(_: Foo<'_>) {}"),
            None
        );
        assert_eq!(
            unbalanced("'outer: loop { 'inner: while x { break 'outer; } }"),
            None
        );
        assert_eq!(
            unbalanced("fn f<'a>(x: &'a str -> char { '(' }"),
            unclosed(1, 9, '(')
        );
        assert_eq!(
            unbalanced("fn f<'a>(x: &'a str) -> char { '(' )"),
            problem(
                1,
                36,
                "mismatched closing delimiter `)`: it would close the `{` at 1:30"
            )
        );
    }

    #[test]
    fn lifetime_named_like_a_prefix() {
        assert_eq!(unbalanced("fn f<'r, 'b>(x: &'r u8, y: &'b u8) {}"), None);
    }

    #[test]
    fn unterminated_strings_are_reported_at_their_start() {
        assert_eq!(
            unbalanced("fn f() {\n    let s = \"abc;\n}\n"),
            problem(2, 13, "unterminated string literal")
        );
        assert_eq!(
            unbalanced("let s = b\"(;"),
            problem(1, 9, "unterminated string literal")
        );
        assert_eq!(
            unbalanced("let s = r#\"abc\";\n"),
            problem(1, 9, "unterminated string literal")
        );
        assert_eq!(
            unbalanced("let s = \"ends in a backslash\\\""),
            problem(1, 9, "unterminated string literal")
        );
    }

    #[test]
    fn unterminated_escaped_char() {
        assert_eq!(
            unbalanced("let c = '\\u{28};\n"),
            problem(1, 9, "unterminated character literal")
        );
    }

    #[test]
    fn crlf_line_endings() {
        assert_eq!(
            unbalanced("fn main() {\r\n    let x = (1,\r\n}\r\n"),
            unclosed(2, 13, '(')
        );
        assert_eq!(
            unbalanced("fn main() {\r\n}\r\n)"),
            problem(3, 1, "unexpected closing delimiter `)`")
        );
        assert_eq!(
            unbalanced("fn main() {\r\n    // ( \r\n    let s = \"(\r\n\";\r\n}\r\n"),
            None
        );
    }

    #[test]
    fn crlf_keeps_the_indentation_heuristic() {
        let text = "impl A {\r\n    fn f() {\r\n        if x {\r\n    }\r\n}\r\n";
        assert_eq!(unbalanced(text), unclosed(3, 14, '{'));
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        assert_eq!(
            unbalanced("let s = \"héllo wörld 🦀\"; let t = ("),
            unclosed(1, 34, '(')
        );
        assert_eq!(unbalanced("\tf(\n"), unclosed(1, 3, '('));
    }

    #[test]
    fn shebang_and_byte_order_mark() {
        assert_eq!(
            unbalanced("#!/usr/bin/env run-cargo-script (\nfn main() { (\n}"),
            unclosed(2, 13, '(')
        );
        assert_eq!(unbalanced("#![allow(dead_code)]\nfn f() {}\n"), None);
        assert_eq!(
            unbalanced("#![allow(dead_code)\nfn f() {}\n"),
            unclosed(1, 3, '[')
        );
        assert_eq!(unbalanced("\u{feff}fn f() {"), unclosed(1, 8, '{'));
    }
}
