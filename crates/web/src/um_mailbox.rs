//! View details → the **UM Mailbox** page (`/ecp/mailboxes/{identity}/um`), section **UM mailbox
//! settings**: the PIN status as `Get-UMMailboxPIN` gives it (a read the service audits), with
//! what Exchange didn't show here (PIN expired, first-time user, failed sign-ins, when the PIN was
//! set and when it expires), the UM mailbox policy and the extensions; **Reset PIN**, and
//! **Unlock** while the mailbox is locked out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;

use crate::error_page::service_failure;
use crate::forms::FormBody;
use crate::session::{Session, encode};
use crate::{AppState, Chrome, Section, actions};

/// The UM Mailbox page of a mailbox (its primary address).
pub fn href(address: &str) -> String {
    format!("/ecp/mailboxes/{}/um", encode_segment(address))
}

/// Percent-encodes a path segment.
pub fn encode_segment(value: &str) -> String {
    encode(value).replace('/', "%2F")
}

/// A time as the pages show it.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

#[derive(Template, WebTemplate)]
#[template(path = "um_mailbox.html")]
struct UmMailboxPage {
    chrome: Option<Chrome>,
    csrf: String,
    display_name: String,
    address: String,
    /// "Not locked out" or "Locked Out".
    pin_status: &'static str,
    locked_out: bool,
    pin_expired: &'static str,
    first_time_user: &'static str,
    failed_logon_count: u32,
    last_failed_logon: Option<String>,
    pin_last_set: String,
    pin_expires_on: String,
    policy: String,
    dial_plan: String,
    extension: String,
    other_extensions: Vec<String>,
    operator_number: Option<String>,
    /// Where the form of Unlock goes, when the account may unlock.
    unlock: Option<String>,
    /// The Reset PIN page, when the account may reset PINs.
    reset_pin: Option<String>,
    /// What was just done (after Unlock).
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let by = &session.principal;
    let view = match crate::reads::um_mailbox(&state.service, by, &identity).await {
        Ok(view) => view,
        Err(e) => return service_failure(&e),
    };
    let address = view.mailbox.primary_smtp_address.clone();
    // The PIN information, read (and audited) as Get-UMMailboxPIN, exactly as the API reads it.
    let pin = match crate::reads::um_mailbox_pin(&state.service, by, &address).await {
        Ok(pin) => pin,
        Err(e) => return service_failure(&e),
    };
    let may_set = by.may(
        &umpin_catalogue::cmdlets::SetUmMailboxPin { identity: address.clone(), ..Default::default() }.operation(),
    );
    let mut extensions = view.um.extensions.clone().into_iter();
    UmMailboxPage {
        chrome: Chrome::new(&session, Section::Recipients),
        csrf: session.csrf().to_owned(),
        display_name: view.mailbox.display_name.clone(),
        pin_status: if pin.locked_out { "Locked Out" } else { "Not locked out" },
        locked_out: pin.locked_out,
        pin_expired: yes_no(pin.pin_expired),
        first_time_user: yes_no(pin.first_time_user),
        failed_logon_count: pin.failed_logon_count,
        last_failed_logon: pin.last_failed_logon.map(when),
        pin_last_set: when(pin.pin_last_set),
        pin_expires_on: pin.pin_expires_on.map_or_else(|| "Never".to_owned(), when),
        policy: view.policy_name,
        dial_plan: view.dial_plan_name,
        extension: extensions.next().unwrap_or_default(),
        other_extensions: extensions.collect(),
        operator_number: view.um.operator_number,
        unlock: (may_set && pin.locked_out).then(|| format!("{}/unlock", href(&address))),
        reset_pin: may_set.then(|| format!("{}/pin/reset", href(&address))),
        done: match done.done.as_deref() {
            Some("unlocked") => Some("The UM mailbox was unlocked. The user can sign in with the current PIN."),
            _ => None,
        },
        address,
    }
    .into_response()
}

pub async fn unlock(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<CsrfForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    match actions::unlock(&state.service, &session.principal, &identity).await {
        Ok(_) => Redirect::to(&format!("{}?done=unlocked", href(&identity))).into_response(),
        Err(e) => service_failure(&e),
    }
}
