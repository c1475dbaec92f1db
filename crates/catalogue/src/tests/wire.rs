//! The wire format of remote cmdlet calls: values keep their kind, type and property order
//! through JSON, and a request binds on the server exactly as the shell binds.

use jiff::Timestamp;
use proptest::prelude::*;
use secrecy::ExposeSecret;

use crate::binding::{Argument, Batch, PageRequest};
use crate::cmdlets as registry;
use crate::value::{Object, Value};
use crate::wire::{CmdletRequest, WireBatch, WireValue};

fn to_json(value: &Value) -> String {
    serde_json::to_string(&WireValue(value.clone())).unwrap()
}

fn from_json(text: &str) -> Result<Value, String> {
    serde_json::from_str::<WireValue>(text).map(|WireValue(v)| v).map_err(|e| e.to_string())
}

fn request(json: &str) -> CmdletRequest {
    serde_json::from_str(json).unwrap()
}

fn pin_object() -> Value {
    Object::new(
        "UMMailboxPin",
        vec![
            ("UserID", "tony@contoso.com".into()),
            ("PinExpired", true.into()),
            ("FailedLogonCount", 3.into()),
            ("LastFailedLogon", Value::Null),
            ("PinLastSet", Value::Time("2024-05-01T10:00:00.123456789Z".parse().unwrap())),
            ("Extensions", Value::Array(vec!["51234".into()])),
        ],
    )
    .into()
}

#[test]
fn an_object_travels_with_its_type_name_and_its_properties_in_order() {
    let json = to_json(&pin_object());
    assert_eq!(
        json,
        r#"{"type":"UMMailboxPin","properties":[["UserID","tony@contoso.com"],["PinExpired",true],["FailedLogonCount",3],["LastFailedLogon",null],["PinLastSet",{"time":"2024-05-01T10:00:00.123456789Z"}],["Extensions",["51234"]]]}"#
    );
    assert_eq!(from_json(&json).unwrap(), pin_object());
}

#[test]
fn a_string_that_looks_like_a_time_stays_a_string() {
    let text = Value::from("2024-05-01T10:00:00Z");
    assert_eq!(from_json(&to_json(&text)).unwrap(), text);
    assert!(matches!(from_json(r#"{"time":"2024-05-01T10:00:00Z"}"#).unwrap(), Value::Time(_)));
}

#[test]
fn malformed_values_are_refused_with_what_a_value_may_be() {
    for bad in [
        r#"{"time":"yesterday"}"#,
        r#"{"time":"2024-05-01T10:00:00Z","type":"X"}"#,
        r#"{"type":"X"}"#,
        r#"{"colour":"red"}"#,
        "1.5",
        "18446744073709551615",
        r#"{"type":"X","properties":[["OnlyAName"]]}"#,
    ] {
        assert!(from_json(bad).is_err(), "{bad} was accepted");
    }
    assert!(from_json(r#"{"time":"yesterday"}"#).unwrap_err().contains("RFC 3339"));
}

#[test]
fn a_batch_round_trips_and_omits_next_on_the_last_page() {
    let batch = Batch { objects: vec![pin_object(), 7.into()], warnings: vec!["More exist.".into()], next: None };
    let json = serde_json::to_string(&WireBatch(batch.clone())).unwrap();
    assert!(!json.contains("next"), "{json}");
    let WireBatch(back) = serde_json::from_str(&json).unwrap();
    assert_eq!((back.objects, back.warnings, back.next), (batch.objects, batch.warnings, None));
    let paged = Batch { next: Some("kim@contoso.com".into()), ..Batch::default() };
    let json = serde_json::to_string(&WireBatch(paged)).unwrap();
    assert_eq!(json, r#"{"objects":[],"warnings":[],"next":"kim@contoso.com"}"#);
}

#[test]
fn a_request_binds_names_case_insensitively_and_by_prefix_and_puts_the_pin_into_a_secret() {
    let cmdlet = registry::find("Set-UMMailboxPIN").unwrap();
    let req = request(r#"{"parameters": {"identity": "tony", "pin": "0123456", "LockedOut": false, "SendE": 0}}"#);
    let inv = req.bind(cmdlet).unwrap();
    let names: Vec<&str> = inv.arguments.0.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Identity", "Pin", "LockedOut", "SendEmail"]);
    assert!(matches!(&inv.arguments.0[1].1, Argument::Secret(s) if s.expose_secret() == "0123456"));
    assert_eq!(inv.arguments.flag("LockedOut"), Some(false));
    assert_eq!(inv.arguments.flag("SendEmail"), Some(false));
}

#[test]
fn a_request_is_refused_with_the_shells_own_messages() {
    let set_pin = registry::find("Set-UMMailboxPIN").unwrap();
    let policy = registry::find("Set-UMMailboxPolicy").unwrap();
    let cases = [
        (
            set_pin,
            r#"{"parameters": {"Identity": "tony", "Bogus": 1}}"#,
            "A parameter cannot be found that matches parameter name 'Bogus'.",
        ),
        (
            set_pin,
            r#"{"parameters": {"Identity": "tony", "Pin": "1", "pin": "2"}}"#,
            "The parameter 'Pin' is given more than once. Give it once.",
        ),
        (
            set_pin,
            r#"{"parameters": {"Pin": "123456"}}"#,
            "Cannot process the command because of missing mandatory parameters: Identity. Give them and run it again.",
        ),
        (
            set_pin,
            r#"{"parameters": {"Identity": "tony", "LockedOut": "maybe"}}"#,
            "Cannot bind parameter 'LockedOut': the value 'maybe' isn't $true or $false.",
        ),
        (
            set_pin,
            r#"{"parameters": {"Identity": "tony", "Pin": true}}"#,
            "Cannot bind parameter 'Pin': the value '***' isn't a string of digits.",
        ),
        (policy, r#"{"parameters": {"Identity": "p", "M": 4}}"#, "ambiguous"),
        (policy, r#"{"parameters": {"Identity": "p", "MinPINLength": "six"}}"#, "isn't a whole number"),
        (policy, r#"{"parameters": {"Identity": ["a", "b"]}}"#, "isn't a single text value"),
    ];
    for (cmdlet, json, expected) in cases {
        let err = request(json).bind(cmdlet).unwrap_err();
        assert!(err.contains(expected), "{json}: {err}");
    }
}

#[test]
fn unknown_members_of_a_request_are_refused() {
    assert!(serde_json::from_str::<CmdletRequest>(r#"{"parameters": {}, "extra": 1}"#).is_err());
    assert!(serde_json::from_str::<CmdletRequest>(r#"{"page": {"size": 5, "from": "a"}}"#).is_err());
}

#[test]
fn the_debug_form_of_a_request_shows_no_value() {
    let req = request(r#"{"parameters": {"Identity": "tony", "Pin": "8161616"}}"#);
    let shown = format!("{req:?}");
    assert!(shown.contains("Pin") && !shown.contains("8161616") && !shown.contains("tony"), "{shown}");
}

#[test]
fn a_request_made_from_an_invocation_binds_back_to_the_same_invocation() {
    let cmdlet = registry::find("Enable-UMMailbox").unwrap();
    let original = request(
        r#"{"parameters": {"Identity": "tony", "UMMailboxPolicy": "P", "Extensions": ["51234", "51235"], "PIN": "5643892", "PINExpired": true}}"#,
    )
    .bind(cmdlet)
    .unwrap();
    let page = PageRequest { after: Some("a@contoso.com".into()), size: 50 };
    let json = serde_json::to_string(&CmdletRequest::new(&original, Some(&page))).unwrap();
    let received: CmdletRequest = serde_json::from_str(&json).unwrap();
    assert_eq!(received.page, Some(page));
    let bound = received.bind(cmdlet).unwrap();
    let shown = |inv: &crate::binding::Invocation| -> Vec<(String, String)> {
        inv.arguments
            .0
            .iter()
            .map(|(n, a)| {
                let v = match a {
                    Argument::Value(v) => format!("{v:?}"),
                    Argument::Secret(s) => format!("secret {}", s.expose_secret()),
                };
                ((*n).to_owned(), v)
            })
            .collect()
    };
    assert_eq!(shown(&bound), shown(&original));
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (-377_705_116_800i64..253_402_207_200i64, 0i32..1_000_000_000)
        .prop_map(|(s, n)| Timestamp::new(s, n).unwrap_or(Timestamp::UNIX_EPOCH))
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<String>().prop_map(Value::Str),
        timestamp().prop_map(Value::Time),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            ("[A-Za-z.]{0,12}", prop::collection::vec(("[A-Za-z]{1,10}", inner), 0..6))
                .prop_map(|(type_name, properties)| Object { type_name, properties }.into()),
        ]
    })
}

proptest! {
    #[test]
    fn every_value_round_trips_through_the_wire_unchanged(v in value()) {
        let json = to_json(&v);
        prop_assert_eq!(from_json(&json).unwrap(), v);
    }

    #[test]
    fn every_batch_round_trips_through_the_wire_unchanged(
        objects in prop::collection::vec(value(), 0..4),
        warnings in prop::collection::vec(any::<String>(), 0..3),
        next in proptest::option::of(any::<String>()),
    ) {
        let batch = Batch { objects, warnings, next };
        let json = serde_json::to_string(&WireBatch(batch.clone())).unwrap();
        let WireBatch(back) = serde_json::from_str(&json).unwrap();
        prop_assert_eq!((back.objects, back.warnings, back.next), (batch.objects, batch.warnings, batch.next));
    }
}
