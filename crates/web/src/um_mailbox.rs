//! View details → the **UM Mailbox** page (`/ecp/mailboxes/{identity}/um`), section **UM mailbox
//! settings**: the PIN status as `Get-UMMailboxPIN` gives it (a read the service audits), with
//! what Exchange didn't show here (PIN expired, first-time user, failed sign-ins, when the PIN was
//! set and when it expires); **Reset PIN**, and **Unlock** while the mailbox is locked out. Below,
//! the UM mailbox policy (another of the same dial plan), the personal operator extension, voice
//! mail without a PIN from the user's own phone (with the warning that caller ID can be forged), and
//! **Other extensions**: add one in the mailbox's dial plan, remove one (`Set-UMMailbox`).
//!
//! A value the service refuses is said next to its field, in the service's words, and the form
//! comes back with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use umpin_catalogue::cmdlets::{GetUmMailboxPolicy, SetUmMailbox, SetUmMailboxPin};
use umpin_domain::voice::PINLESS_WARNING;
use umpin_domain::{Error, ObjectKind};
use umpin_service::{ServiceError, UmMailboxView};

use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{Done, FormBody, is_extension_error};
use crate::session::{Session, encode};
use crate::{AppState, Chrome, Section, actions, reads};

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

/// A policy to choose: one of the mailbox's dial plan.
struct PolicyChoice {
    name: String,
    selected: bool,
}

/// What was typed into the page's forms and what the service said was wrong with it.
#[derive(Default)]
struct Typed {
    /// The settings form as sent, when it came back.
    settings: Option<SettingsForm>,
    policy_error: Option<String>,
    operator_error: Option<String>,
    new_extension: String,
    extension_error: Option<String>,
    error: Option<String>,
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
    operator_number: String,
    /// `PinlessAccessToVoiceMailEnabled`, or as the form was sent.
    pinless: bool,
    /// The policy's `AllowPinlessVoiceMailAccess` is off (and the account may read policies).
    policy_forbids_pinless: bool,
    pinless_warning: &'static str,
    /// Where the form of Unlock goes, when the account may unlock.
    unlock: Option<String>,
    /// The Reset PIN page, when the account may reset PINs.
    reset_pin: Option<String>,
    /// The policies to choose from, when the account may change the UM settings.
    policies: Option<Vec<PolicyChoice>>,
    /// The page's own address, which its forms post under.
    href: String,
    form: Typed,
    /// What was just done.
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    policy: String,
    #[serde(default)]
    operator_number: String,
    /// The checkbox: present (`true`) when checked.
    #[serde(default)]
    pinless: bool,
}

#[derive(Deserialize)]
pub struct ExtensionForm {
    csrf: String,
    #[serde(default)]
    extension: String,
}

/// The page as `form` has it, with what was just done.
async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    form: Typed,
    done: Option<&'static str>,
) -> Result<UmMailboxPage, ServiceError> {
    let by = &session.principal;
    let view = reads::um_mailbox(&state.service, by, identity).await?;
    let address = view.mailbox.primary_smtp_address.clone();
    // The PIN information, read (and audited) as Get-UMMailboxPIN, exactly as the API reads it.
    let pin = reads::um_mailbox_pin(&state.service, by, &address).await?;
    let may_set_pin = by.may(&SetUmMailboxPin { identity: address.clone(), ..Default::default() }.operation());
    let same_plan = if by.may(&GetUmMailboxPolicy::default().operation()) {
        reads::mailbox_policies(&state.service, by, Some(&view.dial_plan_name)).await?
    } else {
        Vec::new()
    };
    let policy_forbids_pinless =
        same_plan.iter().any(|p| p.name == view.policy_name && !p.allow_pinless_voice_mail_access);
    let policies = if by.may(&SetUmMailbox { identity: address.clone(), ..Default::default() }.operation()) {
        let chosen = form.settings.as_ref().map_or(view.policy_name.as_str(), |typed| typed.policy.as_str());
        let choices = same_plan
            .into_iter()
            .map(|p| PolicyChoice { selected: p.name.eq_ignore_ascii_case(chosen), name: p.name })
            .collect();
        Some(choices)
    } else {
        None
    };
    let (operator_number, pinless) = match &form.settings {
        Some(typed) => (typed.operator_number.clone(), typed.pinless),
        None => (view.um.operator_number.clone().unwrap_or_default(), view.um.pinless_access_to_voice_mail_enabled),
    };
    let mut extensions = view.um.extensions.clone().into_iter();
    Ok(UmMailboxPage {
        chrome: Chrome::new(session, Section::Recipients),
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
        operator_number,
        pinless,
        policy_forbids_pinless,
        pinless_warning: PINLESS_WARNING,
        unlock: (may_set_pin && pin.locked_out).then(|| format!("{}/unlock", href(&address))),
        reset_pin: may_set_pin.then(|| format!("{}/pin/reset", href(&address))),
        policies,
        href: href(&address),
        form,
        done,
        address,
    })
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("unlocked") => Some("The UM mailbox was unlocked. The user can sign in with the current PIN."),
        Some("saved") => Some("The UM mailbox settings were saved."),
        Some("pinless-on") => Some(
            "The UM mailbox settings were saved. The user may now hear voice mail without a PIN from their own phone, \
             where the policy allows it: anyone who can forge that number as caller ID can too.",
        ),
        Some("unchanged") => Some("Nothing was changed: the settings were already as sent."),
        Some("extension-added") => Some("The extension was added."),
        Some("extension-removed") => Some("The extension was removed. Callers can no longer reach the user on it."),
        _ => None,
    };
    shown(page(&state, &session, &identity, Typed::default(), done).await)
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

/// Save of the policy and the personal operator extension: only what changed is sent.
pub async fn save_settings(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<SettingsForm>,
) -> Response {
    let current = match current(&state, &session, &identity, &form.csrf).await {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    let operator_number = form.operator_number.trim().to_owned();
    let change = actions::UmSettings {
        policy: (!form.policy.eq_ignore_ascii_case(&current.policy_name)).then(|| form.policy.clone()),
        operator_number: (current.um.operator_number.as_deref().unwrap_or_default() != operator_number)
            .then_some(operator_number),
        extensions: None,
        pinless: (current.um.pinless_access_to_voice_mail_enabled != form.pinless).then_some(form.pinless),
    };
    if change.policy.is_none() && change.operator_number.is_none() && change.pinless.is_none() {
        return Redirect::to(&format!("{}?done=unchanged", href(&identity))).into_response();
    }
    let done = if change.pinless == Some(true) { "pinless-on" } else { "saved" };
    let typed = Typed { settings: Some(form), ..Typed::default() };
    changed(&state, &session, &identity, change, typed, done).await
}

/// Add of an extension: the mailbox's extensions and the new one.
pub async fn add_extension(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<ExtensionForm>,
) -> Response {
    let current = match current(&state, &session, &identity, &form.csrf).await {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    let mut extensions = current.um.extensions;
    extensions.push(form.extension.trim().to_owned());
    let change = actions::UmSettings { extensions: Some(extensions), ..actions::UmSettings::default() };
    let typed = Typed { new_extension: form.extension, ..Typed::default() };
    changed(&state, &session, &identity, change, typed, "extension-added").await
}

/// Remove of one of the other extensions (the primary one stays).
pub async fn remove_extension(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<ExtensionForm>,
) -> Response {
    let current = match current(&state, &session, &identity, &form.csrf).await {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    let mut extensions = current.um.extensions;
    let Some(at) = extensions.iter().skip(1).position(|e| *e == form.extension.trim()) else {
        let typed = Typed {
            error: Some(format!("{} is not one of the other extensions of this mailbox.", form.extension.trim())),
            ..Typed::default()
        };
        return again(&state, &session, &identity, typed).await;
    };
    extensions.remove(at + 1);
    let change = actions::UmSettings { extensions: Some(extensions), ..actions::UmSettings::default() };
    changed(&state, &session, &identity, change, Typed::default(), "extension-removed").await
}

/// The UM mailbox as a form of the page found it, once the form's CSRF token is checked; else
/// the page that refuses the form or says why the mailbox can't be read.
async fn current(state: &AppState, session: &Session, identity: &str, csrf: &str) -> Result<UmMailboxView, Response> {
    if let Some(refused) = session.refuses(csrf) {
        return Err(refused);
    }
    reads::um_mailbox(&state.service, &session.principal, identity).await.map_err(|e| service_failure(&e))
}

/// Runs `Set-UMMailbox` with `change`; back to the page saying `done`, or with the refusal next to
/// its field.
async fn changed(
    state: &AppState,
    session: &Session,
    identity: &str,
    change: actions::UmSettings,
    mut typed: Typed,
    done: &str,
) -> Response {
    match actions::set_um_mailbox(&state.service, &session.principal, identity, change).await {
        Ok(_) => Redirect::to(&format!("{}?done={done}", href(identity))).into_response(),
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let message = Some(e.to_string());
            match e {
                e if is_extension_error(&e) => typed.extension_error = message,
                Error::NotFound { kind: ObjectKind::MailboxPolicy, .. } | Error::PolicyInOtherDialPlan { .. } => {
                    typed.policy_error = message;
                }
                Error::InvalidParameter { parameter: "OperatorNumber", .. } => typed.operator_error = message,
                _ => typed.error = message,
            }
            again(state, session, identity, typed).await
        }
        Err(e) => service_failure(&e),
    }
}

/// The page again, with what was typed and what was wrong.
async fn again(state: &AppState, session: &Session, identity: &str, typed: Typed) -> Response {
    shown_again(page(state, session, identity, typed, None).await)
}
