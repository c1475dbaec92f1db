//! Canonical source for a syntax tree: `Display` on every node.
//!
//! The output parses back to the same tree (spans aside): statements are joined by `; `, pipeline elements
//! by ` | `, arguments by one space, array items by `,`, binary operators are spaced and lower-case,
//! `!` prints as `-not`, strings keep their quote kind (escaping only what must be escaped), and numbers
//! keep their spelling. Parentheses appear only where the tree has a [`ExprKind::Paren`] node: the printer
//! never adds grouping of its own, because trees come from the parser, whose precedence already matches.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{Argument, Command, Expr, ExprKind, Pipeline, PipelineElement, Quote, Script, Statement, UnaryOp};

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, statement) in self.statements.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{statement}")?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Assignment { variable, pipeline, .. } => write!(f, "${variable} = {pipeline}"),
            Statement::Pipeline(pipeline) => write!(f, "{pipeline}"),
        }
    }
}

impl Display for Pipeline {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, element) in self.elements.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{element}")?;
        }
        Ok(())
    }
}

impl Display for PipelineElement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PipelineElement::Command(command) => write!(f, "{command}"),
            PipelineElement::Expression(expr) => write!(f, "{expr}"),
        }
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for argument in &self.arguments {
            write!(f, " {argument}")?;
        }
        Ok(())
    }
}

impl Display for Argument {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Argument::Parameter { name, colon_value: Some(value), .. } => write!(f, "-{name}:{value}"),
            Argument::Parameter { name, .. } => write!(f, "-{name}"),
            Argument::Positional(value) => write!(f, "{value}"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::String { value, quote: Quote::Single } => write!(f, "'{}'", value.replace('\'', "''")),
            ExprKind::String { value, quote: Quote::Double } => {
                f.write_char('"')?;
                for c in value.chars() {
                    match c {
                        '"' => f.write_str("`\"")?,
                        '`' => f.write_str("``")?,
                        '\n' => f.write_str("`n")?,
                        '\t' => f.write_str("`t")?,
                        '\r' => f.write_str("`r")?,
                        '\0' => f.write_str("`0")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('"')
            }
            ExprKind::BareWord(word) => f.write_str(word),
            ExprKind::Number { text, .. } => f.write_str(text),
            ExprKind::Bool(true) => f.write_str("$true"),
            ExprKind::Bool(false) => f.write_str("$false"),
            ExprKind::Null => f.write_str("$null"),
            ExprKind::Variable(name) => write!(f, "${name}"),
            ExprKind::Member { target, name } => write!(f, "{target}.{name}"),
            ExprKind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            ExprKind::ArrayExpression(script) => write!(f, "@({script})"),
            ExprKind::Paren(pipeline) => write!(f, "({pipeline})"),
            ExprKind::ScriptBlock(script) if script.statements.is_empty() => f.write_str("{}"),
            ExprKind::ScriptBlock(script) => write!(f, "{{ {script} }}"),
            ExprKind::Unary { op: UnaryOp::Not, operand } => write!(f, "-not {operand}"),
            ExprKind::Binary { op, left, right } => write!(f, "{left} {} {right}", op.keyword()),
        }
    }
}
