//! A dial plan's **Edit** page (`/ecp/um/dial-plans/{dial plan}`): its settings — Name, VoIP
//! security mode, Audio language, Country/Region code, the number of sign-in failures before
//! disconnect and the access numbers (`Set-UMDialPlan`); the extension length and type, fixed at
//! creation, shown — and its **UM Mailbox Policies**, with **New**, **Edit** (the policy's PIN
//! policies page) and **Delete**.
//!
//! A value the service refuses is said next to its field, in the service's words, and the form
//! comes back with what was typed. An account that may only read sees the settings without Save.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::{NewUmMailboxPolicy, RemoveUmMailboxPolicy, SetUmDialPlan};
use umpin_domain::{DialPlan, Error, VoipSecurity};
use umpin_service::ServiceError;

use crate::dial_plans::{dial_plan_href, uri_type_label};
use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{Done, FieldErrors, FormBody, whole_number};
use crate::new_dial_plan::{Choice, voip_choices};
use crate::pin_policies::policy_href;
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

/// The parameters the form's fields send.
const FIELDS: &[&str] = &[
    "Name",
    "VoIPSecurity",
    "DefaultLanguage",
    "CountryOrRegionCode",
    "LogonFailuresBeforeDisconnect",
    "AccessTelephoneNumbers",
];

#[derive(Deserialize)]
pub struct DialPlanForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    voip_security: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    disconnect: String,
    /// One access number a line.
    #[serde(default)]
    access_numbers: String,
}

impl DialPlanForm {
    /// The form as `plan` fills it.
    fn of(plan: &DialPlan) -> DialPlanForm {
        DialPlanForm {
            csrf: String::new(),
            name: plan.name.clone(),
            voip_security: plan.voip_security.as_str().to_owned(),
            language: plan.default_language.clone(),
            country: plan.country_or_region_code.clone(),
            disconnect: plan.logon_failures_before_disconnect.to_string(),
            access_numbers: plan.access_telephone_numbers.join("\n"),
        }
    }
}

struct PolicyRow {
    name: String,
    /// Its PIN policies page.
    edit: String,
    /// Its Delete page, when the account may delete policies.
    delete: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dial_plan.html")]
struct DialPlanPage {
    chrome: Option<Chrome>,
    csrf: String,
    /// The page's own address, which its form posts to.
    href: String,
    /// The dial plan's name as stored (the form may hold another).
    title: String,
    digits: u8,
    dial_plan_type: &'static str,
    form: DialPlanForm,
    voip_security: Vec<Choice>,
    /// Whether the account may change the settings.
    may_save: bool,
    policies: Vec<PolicyRow>,
    /// The New policy page, when the account may create policies.
    new_policy: Option<String>,
    errors: FieldErrors,
    done: Option<&'static str>,
}

async fn page(
    state: &AppState,
    session: &Session,
    identity: &str,
    form: Option<DialPlanForm>,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<DialPlanPage, ServiceError> {
    let by = &session.principal;
    let plan = reads::dial_plan(&state.service, by, identity).await?;
    let href = dial_plan_href(plan.guid);
    let policies = reads::mailbox_policies(&state.service, by, Some(&plan.guid.to_string())).await?;
    let may_delete = by.may(&RemoveUmMailboxPolicy::default().operation());
    let policies = policies
        .into_iter()
        .map(|p| PolicyRow {
            edit: policy_href(p.guid),
            delete: may_delete.then(|| format!("{}/delete", policy_href(p.guid))),
            name: p.name,
        })
        .collect();
    let form = form.unwrap_or_else(|| DialPlanForm::of(&plan));
    Ok(DialPlanPage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        new_policy: by.may(&NewUmMailboxPolicy::default().operation()).then(|| format!("{href}/policies/new")),
        may_save: by.may(&SetUmDialPlan::default().operation()),
        voip_security: voip_choices(&form.voip_security),
        title: plan.name,
        digits: plan.number_of_digits_in_extension,
        dial_plan_type: uri_type_label(plan.uri_type),
        href,
        form,
        policies,
        errors,
        done,
    })
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("created") => Some("The UM dial plan was created, with its default UM mailbox policy."),
        Some("saved") => Some("The UM dial plan was saved."),
        Some("policy-created") => Some("The UM mailbox policy was created."),
        Some("policy-deleted") => Some("The UM mailbox policy was deleted."),
        _ => None,
    };
    shown(page(&state, &session, &identity, None, FieldErrors::default(), done).await)
}

/// Save: every setting of the form, as `Set-UMDialPlan` takes them.
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<DialPlanForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let disconnect = match whole_number("LogonFailuresBeforeDisconnect", &form.disconnect) {
        Ok(n) => n,
        Err(errors) => return again(&state, &session, &identity, form, errors).await,
    };
    let voip_security = match form.voip_security.parse::<VoipSecurity>() {
        Ok(v) => v,
        Err(e) => return again(&state, &session, &identity, form, FieldErrors::refusal(&e, FIELDS)).await,
    };
    let access_numbers = form.access_numbers.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
    let cmdlet = SetUmDialPlan {
        identity: identity.clone(),
        name: Some(form.name.trim().to_owned()),
        voip_security: Some(voip_security),
        access_telephone_numbers: Some(access_numbers.collect()),
        country_or_region_code: Some(form.country.trim().to_owned()),
        default_language: Some(form.language.trim().to_owned()),
        logon_failures_before_disconnect: Some(disconnect),
    };
    match cmdlet.call(&state.service, &session.principal).await {
        Ok(plan) => Redirect::to(&format!("{}?done=saved", dial_plan_href(plan.guid))).into_response(),
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
    form: DialPlanForm,
    errors: FieldErrors,
) -> Response {
    shown_again(page(state, session, identity, Some(form), errors, None).await)
}
