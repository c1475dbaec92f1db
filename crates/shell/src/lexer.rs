//! Tokens, read on demand in one of two modes, as PowerShell does.
//!
//! In *command mode* (a command's arguments) `-Name` is a parameter and anything unquoted is a bare word.
//! In *expression mode* (a statement starting with a value, script-block bodies, operands) `-eq` is an
//! operator and `=` and `!` are punctuation. Bare words are lexed the same way in both modes, so the
//! parser can peek a statement's first token in expression mode and still take a bare word as the command
//! name.

use crate::ast::{BinaryOp, Quote, Span};
use crate::error::SyntaxError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Command,
    Expression,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Eof,
    Newline,
    Semicolon,
    Pipe,
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    /// `@(`
    AtParen,
    /// `=` (expression mode only).
    Equals,
    /// `!` (expression mode only).
    Bang,
    Variable(String),
    String {
        value: String,
        quote: Quote,
    },
    Number {
        value: i64,
        text: String,
    },
    /// Digits that don't fit an `i64`.
    NumberTooLarge(String),
    BareWord(String),
    /// `-Name` or `-Name:` (command mode only).
    Parameter {
        name: String,
        colon: bool,
    },
    /// `-eq`, `-and`, ... (expression mode only).
    Operator(BinaryOp),
    /// `-not` (expression mode only).
    Not,
    /// `-something` that isn't an operator (expression mode only).
    UnknownOperator(String),
}

impl TokenKind {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Eof => "the end of the input".to_owned(),
            TokenKind::Newline => "the end of the line".to_owned(),
            TokenKind::Semicolon => "';'".to_owned(),
            TokenKind::Pipe => "'|'".to_owned(),
            TokenKind::Comma => "','".to_owned(),
            TokenKind::LParen => "'('".to_owned(),
            TokenKind::RParen => "')'".to_owned(),
            TokenKind::LBrace => "'{'".to_owned(),
            TokenKind::RBrace => "'}'".to_owned(),
            TokenKind::AtParen => "'@('".to_owned(),
            TokenKind::Equals => "'='".to_owned(),
            TokenKind::Bang => "'!'".to_owned(),
            TokenKind::Variable(name) => format!("'${name}'"),
            TokenKind::String { .. } => "a string".to_owned(),
            TokenKind::Number { text, .. } | TokenKind::NumberTooLarge(text) => format!("'{text}'"),
            TokenKind::BareWord(word) => format!("'{word}'"),
            TokenKind::Parameter { name, .. } => format!("'-{name}'"),
            TokenKind::Operator(op) => format!("'{}'", op.keyword()),
            TokenKind::Not => "'-not'".to_owned(),
            TokenKind::UnknownOperator(word) => format!("'{word}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Characters that end a bare word (besides whitespace).
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '|' | ',' | '(' | ')' | '{' | '}' | '\'' | '"')
}

/// Characters of variable, parameter and property names.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    /// The character right at the cursor, without skipping anything.
    pub(crate) fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn second_char(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, start: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(self.src, Span::new(start, self.pos), message)
    }

    /// Skips spaces, `#` comments and backtick line continuations, but not new lines.
    pub(crate) fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            match self.peek_char() {
                Some(c) if c.is_whitespace() && c != '\n' => {
                    self.bump();
                }
                Some('#') => {
                    let len = rest.find('\n').unwrap_or(rest.len());
                    self.pos += len;
                }
                Some('`') if rest.starts_with("`\n") || rest.starts_with("`\r\n") => {
                    self.pos += if rest.starts_with("`\n") { 2 } else { 3 };
                }
                _ => return,
            }
        }
    }

    /// Reads a property name right at the cursor (after a `.`), if there is one.
    pub(crate) fn name_at_cursor(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        let len = self.rest().find(|c| !is_name_char(c)).unwrap_or(self.rest().len());
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some((self.src[start..self.pos].to_owned(), Span::new(start, self.pos)))
    }

    /// Consumes one character (used for the `.` of member access).
    pub(crate) fn skip_char(&mut self) {
        self.bump();
    }

    /// The next token, without consuming it.
    pub(crate) fn peek(&self, mode: Mode) -> Result<Token, SyntaxError> {
        self.clone().next_token(mode)
    }

    /// The next token.
    pub(crate) fn next_token(&mut self, mode: Mode) -> Result<Token, SyntaxError> {
        self.skip_space();
        let start = self.pos;
        let Some(c) = self.bump() else {
            return Ok(self.token(TokenKind::Eof, start));
        };
        let kind = match c {
            '\n' => TokenKind::Newline,
            ';' => TokenKind::Semicolon,
            '|' => TokenKind::Pipe,
            ',' => TokenKind::Comma,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '{' => TokenKind::LBrace,
            '}' => TokenKind::RBrace,
            '@' if self.peek_char() == Some('(') => {
                self.bump();
                TokenKind::AtParen
            }
            '@' => {
                return Err(self.error(
                    start,
                    "'@' must be followed by '(' to make an array, as in @('a', 'b'); quote the text if '@' is meant literally.",
                ));
            }
            '=' if mode == Mode::Expression => TokenKind::Equals,
            '!' if mode == Mode::Expression => TokenKind::Bang,
            '\'' => self.single_quoted(start)?,
            '"' => self.double_quoted(start)?,
            '$' => self.variable(start)?,
            '-' => self.dash(start, mode),
            _ => {
                self.pos = start;
                self.word()
            }
        };
        Ok(self.token(kind, start))
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token { kind, span: Span::new(start, self.pos) }
    }

    fn single_quoted(&mut self, start: usize) -> Result<TokenKind, SyntaxError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(self.unterminated(start, '\'')),
                Some('\'') if self.peek_char() == Some('\'') => {
                    self.bump();
                    value.push('\'');
                }
                Some('\'') => break,
                Some(c) => value.push(c),
            }
        }
        Ok(TokenKind::String { value, quote: Quote::Single })
    }

    fn double_quoted(&mut self, start: usize) -> Result<TokenKind, SyntaxError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(self.unterminated(start, '"')),
                Some('"') if self.peek_char() == Some('"') => {
                    self.bump();
                    value.push('"');
                }
                Some('"') => break,
                Some('`') => match self.bump() {
                    None => return Err(self.unterminated(start, '"')),
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some('0') => value.push('\0'),
                    Some(c) => value.push(c),
                },
                Some(c) => value.push(c),
            }
        }
        Ok(TokenKind::String { value, quote: Quote::Double })
    }

    fn unterminated(&self, start: usize, quote: char) -> SyntaxError {
        SyntaxError::new(
            self.src,
            Span::new(start, start + 1),
            format!("The string is missing its closing quote ({quote}) — add it."),
        )
        .incomplete(true)
    }

    fn variable(&mut self, start: usize) -> Result<TokenKind, SyntaxError> {
        let len = self.rest().find(|c| !is_name_char(c)).unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.error(
                start,
                "A variable name was expected after '$', as in $m or $_; quote the text if '$' is meant literally.",
            ));
        }
        self.pos += len;
        Ok(TokenKind::Variable(self.src[start + 1..self.pos].to_owned()))
    }

    /// A word starting with `-`: a number, a parameter or bare word (command mode), or an operator
    /// (expression mode).
    fn dash(&mut self, start: usize, mode: Mode) -> TokenKind {
        let after = self.pos;
        let digits = self.rest().find(|c: char| !c.is_ascii_digit()).unwrap_or(self.rest().len());
        if digits > 0 && self.rest()[digits..].chars().next().is_none_or(ends_word) {
            self.pos += digits;
            return self.number(start);
        }
        match mode {
            Mode::Expression => {
                let letters = self.rest().find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(self.rest().len());
                self.pos += letters;
                let name = &self.src[after..self.pos];
                if name.eq_ignore_ascii_case("not") {
                    TokenKind::Not
                } else if let Some(op) = BinaryOp::from_name(name) {
                    TokenKind::Operator(op)
                } else {
                    // Take the whole word so the message quotes what was typed.
                    let rest = self.rest();
                    self.pos += rest.find(ends_word).unwrap_or(rest.len());
                    TokenKind::UnknownOperator(self.src[start..self.pos].to_owned())
                }
            }
            Mode::Command => {
                let name_len = self.rest().find(|c| !is_name_char(c)).unwrap_or(self.rest().len());
                let name = &self.src[after..after + name_len];
                let starts_with_letter = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
                let next = self.rest()[name_len..].chars().next();
                if starts_with_letter && next.is_none_or(|c| c == ':' || ends_word(c)) {
                    self.pos += name_len;
                    let colon = next == Some(':');
                    if colon {
                        self.bump();
                    }
                    TokenKind::Parameter { name: name.to_owned(), colon }
                } else {
                    self.pos = start;
                    self.word()
                }
            }
        }
    }

    /// A bare word (or an unsigned number) starting at the cursor.
    fn word(&mut self) -> TokenKind {
        let start = self.pos;
        let rest = self.rest();
        self.pos += rest.find(ends_word).unwrap_or(rest.len());
        let text = &self.src[start..self.pos];
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return self.number(start);
        }
        TokenKind::BareWord(text.to_owned())
    }

    fn number(&self, start: usize) -> TokenKind {
        let text = &self.src[start..self.pos];
        match text.parse::<i64>() {
            Ok(value) => TokenKind::Number { value, text: text.to_owned() },
            Err(_) => TokenKind::NumberTooLarge(text.to_owned()),
        }
    }

    /// Whether the character after the cursor's `.` starts a property name.
    pub(crate) fn at_member_access(&self) -> bool {
        self.peek_char() == Some('.') && self.second_char().is_some_and(is_name_char)
    }
}
