//! A recursive-descent parser over the on-demand [`Lexer`](crate::lexer::Lexer).
//!
//! Grammar (PowerShell's, reduced to SPEC §4.1):
//!
//! ```text
//! script      := { statement (';' | newline) }
//! statement   := '$'name '=' pipeline | pipeline
//! pipeline    := (command | expression) { '|' command }      -- first token decides: a bare word is a command
//! command     := word { '-'name | '-'name':' value | value }  -- command mode
//! value       := element { ',' element }
//! element     := word | string | number | variable postfix | '(' pipeline ')' postfix | '@(' script ')' | '{' script '}'
//! expression  := comparison { ('-and' | '-or') comparison }   -- expression mode, left-associative
//! comparison  := array { ('-eq' | '-ne' | ... | '-match') array }
//! array       := unary { ',' unary }
//! unary       := ('-not' | '!') unary | primary postfix
//! postfix     := { '.'name }                                   -- no space before '.'
//! ```
//!
//! Every construct that nests (brackets, unary operators, operator chains, property chains) counts toward
//! [`MAX_DEPTH`], so neither the parser nor dropping the tree can overflow the stack. So does every
//! command of a pipeline after the first, and a pipeline has at most [`MAX_PIPELINE_LENGTH`]
//! commands: a pipeline runs as objects pushed from each command into the next, one call deeper
//! per command, so its length is a depth too (a pipeline of some 700 commands overflowed the stack).

use crate::ast::{Argument, Command, Expr, ExprKind, Pipeline, PipelineElement, Script, Span, Statement, UnaryOp};
use crate::error::SyntaxError;
use crate::lexer::{Lexer, Mode, Token, TokenKind};

/// The longest source accepted, in bytes (1 MiB).
pub const MAX_SOURCE_LEN: usize = 1024 * 1024;

/// The deepest nesting accepted: brackets, `-not`, and chains of operators or property accesses.
pub const MAX_DEPTH: usize = 64;

/// The most commands one pipeline may have.
pub const MAX_PIPELINE_LENGTH: usize = 32;

/// Parses a whole input: statements separated by `;` or new lines.
pub fn parse(source: &str) -> std::result::Result<Script, SyntaxError> {
    if source.len() > MAX_SOURCE_LEN {
        return Err(SyntaxError::new(
            source,
            Span::new(0, 0),
            format!(
                "The script is {} bytes long; the limit is {MAX_SOURCE_LEN} bytes (1 MiB) — split it into smaller scripts.",
                source.len()
            ),
        ));
    }
    let mut parser = Parser { source, lexer: Lexer::new(source), depth: 0, open: 0 };
    parser.script(Close::Eof, Span::new(0, 0))
}

/// True while the input is unfinished: a quote, `{`, `(` or `@(` is still open, or it ends with `|`.
/// A REPL reads another line and parses the whole again.
pub fn is_incomplete(source: &str) -> bool {
    parse(source).is_err_and(|error| error.is_incomplete_input())
}

/// What ends a statement list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    Eof,
    Brace,
    Paren,
}

struct Parser<'a> {
    source: &'a str,
    lexer: Lexer<'a>,
    /// Current nesting, checked against [`MAX_DEPTH`].
    depth: usize,
    /// Brackets currently open; an error at the end of input while one is open means "incomplete".
    open: usize,
}

type Result<T> = std::result::Result<T, SyntaxError>;

impl Parser<'_> {
    fn error(&self, span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(self.source, span, message)
    }

    /// An error about `token`; incomplete when the input ended inside a bracket.
    fn error_at(&self, token: &Token, message: impl Into<String>) -> SyntaxError {
        let incomplete = token.kind == TokenKind::Eof && self.open > 0;
        self.error(token.span, message).incomplete(incomplete)
    }

    fn peek(&self, mode: Mode) -> Result<Token> {
        self.lexer.peek(mode)
    }

    fn next(&mut self, mode: Mode) -> Result<Token> {
        self.lexer.next_token(mode)
    }

    fn skip_newlines(&mut self) -> Result<()> {
        while self.peek(Mode::Command)?.kind == TokenKind::Newline {
            self.next(Mode::Command)?;
        }
        Ok(())
    }

    fn enter(&mut self, span: Span) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                span,
                format!(
                    "The script nests too deeply (more than {MAX_DEPTH} levels of brackets, operators or property accesses) — simplify it, for example by using variables."
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self, levels: usize) {
        self.depth -= levels;
    }

    /// Statements up to `close` (not consumed). `opener` is the bracket that `close` must match.
    fn script(&mut self, close: Close, opener: Span) -> Result<Script> {
        let start = self.lexer.pos();
        let mut statements = Vec::new();
        loop {
            let token = self.peek(Mode::Expression)?;
            match (&token.kind, close) {
                (TokenKind::Newline | TokenKind::Semicolon, _) => {
                    self.next(Mode::Expression)?;
                    continue;
                }
                (TokenKind::Eof, Close::Eof)
                | (TokenKind::RBrace, Close::Brace)
                | (TokenKind::RParen, Close::Paren) => break,
                (TokenKind::Eof, Close::Brace) => {
                    return Err(self
                        .error(opener, "The script block is missing its closing '}' — add it.")
                        .incomplete(true));
                }
                (TokenKind::Eof, Close::Paren) => {
                    return Err(self.error(opener, "The '@(' is missing its closing ')' — add it.").incomplete(true));
                }
                (TokenKind::RBrace, _) => {
                    return Err(self.error_at(&token, "Unexpected '}': there is no '{' for it to close — remove it."));
                }
                (TokenKind::RParen, _) => {
                    return Err(self.error_at(&token, "Unexpected ')': there is no '(' for it to close — remove it."));
                }
                _ => {}
            }
            statements.push(self.statement()?);
            let token = self.peek(Mode::Command)?;
            match &token.kind {
                TokenKind::Newline | TokenKind::Semicolon | TokenKind::Eof | TokenKind::RBrace | TokenKind::RParen => {}
                other => {
                    return Err(self.error_at(
                        &token,
                        format!("Unexpected {} — put ';' or a new line between statements.", other.describe()),
                    ));
                }
            }
        }
        Ok(Script { statements, span: Span::new(start, self.lexer.pos()) })
    }

    fn statement(&mut self) -> Result<Statement> {
        let mut ahead = self.lexer.clone();
        let first = ahead.next_token(Mode::Expression)?;
        if let TokenKind::Variable(name) = &first.kind
            && ahead.next_token(Mode::Expression).is_ok_and(|token| token.kind == TokenKind::Equals)
            && !is_constant(name)
        {
            let variable = name.clone();
            self.lexer = ahead;
            let pipeline = self.pipeline("after '='")?;
            let span = first.span.to(pipeline.span);
            return Ok(Statement::Assignment { variable, pipeline, span });
        }
        Ok(Statement::Pipeline(self.pipeline("here")?))
    }

    /// A pipeline; `context` completes "A command or expression was expected ..." when there is none.
    fn pipeline(&mut self, context: &str) -> Result<Pipeline> {
        let token = self.peek(Mode::Expression)?;
        let first = match &token.kind {
            TokenKind::BareWord(_) => PipelineElement::Command(self.command()?),
            TokenKind::Pipe => {
                return Err(self.error_at(&token, "A pipeline can't start with '|' — put a command before it."));
            }
            TokenKind::Eof | TokenKind::Newline | TokenKind::Semicolon | TokenKind::RParen | TokenKind::RBrace => {
                return Err(self.error_at(
                    &token,
                    format!("A command or expression was expected {context}, but found {}.", token.kind.describe()),
                ));
            }
            _ => {
                let expr = self.expression(None)?;
                let next = self.peek(Mode::Expression)?;
                if let TokenKind::UnknownOperator(word) = &next.kind {
                    return Err(self.error(next.span, unknown_operator(word)));
                }
                if !matches!(
                    next.kind,
                    TokenKind::Pipe
                        | TokenKind::Newline
                        | TokenKind::Semicolon
                        | TokenKind::Eof
                        | TokenKind::RParen
                        | TokenKind::RBrace
                ) {
                    return Err(self.error_at(
                        &next,
                        format!(
                            "Unexpected {} after an expression — expected an operator such as -eq, '|', ';' or a new line.",
                            next.kind.describe()
                        ),
                    ));
                }
                PipelineElement::Expression(expr)
            }
        };
        let mut span = element_span(&first);
        let mut elements = vec![first];
        while self.peek(Mode::Command)?.kind == TokenKind::Pipe {
            let pipe = self.next(Mode::Command)?;
            if elements.len() == MAX_PIPELINE_LENGTH {
                return Err(self.error(
                    pipe.span,
                    format!(
                        "The pipeline has more than {MAX_PIPELINE_LENGTH} commands — split it, for example by saving what a part gives in a variable ($x = ...) and piping $x into the rest."
                    ),
                ));
            }
            self.enter(pipe.span)?;
            self.skip_newlines()?;
            let token = self.peek(Mode::Command)?;
            match &token.kind {
                TokenKind::BareWord(_) => {
                    let command = self.command()?;
                    span = span.to(command.span);
                    elements.push(PipelineElement::Command(command));
                }
                TokenKind::Eof => {
                    return Err(self
                        .error(pipe.span, "A command was expected after '|' — add one, or remove the '|'.")
                        .incomplete(true));
                }
                other => {
                    return Err(self.error_at(
                        &token,
                        format!(
                            "A command name was expected after '|', but found {}; only the first element of a pipeline can be a value.",
                            other.describe()
                        ),
                    ));
                }
            }
        }
        self.leave(elements.len() - 1);
        Ok(Pipeline { elements, span })
    }

    /// `Name arg arg ...` in command mode; the next token is known to be a bare word.
    fn command(&mut self) -> Result<Command> {
        let name_token = self.next(Mode::Command)?;
        let TokenKind::BareWord(name) = name_token.kind else {
            return Err(self.error(name_token.span, "A command name was expected."));
        };
        let mut span = name_token.span;
        let mut arguments = Vec::new();
        loop {
            let token = self.peek(Mode::Command)?;
            match &token.kind {
                TokenKind::Newline
                | TokenKind::Semicolon
                | TokenKind::Pipe
                | TokenKind::Eof
                | TokenKind::RParen
                | TokenKind::RBrace => break,
                TokenKind::Comma => {
                    return Err(self.error_at(&token, "A value was expected before ',' — add one, or remove the ','."));
                }
                TokenKind::Parameter { name, colon } => {
                    let (name, colon) = (name.clone(), *colon);
                    self.next(Mode::Command)?;
                    let mut param_span = token.span;
                    let colon_value = if colon {
                        let value = self.value(&format!("after '-{name}:'"))?;
                        param_span = param_span.to(value.span);
                        Some(value)
                    } else {
                        None
                    };
                    span = span.to(param_span);
                    arguments.push(Argument::Parameter { name, colon_value, span: param_span });
                }
                _ => {
                    let value = self.value("here")?;
                    span = span.to(value.span);
                    arguments.push(Argument::Positional(value));
                }
            }
        }
        Ok(Command { name, arguments, span })
    }

    /// A command-mode value: one element or a comma list. `after` names what came before, for errors.
    fn value(&mut self, after: &str) -> Result<Expr> {
        let first = self.element(after)?;
        if self.peek(Mode::Command)?.kind != TokenKind::Comma {
            return Ok(first);
        }
        let mut span = first.span;
        let mut items = vec![first];
        while self.peek(Mode::Command)?.kind == TokenKind::Comma {
            self.next(Mode::Command)?;
            self.skip_newlines()?;
            let item = self.element("after ','")?;
            span = span.to(item.span);
            items.push(item);
        }
        Ok(Expr::new(ExprKind::Array(items), span))
    }

    /// One command-mode value (no operators).
    fn element(&mut self, after: &str) -> Result<Expr> {
        let token = self.peek(Mode::Command)?;
        match &token.kind {
            TokenKind::BareWord(word) => {
                self.next(Mode::Command)?;
                Ok(Expr::new(ExprKind::BareWord(word.clone()), token.span))
            }
            TokenKind::NumberTooLarge(text) => {
                self.next(Mode::Command)?;
                Ok(Expr::new(ExprKind::BareWord(text.clone()), token.span))
            }
            TokenKind::Parameter { name, .. } => Err(self.error_at(
                &token,
                format!("A value was expected {after}, but found the parameter '-{name}'; quote it if it's text."),
            )),
            _ => self.primary(Mode::Command, after),
        }
    }

    /// Logical level: comparisons joined by `-and`/`-or`, left-associative.
    fn expression(&mut self, after: Option<&str>) -> Result<Expr> {
        let mut left = self.comparison(after)?;
        let mut chain = 0;
        while let Token { kind: TokenKind::Operator(op), span } = self.peek(Mode::Expression)?
            && op.is_logical()
        {
            self.next(Mode::Expression)?;
            self.enter(span)?;
            chain += 1;
            self.skip_newlines()?;
            let right = self.comparison(Some(op.keyword()))?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) }, span);
        }
        self.leave(chain);
        Ok(left)
    }

    fn comparison(&mut self, after: Option<&str>) -> Result<Expr> {
        let mut left = self.array(after)?;
        let mut chain = 0;
        while let Token { kind: TokenKind::Operator(op), span } = self.peek(Mode::Expression)?
            && !op.is_logical()
        {
            self.next(Mode::Expression)?;
            self.enter(span)?;
            chain += 1;
            self.skip_newlines()?;
            let right = self.array(Some(op.keyword()))?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) }, span);
        }
        self.leave(chain);
        Ok(left)
    }

    fn array(&mut self, after: Option<&str>) -> Result<Expr> {
        let first = self.unary(after)?;
        if self.peek(Mode::Expression)?.kind != TokenKind::Comma {
            return Ok(first);
        }
        let mut span = first.span;
        let mut items = vec![first];
        while self.peek(Mode::Expression)?.kind == TokenKind::Comma {
            self.next(Mode::Expression)?;
            self.skip_newlines()?;
            let item = self.unary(Some(","))?;
            span = span.to(item.span);
            items.push(item);
        }
        Ok(Expr::new(ExprKind::Array(items), span))
    }

    fn unary(&mut self, after: Option<&str>) -> Result<Expr> {
        let token = self.peek(Mode::Expression)?;
        if matches!(token.kind, TokenKind::Not | TokenKind::Bang) {
            self.next(Mode::Expression)?;
            self.enter(token.span)?;
            let spelling = if token.kind == TokenKind::Bang { "!" } else { "-not" };
            let operand = self.unary(Some(spelling))?;
            self.leave(1);
            let span = token.span.to(operand.span);
            return Ok(Expr::new(ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, span));
        }
        let after = after.map_or_else(|| "here".to_owned(), |after| format!("after '{after}'"));
        self.primary(Mode::Expression, &after)
    }

    /// A value that is the same in both modes, followed by any `.Name` accesses.
    fn primary(&mut self, mode: Mode, after: &str) -> Result<Expr> {
        let token = self.next(mode)?;
        let mut expr = match token.kind {
            TokenKind::String { value, quote } => Expr::new(ExprKind::String { value, quote }, token.span),
            TokenKind::Number { value, text } => Expr::new(ExprKind::Number { value, text }, token.span),
            TokenKind::Variable(name) => {
                let kind = if name.eq_ignore_ascii_case("true") {
                    ExprKind::Bool(true)
                } else if name.eq_ignore_ascii_case("false") {
                    ExprKind::Bool(false)
                } else if name.eq_ignore_ascii_case("null") {
                    ExprKind::Null
                } else {
                    ExprKind::Variable(name)
                };
                Expr::new(kind, token.span)
            }
            TokenKind::LParen => {
                self.enter(token.span)?;
                self.open += 1;
                self.skip_newlines()?;
                let pipeline = self.pipeline("after '('")?;
                self.skip_newlines()?;
                let close = self.next(Mode::Command)?;
                if close.kind != TokenKind::RParen {
                    let message = if close.kind == TokenKind::Eof {
                        "The parenthesis is missing its closing ')' — add it.".to_owned()
                    } else {
                        format!("Unexpected {} — expected the closing ')' of the parenthesis.", close.kind.describe())
                    };
                    let span = if close.kind == TokenKind::Eof { token.span } else { close.span };
                    return Err(self.error(span, message).incomplete(close.kind == TokenKind::Eof));
                }
                self.open -= 1;
                self.leave(1);
                Expr::new(ExprKind::Paren(Box::new(pipeline)), token.span.to(close.span))
            }
            TokenKind::AtParen | TokenKind::LBrace => {
                let brace = token.kind == TokenKind::LBrace;
                self.enter(token.span)?;
                self.open += 1;
                let body = self.script(if brace { Close::Brace } else { Close::Paren }, token.span)?;
                let close = self.next(Mode::Command)?;
                self.open -= 1;
                self.leave(1);
                let span = token.span.to(close.span);
                if brace {
                    Expr::new(ExprKind::ScriptBlock(body), span)
                } else {
                    Expr::new(ExprKind::ArrayExpression(body), span)
                }
            }
            TokenKind::NumberTooLarge(text) => {
                return Err(self.error(
                    token.span,
                    format!("The number {text} is too large (the limit is {}) — quote it if it's text.", i64::MAX),
                ));
            }
            TokenKind::BareWord(word) => {
                return Err(self.error(
                    token.span,
                    format!(
                        "'{word}' isn't a value here — quote text ('{word}'), or use a $variable, a number, $true, $false or $null."
                    ),
                ));
            }
            TokenKind::UnknownOperator(word) => {
                return Err(self.error(token.span, unknown_operator(&word)));
            }
            other => {
                let found = if other == TokenKind::Eof {
                    "the input ended".to_owned()
                } else {
                    format!("found {}", other.describe())
                };
                let message = if after == "here" {
                    format!("An expression was expected, but {found}.")
                } else {
                    format!("An expression was expected {after}, but {found}.")
                };
                return Err(self.error_at(&Token { kind: other, span: token.span }, message));
            }
        };
        let mut chain = 0;
        while self.lexer.at_member_access() {
            let dot = self.lexer.pos();
            self.lexer.skip_char();
            self.enter(Span::new(dot, dot + 1))?;
            chain += 1;
            let Some((name, name_span)) = self.lexer.name_at_cursor() else {
                return Err(self.error(Span::new(dot, dot + 1), "A property name was expected after '.'."));
            };
            let span = expr.span.to(name_span);
            expr = Expr::new(ExprKind::Member { target: Box::new(expr), name }, span);
        }
        self.leave(chain);
        Ok(expr)
    }
}

fn unknown_operator(word: &str) -> String {
    format!(
        "'{word}' isn't an operator — use -eq, -ne, -gt, -ge, -lt, -le, -like, -notlike, -match, -notmatch, -and, -or or -not."
    )
}

fn is_constant(name: &str) -> bool {
    ["true", "false", "null"].iter().any(|constant| name.eq_ignore_ascii_case(constant))
}

fn element_span(element: &PipelineElement) -> Span {
    match element {
        PipelineElement::Command(command) => command.span,
        PipelineElement::Expression(expr) => expr.span,
    }
}
