//! The application's database schema as its migrations leave it: the
//! `migrations/` files replayed, in order, through an interpreter of the
//! statements that change a schema (`CREATE TABLE`, `ALTER TABLE` in the
//! forms SQLite and PostgreSQL know, indexes, triggers, views, `DROP`).
//!
//! Statements that change data (`INSERT`, `UPDATE`, …) or a connection
//! (`PRAGMA`, `BEGIN`, …) change no schema and are passed over. Any other
//! statement is kept as *not understood*, with the words it names: a
//! generator that needs a table such a statement names refuses, naming the
//! migration, rather than guess what the table looks like.
//!
//! The same interpreter reads both databases' SQL, so `generate migration`
//! works from the migration files alone, with no database to ask.

use std::fmt::Write as _;
use std::path::Path;

use crate::layout;

/// A lexical token of SQL, with its place in the statement's text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// A keyword or an unquoted identifier.
    Word,
    /// `"name"`, `` `name` `` or `[name]`.
    Quoted,
    /// `'text'` or a PostgreSQL dollar-quoted body.
    String,
    Number,
    /// Any other character: `(`, `)`, `,`, `;`, `.`, operators.
    Punct,
}

/// Splits `sql` into tokens; comments and whitespace are dropped.
fn tokens(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => break,
                        Some(&b) if b == c => {
                            // A doubled quote is one quote inside.
                            if bytes.get(i + 1) == Some(&c) {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if c == b'\'' {
                    TokenKind::String
                } else {
                    TokenKind::Quoted
                }
            }
            b'[' => {
                while i < bytes.len() && bytes[i] != b']' {
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                TokenKind::Quoted
            }
            b'$' => {
                // `$tag$ … $tag$` (PostgreSQL), or `$1`.
                let tag_end = sql[i + 1..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e) if bytes[e] == b'$' => {
                        let tag = &sql[i..=e];
                        match sql[e + 1..].find(tag) {
                            Some(n) => i = e + 1 + n + tag.len(),
                            None => i = bytes.len(),
                        }
                        TokenKind::String
                    }
                    _ => {
                        i += 1;
                        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                            i += 1;
                        }
                        TokenKind::Punct
                    }
                }
            }
            b if b.is_ascii_digit() => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                TokenKind::Number
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                TokenKind::Word
            }
            _ => {
                i += 1;
                TokenKind::Punct
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// One statement: its text and tokens (positions within the text).
#[derive(Debug, Clone)]
pub struct Statement {
    text: String,
    toks: Vec<Token>,
}

impl Statement {
    fn tok(&self, i: usize) -> Option<&str> {
        self.toks.get(i).map(|t| &self.text[t.start..t.end])
    }

    /// The text of tokens `from..to`, as written.
    fn span(&self, from: usize, to: usize) -> String {
        if from >= to || from >= self.toks.len() {
            return String::new();
        }
        let to = to.min(self.toks.len());
        self.text[self.toks[from].start..self.toks[to - 1].end].to_string()
    }

    /// The statement as written, without its comments' lines around it.
    pub fn sql(&self) -> String {
        self.span(0, self.toks.len())
    }
}

/// Splits a file of SQL into statements at `;` (a trigger's body is one
/// statement with its `BEGIN … END`).
pub fn statements(sql: &str) -> Vec<Statement> {
    let toks = tokens(sql);
    let mut out = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let word = |t: &Token| sql[t.start..t.end].to_ascii_uppercase();
    let mut in_body = false;
    for t in toks {
        let is_semi = t.kind == TokenKind::Punct && &sql[t.start..t.end] == ";";
        if !is_semi {
            if t.kind == TokenKind::Word {
                let w = word(&t);
                let trigger = current.iter().take(4).any(|c| word(c) == "TRIGGER");
                if trigger && w == "BEGIN" {
                    in_body = true;
                }
                if in_body && w == "END" {
                    in_body = false;
                }
            }
            current.push(t);
            continue;
        }
        if in_body {
            current.push(t);
            continue;
        }
        if !current.is_empty() {
            out.push(statement_of(sql, &current));
            current.clear();
        }
    }
    if !current.is_empty() {
        out.push(statement_of(sql, &current));
    }
    out
}

fn statement_of(sql: &str, toks: &[Token]) -> Statement {
    let base = toks[0].start;
    let text = sql[base..toks[toks.len() - 1].end].to_string();
    let toks = toks
        .iter()
        .map(|t| Token {
            kind: t.kind,
            start: t.start - base,
            end: t.end - base,
        })
        .collect();
    Statement { text, toks }
}

/// An identifier as compared: unquoted, lower case when it was not quoted.
pub fn ident(raw: &str) -> String {
    let b = raw.as_bytes();
    if b.len() >= 2
        && ((b[0] == b'"' && b[b.len() - 1] == b'"')
            || (b[0] == b'`' && b[b.len() - 1] == b'`')
            || (b[0] == b'[' && b[b.len() - 1] == b']'))
    {
        raw[1..raw.len() - 1].to_string()
    } else {
        raw.to_ascii_lowercase()
    }
}

/// Words SQLite or PostgreSQL do not take as a bare table or column name.
pub const RESERVED: &[&str] = &[
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "autoincrement",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "commit",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "transaction",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// A name as SQL writes it: bare when it can be, else double-quoted.
pub fn quoted(name: &str) -> String {
    let simple = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple && !RESERVED.contains(&name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A clause of a column's definition, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    NotNull,
    Null,
    /// `DEFAULT` and its value as written.
    Default(String),
    /// `REFERENCES table (column) ON DELETE …`: the table, and the text.
    References(String, String),
    /// `PRIMARY KEY …`, `GENERATED … AS IDENTITY`.
    PrimaryKey(String),
    Unique,
    /// Anything else (`CHECK (…)`, `COLLATE …`), as written.
    Other(String),
}

/// A column: its name, its type as written, and its clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: String,
    pub clauses: Vec<Clause>,
}

impl Column {
    pub fn not_null(&self) -> bool {
        self.clauses.contains(&Clause::NotNull)
            || self
                .clauses
                .iter()
                .any(|c| matches!(c, Clause::PrimaryKey(_)))
    }

    pub fn default(&self) -> Option<&str> {
        self.clauses.iter().find_map(|c| match c {
            Clause::Default(d) => Some(d.as_str()),
            _ => None,
        })
    }

    /// The table a `REFERENCES` clause points to.
    pub fn references(&self) -> Option<&str> {
        self.clauses.iter().find_map(|c| match c {
            Clause::References(t, _) => Some(t.as_str()),
            _ => None,
        })
    }

    pub fn is_primary_key(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| matches!(c, Clause::PrimaryKey(_)))
    }

    /// Has a clause SQLite's `ALTER TABLE DROP COLUMN` refuses, or that a
    /// column added by `ADD COLUMN` may not have.
    pub fn constrained(&self) -> bool {
        self.clauses.iter().any(|c| {
            matches!(
                c,
                Clause::PrimaryKey(_) | Clause::Unique | Clause::References(..)
            )
        })
    }

    /// The definition: `title TEXT NOT NULL`.
    pub fn definition(&self) -> String {
        let mut out = format!("{} {}", quoted(&self.name), self.ty);
        for c in &self.clauses {
            out.push(' ');
            match c {
                Clause::NotNull => out.push_str("NOT NULL"),
                Clause::Null => out.push_str("NULL"),
                Clause::Default(d) => {
                    out.push_str("DEFAULT ");
                    out.push_str(d);
                }
                Clause::References(_, text) | Clause::PrimaryKey(text) | Clause::Other(text) => {
                    out.push_str(text)
                }
                Clause::Unique => out.push_str("UNIQUE"),
            }
        }
        out.trim_end().to_string()
    }

    /// Sets or clears `NOT NULL`.
    pub fn set_not_null(&mut self, on: bool) {
        self.clauses
            .retain(|c| !matches!(c, Clause::NotNull | Clause::Null));
        if on {
            // After the type, before any default or reference, as written
            // by hand.
            self.clauses.insert(0, Clause::NotNull);
        }
    }

    /// Sets or clears the default.
    pub fn set_default(&mut self, value: Option<String>) {
        let at = self
            .clauses
            .iter()
            .position(|c| matches!(c, Clause::Default(_)));
        match (at, value) {
            (Some(i), Some(v)) => self.clauses[i] = Clause::Default(v),
            (Some(i), None) => {
                self.clauses.remove(i);
            }
            (None, Some(v)) => {
                let after = self
                    .clauses
                    .iter()
                    .rposition(|c| matches!(c, Clause::NotNull | Clause::Null))
                    .map_or(0, |i| i + 1);
                self.clauses.insert(after, Clause::Default(v));
            }
            (None, None) => {}
        }
    }
}

/// Words that end a column's type.
const CLAUSE_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

/// Parses the definition of a column from tokens `from..to` of `s`.
fn column(s: &Statement, from: usize, to: usize) -> Option<Column> {
    let name = ident(s.tok(from)?);
    let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
    let mut i = from + 1;
    let mut depth = 0usize;
    while i < to {
        let t = upper(i);
        if depth == 0 && CLAUSE_WORDS.contains(&t.as_str()) {
            break;
        }
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    let ty = s.span(from + 1, i);
    let mut clauses = Vec::new();
    // The end of a clause's text: the next clause word at depth 0.
    let clause_end = |mut j: usize| {
        let mut depth = 0usize;
        while j < to {
            let t = upper(j);
            if depth == 0 && CLAUSE_WORDS.contains(&t.as_str()) && t != "AS" {
                break;
            }
            match t.as_str() {
                "(" => depth += 1,
                ")" => depth = depth.saturating_sub(1),
                _ => {}
            }
            j += 1;
        }
        j
    };
    while i < to {
        let t = upper(i);
        match t.as_str() {
            "NOT" if upper(i + 1) == "NULL" => {
                clauses.push(Clause::NotNull);
                i += 2;
            }
            "NULL" => {
                clauses.push(Clause::Null);
                i += 1;
            }
            "UNIQUE" => {
                clauses.push(Clause::Unique);
                i += 1;
            }
            "DEFAULT" => {
                // One value: a literal, a signed number, a word, or `(…)`.
                let mut j = i + 1;
                if matches!(s.tok(j), Some("-" | "+")) {
                    j += 1;
                }
                if s.tok(j) == Some("(") {
                    let mut depth = 0usize;
                    while j < to {
                        match s.tok(j) {
                            Some("(") => depth += 1,
                            Some(")") => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                }
                j += 1;
                // `'x'::text`: a PostgreSQL cast belongs to the value.
                while s.tok(j) == Some(":") && s.tok(j + 1) == Some(":") {
                    j += 3;
                }
                clauses.push(Clause::Default(s.span(i + 1, j.min(to))));
                i = j;
            }
            "REFERENCES" => {
                let end = clause_end(i + 1);
                let table = s.tok(i + 1).map(ident).unwrap_or_default();
                clauses.push(Clause::References(table, s.span(i, end)));
                i = end;
            }
            "PRIMARY" | "GENERATED" => {
                let mut end = clause_end(i + 1);
                // `GENERATED ALWAYS AS IDENTITY PRIMARY KEY` is one clause.
                if t == "GENERATED" && upper(end) == "PRIMARY" {
                    end = clause_end(end + 1);
                }
                clauses.push(Clause::PrimaryKey(s.span(i, end)));
                i = end;
            }
            _ => {
                let end = clause_end(i + 1);
                clauses.push(Clause::Other(s.span(i, end)));
                i = end;
            }
        }
    }
    Some(Column { name, ty, clauses })
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Table constraints as written: `PRIMARY KEY (a, b)`, `CHECK (…)`.
    pub constraints: Vec<String>,
    /// What follows the parentheses: `STRICT`, `WITHOUT ROWID`.
    pub options: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// `CREATE TABLE name (…)`, one column or constraint per line.
    pub fn create_sql(&self, name: &str) -> String {
        let mut lines: Vec<String> = self.columns.iter().map(Column::definition).collect();
        lines.extend(self.constraints.iter().cloned());
        let options = if self.options.is_empty() {
            String::new()
        } else {
            format!(" {}", self.options)
        };
        format!(
            "CREATE TABLE {} (\n    {}\n){options};\n",
            quoted(name),
            lines.join(",\n    ")
        )
    }

    /// Whether a table constraint names `column`.
    pub fn constraint_names(&self, column: &str) -> bool {
        self.constraints.iter().any(|c| mentions(c, column))
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub unique: bool,
    /// Each indexed column or expression, as written.
    pub columns: Vec<String>,
    /// What follows the column list: `WHERE …`.
    pub tail: String,
}

impl Index {
    pub fn create_sql(&self) -> String {
        let unique = if self.unique { "UNIQUE " } else { "" };
        let tail = if self.tail.is_empty() {
            String::new()
        } else {
            format!(" {}", self.tail)
        };
        format!(
            "CREATE {unique}INDEX {} ON {} ({}){tail};\n",
            quoted(&self.name),
            quoted(&self.table),
            self.columns.join(", ")
        )
    }

    /// Whether the index covers `column`.
    pub fn covers(&self, column: &str) -> bool {
        self.columns.iter().any(|c| mentions(c, column)) || mentions(&self.tail, column)
    }
}

/// A trigger or a view: kept as written, with the tables it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Other {
    /// `trigger` or `view`.
    pub kind: &'static str,
    pub name: String,
    pub tables: Vec<String>,
    pub sql: String,
}

/// A statement the interpreter does not understand, from `file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUnderstood {
    pub file: String,
    pub sql: String,
    words: Vec<String>,
}

/// The schema the migrations leave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub others: Vec<Other>,
    pub not_understood: Vec<NotUnderstood>,
}

/// Whether `text` names `word` as a whole identifier.
pub fn mentions(text: &str, word: &str) -> bool {
    let st = Statement {
        text: text.to_string(),
        toks: tokens(text),
    };
    (0..st.toks.len()).any(|i| {
        matches!(st.toks[i].kind, TokenKind::Word | TokenKind::Quoted)
            && ident(st.tok(i).unwrap_or_default()) == word
    })
}

/// Replaces the identifier `from` by `to` wherever `text` names it.
pub fn rename_in(text: &str, from: &str, to: &str) -> String {
    let toks = tokens(text);
    let mut out = String::new();
    let mut at = 0;
    for t in toks {
        let raw = &text[t.start..t.end];
        if matches!(t.kind, TokenKind::Word | TokenKind::Quoted) && ident(raw) == from {
            out.push_str(&text[at..t.start]);
            out.push_str(to);
            at = t.end;
        }
    }
    out.push_str(&text[at..]);
    out
}

/// The identifiers `sql` names, also inside function bodies (`$$ … $$`).
fn words_of(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens(sql) {
        let raw = &sql[t.start..t.end];
        match t.kind {
            TokenKind::Word | TokenKind::Quoted => out.push(ident(raw)),
            TokenKind::String if raw.starts_with('$') => {
                let open = raw[1..].find('$').map_or(raw.len(), |n| n + 2);
                let close = raw.len().saturating_sub(open).max(open);
                out.extend(words_of(&raw[open..close]));
            }
            _ => {}
        }
    }
    out
}

/// Top-level comma-separated groups of tokens `from..to`: (start, end).
fn groups(s: &Statement, from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = from;
    for i in from..to {
        match s.tok(i) {
            Some("(") => depth += 1,
            Some(")") => depth = depth.saturating_sub(1),
            Some(",") if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < to {
        out.push((start, to));
    }
    out
}

/// The index of the `)` closing the `(` at `open`.
fn closing(s: &Statement, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..s.toks.len() {
        match s.tok(i) {
            Some("(") => depth += 1,
            Some(")") => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Statements that change no schema.
const PASSED_OVER: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "SELECT",
    "PRAGMA",
    "BEGIN",
    "COMMIT",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET",
    "ANALYZE",
    "VACUUM",
    "REINDEX",
    "COMMENT",
    "WITH",
    "VALUES",
];

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name == name)
    }

    /// The indexes of `table`, in the order they were made.
    pub fn indexes_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.iter().filter(move |i| i.table == table)
    }

    /// The triggers and views that concern `table`.
    pub fn others_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Other> + 'a {
        self.others
            .iter()
            .filter(move |o| o.tables.iter().any(|t| t == table))
    }

    /// The tables with a foreign key to `table`, other than itself.
    pub fn referrers(&self, table: &str) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| t.name != table)
            .filter(|t| {
                t.columns.iter().any(|c| c.references() == Some(table))
                    || t.constraints.iter().any(|c| {
                        let upper = c.to_ascii_uppercase();
                        upper.contains("REFERENCES") && mentions(c, table)
                    })
            })
            .map(|t| t.name.as_str())
            .collect()
    }

    /// The migration statements not understood that name `table`.
    pub fn unclear(&self, table: &str) -> Option<&NotUnderstood> {
        self.not_understood
            .iter()
            .find(|n| n.words.iter().any(|w| w == table))
    }

    /// Applies one file of migration SQL.
    pub fn apply_sql(&mut self, file: &str, sql: &str) {
        for s in statements(sql) {
            if !self.apply(&s) {
                let words = words_of(&s.text);
                self.not_understood.push(NotUnderstood {
                    file: file.to_string(),
                    sql: s.sql(),
                    words,
                });
            }
        }
    }

    /// Applies one statement; false when it is not understood.
    fn apply(&mut self, s: &Statement) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let first = upper(0);
        if PASSED_OVER.contains(&first.as_str()) {
            return true;
        }
        let mut i = 1;
        match first.as_str() {
            "CREATE" => {
                let mut unique = false;
                while matches!(
                    upper(i).as_str(),
                    "TEMP" | "TEMPORARY" | "UNLOGGED" | "UNIQUE" | "OR" | "REPLACE"
                ) {
                    unique |= upper(i) == "UNIQUE";
                    i += 1;
                }
                match upper(i).as_str() {
                    "TABLE" => self.create_table(s, i + 1),
                    "INDEX" => self.create_index(s, i + 1, unique),
                    "TRIGGER" | "VIEW" => self.create_other(s, i),
                    _ => false,
                }
            }
            "DROP" => {
                let what = upper(1);
                let mut i = 2;
                while matches!(upper(i).as_str(), "IF" | "EXISTS" | "CONCURRENTLY") {
                    i += 1;
                }
                let Some(name) = s.tok(i).map(ident) else {
                    return false;
                };
                match what.as_str() {
                    "TABLE" => {
                        let Some(at) = self.tables.iter().position(|t| t.name == name) else {
                            return false;
                        };
                        self.tables.remove(at);
                        self.indexes.retain(|x| x.table != name);
                        self.others
                            .retain(|o| !(o.kind == "trigger" && o.tables.contains(&name)));
                        true
                    }
                    "INDEX" => {
                        let before = self.indexes.len();
                        self.indexes.retain(|x| x.name != name);
                        before != self.indexes.len()
                    }
                    "TRIGGER" | "VIEW" => {
                        let before = self.others.len();
                        self.others.retain(|o| o.name != name);
                        before != self.others.len()
                    }
                    _ => false,
                }
            }
            "ALTER" if upper(1) == "TABLE" => self.alter_table(s),
            "ALTER" if upper(1) == "INDEX" => {
                // `ALTER INDEX a RENAME TO b`.
                let (Some(from), Some(to)) = (s.tok(2).map(ident), s.tok(5).map(ident)) else {
                    return false;
                };
                if upper(3) != "RENAME" || upper(4) != "TO" || s.toks.len() != 6 {
                    return false;
                }
                match self.indexes.iter_mut().find(|x| x.name == from) {
                    Some(x) => {
                        x.name = to;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    fn create_table(&mut self, s: &Statement, mut i: usize) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let mut if_not_exists = false;
        if upper(i) == "IF" {
            if_not_exists = true;
            i += 3;
        }
        let Some(name) = s.tok(i).map(ident) else {
            return false;
        };
        if s.tok(i + 1) != Some("(") {
            return false;
        }
        let Some(close) = closing(s, i + 1) else {
            return false;
        };
        if self.table(&name).is_some() {
            return if_not_exists;
        }
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        for (from, to) in groups(s, i + 2, close) {
            let head = upper(from);
            if matches!(
                head.as_str(),
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
            ) {
                constraints.push(s.span(from, to));
            } else {
                match column(s, from, to) {
                    Some(c) => columns.push(c),
                    None => return false,
                }
            }
        }
        self.tables.push(Table {
            name,
            columns,
            constraints,
            options: s.span(close + 1, s.toks.len()),
        });
        true
    }

    fn create_index(&mut self, s: &Statement, mut i: usize, unique: bool) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let mut if_not_exists = false;
        while matches!(upper(i).as_str(), "CONCURRENTLY" | "IF" | "NOT" | "EXISTS") {
            if_not_exists |= upper(i) == "IF";
            i += 1;
        }
        let Some(name) = s.tok(i).map(ident) else {
            return false;
        };
        if upper(i + 1) != "ON" {
            return false;
        }
        i += 2;
        if upper(i) == "ONLY" {
            i += 1;
        }
        let Some(table) = s.tok(i).map(ident) else {
            return false;
        };
        if self.table(&table).is_none() {
            return false;
        }
        i += 1;
        let mut method = String::new();
        if upper(i) == "USING" {
            method = s.span(i, i + 2);
            i += 2;
        }
        if s.tok(i) != Some("(") {
            return false;
        }
        let Some(close) = closing(s, i) else {
            return false;
        };
        if self.indexes.iter().any(|x| x.name == name) {
            return if_not_exists;
        }
        let columns = groups(s, i + 1, close)
            .into_iter()
            .map(|(a, b)| s.span(a, b))
            .collect();
        let mut tail = s.span(close + 1, s.toks.len());
        if !method.is_empty() {
            // Kept with the rest, so nothing written is lost.
            tail = format!("{method} {tail}").trim().to_string();
        }
        self.indexes.push(Index {
            name,
            table,
            unique,
            columns,
            tail,
        });
        true
    }

    fn create_other(&mut self, s: &Statement, i: usize) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let kind = if upper(i) == "TRIGGER" {
            "trigger"
        } else {
            "view"
        };
        let mut j = i + 1;
        while matches!(upper(j).as_str(), "IF" | "NOT" | "EXISTS") {
            j += 1;
        }
        let Some(name) = s.tok(j).map(ident) else {
            return false;
        };
        let tables: Vec<String> = (j + 1..s.toks.len())
            .filter_map(|k| s.tok(k).map(ident))
            .filter(|w| self.table(w).is_some())
            .fold(Vec::new(), |mut acc, w| {
                if !acc.contains(&w) {
                    acc.push(w);
                }
                acc
            });
        self.others.retain(|o| o.name != name);
        self.others.push(Other {
            kind,
            name,
            tables,
            sql: s.sql(),
        });
        true
    }

    fn alter_table(&mut self, s: &Statement) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let mut i = 2;
        while matches!(upper(i).as_str(), "IF" | "EXISTS" | "ONLY") {
            i += 1;
        }
        let Some(name) = s.tok(i).map(ident) else {
            return false;
        };
        if self.table(&name).is_none() {
            return false;
        }
        // Every action or none: work on a copy.
        let mut next = self.clone();
        for (from, to) in groups(s, i + 1, s.toks.len()) {
            if !next.alter_action(s, &name, from, to) {
                return false;
            }
        }
        *self = next;
        true
    }

    fn alter_action(&mut self, s: &Statement, table: &str, from: usize, to: usize) -> bool {
        let upper = |i: usize| s.tok(i).map(str::to_ascii_uppercase).unwrap_or_default();
        let mut i = from + 1;
        match upper(from).as_str() {
            "ADD" => {
                if matches!(
                    upper(i).as_str(),
                    "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
                ) {
                    let text = s.span(i, to);
                    let Some(t) = self.table_mut(table) else {
                        return false;
                    };
                    t.constraints.push(text);
                    return true;
                }
                if upper(i) == "COLUMN" {
                    i += 1;
                }
                let mut if_not_exists = false;
                if upper(i) == "IF" {
                    if_not_exists = true;
                    i += 3;
                }
                let Some(c) = column(s, i, to) else {
                    return false;
                };
                let Some(t) = self.table_mut(table) else {
                    return false;
                };
                if t.column(&c.name).is_some() {
                    return if_not_exists;
                }
                t.columns.push(c);
                true
            }
            "DROP" => {
                if upper(i) == "CONSTRAINT" {
                    let mut j = i + 1;
                    if upper(j) == "IF" {
                        j += 2;
                    }
                    let Some(constraint) = s.tok(j).map(ident) else {
                        return false;
                    };
                    let Some(t) = self.table_mut(table) else {
                        return false;
                    };
                    let before = t.constraints.len();
                    t.constraints.retain(|c| {
                        let st = Statement {
                            text: c.clone(),
                            toks: tokens(c),
                        };
                        !(st.tok(0)
                            .is_some_and(|w| w.eq_ignore_ascii_case("CONSTRAINT"))
                            && st.tok(1).map(ident) == Some(constraint.clone()))
                    });
                    return before != t.constraints.len();
                }
                if upper(i) == "COLUMN" {
                    i += 1;
                }
                if upper(i) == "IF" {
                    i += 2;
                }
                let Some(col) = s.tok(i).map(ident) else {
                    return false;
                };
                let Some(t) = self.table_mut(table) else {
                    return false;
                };
                let before = t.columns.len();
                t.columns.retain(|c| c.name != col);
                if before == t.columns.len() {
                    return false;
                }
                self.indexes
                    .retain(|x| !(x.table == table && x.covers(&col)));
                true
            }
            "RENAME" => {
                if upper(i) == "TO" {
                    let Some(new) = s.tok(i + 1).map(ident) else {
                        return false;
                    };
                    if self.table(&new).is_some() {
                        return false;
                    }
                    let old = table.to_string();
                    for t in &mut self.tables {
                        for c in &mut t.columns {
                            for clause in &mut c.clauses {
                                if let Clause::References(target, text) = clause
                                    && *target == old
                                {
                                    *text = rename_in(text, &old, &new);
                                    target.clone_from(&new);
                                }
                            }
                        }
                    }
                    if let Some(t) = self.table_mut(&old) {
                        t.name.clone_from(&new);
                    }
                    for x in &mut self.indexes {
                        if x.table == old {
                            x.table.clone_from(&new);
                        }
                    }
                    for o in &mut self.others {
                        for t in &mut o.tables {
                            if *t == old {
                                t.clone_from(&new);
                            }
                        }
                        o.sql = rename_in(&o.sql, &old, &new);
                    }
                    return true;
                }
                if upper(i) == "COLUMN" {
                    i += 1;
                }
                let (Some(a), Some(b)) = (s.tok(i).map(ident), s.tok(i + 2).map(ident)) else {
                    return false;
                };
                if upper(i + 1) != "TO" {
                    return false;
                }
                let Some(t) = self.table_mut(table) else {
                    return false;
                };
                if t.column(&b).is_some() {
                    return false;
                }
                let Some(c) = t.column_mut(&a) else {
                    return false;
                };
                c.name.clone_from(&b);
                for c in &mut t.constraints {
                    *c = rename_in(c, &a, &b);
                }
                for x in &mut self.indexes {
                    if x.table == table {
                        for c in &mut x.columns {
                            *c = rename_in(c, &a, &b);
                        }
                        x.tail = rename_in(&x.tail, &a, &b);
                    }
                }
                true
            }
            "ALTER" => {
                if upper(i) == "COLUMN" {
                    i += 1;
                }
                let Some(col) = s.tok(i).map(ident) else {
                    return false;
                };
                let Some(c) = self.table_mut(table).and_then(|t| t.column_mut(&col)) else {
                    return false;
                };
                i += 1;
                let action = (upper(i), upper(i + 1));
                match (action.0.as_str(), action.1.as_str()) {
                    ("TYPE", _) | ("SET", "DATA") => {
                        let start = if action.0 == "TYPE" { i + 1 } else { i + 3 };
                        let mut end = start;
                        while end < to && !matches!(upper(end).as_str(), "USING" | "COLLATE") {
                            end += 1;
                        }
                        c.ty = s.span(start, end);
                        true
                    }
                    ("SET", "NOT") => {
                        c.set_not_null(true);
                        true
                    }
                    ("DROP", "NOT") => {
                        c.set_not_null(false);
                        true
                    }
                    ("SET", "DEFAULT") => {
                        c.set_default(Some(s.span(i + 2, to)));
                        true
                    }
                    ("DROP", "DEFAULT") => {
                        c.set_default(None);
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The schema as a readable file: tables by name, each with its
    /// indexes, triggers and views.
    pub fn dump(&self, dialect: &str) -> String {
        let mut out = format!(
            "-- The database schema ({dialect}) that the migrations under migrations/ build,\n-- kept up to date by `cargo mvc generate model` and `generate migration`. It is\n-- a snapshot to read: the migrations are what changes the database.\n"
        );
        let mut tables: Vec<&Table> = self.tables.iter().collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        for t in tables {
            out.push('\n');
            out.push_str(&t.create_sql(&t.name));
            let mut indexes: Vec<&Index> = self.indexes_of(&t.name).collect();
            indexes.sort_by(|a, b| a.name.cmp(&b.name));
            for x in indexes {
                out.push_str(&x.create_sql());
            }
            for o in self
                .others
                .iter()
                .filter(|o| o.tables.first() == Some(&t.name))
            {
                let _ = writeln!(out, "{};", o.sql);
            }
        }
        for o in self.others.iter().filter(|o| o.tables.is_empty()) {
            let _ = writeln!(out, "\n{};", o.sql);
        }
        out
    }
}

/// A migration of the project: its version, its name, and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: u64,
    /// `create_posts`, `add_email_to_users`.
    pub name: String,
    /// `migrations/<version>_<name>.up.sql`, or `.sql` for one-way ones.
    pub up: String,
    pub down: Option<String>,
}

/// The migrations under `migrations/`, oldest first, from `files` (names
/// in the folder).
pub fn migrations_in(files: &[String]) -> Vec<Migration> {
    let mut out: Vec<Migration> = Vec::new();
    for f in files {
        let Some((version, rest)) = f.split_once('_') else {
            continue;
        };
        let Ok(version) = version.parse::<u64>() else {
            continue;
        };
        let (name, up) = if let Some(n) = rest.strip_suffix(".up.sql") {
            (n, true)
        } else if let Some(n) = rest.strip_suffix(".down.sql") {
            (n, false)
        } else if let Some(n) = rest.strip_suffix(".sql") {
            (n, true)
        } else {
            continue;
        };
        let path = format!("{}/{f}", layout::MIGRATIONS);
        let at = match out.iter().position(|m| m.version == version) {
            Some(at) => at,
            None => {
                out.push(Migration {
                    version,
                    name: name.to_string(),
                    up: String::new(),
                    down: None,
                });
                out.len() - 1
            }
        };
        if up {
            out[at].up = path;
        } else {
            out[at].down = Some(path);
        }
    }
    out.retain(|m| !m.up.is_empty());
    out.sort_by_key(|m| m.version);
    out
}

/// The names of the files under `migrations/` of the project at `root`.
pub fn migration_files(root: &Path) -> Vec<String> {
    std::fs::read_dir(root.join(layout::MIGRATIONS))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(files: &[&str]) -> Schema {
        let mut s = Schema::default();
        for (n, sql) in files.iter().enumerate() {
            s.apply_sql(&format!("m{n}"), sql);
        }
        s
    }

    #[test]
    fn reads_the_tables_the_generators_write() {
        let s = schema(&[
            "-- The posts table.\nCREATE TABLE posts (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    title TEXT NOT NULL,\n    body TEXT,\n    created_at TEXT NOT NULL,\n    updated_at TEXT NOT NULL\n);\nCREATE UNIQUE INDEX index_posts_on_title ON posts (title);\n",
            "CREATE TABLE comments (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,\n    price NUMERIC(10, 2) DEFAULT 0.5\n);\nCREATE INDEX index_comments_on_post_id ON comments (post_id);",
        ]);
        let posts = s.table("posts").unwrap();
        assert_eq!(posts.columns.len(), 5);
        assert!(posts.column("title").unwrap().not_null());
        assert!(!posts.column("body").unwrap().not_null());
        assert!(posts.column("id").unwrap().is_primary_key());
        let comments = s.table("comments").unwrap();
        let post_id = comments.column("post_id").unwrap();
        assert_eq!(post_id.references(), Some("posts"));
        assert_eq!(
            post_id.definition(),
            "post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE"
        );
        assert_eq!(
            comments.column("id").unwrap().definition(),
            "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        );
        let price = comments.column("price").unwrap();
        assert_eq!(price.ty, "NUMERIC(10, 2)");
        assert_eq!(price.default(), Some("0.5"));
        assert_eq!(s.referrers("posts"), vec!["comments"]);
        assert_eq!(s.indexes_of("posts").count(), 1);
        assert!(s.not_understood.is_empty(), "{:?}", s.not_understood);
    }

    #[test]
    fn follows_alter_table_in_both_dialects() {
        let s = schema(&[
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
            "ALTER TABLE users ADD COLUMN email TEXT DEFAULT '';\nCREATE INDEX index_users_on_email ON users (email);",
            "ALTER TABLE users RENAME COLUMN name TO full_name;",
            "ALTER TABLE users ALTER COLUMN full_name TYPE VARCHAR(100), ALTER COLUMN full_name DROP NOT NULL;",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL; ALTER TABLE users ALTER COLUMN email DROP DEFAULT;",
        ]);
        let users = s.table("users").unwrap();
        let full = users.column("full_name").unwrap();
        assert_eq!(full.ty, "VARCHAR(100)");
        assert!(!full.not_null());
        let email = users.column("email").unwrap();
        assert!(email.not_null());
        assert_eq!(email.default(), None);
        let s = schema(&[
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",
            "CREATE INDEX index_users_on_email ON users (email);",
            "ALTER TABLE users DROP COLUMN email;",
            "ALTER TABLE users RENAME TO people;",
        ]);
        assert!(s.table("users").is_none());
        assert_eq!(s.table("people").unwrap().columns.len(), 1);
        assert_eq!(s.indexes.len(), 0);
    }

    #[test]
    fn reads_the_sqlite_table_rebuild() {
        let s = schema(&[
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER);\nCREATE INDEX index_posts_on_title ON posts (title);\nCREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN UPDATE posts SET n = 1; END;",
            "-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE new_posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\nINSERT INTO new_posts (id, title) SELECT id, title FROM posts;\nDROP TABLE posts;\nALTER TABLE new_posts RENAME TO posts;\nCREATE INDEX index_posts_on_title ON posts (title);\nCOMMIT;\nPRAGMA foreign_keys = ON;",
        ]);
        let posts = s.table("posts").unwrap();
        assert_eq!(posts.columns.len(), 2);
        assert_eq!(s.indexes.len(), 1);
        assert!(s.others.is_empty(), "the trigger went with the table");
        assert!(s.not_understood.is_empty(), "{:?}", s.not_understood);
    }

    #[test]
    fn keeps_what_it_does_not_understand_with_the_words_it_names() {
        let s = schema(&[
            "CREATE TABLE posts (id INTEGER PRIMARY KEY);",
            "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN UPDATE posts SET x = 1; END; $$ LANGUAGE plpgsql;",
        ]);
        assert_eq!(s.not_understood.len(), 1);
        assert_eq!(s.unclear("posts").unwrap().file, "m1");
        assert!(s.unclear("users").is_none());
    }

    #[test]
    fn renames_whole_identifiers_only() {
        assert_eq!(
            rename_in("(title, subtitle, \"title\")", "title", "headline"),
            "(headline, subtitle, headline)"
        );
        assert!(mentions("lower(email)", "email"));
        assert!(!mentions("lower(emails)", "email"));
    }

    #[test]
    fn lists_migrations_by_version() {
        let files: Vec<String> = [
            "2_b.up.sql",
            "2_b.down.sql",
            "1_a.sql",
            "README.md",
            "x_y.sql",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = migrations_in(&files);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].version, m[0].name.as_str()), (1, "a"));
        assert_eq!(m[1].down.as_deref(), Some("migrations/2_b.down.sql"));
    }
}
