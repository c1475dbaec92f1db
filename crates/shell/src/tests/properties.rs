//! Properties: printing round-trips through the parser, and the parser never panics.

use proptest::prelude::*;

use super::*;
use crate::ast::{BinaryOp, Command, ExprKind, Quote, Script, Statement};
use crate::parse;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,6}"
}

fn variable_name() -> impl Strategy<Value = String> {
    name().prop_filter("not a constant", |name| {
        !["true", "false", "null"].iter().any(|constant| name.eq_ignore_ascii_case(constant))
    })
}

fn bare_word() -> impl Strategy<Value = Expr> {
    "[A-Za-z][A-Za-z0-9@._:=*+-]{0,8}".prop_map(|word| bare(&word))
}

fn string() -> impl Strategy<Value = Expr> {
    (any::<String>(), any::<bool>()).prop_map(|(value, single)| {
        e(ExprKind::String { value, quote: if single { Quote::Single } else { Quote::Double } })
    })
}

/// Values that read the same in both modes and accept `.Name` after them.
fn member_target_leaf() -> BoxedStrategy<Expr> {
    prop_oneof![
        string(),
        variable_name().prop_map(|name| var(&name)),
        any::<bool>().prop_map(boolean),
        Just(e(ExprKind::Null)),
    ]
    .boxed()
}

fn with_members(target: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    (target, prop::collection::vec("[A-Za-z0-9_]{1,5}", 0..3))
        .prop_map(|(target, names)| names.iter().fold(target, |target, name| member(target, name)))
        .boxed()
}

/// A primary: a leaf, or a bracketed construct one level down, with optional property accesses.
fn primary(depth: u32, argument_mode: bool) -> BoxedStrategy<Expr> {
    let numbers = any::<i64>().prop_map(num).boxed();
    let mut targets = vec![member_target_leaf()];
    if depth > 0 {
        targets.push(pipeline_strategy(depth - 1).prop_map(|p| e(ExprKind::Paren(Box::new(p)))).boxed());
        targets.push(script_strategy(depth - 1).prop_map(|s| e(ExprKind::ArrayExpression(s))).boxed());
        targets.push(script_strategy(depth - 1).prop_map(|s| e(ExprKind::ScriptBlock(s))).boxed());
    }
    let targets = with_members(prop::strategy::Union::new(targets).boxed());
    if argument_mode {
        prop_oneof![targets, numbers, bare_word()].boxed()
    } else {
        prop_oneof![targets, numbers].boxed()
    }
}

fn unary(depth: u32) -> BoxedStrategy<Expr> {
    (primary(depth, false), 0..3usize)
        .prop_map(|(operand, nots)| (0..nots).fold(operand, |operand, _| not(operand)))
        .boxed()
}

fn array_level(depth: u32) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => unary(depth),
        1 => prop::collection::vec(unary(depth), 2..4).prop_map(array),
    ]
    .boxed()
}

fn left_fold(operand: BoxedStrategy<Expr>, ops: Vec<BinaryOp>) -> BoxedStrategy<Expr> {
    (operand.clone(), prop::collection::vec((prop::sample::select(ops), operand), 0..3))
        .prop_map(|(first, rest)| rest.into_iter().fold(first, |left, (op, right)| binary(op, left, right)))
        .boxed()
}

/// A full expression: `-and`/`-or` over comparisons over arrays over unary operands.
fn expression_strategy(depth: u32) -> BoxedStrategy<Expr> {
    let comparisons: Vec<BinaryOp> = BinaryOp::ALL.into_iter().filter(|op| !op.is_logical()).collect();
    let comparison = left_fold(array_level(depth), comparisons);
    left_fold(comparison, vec![BinaryOp::And, BinaryOp::Or])
}

fn argument_value(depth: u32) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => primary(depth, true),
        1 => prop::collection::vec(primary(depth, true), 2..4).prop_map(array),
    ]
    .boxed()
}

fn command_strategy(depth: u32) -> BoxedStrategy<PipelineElement> {
    let argument = prop_oneof![
        (name(), prop::option::of(argument_value(depth))).prop_map(|(name, value)| match value {
            Some(value) => colon(&name, value),
            None => param(&name),
        }),
        argument_value(depth).prop_map(pos),
    ];
    let command_name = prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9-]{0,10}",
        1 => Just("?".to_owned()),
        1 => Just("%".to_owned()),
    ];
    (command_name, prop::collection::vec(argument, 0..4))
        .prop_map(|(name, arguments)| PipelineElement::Command(Command { name, arguments, span: Span::default() }))
        .boxed()
}

fn pipeline_strategy(depth: u32) -> BoxedStrategy<Pipeline> {
    let first = prop_oneof![command_strategy(depth), expression_strategy(depth).prop_map(PipelineElement::Expression),];
    (first, prop::collection::vec(command_strategy(depth), 0..3))
        .prop_map(|(first, rest)| pipeline(std::iter::once(first).chain(rest).collect()))
        .boxed()
}

fn script_strategy(depth: u32) -> BoxedStrategy<Script> {
    let statement = prop_oneof![
        3 => pipeline_strategy(depth).prop_map(Statement::Pipeline),
        1 => (variable_name(), pipeline_strategy(depth)).prop_map(|(variable, pipeline)| Statement::Assignment {
            variable,
            pipeline,
            span: Span::default(),
        }),
    ];
    prop::collection::vec(statement, 0..3).prop_map(script).boxed()
}

/// Characters that exercise the grammar, so random strings often parse.
const INTERESTING: &str = "[-$@(){}'\"`|;,.=!:#aAbB01_ \n\t]{0,40}";

/// Sequences of real tokens, glued together with or without spaces, so random input often parses.
fn token_soup() -> impl Strategy<Value = String> {
    const TOKENS: &[&str] = &[
        "Get-X",
        "?",
        "-Name",
        "-Name:",
        "'a''b'",
        "\"c`\"d\"",
        "$_",
        "$m",
        ".B",
        "(",
        ")",
        "{",
        "}",
        "@(",
        "|",
        ";",
        ",",
        "\n",
        "-eq",
        "-AND",
        "-not",
        "!",
        "0123",
        "-5",
        "$true",
        "$NULL",
        "=",
        "x.csv",
        "#c",
        "`",
        "tony@contoso.com",
    ];
    prop::collection::vec((prop::sample::select(TOKENS), prop::sample::select(&["", " "][..])), 0..12)
        .prop_map(|parts| parts.into_iter().map(|(token, space)| format!("{token}{space}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printing_a_tree_and_parsing_the_print_gives_the_same_tree(tree in script_strategy(2)) {
        let printed = tree.to_string();
        let reparsed = parse(&printed).map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
        prop_assert_eq!(reparsed.without_spans(), tree, "printed as {:?}", printed);
    }

    #[test]
    fn printing_whatever_parses_is_stable(source in INTERESTING) {
        if let Ok(first) = parse(&source) {
            let printed = first.to_string();
            let second = parse(&printed).map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
            prop_assert_eq!(second.without_spans(), first.without_spans(), "printed as {:?}", printed);
            prop_assert_eq!(second.to_string(), printed);
        }
    }

    #[test]
    fn printing_whatever_parses_from_token_soup_is_stable(source in token_soup()) {
        if let Ok(first) = parse(&source) {
            let printed = first.to_string();
            let second = parse(&printed).map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
            prop_assert_eq!(second.without_spans(), first.without_spans(), "printed as {:?}", printed);
        }
    }

    #[test]
    fn parse_never_panics_on_arbitrary_strings(source in any::<String>()) {
        let _ = parse(&source);
        let _ = crate::is_incomplete(&source);
    }

    #[test]
    fn parse_never_panics_on_grammar_like_strings(source in INTERESTING) {
        let result = parse(&source);
        if let Err(error) = result {
            prop_assert!(error.span.start <= source.len());
            prop_assert!(error.column >= 1 && error.line >= 1);
        }
    }

    #[test]
    fn parse_never_panics_on_deep_nesting(opener in prop::sample::select(vec!["(", "{", "@(", "-not ", "!", "$a.b", "x (", "1,"]), count in 0..20_000usize) {
        let _ = parse(&opener.repeat(count));
    }
}
