//! The syntax tree of a shell script.
//!
//! Names keep the user's spelling (cmdlets and parameters are case-insensitive downstream, but messages
//! and `Get-History`-style echoes should show what was typed).
//!
//! # `-Param value` is two items
//!
//! Whether `-Param value` takes `value` as the parameter's argument depends on the parameter being a switch
//! or not, which only the cmdlet registry knows. The parser therefore keeps `-Name` and the token after it
//! as separate items: [`Argument::Parameter`] with `colon_value: None`, then [`Argument::Positional`]. Only
//! the colon form `-Name:value` ties a value to its parameter syntactically. The binder pairs them later.

/// A byte range `start..end` of the source, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// 1-based line and column (in characters) of `start` within `source`.
    pub fn line_column(self, source: &str) -> (usize, usize) {
        let mut start = self.start.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let before = source.get(..start).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
        (line, column)
    }

    /// 1-based column (in characters) of `start` within its line of `source`.
    pub fn column(self, source: &str) -> usize {
        self.line_column(source).1
    }
}

/// Statements separated by `;` or new lines: a whole input, a script block's body or an `@( )` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub statements: Vec<Statement>,
    pub span: Span,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// `$name = <pipeline>`.
    Assignment {
        /// The variable's name, without `$`.
        variable: String,
        pipeline: Pipeline,
        span: Span,
    },
    /// A pipeline whose output is the statement's output.
    Pipeline(Pipeline),
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Assignment { span, .. } => *span,
            Statement::Pipeline(pipeline) => pipeline.span,
        }
    }
}

/// Elements joined by `|`. Only the first element may be an expression; the rest are commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub elements: Vec<PipelineElement>,
    pub span: Span,
}

/// One element of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineElement {
    Command(Command),
    /// A pipeline starting with a value, such as `$m.Extensions` or `1,2,3 | ...`.
    Expression(Expr),
}

/// A cmdlet invocation: `Name arg arg ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The cmdlet or alias as typed (`Get-UMMailboxPIN`, `?`, `select`).
    pub name: String,
    pub arguments: Vec<Argument>,
    pub span: Span,
}

/// One argument of a command (see the module docs for why `-Param value` is two arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argument {
    /// `-Name` or `-Name:value`.
    Parameter {
        /// The parameter name as typed, without `-` (possibly an unambiguous prefix).
        name: String,
        /// The value of the colon form `-Name:value`; `None` for `-Name`.
        colon_value: Option<Expr>,
        span: Span,
    },
    /// A value not attached to a parameter by syntax.
    Positional(Expr),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }
}

/// How a string literal was quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quote {
    /// `'...'`: verbatim, `''` is a quote.
    Single,
    /// `"..."`: backtick escapes. Variables inside (`"$x"`) are kept as literal text for now; expansion,
    /// if it comes, belongs to evaluation and can rely on this marker.
    Double,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    /// A quoted string, with escapes already decoded.
    String { value: String, quote: Quote },
    /// An unquoted word in argument position: `tony@contoso.com`, `users.csv`, `MyUMDialPlan`.
    BareWord(String),
    /// An integer. `text` keeps the spelling, so a PIN such as `0123` loses no leading zero.
    Number { value: i64, text: String },
    /// `$true` or `$false` (any case).
    Bool(bool),
    /// `$null` (any case).
    Null,
    /// `$name` or `$_`; the name without `$`.
    Variable(String),
    /// `target.Name`.
    Member { target: Box<Expr>, name: String },
    /// `a,b,c`: two or more items.
    Array(Vec<Expr>),
    /// `@( statements )`.
    ArrayExpression(Script),
    /// `( pipeline )`.
    Paren(Box<Pipeline>),
    /// `{ statements }`.
    ScriptBlock(Script),
    /// `-not x` or `!x`.
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `left -op right`.
    Binary { op: BinaryOp, left: Box<Expr>, right: Box<Expr> },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-not` or `!`.
    Not,
}

/// Binary operators. Comparisons bind tighter than `-and`/`-or`, which are equal and left-associative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    Match,
    NotMatch,
    And,
    Or,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 12] = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Like,
        BinaryOp::NotLike,
        BinaryOp::Match,
        BinaryOp::NotMatch,
        BinaryOp::And,
        BinaryOp::Or,
    ];

    /// The operator's canonical spelling, with its dash: `-eq`.
    pub fn keyword(self) -> &'static str {
        match self {
            BinaryOp::Eq => "-eq",
            BinaryOp::Ne => "-ne",
            BinaryOp::Gt => "-gt",
            BinaryOp::Ge => "-ge",
            BinaryOp::Lt => "-lt",
            BinaryOp::Le => "-le",
            BinaryOp::Like => "-like",
            BinaryOp::NotLike => "-notlike",
            BinaryOp::Match => "-match",
            BinaryOp::NotMatch => "-notmatch",
            BinaryOp::And => "-and",
            BinaryOp::Or => "-or",
        }
    }

    /// The operator for a name without its dash, in any case (`EQ`, `like`).
    pub fn from_name(name: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.keyword()[1..].eq_ignore_ascii_case(name))
    }

    /// `-and` and `-or`.
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
}

/// Resetting spans, so trees can be compared by shape alone (as the round-trip tests do).
impl Script {
    /// The same tree with every span set to `0..0`.
    pub fn without_spans(&self) -> Script {
        let mut copy = self.clone();
        copy.clear_spans();
        copy
    }

    fn clear_spans(&mut self) {
        self.span = Span::default();
        for statement in &mut self.statements {
            match statement {
                Statement::Assignment { pipeline, span, .. } => {
                    *span = Span::default();
                    pipeline.clear_spans();
                }
                Statement::Pipeline(pipeline) => pipeline.clear_spans(),
            }
        }
    }
}

impl Pipeline {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        for element in &mut self.elements {
            match element {
                PipelineElement::Command(command) => {
                    command.span = Span::default();
                    for argument in &mut command.arguments {
                        match argument {
                            Argument::Parameter { colon_value, span, .. } => {
                                *span = Span::default();
                                if let Some(value) = colon_value {
                                    value.clear_spans();
                                }
                            }
                            Argument::Positional(value) => value.clear_spans(),
                        }
                    }
                }
                PipelineElement::Expression(expr) => expr.clear_spans(),
            }
        }
    }
}

impl Expr {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        match &mut self.kind {
            ExprKind::String { .. }
            | ExprKind::BareWord(_)
            | ExprKind::Number { .. }
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Variable(_) => {}
            ExprKind::Member { target, .. } => target.clear_spans(),
            ExprKind::Array(items) => items.iter_mut().for_each(Expr::clear_spans),
            ExprKind::ArrayExpression(script) | ExprKind::ScriptBlock(script) => script.clear_spans(),
            ExprKind::Paren(pipeline) => pipeline.clear_spans(),
            ExprKind::Unary { operand, .. } => operand.clear_spans(),
            ExprKind::Binary { left, right, .. } => {
                left.clear_spans();
                right.clear_spans();
            }
        }
    }
}
