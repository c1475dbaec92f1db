//! The typed views: the API's JSON and the shell's objects name the same properties in the same
//! order; and how an audit record's parameters show.

use secrecy::SecretString;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, Guid, RoleGroup, Timestamp};
use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::value::Value;
use crate::views::{
    AdminAuditLogCheck, AdminAuditLogEvent, GeneratedPassword, Mailbox, ManagementAccount, RoleGroup as RoleGroupView,
    UmDialPlan, UmDirectorySyncChange, UmDirectorySyncStatus, UmMailbox, UmMailboxPin, UmMailboxPolicy, UmSprayBlock,
    cmdlet_parameters,
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
        ("ManagementAccount", json_names::<ManagementAccount>(), ManagementAccount::PROPERTIES),
        ("RoleGroup", json_names::<RoleGroupView>(), RoleGroupView::PROPERTIES),
        ("AdminAuditLogCheck", json_names::<AdminAuditLogCheck>(), AdminAuditLogCheck::PROPERTIES),
        ("UMDirectorySyncStatus", json_names::<UmDirectorySyncStatus>(), UmDirectorySyncStatus::PROPERTIES),
        ("UMDirectorySyncChange", json_names::<UmDirectorySyncChange>(), UmDirectorySyncChange::PROPERTIES),
    ] {
        assert_eq!(json, shell_names(shell), "{view}");
    }
    // The audit event's JSON has its parameters as values too, after the shell's properties.
    let mut shell = shell_names(AdminAuditLogEvent::PROPERTIES);
    shell.push("parameters".to_owned());
    assert_eq!(json_names::<AdminAuditLogEvent>(), shell, "AdminAuditLogEvent");
}

fn account() -> umpin_domain::ManagementAccount {
    umpin_domain::ManagementAccount {
        guid: Guid::nil(),
        name: "helpdesk1".to_owned(),
        display_name: "Help Desk 1".to_owned(),
        disabled: false,
        role_groups: vec![RoleGroup::HelpDesk],
        when_created: Timestamp::UNIX_EPOCH,
        directory_id: None,
    }
}

#[test]
fn a_generated_password_is_a_property_only_of_the_account_it_was_made_with_and_its_debug_form_hides_it() {
    let Value::Object(read) = Value::from(ManagementAccount::from(&account())) else { panic!("an object") };
    assert_eq!(read.properties.last().map(|(name, _)| name.as_str()), Some("Identity"));
    assert!(read.get("GeneratedPassword").is_none());
    let password = "violet kettle orbit 42";
    let made = ManagementAccount {
        generated_password: Some(GeneratedPassword(SecretString::from(password))),
        ..ManagementAccount::from(&account())
    };
    assert!(!format!("{made:?}").contains(password), "{made:?}");
    assert_eq!(serde_json::to_value(&made).unwrap()["generatedPassword"], password);
    let Value::Object(made) = Value::from(made) else { panic!("an object") };
    assert_eq!(made.properties.last(), Some(&("GeneratedPassword".to_owned(), Value::from(password))));
    let read = serde_json::to_value(ManagementAccount::from(&account())).unwrap();
    assert!(read.get("generatedPassword").is_none(), "{read}");
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
fn a_text_with_a_control_character_shows_in_double_quotes_with_each_control_character_as_a_powershell_escape() {
    let values = AuditParameters::Values(vec![
        parameter("Identity", AuditValue::Text("to\u{1b}[31mny\u{fffd}@contoso.com".to_owned())),
        parameter("DisplayName", AuditValue::Text("a\tb `c` \"d\" $e\u{0}\u{7f}\u{85}".to_owned())),
        parameter("Extensions", AuditValue::Texts(vec!["5\r\n1".to_owned(), "51234".to_owned()])),
    ]);
    let shown = cmdlet_parameters(&values);
    assert_eq!(
        shown,
        "-Identity \"to`u{1b}[31mny\u{fffd}@contoso.com\" -DisplayName \"a`u{9}b ``c`` `\"d`\" `$e`u{0}`u{7f}`u{85}\" \
         -Extensions \"5`u{d}`u{a}1\",51234"
    );
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
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
