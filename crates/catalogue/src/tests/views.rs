use umpin_domain::{AuditParameter, AuditParameters, AuditValue};

use crate::views::cmdlet_parameters;

fn parameter(name: &str, value: AuditValue) -> AuditParameter {
    AuditParameter { name: name.to_owned(), value }
}

#[test]
fn audit_parameters_show_as_a_command_line_with_texts_quoted_only_when_they_must_be_and_secrets_as_stars() {
    let values = AuditParameters::Values(vec![
        parameter("Identity", AuditValue::Text("tony@contoso.com".to_owned())),
        parameter("Pin", AuditValue::Secret),
        parameter("DisplayName", AuditValue::Text("Tony O'Neil".to_owned())),
        parameter("Notes", AuditValue::Text(String::new())),
        parameter("Cost", AuditValue::Text("$5".to_owned())),
        parameter("Extensions", AuditValue::Texts(vec!["51234".to_owned(), "a,b".to_owned()])),
        parameter("AccessTelephoneNumbers", AuditValue::Texts(Vec::new())),
        parameter("MaxLogonAttempts", AuditValue::Number(-3)),
        parameter("PINExpired", AuditValue::Bool(true)),
        parameter("SendEmail", AuditValue::Bool(false)),
        parameter("PINLifetime", AuditValue::Word("Unlimited".to_owned())),
    ]);
    assert_eq!(
        cmdlet_parameters(&values),
        "-Identity tony@contoso.com -Pin *** -DisplayName 'Tony O''Neil' -Notes '' -Cost '$5' -Extensions 51234,'a,b' \
         -AccessTelephoneNumbers @() -MaxLogonAttempts -3 -PINExpired $true -SendEmail $false -PINLifetime Unlimited"
    );
    assert_eq!(cmdlet_parameters(&AuditParameters::Values(Vec::new())), "");
}

#[test]
fn a_record_written_as_a_command_line_shows_as_written_and_like_the_same_record_of_values() {
    let text = "-Identity tony@contoso.com -Pin *** -PINExpired $true";
    let values = AuditParameters::Values(vec![
        parameter("Identity", AuditValue::Text("tony@contoso.com".to_owned())),
        parameter("Pin", AuditValue::Secret),
        parameter("PINExpired", AuditValue::Bool(true)),
    ]);
    assert_eq!(cmdlet_parameters(&AuditParameters::Text(text.to_owned())), text);
    assert_eq!(cmdlet_parameters(&values), text);
}
