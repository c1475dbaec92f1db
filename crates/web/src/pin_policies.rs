//! A UM mailbox policy's **PIN policies** page (`/ecp/um/policies/{policy}`): Minimum PIN length,
//! PIN recycle count, Allow common PIN patterns, Enforce PIN lifetime (days; unchecked, PINs
//! never expire), Number of sign-in failures before PIN reset (unchecked, never) and Number of
//! sign-in failures before lockout, and whether the policy allows voice mail without a PIN from a
//! user's own phone, with the warning that caller ID can be forged (`Set-UMMailboxPolicy`). The
//! policy's other page is [Message text](crate::message_text).
//!
//! A value the service refuses is said next to its field (a reset count at or above the lockout
//! count next to both), in the service's words, and the form comes back with what was typed; the
//! policy is left as it was. An account that may only read sees the settings without Save.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::SetUmMailboxPolicy;
use umpin_domain::voice::PINLESS_WARNING;
use umpin_domain::{Error, Guid, Limit, LimitValue, MailboxPolicy};
use umpin_service::{Principal, ServiceError};

use crate::dial_plans::dial_plan_href;
use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{Done, FieldErrors, FormBody, checked, whole_number};
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

/// The parameters the form's fields send.
const FIELDS: &[&str] = &[
    "MinPINLength",
    "PINHistoryCount",
    "AllowCommonPatterns",
    "AllowCommonPINs",
    "PINLifetime",
    "LogonFailuresBeforePINReset",
    "MaxLogonAttempts",
    "AllowPinlessVoiceMailAccess",
];

/// The PIN policies page of a policy: what Edit opens.
pub fn policy_href(guid: Guid) -> String {
    format!("/ecp/um/policies/{guid}")
}

/// What the pages of a policy show above their form: where it is, and its pages.
pub struct PolicyHeader {
    pub name: String,
    pub dial_plan: String,
    pub dial_plan_href: String,
    pub pin_policies: String,
    pub message_text: String,
}

impl PolicyHeader {
    /// The policy `identity` (`Get-UMMailboxPolicy`) and its header, which names its dial plan
    /// (`Get-UMDialPlan`).
    pub async fn read(
        state: &AppState,
        by: &Principal,
        identity: &str,
    ) -> Result<(MailboxPolicy, PolicyHeader), ServiceError> {
        let policy = reads::mailbox_policy(&state.service, by, identity).await?;
        let plan = reads::dial_plan(&state.service, by, &policy.dial_plan.to_string()).await?;
        let header = PolicyHeader {
            name: policy.name.clone(),
            dial_plan: plan.name,
            dial_plan_href: dial_plan_href(plan.guid),
            pin_policies: policy_href(policy.guid),
            message_text: format!("{}/message-text", policy_href(policy.guid)),
        };
        Ok((policy, header))
    }
}

/// A number or `Unlimited` as the form shows it: checked with its number, or unchecked.
fn limit_fields(limit: Limit) -> (Option<String>, String) {
    match limit {
        Limit::Limited(n) => (Some("on".to_owned()), n.to_string()),
        Limit::Unlimited => (None, String::new()),
    }
}

#[derive(Deserialize)]
pub struct PinPoliciesForm {
    csrf: String,
    #[serde(default)]
    min_pin_length: String,
    #[serde(default)]
    pin_history_count: String,
    allow_common_patterns: Option<String>,
    allow_common_pins: Option<String>,
    enforce_pin_lifetime: Option<String>,
    #[serde(default)]
    pin_lifetime: String,
    reset_after_failures: Option<String>,
    #[serde(default)]
    failures_before_reset: String,
    #[serde(default)]
    failures_before_lockout: String,
    allow_pinless: Option<String>,
}

impl PinPoliciesForm {
    /// The form as `policy` fills it.
    fn of(policy: &MailboxPolicy) -> PinPoliciesForm {
        let (enforce_pin_lifetime, pin_lifetime) = limit_fields(policy.pin.pin_lifetime);
        let (reset_after_failures, failures_before_reset) = limit_fields(policy.pin.logon_failures_before_pin_reset);
        PinPoliciesForm {
            csrf: String::new(),
            min_pin_length: policy.pin.min_pin_length.to_string(),
            pin_history_count: policy.pin.pin_history_count.to_string(),
            allow_common_patterns: policy.pin.allow_common_patterns.then(|| "on".to_owned()),
            allow_common_pins: policy.pin.allow_common_pins.then(|| "on".to_owned()),
            enforce_pin_lifetime,
            pin_lifetime,
            reset_after_failures,
            failures_before_reset,
            failures_before_lockout: policy.pin.max_logon_attempts.to_string(),
            allow_pinless: policy.allow_pinless_voice_mail_access.then(|| "on".to_owned()),
        }
    }

    /// `Set-UMMailboxPolicy` with every PIN setting of the form; what to say next to a field
    /// that doesn't hold a number.
    fn cmdlet(&self, identity: &str) -> Result<SetUmMailboxPolicy, FieldErrors> {
        let limit = |on: &Option<String>, parameter: &'static str, typed: &str| -> Result<LimitValue, FieldErrors> {
            if checked(on.as_deref()) {
                whole_number(parameter, typed).map(LimitValue::Number)
            } else {
                Ok(LimitValue::Unlimited)
            }
        };
        Ok(SetUmMailboxPolicy {
            identity: identity.to_owned(),
            min_pin_length: Some(whole_number("MinPINLength", &self.min_pin_length)?),
            pin_history_count: Some(whole_number("PINHistoryCount", &self.pin_history_count)?),
            allow_common_patterns: Some(checked(self.allow_common_patterns.as_deref())),
            allow_common_pins: Some(checked(self.allow_common_pins.as_deref())),
            pin_lifetime: Some(limit(&self.enforce_pin_lifetime, "PINLifetime", &self.pin_lifetime)?),
            logon_failures_before_pin_reset: Some(limit(
                &self.reset_after_failures,
                "LogonFailuresBeforePINReset",
                &self.failures_before_reset,
            )?),
            max_logon_attempts: Some(whole_number("MaxLogonAttempts", &self.failures_before_lockout)?),
            allow_pinless_voice_mail_access: Some(checked(self.allow_pinless.as_deref())),
            ..SetUmMailboxPolicy::default()
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pin_policies.html")]
struct PinPoliciesPage {
    chrome: Option<Chrome>,
    csrf: String,
    header: PolicyHeader,
    /// Which of the policy's pages this is, for its tabs.
    tab: &'static str,
    form: PinPoliciesForm,
    /// Whether the account may change the policy.
    may_save: bool,
    errors: FieldErrors,
    done: Option<&'static str>,
    pinless_warning: &'static str,
}

async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    form: Option<PinPoliciesForm>,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<PinPoliciesPage, ServiceError> {
    let by = &session.principal;
    let (policy, header) = PolicyHeader::read(state, by, identity).await?;
    Ok(PinPoliciesPage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        may_save: by.may(&SetUmMailboxPolicy { identity: policy.guid.to_string(), ..Default::default() }.operation()),
        form: form.unwrap_or_else(|| PinPoliciesForm::of(&policy)),
        header,
        tab: "pin",
        errors,
        done,
        pinless_warning: PINLESS_WARNING,
    })
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("saved") => Some("The PIN policies were saved. They apply at once to every UM mailbox of the policy."),
        Some("pinless-allowed") => Some(
            "The PIN policies were saved. Mailboxes of the policy that allow it may hear voice mail without a PIN \
             from their own phone: anyone who can forge such a number as caller ID can too.",
        ),
        _ => None,
    };
    shown(page(&state, &session, &identity, None, FieldErrors::default(), done).await)
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<PinPoliciesForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let cmdlet = match form.cmdlet(&identity) {
        Ok(cmdlet) => cmdlet,
        Err(errors) => return again(&state, &session, &identity, form, errors).await,
    };
    match cmdlet.call(&state.service, &session.principal).await {
        Ok(policy) => {
            let done = if policy.allow_pinless_voice_mail_access { "pinless-allowed" } else { "saved" };
            Redirect::to(&format!("{}?done={done}", policy_href(policy.guid))).into_response()
        }
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let errors = FieldErrors::refusal(&e, FIELDS);
            again(&state, &session, &identity, form, errors).await
        }
        Err(e) => service_failure(&e),
    }
}

/// The page again, with what was typed and what was wrong.
async fn again(
    state: &AppState,
    session: &Session,
    identity: &str,
    form: PinPoliciesForm,
    errors: FieldErrors,
) -> Response {
    shown_again(page(state, session, identity, Some(form), errors, None).await)
}
