//! The typed views: the API's JSON and the shell's objects name the same properties in the same
//! order; and how an audit record's parameters show.

use umpin_domain::{AuditParameter, AuditParameters, AuditValue};
use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::views::{
    AdminAuditLogEvent, Mailbox, UmDialPlan, UmMailbox, UmMailboxPin, UmMailboxPolicy, UmSprayBlock, cmdlet_parameters,
};

/// The JSON names of a view's properties in their order, lowercased, from its schema.
fn json_names<T: PartialSchema>() -> Vec<String> {
    let RefOr::T(Schema::Object(object)) = T::schema() else { return Vec::new() };
    object.properties.keys().map(|name| name.to_ascii_lowercase()).collect()
}

fn shell_names(properties: &[&str]) -> Vec<String> {
    properties.iter().map(|name| name.to_ascii_lowercase()).collect()
}

#[test]
fn each_views_json_names_the_shells_properties_in_their_order_in_camel_case() {
    for (view, json, shell) in [
        ("UMMailboxPin", json_names::<UmMailboxPin>(), UmMailboxPin::PROPERTIES),
        ("Mailbox", json_names::<Mailbox>(), Mailbox::PROPERTIES),
        ("UMDialPlan", json_names::<UmDialPlan>(), UmDialPlan::PROPERTIES),
        ("UMMailboxPolicy", json_names::<UmMailboxPolicy>(), UmMailboxPolicy::PROPERTIES),
        ("UMMailbox", json_names::<UmMailbox>(), UmMailbox::PROPERTIES),
        ("UMSprayBlock", json_names::<UmSprayBlock>(), UmSprayBlock::PROPERTIES),
    ] {
        assert_eq!(json, shell_names(shell), "{view}");
    }
    // The audit event's JSON has its parameters as values too, after the shell's properties.
    let mut shell = shell_names(AdminAuditLogEvent::PROPERTIES);
    shell.push("parameters".to_owned());
    assert_eq!(json_names::<AdminAuditLogEvent>(), shell, "AdminAuditLogEvent");
}

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
