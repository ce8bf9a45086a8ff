//! A file's text: byte offsets of syn's line/column spans, its lines, line
//! ending and indentation unit; the errors of an edit; and the one way an
//! edit changes the text, a list of [`Splice`]s made by [`Source::apply`].

use std::ops::Range;
use std::path::Path;

use proc_macro2::LineColumn;

/// Why an edit of a Rust file was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum EditError {
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
        snippet: String,
    },
    NotFound {
        file: String,
        message: String,
        snippet: String,
    },
    NoRouter {
        file: String,
        function: String,
    },
    Unverified {
        file: String,
        snippet: String,
    },
    Refused {
        file: String,
        line: usize,
        column: usize,
        function: String,
        why: String,
        snippet: String,
    },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::errors::write;
        match self {
            EditError::Parse {
                file,
                line,
                column,
                message,
                snippet,
            } => write(
                f,
                format_args!("{file}:{line}:{column}: {message}"),
                Some(format_args!(
                    "fix the file, or add this by hand:\n\n{snippet}"
                )),
            ),
            EditError::NotFound {
                file,
                message,
                snippet,
            } => write(
                f,
                format_args!("{file}: {message}"),
                Some(format_args!(
                    "add this by hand, or set `router` and `router-fn` under [package.metadata.mvc] in Cargo.toml:\n\n{snippet}"
                )),
            ),
            EditError::NoRouter { file, function } => write!(
                f,
                "{file}: no function `{function}` returning a `Router::new()` chain\n\nset `router` and `router-fn` under [package.metadata.mvc] in Cargo.toml to the routes table"
            ),
            EditError::Unverified { file, snippet } => write!(
                f,
                "{file}: the edit did not give valid Rust, so nothing was written; add this by hand:\n\n{snippet}"
            ),
            EditError::Refused {
                file,
                line,
                column,
                function,
                why,
                snippet,
            } => write(
                f,
                format_args!(
                    "{file}:{line}:{column}: no place in `fn {function}` serves a new route on every path: {why}"
                ),
                Some(format_args!(
                    "add this by hand where every request reaches it:\n\n{snippet}"
                )),
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// The result of an edit: the new text, or `None` when the file already has
/// what was asked (`identical`).
pub type Edited = Option<String>;

/// A file's text with what is needed to turn spans into byte offsets.
pub(in crate::edit) struct Source<'a> {
    pub(super) text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub(in crate::edit) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// Byte offset of a proc-macro2 line (1-based) and column (in chars).
    pub(in crate::edit) fn offset(&self, lc: LineColumn) -> usize {
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
    pub(in crate::edit) fn next_line_start(&self, offset: usize) -> usize {
        self.line_starts
            .get(self.line_of(offset) + 1)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The bytes of the line holding `offset`, without its line ending.
    pub(in crate::edit) fn line_bounds(&self, offset: usize) -> (usize, usize) {
        let start = self.line_starts[self.line_of(offset)];
        let rest = &self.text[start..];
        let mut end = start + rest.find('\n').unwrap_or(rest.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }

    pub(in crate::edit) fn indentation_at(&self, offset: usize) -> &'a str {
        let (start, end) = self.line_bounds(offset);
        let line = &self.text[start..end];
        &line[..line.len() - line.trim_start().len()]
    }

    /// Whether only whitespace stands between the line start and `offset`.
    pub(in crate::edit) fn starts_line(&self, offset: usize) -> bool {
        let (start, _) = self.line_bounds(offset);
        self.text[start..offset].trim().is_empty()
    }

    /// Whether only whitespace or a `//` comment follows `offset` on its line.
    pub(super) fn ends_line(&self, offset: usize) -> bool {
        let (_, end) = self.line_bounds(offset);
        let rest = self.text[offset..end].trim();
        rest.is_empty() || rest.starts_with("//")
    }

    pub(in crate::edit) fn eol(&self) -> &'static str {
        if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    pub(in crate::edit) fn indent_unit(&self) -> String {
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

    /// The text with every splice made. The ranges are of this text and do
    /// not overlap; they are made back to front, so earlier offsets stay
    /// valid, and at one offset an insertion (an empty range) goes after a
    /// replacement that ends there.
    pub(super) fn apply(&self, splices: impl IntoIterator<Item = Splice>) -> String {
        let mut splices: Vec<Splice> = splices.into_iter().collect();
        splices.sort_by_key(|s| std::cmp::Reverse((s.range.start, s.range.end)));
        let mut out = self.text.to_string();
        for s in splices {
            out.replace_range(s.range, &s.insert);
        }
        out
    }
}

/// One change of a text: the bytes of `range` give way to `insert`.
#[derive(Debug)]
pub(super) struct Splice {
    range: Range<usize>,
    insert: String,
}

impl Splice {
    pub(super) fn replace(range: Range<usize>, insert: impl Into<String>) -> Self {
        Self {
            range,
            insert: insert.into(),
        }
    }

    pub(super) fn insert(at: usize, insert: impl Into<String>) -> Self {
        Self::replace(at..at, insert)
    }

    pub(super) fn remove(range: Range<usize>) -> Self {
        Self::replace(range, String::new())
    }
}

pub(in crate::edit) fn parse(
    file: &Path,
    text: &str,
    snippet: &str,
) -> Result<syn::File, EditError> {
    syn::parse_file(text).map_err(|e| {
        // syn stops at the first token tree it cannot build, far from the
        // delimiter that broke it: point where rustc would.
        if let Some(found) = crate::edit::delims::unbalanced(text) {
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
