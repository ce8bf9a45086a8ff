//! Cargo-style status output on stderr: a right-aligned, bold verb and a message.

use std::fmt::Display;
use std::io::Write;

use anstyle::{AnsiColor, Style};

/// When to colour the output; `auto` honours `NO_COLOR`, `CLICOLOR_FORCE` and
/// whether stderr is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// The kinds of status line, each with cargo's colour convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something was or would be written.
    Good,
    /// Nothing needed doing.
    Quiet,
    /// Something was deliberately left alone, or a warning.
    Warn,
    /// Something was or would be removed.
    Bad,
}

#[derive(Debug)]
pub struct Shell {
    quiet: bool,
    verbose: bool,
}

const VERB_WIDTH: usize = 12;

impl Shell {
    pub fn new(quiet: bool, verbose: bool, color: ColorWhen) -> Self {
        let choice = match color {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
        Self { quiet, verbose }
    }

    /// This shell, printing diffs as `--verbose` does.
    pub fn with_diffs(&self) -> Self {
        Self {
            quiet: self.quiet,
            verbose: true,
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose && !self.quiet
    }

    /// Prints `{verb:>12} {message}` on stderr unless `--quiet`.
    pub fn status(&self, verb: &str, message: impl Display, tone: Tone) {
        if self.quiet {
            return;
        }
        let color = match tone {
            Tone::Good => AnsiColor::Green,
            Tone::Quiet => AnsiColor::Cyan,
            Tone::Warn => AnsiColor::Yellow,
            Tone::Bad => AnsiColor::Red,
        };
        let style = Style::new().bold().fg_color(Some(color.into()));
        let mut err = anstream::stderr().lock();
        // A closed stderr is not worth failing the command over.
        let _ = writeln!(err, "{style}{verb:>VERB_WIDTH$}{style:#} {message}");
    }

    /// Free text on stderr (diffs, notes) unless `--quiet`.
    pub fn note(&self, text: impl Display) {
        if self.quiet {
            return;
        }
        let mut err = anstream::stderr().lock();
        let _ = writeln!(err, "{text}");
    }

    pub fn warn(&self, message: impl Display) {
        if self.quiet {
            return;
        }
        let style = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
        let mut err = anstream::stderr().lock();
        let _ = writeln!(err, "{style}warning{style:#}: {message}");
    }

    /// Prints `error: …` and the cause chain; shown even with `--quiet`.
    pub fn error(&self, err: &anyhow::Error) {
        let style = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let mut out = anstream::stderr().lock();
        let _ = writeln!(out, "{style}error{style:#}: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(out, "\nCaused by:\n  {cause}");
        }
    }

    /// A question on stderr, the answer to be typed on the same line; asked
    /// even with `--quiet`.
    pub fn ask(&self, question: impl Display) {
        let mut err = anstream::stderr().lock();
        let _ = write!(err, "{question} ");
        let _ = err.flush();
    }

    /// Data for other programs goes to stdout, never styled by us.
    pub fn data(&self, text: impl Display) {
        let mut out = anstream::stdout().lock();
        let _ = writeln!(out, "{text}");
    }
}
