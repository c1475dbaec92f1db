//! The one error the language layer produces: a syntax error that points at a line and column.

use crate::ast::Span;

/// A syntax error: what is wrong and what to do, and where.
///
/// Displays as `At line 1, column 17: <message>`, with 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("At line {line}, column {column}: {message}")]
pub struct SyntaxError {
    /// What is wrong and what to do about it.
    pub message: String,
    /// The byte range of the source the error is about.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
    /// The input ended while a quote, bracket or trailing `|` was still open.
    pub(crate) incomplete: bool,
}

impl SyntaxError {
    pub(crate) fn new(source: &str, span: Span, message: impl Into<String>) -> Self {
        let (line, column) = span.line_column(source);
        Self { message: message.into(), span, line, column, incomplete: false }
    }

    pub(crate) fn incomplete(mut self, incomplete: bool) -> Self {
        self.incomplete = incomplete;
        self
    }

    /// True when the error only means "the input stopped too early": a quote, `{`, `(` or `@(` is still
    /// open, or the input ends with `|`. A REPL reads another line instead of reporting it.
    pub fn is_incomplete_input(&self) -> bool {
        self.incomplete
    }
}
