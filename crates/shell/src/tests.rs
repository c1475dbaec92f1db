//! The crate's tests: the language rules (`rules`), error messages (`errors`) and properties (`properties`).

mod errors;
mod properties;
mod rules;
mod views;

use crate::ast::{
    Argument, BinaryOp, Expr, ExprKind, Pipeline, PipelineElement, Quote, Script, Span, Statement, UnaryOp,
};

// Builders for expected trees; spans are left at 0..0 and compared against `without_spans()`.

fn parsed(source: &str) -> Script {
    match crate::parse(source) {
        Ok(script) => script.without_spans(),
        Err(error) => panic!("{source:?} should parse, but: {error}"),
    }
}

fn script(statements: Vec<Statement>) -> Script {
    Script { statements, span: Span::default() }
}

fn pipeline(elements: Vec<PipelineElement>) -> Pipeline {
    Pipeline { elements, span: Span::default() }
}

fn statement(elements: Vec<PipelineElement>) -> Statement {
    Statement::Pipeline(pipeline(elements))
}

fn command(name: &str, arguments: Vec<Argument>) -> PipelineElement {
    PipelineElement::Command(crate::ast::Command { name: name.to_owned(), arguments, span: Span::default() })
}

fn expression(expr: Expr) -> PipelineElement {
    PipelineElement::Expression(expr)
}

fn param(name: &str) -> Argument {
    Argument::Parameter { name: name.to_owned(), colon_value: None, span: Span::default() }
}

fn colon(name: &str, value: Expr) -> Argument {
    Argument::Parameter { name: name.to_owned(), colon_value: Some(value), span: Span::default() }
}

fn pos(value: Expr) -> Argument {
    Argument::Positional(value)
}

fn e(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

fn bare(word: &str) -> Expr {
    e(ExprKind::BareWord(word.to_owned()))
}

fn num(value: i64) -> Expr {
    e(ExprKind::Number { value, text: value.to_string() })
}

fn single(value: &str) -> Expr {
    e(ExprKind::String { value: value.to_owned(), quote: Quote::Single })
}

fn double(value: &str) -> Expr {
    e(ExprKind::String { value: value.to_owned(), quote: Quote::Double })
}

fn boolean(value: bool) -> Expr {
    e(ExprKind::Bool(value))
}

fn var(name: &str) -> Expr {
    e(ExprKind::Variable(name.to_owned()))
}

fn member(target: Expr, name: &str) -> Expr {
    e(ExprKind::Member { target: Box::new(target), name: name.to_owned() })
}

fn array(items: Vec<Expr>) -> Expr {
    e(ExprKind::Array(items))
}

fn block(statements: Vec<Statement>) -> Expr {
    e(ExprKind::ScriptBlock(script(statements)))
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    e(ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) })
}

fn not(operand: Expr) -> Expr {
    e(ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) })
}
