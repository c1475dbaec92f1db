//! Unified Messaging → **UM dial plans** (`/ecp/um/dial-plans`): the dial plans, read as
//! `Get-UMDialPlan`, each with its extension length, type, country/region code and how many UM
//! mailboxes it has; **New**, and for each one **Edit** (its name) and **Delete**.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use umpin_catalogue::cmdlets::{NewUmDialPlan, RemoveUmDialPlan};
use umpin_domain::{Guid, UriType};

use crate::error_page::service_failure;
use crate::forms::Done;
use crate::session::Session;
use crate::{AppState, Chrome, Section, reads};

pub const PATH: &str = "/ecp/um/dial-plans";

/// The Edit page of a dial plan.
pub fn dial_plan_href(guid: Guid) -> String {
    format!("{PATH}/{guid}")
}

/// A dial plan type as the pages name it.
pub fn uri_type_label(uri_type: UriType) -> &'static str {
    match uri_type {
        UriType::TelExtn => "Telephone extension",
        UriType::SipName => "SIP URI",
        UriType::E164 => "E.164",
    }
}

struct Row {
    name: String,
    href: String,
    digits: u8,
    dial_plan_type: &'static str,
    country_or_region_code: String,
    um_mailboxes: u64,
    /// The Delete page, when the account may delete dial plans.
    delete: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dial_plans.html")]
struct DialPlansPage {
    chrome: Option<Chrome>,
    rows: Vec<Row>,
    /// Whether the account may create dial plans.
    may_create: bool,
    done: Option<&'static str>,
}

pub async fn show(State(state): State<AppState>, session: Session, Query(done): Query<Done>) -> Response {
    let by = &session.principal;
    let plans = match reads::dial_plans(&state.service, by).await {
        Ok(plans) => plans,
        Err(e) => return service_failure(&e),
    };
    let counts = match reads::um_mailbox_counts(&state.service, by).await {
        Ok(counts) => counts,
        Err(e) => return service_failure(&e),
    };
    let may_delete = by.may(&RemoveUmDialPlan::default().operation());
    let rows = plans
        .into_iter()
        .map(|p| Row {
            href: dial_plan_href(p.guid),
            digits: p.number_of_digits_in_extension,
            dial_plan_type: uri_type_label(p.uri_type),
            um_mailboxes: counts.get(&p.guid).copied().unwrap_or(0),
            delete: may_delete.then(|| format!("{}/delete", dial_plan_href(p.guid))),
            country_or_region_code: p.country_or_region_code,
            name: p.name,
        })
        .collect();
    let done = match done.done.as_deref() {
        Some("deleted") => Some("The UM dial plan was deleted."),
        _ => None,
    };
    DialPlansPage {
        chrome: Chrome::new(&session, Section::UnifiedMessaging),
        rows,
        may_create: by.may(&NewUmDialPlan::default().operation()),
        done,
    }
    .into_response()
}
