//! The typed views: the API's JSON and the shell's objects name the same properties in the same
//! order.

use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::views::{Mailbox, UmDialPlan, UmMailbox, UmMailboxPin, UmMailboxPolicy, UmSprayBlock};

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
}
