//! Snapshots of what the shell shows for each object type: the default view at the end of a
//! statement (`render`), `Format-List` (`format::list`) and `ConvertTo-Json` (`format::json`).
//!
//! The sample objects are built directly with fixed GUIDs and times, so the snapshots never change
//! unless the output does.

use umpin_domain::{
    DialPlan, Guid, Limit, Mailbox, MailboxPolicy, PinPolicy, Timestamp, UmMailbox, UriType, VoipSecurity,
};
use umpin_service::{UmMailboxPin, UmMailboxView};

use crate::format;
use crate::run::render;
use umpin_catalogue::value::Value;
use umpin_catalogue::views as objects;

const TONY: Guid = Guid::from_u128(0x1a2b_3c4d_5e6f_4a1b_8c2d_0000_0000_0001);
const DAVID: Guid = Guid::from_u128(0x1a2b_3c4d_5e6f_4a1b_8c2d_0000_0000_0002);
const PLAN: Guid = Guid::from_u128(0x2b3c_4d5e_6f70_4b2c_9d3e_0000_0000_0001);
const SIP_PLAN: Guid = Guid::from_u128(0x2b3c_4d5e_6f70_4b2c_9d3e_0000_0000_0002);
const POLICY: Guid = Guid::from_u128(0x3c4d_5e6f_7081_4c3d_ae4f_0000_0000_0001);
const DEFAULT_POLICY: Guid = Guid::from_u128(0x3c4d_5e6f_7081_4c3d_ae4f_0000_0000_0002);

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap()
}

fn tony() -> Mailbox {
    Mailbox {
        guid: TONY,
        name: "Tony Smith".to_owned(),
        alias: "tony".to_owned(),
        display_name: "Tony Smith".to_owned(),
        primary_smtp_address: "tony@contoso.com".to_owned(),
        email_addresses: vec!["SMTP:tony@contoso.com".to_owned(), "smtp:tsmith@contoso.com".to_owned()],
        user_principal_name: "tony@contoso.com".to_owned(),
        phone: Some("+1 425 555 0123".to_owned()),
        first_name: Some("Tony".to_owned()),
        last_name: Some("Smith".to_owned()),
        when_created: at(1_795_000_000),
    }
}

fn david() -> Mailbox {
    Mailbox {
        guid: DAVID,
        name: "David Jones".to_owned(),
        alias: "david".to_owned(),
        display_name: "David Jones (Sales)".to_owned(),
        primary_smtp_address: "david@contoso.com".to_owned(),
        email_addresses: vec!["SMTP:david@contoso.com".to_owned()],
        user_principal_name: "david@contoso.com".to_owned(),
        phone: None,
        first_name: None,
        last_name: None,
        when_created: at(1_795_003_600),
    }
}

fn my_dial_plan() -> DialPlan {
    DialPlan {
        guid: PLAN,
        name: "MyUMDialPlan".to_owned(),
        number_of_digits_in_extension: 5,
        country_or_region_code: "1".to_owned(),
        uri_type: UriType::TelExtn,
        voip_security: VoipSecurity::Unsecured,
        access_telephone_numbers: vec!["+14255550100".to_owned()],
        default_language: "en-US".to_owned(),
        logon_failures_before_disconnect: 3,
        when_created: at(1_794_000_000),
    }
}

fn sip_dial_plan() -> DialPlan {
    DialPlan {
        guid: SIP_PLAN,
        name: "SipDialPlan".to_owned(),
        number_of_digits_in_extension: 7,
        country_or_region_code: "44".to_owned(),
        uri_type: UriType::SipName,
        voip_security: VoipSecurity::SipSecured,
        access_telephone_numbers: Vec::new(),
        default_language: "en-GB".to_owned(),
        logon_failures_before_disconnect: 5,
        when_created: at(1_794_500_000),
    }
}

fn my_policy() -> MailboxPolicy {
    MailboxPolicy {
        guid: POLICY,
        name: "MyUMMailboxPolicy".to_owned(),
        dial_plan: PLAN,
        pin: PinPolicy::default(),
        reset_pin_text: "Your voice mail PIN was reset.".to_owned(),
        um_enabled_text: "Welcome to voice mail.".to_owned(),
        allow_pinless_voice_mail_access: true,
        when_created: at(1_794_000_060),
    }
}

fn default_policy() -> MailboxPolicy {
    MailboxPolicy {
        guid: DEFAULT_POLICY,
        name: "MyUMDialPlan Default Policy".to_owned(),
        dial_plan: PLAN,
        pin: PinPolicy {
            min_pin_length: 4,
            pin_lifetime: Limit::Unlimited,
            pin_history_count: 1,
            allow_common_patterns: true,
            allow_common_pins: true,
            logon_failures_before_pin_reset: Limit::Unlimited,
            max_logon_attempts: 999,
        },
        reset_pin_text: String::new(),
        um_enabled_text: String::new(),
        allow_pinless_voice_mail_access: false,
        when_created: at(1_794_000_000),
    }
}

fn tony_pin() -> UmMailboxPin {
    UmMailboxPin {
        user_id: "tony@contoso.com".to_owned(),
        pin_expired: false,
        first_time_user: true,
        locked_out: false,
        identity: "tony@contoso.com".to_owned(),
        failed_logon_count: 0,
        last_failed_logon: None,
        pin_last_set: at(1_795_000_600),
        pin_expires_on: Some(at(1_800_184_600)),
    }
}

fn david_pin() -> UmMailboxPin {
    UmMailboxPin {
        user_id: "david@contoso.com".to_owned(),
        pin_expired: true,
        first_time_user: false,
        locked_out: true,
        identity: "david@contoso.com".to_owned(),
        failed_logon_count: 15,
        last_failed_logon: Some(at(1_795_010_000)),
        pin_last_set: at(1_789_000_000),
        pin_expires_on: None,
    }
}

fn tony_um() -> UmMailboxView {
    UmMailboxView {
        mailbox: tony(),
        um: UmMailbox {
            mailbox: TONY,
            policy: POLICY,
            dial_plan: PLAN,
            extensions: vec!["51234".to_owned()],
            sip_resource_identifier: None,
            operator_number: Some("50000".to_owned()),
            pilot_number: None,
            um_enabled: true,
            when_um_enabled: Some(at(1_795_000_600)),
            pinless_access_to_voice_mail_enabled: true,
        },
        policy_name: "MyUMMailboxPolicy".to_owned(),
        dial_plan_name: "MyUMDialPlan".to_owned(),
    }
}

fn david_um() -> UmMailboxView {
    UmMailboxView {
        mailbox: david(),
        um: UmMailbox {
            mailbox: DAVID,
            policy: DEFAULT_POLICY,
            dial_plan: PLAN,
            extensions: vec!["51235".to_owned(), "51236".to_owned()],
            sip_resource_identifier: Some("david@contoso.com".to_owned()),
            operator_number: None,
            pilot_number: Some("+14255550100".to_owned()),
            um_enabled: false,
            when_um_enabled: None,
            pinless_access_to_voice_mail_enabled: false,
        },
        policy_name: "MyUMDialPlan Default Policy".to_owned(),
        dial_plan_name: "MyUMDialPlan".to_owned(),
    }
}

fn pins() -> Vec<Value> {
    vec![objects::um_mailbox_pin(&tony_pin()), objects::um_mailbox_pin(&david_pin())]
}

fn mailboxes() -> Vec<Value> {
    vec![objects::mailbox(&tony()), objects::mailbox(&david())]
}

fn dial_plans() -> Vec<Value> {
    vec![objects::dial_plan(&my_dial_plan()), objects::dial_plan(&sip_dial_plan())]
}

fn policies() -> Vec<Value> {
    vec![
        objects::mailbox_policy(&my_policy(), "MyUMDialPlan"),
        objects::mailbox_policy(&default_policy(), "MyUMDialPlan"),
    ]
}

fn um_mailboxes() -> Vec<Value> {
    vec![objects::um_mailbox(&tony_um()), objects::um_mailbox(&david_um())]
}

// UMMailboxPin

#[test]
fn um_mailbox_pin_default_view_is_the_exchange_table() {
    insta::assert_snapshot!("um_mailbox_pin_default_table", render(&pins(), 120));
}

#[test]
fn um_mailbox_pin_list_shows_every_property_with_aligned_colons() {
    insta::assert_snapshot!("um_mailbox_pin_list", format::list(&pins()[..1]));
}

#[test]
fn um_mailbox_pin_json_keeps_property_order_and_types() {
    insta::assert_snapshot!("um_mailbox_pin_json", format::json(&pins()[1..]));
}

// Mailbox

#[test]
fn mailbox_default_view_is_a_name_alias_address_table() {
    insta::assert_snapshot!("mailbox_default_table", render(&mailboxes(), 120));
}

#[test]
fn mailbox_list_shows_every_property_with_aligned_colons() {
    insta::assert_snapshot!("mailbox_list", format::list(&mailboxes()[..1]));
}

#[test]
fn mailbox_json_shows_addresses_as_an_array_and_missing_names_as_null() {
    insta::assert_snapshot!("mailbox_json", format::json(&mailboxes()[1..]));
}

// UMDialPlan

#[test]
fn dial_plan_default_view_is_a_digits_uri_type_security_table() {
    insta::assert_snapshot!("dial_plan_default_table", render(&dial_plans(), 120));
}

#[test]
fn dial_plan_list_shows_every_property_with_aligned_colons() {
    insta::assert_snapshot!("dial_plan_list", format::list(&dial_plans()[..1]));
}

#[test]
fn dial_plan_json_shows_numbers_as_numbers() {
    insta::assert_snapshot!("dial_plan_json", format::json(&dial_plans()[..1]));
}

// UMMailboxPolicy

#[test]
fn mailbox_policy_default_view_is_a_dial_plan_and_pin_rules_table() {
    insta::assert_snapshot!("mailbox_policy_default_table", render(&policies(), 120));
}

#[test]
fn mailbox_policy_list_shows_unlimited_limits_as_the_word() {
    insta::assert_snapshot!("mailbox_policy_list", format::list(&policies()[1..]));
}

#[test]
fn mailbox_policy_json_shows_limits_as_numbers() {
    insta::assert_snapshot!("mailbox_policy_json", format::json(&policies()[..1]));
}

// UMMailbox

#[test]
fn um_mailbox_default_view_is_an_enabled_extensions_policy_table() {
    insta::assert_snapshot!("um_mailbox_default_table", render(&um_mailboxes(), 120));
}

#[test]
fn um_mailbox_list_shows_every_property_with_aligned_colons() {
    insta::assert_snapshot!("um_mailbox_list", format::list(&um_mailboxes()[..1]));
}

#[test]
fn um_mailbox_json_shows_extensions_as_an_array() {
    insta::assert_snapshot!("um_mailbox_json", format::json(&um_mailboxes()[1..]));
}

// UMSprayBlock

fn spray_blocks() -> Vec<Value> {
    let block = |source: &str, targets| umpin_service::SprayBlock {
        source: source.to_owned(),
        blocked_at: at(1_795_000_000),
        blocked_until: at(1_795_001_800),
        targets,
    };
    [block("account:ivr", 30), block("caller-id:14255550199", 10)].iter().map(objects::spray_block).collect()
}

#[test]
fn spray_block_default_view_is_a_source_mailboxes_and_end_table() {
    insta::assert_snapshot!("spray_block_default_table", render(&spray_blocks(), 120));
}

#[test]
fn spray_block_list_shows_when_the_block_began_and_ends() {
    insta::assert_snapshot!("spray_block_list", format::list(&spray_blocks()[1..]));
}

// Width

#[test]
fn default_table_is_cut_to_a_narrow_terminal() {
    let shown = render(&um_mailboxes(), 40);
    assert!(shown.lines().all(|line| line.chars().count() <= 40), "{shown}");
    insta::assert_snapshot!("um_mailbox_default_table_width_40", shown);
}
