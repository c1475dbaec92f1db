//! Syntax errors say what is wrong and what to do, at the right line and column.

use crate::{MAX_DEPTH, MAX_PIPELINE_LENGTH, MAX_SOURCE_LEN, SyntaxError, is_incomplete, parse};

fn error(source: &str) -> SyntaxError {
    match parse(source) {
        Ok(script) => panic!("{source:?} should not parse, but gave {script:?}"),
        Err(error) => error,
    }
}

#[test]
fn unterminated_single_quote_points_at_the_opening_quote() {
    let error = error("Set-UMMailboxPIN -Identity 'tony");
    assert_eq!(error.to_string(), "At line 1, column 28: The string is missing its closing quote (') — add it.");
}

#[test]
fn unterminated_double_quote_names_the_double_quote() {
    assert_eq!(error("x \"abc").message, "The string is missing its closing quote (\") — add it.");
}

#[test]
fn missing_operand_after_an_operator_points_at_what_follows() {
    let error = error("? { $_.LockedOut -eq }");
    assert_eq!(error.to_string(), "At line 1, column 22: An expression was expected after '-eq', but found '}'.");
}

#[test]
fn unclosed_script_block_points_at_its_brace() {
    let error = error("Where-Object {$_.LockedOut");
    assert_eq!(error.to_string(), "At line 1, column 14: The script block is missing its closing '}' — add it.");
}

#[test]
fn unclosed_parenthesis_points_at_it() {
    assert_eq!(error("x (y").to_string(), "At line 1, column 3: The parenthesis is missing its closing ')' — add it.");
}

#[test]
fn errors_on_later_lines_count_lines_and_columns_from_one() {
    let error = error("Get-X\n  Set-Y 'oops");
    assert_eq!((error.line, error.column), (2, 9));
}

#[test]
fn stray_closing_brace_is_reported() {
    assert_eq!(
        error("x }").to_string(),
        "At line 1, column 3: Unexpected '}': there is no '{' for it to close — remove it."
    );
}

#[test]
fn a_pipe_must_be_followed_by_a_command_not_a_value() {
    let error = error("Get-X | $y");
    assert_eq!(error.column, 9);
    assert!(error.message.starts_with("A command name was expected after '|'"), "{}", error.message);
}

#[test]
fn a_pipeline_cannot_start_with_a_pipe() {
    assert_eq!(error("| x").column, 1);
}

#[test]
fn bare_words_are_not_values_inside_expressions() {
    let error = error("? { $_.Name -eq tony }");
    assert_eq!(error.column, 17);
    assert!(error.message.contains("quote text ('tony')"), "{}", error.message);
}

#[test]
fn unknown_operators_are_named() {
    let error = error("$a -foo 1");
    assert_eq!(error.column, 4);
    assert!(error.message.starts_with("'-foo' isn't an operator"), "{}", error.message);
}

#[test]
fn extra_tokens_after_an_expression_are_reported() {
    let error = error("$a $b");
    assert_eq!(error.column, 4);
    assert!(error.message.starts_with("Unexpected '$b' after an expression"), "{}", error.message);
}

#[test]
fn colon_parameter_needs_a_value() {
    let error = error("x -Name:");
    assert!(error.message.starts_with("An expression was expected after '-Name:'"), "{}", error.message);
}

#[test]
fn oversized_numbers_in_expressions_are_reported_but_are_words_in_arguments() {
    assert!(error("$a -eq 99999999999999999999").message.contains("too large"));
    assert!(parse("x 99999999999999999999").is_ok());
}

#[test]
fn at_sign_without_parenthesis_is_explained() {
    assert!(error("x @foo").message.starts_with("'@' must be followed by '('"));
}

#[test]
fn source_longer_than_the_limit_is_refused() {
    let source = "x ".repeat(MAX_SOURCE_LEN / 2 + 1);
    assert!(error(&source).message.contains("1 MiB"));
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_with_a_clear_message() {
    let deep = format!("{}1{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
    assert!(error(&deep).message.starts_with("The script nests too deeply"));
    let fine = format!("{}1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&fine).is_ok());
}

#[test]
fn a_pipeline_longer_than_the_limit_is_refused_with_a_clear_message() {
    let pipeline = |commands: usize| format!("Get-UMMailboxPIN{}", " | Where-Object LockedOut".repeat(commands - 1));
    assert!(parse(&pipeline(MAX_PIPELINE_LENGTH)).is_ok());
    let long = error(&pipeline(MAX_PIPELINE_LENGTH + 1));
    assert!(long.message.starts_with(&format!("The pipeline has more than {MAX_PIPELINE_LENGTH} commands")), "{long}");
    for commands in [700, 40_000] {
        assert!(error(&pipeline(commands)).message.starts_with("The pipeline has more than"), "{commands}");
    }
}

#[test]
fn pipeline_commands_count_toward_the_nesting_limit() {
    let nested = |levels: usize, commands: usize| {
        format!("{}1{}{}", "(".repeat(levels), " | Sort-Object".repeat(commands - 1), ")".repeat(levels))
    };
    assert!(parse(&nested(MAX_DEPTH - 10, 11)).is_ok());
    assert!(error(&nested(MAX_DEPTH - 10, 12)).message.starts_with("The script nests too deeply"));
}

#[test]
fn ten_thousand_open_brackets_or_nots_or_operators_do_not_overflow() {
    for source in [
        "(".repeat(10_000),
        "{".repeat(10_000),
        "@(".repeat(10_000),
        "-not ".repeat(10_000),
        "!".repeat(10_000),
        format!("$a{}", " -eq $a".repeat(10_000)),
        format!("$a{}", ".b".repeat(10_000)),
        format!("x {}", "(x ".repeat(10_000)),
    ] {
        assert!(parse(&source).is_err());
    }
}

#[test]
fn input_is_incomplete_while_a_quote_bracket_or_trailing_pipe_is_open() {
    for source in ["x 'abc", "x \"a", "? { $_", "x (y", "x @(1,", "Get-X |", "Get-X |\n", "x (a -eq", "% {\n"] {
        assert!(is_incomplete(source), "{source:?} should be incomplete");
    }
}

#[test]
fn input_is_complete_when_it_parses_or_fails_before_its_end() {
    for source in ["x", "x 'a'", "x }", "? { $a $b", "x -Name:", "", "$a -eq"] {
        assert!(!is_incomplete(source), "{source:?} should not be incomplete");
    }
}
