//! Each construct of the language, and the SPEC's example lines, parse into the expected tree.

use super::*;
use crate::ast::{BinaryOp, ExprKind, Statement};

#[test]
fn new_um_dial_plan_example_is_one_command_with_parameters_and_values_as_separate_items() {
    assert_eq!(
        parsed("New-UMDialPlan -Name MyUMDialPlan -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1"),
        script(vec![statement(vec![command(
            "New-UMDialPlan",
            vec![
                param("Name"),
                pos(bare("MyUMDialPlan")),
                param("NumberOfDigitsInExtension"),
                pos(num(5)),
                param("CountryOrRegionCode"),
                pos(num(1)),
            ],
        )])])
    );
}

#[test]
fn enable_um_mailbox_example_keeps_addresses_as_bare_words_and_true_as_a_boolean() {
    assert_eq!(
        parsed(
            "Enable-UMMailbox -Identity tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234 \
             -PIN 5643892 -NotifyEmail administrator@contoso.com -PINExpired $true"
        ),
        script(vec![statement(vec![command(
            "Enable-UMMailbox",
            vec![
                param("Identity"),
                pos(bare("tony@contoso.com")),
                param("UMMailboxPolicy"),
                pos(bare("MyUMMailboxPolicy")),
                param("Extensions"),
                pos(num(51234)),
                param("PIN"),
                pos(num(5643892)),
                param("NotifyEmail"),
                pos(bare("administrator@contoso.com")),
                param("PINExpired"),
                pos(boolean(true)),
            ],
        )])])
    );
}

#[test]
fn where_object_script_block_holds_a_comparison_expression() {
    assert_eq!(
        parsed("Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq $true} | Set-UMMailboxPIN -LockedOut $false"),
        script(vec![statement(vec![
            command("Get-UMMailboxPIN", vec![]),
            command(
                "Where-Object",
                vec![pos(block(vec![statement(vec![expression(binary(
                    BinaryOp::Eq,
                    member(var("_"), "LockedOut"),
                    boolean(true),
                ))])]))],
            ),
            command("Set-UMMailboxPIN", vec![param("LockedOut"), pos(boolean(false))]),
        ])])
    );
}

#[test]
fn where_object_with_a_property_name_is_a_bare_word_argument() {
    assert_eq!(
        parsed("Get-UMMailboxPIN | Where-Object LockedOut | Set-UMMailboxPIN -LockedOut $false"),
        script(vec![statement(vec![
            command("Get-UMMailboxPIN", vec![]),
            command("Where-Object", vec![pos(bare("LockedOut"))]),
            command("Set-UMMailboxPIN", vec![param("LockedOut"), pos(boolean(false))]),
        ])])
    );
}

#[test]
fn import_csv_piped_into_new_mailbox_is_a_two_command_pipeline() {
    assert_eq!(
        parsed("Import-Csv users.csv | New-Mailbox"),
        script(vec![statement(vec![
            command("Import-Csv", vec![pos(bare("users.csv"))]),
            command("New-Mailbox", vec![]),
        ])])
    );
}

#[test]
fn assignment_then_member_access_are_two_statements() {
    assert_eq!(
        parsed("$m = Get-UMMailbox tony; $m.Extensions"),
        script(vec![
            Statement::Assignment {
                variable: "m".to_owned(),
                pipeline: pipeline(vec![command("Get-UMMailbox", vec![pos(bare("tony"))])]),
                span: Span::default(),
            },
            statement(vec![expression(member(var("m"), "Extensions"))]),
        ])
    );
}

#[test]
fn colon_parameter_takes_a_comma_list_of_strings_as_its_value() {
    assert_eq!(
        parsed("Set-UMDialPlan MyUMDialPlan -AccessTelephoneNumbers:'+14255550100','+14255550101'"),
        script(vec![statement(vec![command(
            "Set-UMDialPlan",
            vec![
                pos(bare("MyUMDialPlan")),
                colon("AccessTelephoneNumbers", array(vec![single("+14255550100"), single("+14255550101")]),),
            ],
        )])])
    );
}

#[test]
fn question_mark_alias_with_and_and_not_binds_not_tightest() {
    assert_eq!(
        parsed("Get-UMMailboxPIN | ? { $_.PinExpired -and -not $_.LockedOut } | select UserID"),
        script(vec![statement(vec![
            command("Get-UMMailboxPIN", vec![]),
            command(
                "?",
                vec![pos(block(vec![statement(vec![expression(binary(
                    BinaryOp::And,
                    member(var("_"), "PinExpired"),
                    not(member(var("_"), "LockedOut")),
                ))])]))],
            ),
            command("select", vec![pos(bare("UserID"))]),
        ])])
    );
}

#[test]
fn statements_are_separated_by_semicolons_and_new_lines_and_empty_ones_vanish() {
    let script = parsed("a;; b\n\n c ;\n");
    let names: Vec<String> = script.statements.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn switch_parameter_stands_alone() {
    assert_eq!(
        parsed("Remove-UMDialPlan x -WhatIf"),
        script(vec![statement(vec![command("Remove-UMDialPlan", vec![pos(bare("x")), param("WhatIf")])])])
    );
}

#[test]
fn colon_parameter_binds_its_value_even_after_a_space() {
    assert_eq!(
        parsed("Set-X -Confirm:$false -Name: 'a'"),
        script(vec![statement(vec![command(
            "Set-X",
            vec![colon("Confirm", boolean(false)), colon("Name", single("a"))]
        )])])
    );
}

#[test]
fn names_keep_their_original_spelling() {
    assert_eq!(
        parsed("get-ummailboxpin -IDENTITY Tony"),
        script(vec![statement(vec![command("get-ummailboxpin", vec![param("IDENTITY"), pos(bare("Tony"))])])])
    );
}

#[test]
fn single_quoted_string_doubles_a_quote_to_escape_it() {
    assert_eq!(parsed("x 'it''s'"), script(vec![statement(vec![command("x", vec![pos(single("it's"))])])]));
}

#[test]
fn double_quoted_string_decodes_backtick_escapes_and_doubled_quotes() {
    assert_eq!(
        parsed(r#"x "a`"b``c`nd`te""f""#),
        script(vec![statement(vec![command("x", vec![pos(double("a\"b`c\nd\te\"f"))])])])
    );
}

#[test]
fn double_quoted_string_keeps_variables_as_literal_text() {
    assert_eq!(parsed(r#"x "$m""#), script(vec![statement(vec![command("x", vec![pos(double("$m"))])])]));
}

#[test]
fn numbers_keep_their_value_and_spelling() {
    let script = parsed("x 0123 -5");
    let Statement::Pipeline(pipeline) = &script.statements[0] else { panic!("expected a pipeline") };
    let PipelineElement::Command(command) = &pipeline.elements[0] else { panic!("expected a command") };
    assert_eq!(
        command.arguments,
        vec![pos(e(ExprKind::Number { value: 123, text: "0123".to_owned() })), pos(num(-5)),]
    );
}

#[test]
fn true_false_and_null_are_constants_in_any_case() {
    assert_eq!(
        parsed("x $TRUE $False $null"),
        script(vec![statement(vec![command(
            "x",
            vec![pos(boolean(true)), pos(boolean(false)), pos(e(ExprKind::Null))]
        )])])
    );
}

#[test]
fn member_access_chains_left_to_right() {
    assert_eq!(parsed("$a.B.C"), script(vec![statement(vec![expression(member(member(var("a"), "B"), "C"))])]));
}

#[test]
fn comma_list_in_argument_position_is_one_array_argument() {
    assert_eq!(
        parsed("x a, b,c d"),
        script(vec![statement(vec![command(
            "x",
            vec![pos(array(vec![bare("a"), bare("b"), bare("c")])), pos(bare("d"))]
        )])])
    );
}

#[test]
fn pipeline_may_start_with_an_array_expression() {
    assert_eq!(
        parsed("1,2,3 | ForEach-Object { $_ }"),
        script(vec![statement(vec![
            expression(array(vec![num(1), num(2), num(3)])),
            command("ForEach-Object", vec![pos(block(vec![statement(vec![expression(var("_"))])]))]),
        ])])
    );
}

#[test]
fn at_parenthesis_holds_a_statement_list() {
    assert_eq!(
        parsed("x @(a; 'b')"),
        script(vec![statement(vec![command(
            "x",
            vec![pos(e(ExprKind::ArrayExpression(script(vec![
                statement(vec![command("a", vec![])]),
                statement(vec![expression(single("b"))]),
            ]))))]
        )])])
    );
}

#[test]
fn parenthesis_holds_a_pipeline_and_allows_member_access() {
    assert_eq!(
        parsed("(Get-UMMailbox tony | select x).Extensions"),
        script(vec![statement(vec![expression(member(
            e(ExprKind::Paren(Box::new(pipeline(vec![
                command("Get-UMMailbox", vec![pos(bare("tony"))]),
                command("select", vec![pos(bare("x"))]),
            ])))),
            "Extensions"
        ))])])
    );
}

#[test]
fn comparison_binds_tighter_than_and_and_or() {
    assert_eq!(
        parsed("$a -eq 1 -or $b -ne 2"),
        script(vec![statement(vec![expression(binary(
            BinaryOp::Or,
            binary(BinaryOp::Eq, var("a"), num(1)),
            binary(BinaryOp::Ne, var("b"), num(2)),
        ))])])
    );
}

#[test]
fn and_and_or_are_equal_and_left_associative() {
    assert_eq!(
        parsed("$a -or $b -and $c"),
        script(vec![statement(vec![expression(binary(
            BinaryOp::And,
            binary(BinaryOp::Or, var("a"), var("b")),
            var("c"),
        ))])])
    );
}

#[test]
fn not_binds_tighter_than_comparison_and_bang_means_not() {
    assert_eq!(
        parsed("!$a -eq -not $b"),
        script(vec![statement(vec![expression(binary(BinaryOp::Eq, not(var("a")), not(var("b")),))])])
    );
}

#[test]
fn every_operator_is_recognised_in_any_case() {
    for op in BinaryOp::ALL {
        let source = format!("$a {} $b", op.keyword().to_uppercase());
        assert_eq!(
            parsed(&source),
            script(vec![statement(vec![expression(binary(op, var("a"), var("b")))])]),
            "{source}"
        );
    }
}

#[test]
fn comma_binds_tighter_than_comparison() {
    assert_eq!(
        parsed("1,2 -eq 2"),
        script(vec![statement(vec![expression(binary(BinaryOp::Eq, array(vec![num(1), num(2)]), num(2)))])])
    );
}

#[test]
fn operators_in_argument_position_stay_parameters_for_the_binder() {
    assert_eq!(
        parsed("Where-Object LockedOut -eq $true"),
        script(vec![statement(vec![command(
            "Where-Object",
            vec![pos(bare("LockedOut")), param("eq"), pos(boolean(true))]
        )])])
    );
}

#[test]
fn new_lines_may_follow_a_pipe_an_operator_or_a_comma() {
    assert_eq!(parsed("a |\n b"), parsed("a | b"));
    assert_eq!(parsed("$a -and\n $b"), parsed("$a -and $b"));
    assert_eq!(parsed("x a,\n b"), parsed("x a,b"));
}

#[test]
fn comments_and_backtick_line_continuations_are_whitespace() {
    assert_eq!(parsed("x a `\n -b # note\n"), parsed("x a -b"));
}

#[test]
fn multi_line_script_block_holds_several_statements() {
    assert_eq!(
        parsed("% {\n $_\n 1\n}"),
        script(vec![statement(vec![command(
            "%",
            vec![pos(block(vec![statement(vec![expression(var("_"))]), statement(vec![expression(num(1))]),]))]
        )])])
    );
}

#[test]
fn empty_input_is_an_empty_script() {
    assert_eq!(parsed(""), script(vec![]));
    assert_eq!(parsed("  \n ; # only a comment"), script(vec![]));
}

#[test]
fn spans_cover_the_source_of_each_node() {
    let source = "Get-X -Name 'tony' | Set-Y";
    let script = crate::parse(source).unwrap();
    let Statement::Pipeline(pipeline) = &script.statements[0] else { panic!("expected a pipeline") };
    assert_eq!(&source[pipeline.span.start..pipeline.span.end], source);
    let PipelineElement::Command(command) = &pipeline.elements[0] else { panic!("expected a command") };
    assert_eq!(&source[command.span.start..command.span.end], "Get-X -Name 'tony'");
    let Argument::Positional(value) = &command.arguments[1] else { panic!("expected a positional value") };
    assert_eq!(&source[value.span.start..value.span.end], "'tony'");
    assert_eq!(value.span.column(source), 13);
}

#[test]
fn printing_gives_canonical_source() {
    let source = "get-x  -a:'it''s',\"q`\"\"  $_.B|  ? {!$x -EQ 1}; $m=(y)";
    assert_eq!(
        crate::parse(source).unwrap().to_string(),
        "get-x -a:'it''s',\"q`\"\" $_.B | ? { -not $x -eq 1 }; $m = (y)"
    );
}
