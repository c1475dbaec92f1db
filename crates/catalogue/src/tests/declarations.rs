//! The declarations: each cmdlet's typed struct, registry entry, binding and audit parameters
//! come from one declaration and agree.

use secrecy::SecretString;
use umpin_domain::{AuditValue, PinPolicy, dial_plan, um_mailbox};

use crate::binding::{Argument, Arguments};
use crate::cmdlets::{self, Cmdlet, SetUmMailboxPin};
use crate::declare::{Default, Kind};
use crate::value::Value;

fn arguments(pairs: &[(&'static str, Argument)]) -> Arguments {
    Arguments(pairs.to_vec())
}

fn text(s: &str) -> Argument {
    Argument::Value(Value::from(s))
}

#[test]
fn a_field_type_gives_its_parameter_kind_and_whether_it_is_mandatory() {
    let info = &SetUmMailboxPin::INFO;
    let kind = |name| info.parameter(name).map(|p| (p.kind, p.required)).unwrap();
    assert_eq!(kind("Identity"), (Kind::Text, true));
    assert_eq!(kind("Pin"), (Kind::Secret, false));
    assert_eq!(kind("PINExpired"), (Kind::Bool, false));
    assert_eq!(kind("NotifyEmail"), (Kind::Text, false));
    let enable = cmdlets::find("Enable-UMMailbox").unwrap();
    assert_eq!(enable.parameter("Extensions").map(|p| p.kind), Ok(Kind::TextList));
    assert_eq!(enable.parameter("ValidateOnly").map(|p| p.kind), Ok(Kind::Switch));
    let policy = cmdlets::find("Set-UMMailboxPolicy").unwrap();
    assert_eq!(policy.parameter("PINLifetime").map(|p| p.kind), Ok(Kind::NumberOrUnlimited));
    assert_eq!(policy.parameter("MinPINLength").map(|p| p.kind), Ok(Kind::Number));
    let plan = cmdlets::find("New-UMDialPlan").unwrap();
    assert!(matches!(plan.parameter("URIType").map(|p| p.kind), Ok(Kind::Choice(names)) if names.contains(&"SipName")));
}

#[test]
fn defaults_shown_by_help_are_the_domains_constants() {
    let default = |cmdlet: &str, parameter: &str| {
        cmdlets::find(cmdlet).and_then(|c| c.parameter(parameter).ok()).and_then(|p| p.default)
    };
    let policy = PinPolicy::DEFAULT;
    assert_eq!(default("Set-UMMailboxPolicy", "MinPINLength"), Some(Default::Number(i64::from(policy.min_pin_length))));
    assert_eq!(
        default("Set-UMMailboxPolicy", "MaxLogonAttempts"),
        Some(Default::Number(i64::from(policy.max_logon_attempts)))
    );
    assert_eq!(
        default("New-UMDialPlan", "GenerateUMMailboxPolicy"),
        Some(Default::Bool(dial_plan::GENERATE_UM_MAILBOX_POLICY))
    );
    assert_eq!(default("Disable-UMMailbox", "KeepProperties"), Some(Default::Bool(um_mailbox::KEEP_PROPERTIES)));
    assert_eq!(default("Set-UMDialPlan", "DefaultLanguage"), Some(Default::Text(dial_plan::DEFAULT_LANGUAGE)));
    assert_eq!(default("Set-UMMailboxPolicy", "PINLifetime").map(|d| d.to_string()), Some("60".to_owned()));
}

#[test]
fn every_catalogue_cmdlet_binds_to_its_own_typed_variant() {
    for info in cmdlets::CMDLETS {
        let mut given = Arguments::default();
        for p in info.parameters.iter().filter(|p| p.required) {
            let value = match p.kind {
                Kind::Number => Argument::Value(Value::Int(5)),
                _ => text("x"),
            };
            given.push(p.name, value);
        }
        let cmdlet = Cmdlet::bind(info.name, &given).unwrap_or_else(|e| panic!("{}: {e}", info.name));
        assert_eq!(cmdlet.info().name, info.name);
    }
    assert!(Cmdlet::bind("Where-Object", &Arguments::default()).is_err());
}

#[test]
fn a_missing_mandatory_parameter_is_named() {
    let err = Cmdlet::bind("Set-UMMailboxPIN", &Arguments::default()).unwrap_err();
    assert!(err.contains("missing mandatory parameters: Identity"), "{err}");
}

#[test]
fn the_audit_log_gets_given_parameters_only_and_secrets_by_their_type() {
    let given = arguments(&[
        ("Identity", text("tony@contoso.com")),
        ("Pin", Argument::Secret(SecretString::from("5643892"))),
        ("SendEmail", Argument::Value(Value::Bool(false))),
    ]);
    let reset = SetUmMailboxPin::bind(&given).unwrap();
    assert_eq!(
        reset.audit_parameters(),
        vec![
            ("Identity", AuditValue::Text("tony@contoso.com".to_owned())),
            ("Pin", AuditValue::Secret),
            ("SendEmail", AuditValue::Bool(false)),
        ]
    );
    assert!(!format!("{reset:?}").contains("5643892"), "a PIN must not show in Debug output");
}

#[test]
fn a_secret_parameter_refuses_a_plain_value() {
    let given = arguments(&[("Identity", text("tony")), ("Pin", text("5643892"))]);
    let err = SetUmMailboxPin::bind(&given).unwrap_err();
    assert!(err.contains("Pin") && !err.contains("5643892"), "{err}");
}
