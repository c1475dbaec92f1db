//! REST bodies made from the declarations: a member per parameter the path doesn't give, named
//! as the cmdlet's field in camelCase, strictly typed, bound as the shell binds.

use secrecy::ExposeSecret;
use serde_json::json;
use umpin_domain::{LimitValue, UriType};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use crate::body::Body;
use crate::cmdlets::{EnableUmMailbox, NewMailbox, NewUmDialPlan, SetMailbox, SetUmMailboxPin, SetUmMailboxPolicy};
use crate::declare::{Declared, Switch};

fn body<C: Declared>(json: serde_json::Value) -> Result<Body<C>, String> {
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// The schema's member names and its mandatory ones.
fn schema_members<C: Declared>() -> (Vec<String>, Vec<String>) {
    let RefOr::T(Schema::Object(object)) = Body::<C>::schema() else { panic!("a body is an object") };
    (object.properties.keys().cloned().collect(), object.required)
}

#[test]
fn a_body_takes_each_parameter_by_its_field_name_in_camel_case_and_binds_as_the_shell_does() {
    let set: SetUmMailboxPolicy =
        body(json!({"minPinLength": 8, "pinLifetime": "unlimited", "allowCommonPins": false}))
            .unwrap()
            .for_identity("Strict".to_owned())
            .unwrap();
    assert_eq!(set.identity, "Strict");
    assert_eq!(set.min_pin_length, Some(8));
    assert_eq!(set.pin_lifetime, Some(LimitValue::Unlimited));
    assert_eq!(set.allow_common_pins, Some(false));
    assert_eq!(set.pin_history_count, None, "a member left out isn't given");

    let plan: NewUmDialPlan =
        body(json!({"name": "P", "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1", "uriType": "sipname"}))
            .unwrap()
            .into_cmdlet()
            .unwrap();
    assert_eq!(plan.uri_type, Some(UriType::SipName), "a choice is taken by name, case-insensitively");
}

#[test]
fn a_pin_is_a_secret_a_switch_a_boolean_and_null_clears_an_optional_text() {
    let reset: SetUmMailboxPin =
        body(json!({"pin": "5643892", "sendEmail": false})).unwrap().for_identity("tony".to_owned()).unwrap();
    assert_eq!(reset.pin.as_ref().map(|p| p.0.expose_secret().to_owned()), Some("5643892".to_owned()));
    assert_eq!(reset.send_email, Some(false));
    let enable: EnableUmMailbox =
        body(json!({"umMailboxPolicy": "P", "validateOnly": true})).unwrap().for_identity("tony".to_owned()).unwrap();
    assert_eq!(enable.validate_only, Switch(true));
    let set: SetMailbox =
        body(json!({"phone": null, "firstName": ""})).unwrap().for_identity("tony".to_owned()).unwrap();
    assert_eq!((set.phone.as_deref(), set.first_name.as_deref(), set.last_name), (Some(""), Some(""), None));
}

#[test]
fn unknown_repeated_mistyped_and_missing_members_are_refused_by_name() {
    let refused = |json: &str| serde_json::from_str::<Body<NewMailbox>>(json).unwrap_err().to_string();
    let unknown = refused(r#"{"name": "x", "primarySmtpAddress": "x@contoso.com", "colour": "red"}"#);
    assert!(unknown.contains("'colour'") && unknown.contains("primarySmtpAddress"), "{unknown}");
    let twice = refused(r#"{"name": "x", "name": "y", "primarySmtpAddress": "x@contoso.com"}"#);
    assert!(twice.contains("'name' is given twice"), "{twice}");
    let mistyped = refused(r#"{"name": 5, "primarySmtpAddress": "x@contoso.com"}"#);
    assert!(mistyped.contains("'name' must be a string"), "{mistyped}");
    let missing = refused(r#"{"name": "x"}"#);
    assert!(missing.contains("primarySmtpAddress") && missing.contains("missing"), "{missing}");
    let identity = refused(r#"{"identity": "x", "name": "x", "primarySmtpAddress": "x@contoso.com"}"#);
    assert!(identity.contains("no member 'identity'"), "{identity}");

    let lock = body::<SetUmMailboxPin>(json!({"lockedOut": false})).unwrap_err();
    assert!(lock.contains("no member 'lockedOut'"), "the path gives LockedOut: {lock}");
    let pin = body::<SetUmMailboxPin>(json!({"pin": 73920581})).unwrap_err();
    assert!(pin.contains("'pin' must be a string") && !pin.contains("73920581"), "{pin}");
    for (json, expected) in [
        (r#"{"minPinLength": 1.5}"#, "'minPinLength' must be a whole number"),
        (r#"{"minPinLength": 99999999999999999999}"#, "'minPinLength' must be a whole number"),
        (r#"{"pinLifetime": "forever"}"#, "'pinLifetime' must be a whole number or \"Unlimited\""),
        (r#"{"allowCommonPins": "yes"}"#, "'allowCommonPins' must be true or false"),
        (r#"{"minPinLength": null}"#, "'minPinLength' must be a whole number"),
    ] {
        let e = serde_json::from_str::<Body<SetUmMailboxPolicy>>(json).unwrap_err().to_string();
        assert!(e.contains(expected), "{json}: {e}");
    }
}

#[test]
fn a_value_of_the_right_type_that_doesnt_bind_gets_the_shells_message() {
    let bogus = body::<NewUmDialPlan>(
        json!({"name": "P", "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1", "uriType": "Bogus"}),
    )
    .unwrap()
    .into_cmdlet()
    .unwrap_err();
    assert!(bogus.contains("URIType") && bogus.contains("TelExtn, SipName, E164"), "{bogus}");
}

#[test]
fn the_schema_lists_every_parameter_but_those_the_path_gives_with_the_mandatory_ones() {
    let (members, required) = schema_members::<SetUmMailboxPin>();
    assert_eq!(members, ["pin", "pinExpired", "notifyEmail", "sendEmail"]);
    assert!(required.is_empty());
    let (members, required) = schema_members::<NewMailbox>();
    assert_eq!(members.len(), NewMailbox::INFO.parameters.len());
    assert_eq!(required, ["name", "primarySmtpAddress"]);
    assert_eq!(Body::<SetUmMailboxPin>::name(), "SetUMMailboxPINBody");
    let schema = serde_json::to_value(Body::<SetUmMailboxPolicy>::schema()).unwrap();
    assert_eq!(schema["additionalProperties"], false, "{schema}");
    assert_eq!(schema["properties"]["pinLifetime"]["oneOf"][1]["enum"], json!(["Unlimited"]), "{schema}");
    let pin = serde_json::to_value(Body::<SetUmMailboxPin>::schema()).unwrap();
    assert_eq!(pin["properties"]["pin"]["format"], "password", "{pin}");
    assert!(pin["properties"]["sendEmail"]["description"].as_str().unwrap().ends_with("Default: true."), "{pin}");
}
