//! umpin's management shell (SPEC §4.1): the PowerShell subset an Exchange administrator types. The
//! shell keeps the language; what a server cmdlet takes and does is the cmdlet catalogue's
//! (`umpin_catalogue`), which the shell binds and runs in-process or on a server ([`backend`]).
//!
//! - [`parse`] turns source text into a [`Script`]; [`is_incomplete`] tells the REPL to read another line.
//! - [`ast`] is the tree; every node carries a [`Span`] for error messages.
//! - [`print`](mod@print) renders a tree as canonical source that parses back to the same tree.
//! - [`run`] evaluates scripts: binding, pipelines and the utility cmdlets of [`registry`];
//!   [`properties`] expands the property names they take (wildcards included); [`format`](mod@format)
//!   displays objects by PowerShell's rules; [`complete`] completes names and identities for the
//!   interactive prompt; `help` and `about` are `Get-Help`'s pages and topics.
//!
//! # Decisions
//!
//! - **Two lexing modes**, as in PowerShell: a statement whose first token is a bare word is a command and
//!   its arguments are read in *command mode* (`-Name` is a parameter, unquoted text is a bare word, no
//!   operators); otherwise it is an expression (`$m.Extensions`, `1,2,3 | ...`, a script block's
//!   `$_.LockedOut -eq $true`). So `Where-Object LockedOut -eq $true` keeps `-eq` as a parameter for the
//!   binder, which is how PowerShell's simplified `Where-Object` syntax works.
//! - **`-Param value` is two arguments** (see [`ast`]): only the cmdlet registry knows switches.
//! - **Numbers keep their spelling** next to their value, so `-PIN 0123` loses no leading zero. Integers
//!   only; `1.5` in argument position is a bare word, digits beyond `i64` are a bare word in argument
//!   position and an error in an expression.
//! - **Double-quoted strings are not expanded**: `"$x"` is the text `$x`, marked [`Quote::Double`] so
//!   evaluation can add expansion later.
//! - `#` comments and backtick line continuations are whitespace; `!` is `-not`.
//! - Not supported (clear syntax errors instead): hash tables and splatting (`@{}`, `@x`), `$( )`,
//!   `${ }`, indexing, method calls, arithmetic.
//! - **Limits**: [`MAX_SOURCE_LEN`] bytes and [`MAX_DEPTH`] levels of nesting (brackets, `-not`, operator
//!   and property chains), so no input can overflow the stack while parsing or dropping the tree.

mod about;
pub mod ast;
pub mod backend;
pub mod complete;
mod error;
pub mod format;
mod help;
mod lexer;
mod parser;
pub mod print;
pub mod properties;
pub mod registry;
pub mod run;

pub use ast::{
    Argument, BinaryOp, Command, Expr, ExprKind, Pipeline, PipelineElement, Quote, Script, Span, Statement, UnaryOp,
};
pub use error::SyntaxError;
pub use parser::{MAX_DEPTH, MAX_PIPELINE_LENGTH, MAX_SOURCE_LEN, is_incomplete, parse};

#[cfg(test)]
mod tests;
