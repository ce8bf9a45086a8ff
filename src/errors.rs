//! The errors of a command that stopped before it wrote anything, and the
//! one way they say so: the message, a blank line, `nothing was written`,
//! and after it what to do (`; …`) when there is something to say.

use std::fmt::{self, Display};

/// The line that tells the user the project is as it was.
pub const NOTHING_WRITTEN: &str = "nothing was written";

/// An error after which no file was changed.
#[derive(Debug)]
pub struct NothingWritten {
    message: String,
    hint: Option<String>,
}

/// An error whose message is `message`, after which nothing was written.
pub fn nothing_written(message: impl Display) -> NothingWritten {
    NothingWritten {
        message: message.to_string(),
        hint: None,
    }
}

impl NothingWritten {
    /// What the user can do about it, said after `nothing was written; `.
    pub fn hint(mut self, hint: impl Display) -> Self {
        self.hint = Some(hint.to_string());
        self
    }
}

impl Display for NothingWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(f, &self.message, self.hint.as_deref())
    }
}

impl std::error::Error for NothingWritten {}

/// Writes `message`, then that nothing was written, then `hint`: for the
/// error types of their own (the edits', the plan's) that say so.
pub fn write(
    f: &mut fmt::Formatter<'_>,
    message: impl Display,
    hint: Option<impl Display>,
) -> fmt::Result {
    write!(f, "{message}\n\n{NOTHING_WRITTEN}")?;
    match hint {
        Some(hint) => write!(f, "; {hint}"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_follows_the_message_and_the_hint_follows_the_line() {
        assert_eq!(
            nothing_written("`x` is taken").to_string(),
            "`x` is taken\n\nnothing was written"
        );
        assert_eq!(
            nothing_written("`x` is taken")
                .hint("choose another name")
                .to_string(),
            "`x` is taken\n\nnothing was written; choose another name"
        );
        let err: anyhow::Error = nothing_written("gone").into();
        assert!(err.downcast_ref::<NothingWritten>().is_some());
    }
}
