//! UM dial plans → **New** (`/ecp/um/dial-plans/new`): Name, Extension length, Dial plan type
//! (Telephone extension, SIP URI or E.164), VoIP security mode, Audio language and
//! Country/Region code (`New-UMDialPlan`, which also creates "<name> Default Policy").
//!
//! A value the service refuses is said next to its field, in the service's words, and the form
//! comes back with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::NewUmDialPlan;
use umpin_domain::dial_plan::DEFAULT_LANGUAGE;
use umpin_domain::{Error, UriType, VoipSecurity};
use umpin_service::ServiceError;

use crate::dial_plans::{dial_plan_href, uri_type_label};
use crate::error_page::service_failure;
use crate::forms::{FieldErrors, FormBody, whole_number};
use crate::session::Session;
use crate::{AppState, Chrome, Section};

/// The parameters the form's fields send.
const FIELDS: &[&str] =
    &["Name", "NumberOfDigitsInExtension", "URIType", "VoIPSecurity", "DefaultLanguage", "CountryOrRegionCode"];

/// A choice of a list: the value sent, its label, and whether it is chosen.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The VoIP security modes to choose from, `chosen` selected.
pub fn voip_choices(chosen: &str) -> Vec<Choice> {
    [VoipSecurity::Unsecured, VoipSecurity::SipSecured, VoipSecurity::Secured]
        .into_iter()
        .map(|v| Choice {
            value: v.as_str(),
            label: match v {
                VoipSecurity::Unsecured => "Unsecured",
                VoipSecurity::SipSecured => "SIP secured",
                VoipSecurity::Secured => "Secured",
            },
            selected: v.as_str().eq_ignore_ascii_case(chosen),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct NewDialPlanForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    digits: String,
    #[serde(default)]
    uri_type: String,
    #[serde(default)]
    voip_security: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    country: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "new_dial_plan.html")]
struct NewDialPlanPage {
    chrome: Option<Chrome>,
    csrf: String,
    name: String,
    digits: String,
    uri_types: Vec<Choice>,
    voip_security: Vec<Choice>,
    language: String,
    country: String,
    errors: FieldErrors,
}

fn page(session: &Session, form: NewDialPlanForm, errors: FieldErrors) -> NewDialPlanPage {
    let uri_types = [UriType::TelExtn, UriType::SipName, UriType::E164]
        .into_iter()
        .map(|t| Choice {
            value: t.as_str(),
            label: uri_type_label(t),
            selected: t.as_str().eq_ignore_ascii_case(&form.uri_type),
        })
        .collect();
    NewDialPlanPage {
        chrome: Chrome::new(session, Section::UnifiedMessaging),
        csrf: session.csrf().to_owned(),
        name: form.name,
        digits: form.digits,
        uri_types,
        voip_security: voip_choices(&form.voip_security),
        language: form.language,
        country: form.country,
        errors,
    }
}

pub async fn show(session: Session) -> Response {
    let form = NewDialPlanForm {
        csrf: String::new(),
        name: String::new(),
        digits: String::new(),
        uri_type: UriType::TelExtn.as_str().to_owned(),
        voip_security: VoipSecurity::Unsecured.as_str().to_owned(),
        language: DEFAULT_LANGUAGE.to_owned(),
        country: String::new(),
    };
    page(&session, form, FieldErrors::default()).into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    FormBody(form): FormBody<NewDialPlanForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let digits = match whole_number("NumberOfDigitsInExtension", &form.digits) {
        Ok(digits) => digits,
        Err(errors) => return again(&session, form, errors),
    };
    let uri_type = match form.uri_type.parse::<UriType>() {
        Ok(uri_type) => uri_type,
        Err(e) => return again(&session, form, FieldErrors::refusal(&e, FIELDS)),
    };
    let voip_security = match form.voip_security.parse::<VoipSecurity>() {
        Ok(voip_security) => voip_security,
        Err(e) => return again(&session, form, FieldErrors::refusal(&e, FIELDS)),
    };
    let cmdlet = NewUmDialPlan {
        name: form.name.trim().to_owned(),
        number_of_digits_in_extension: digits,
        country_or_region_code: form.country.trim().to_owned(),
        uri_type: Some(uri_type),
        voip_security: Some(voip_security),
        access_telephone_numbers: None,
        default_language: Some(form.language.trim().to_owned()),
        generate_um_mailbox_policy: None,
    };
    match cmdlet.call(&state.service, &session.principal).await {
        Ok((plan, _)) => Redirect::to(&format!("{}?done=created", dial_plan_href(plan.guid))).into_response(),
        Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
            let errors = FieldErrors::refusal(&e, FIELDS);
            again(&session, form, errors)
        }
        Err(e) => service_failure(&e),
    }
}

/// The form again, with what was typed and what was wrong.
fn again(session: &Session, form: NewDialPlanForm, errors: FieldErrors) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page(session, form, errors)).into_response()
}
