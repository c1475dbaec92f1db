//! Unified Messaging → **UM dial plans** (`/ecp/um/dial-plans`): the dial plans, read as
//! `Get-UMDialPlan`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::error_page::service_failure;
use crate::session::Session;
use crate::{AppState, Chrome, Section};

pub const PATH: &str = "/ecp/um/dial-plans";

struct Row {
    name: String,
    digits: u8,
    uri_type: String,
    access_numbers: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dial_plans.html")]
struct DialPlansPage {
    chrome: Option<Chrome>,
    rows: Vec<Row>,
}

pub async fn show(State(state): State<AppState>, session: Session) -> Response {
    let plans = match crate::reads::dial_plans(&state.service, &session.principal).await {
        Ok(plans) => plans,
        Err(e) => return service_failure(&e),
    };
    let rows = plans
        .into_iter()
        .map(|p| Row {
            digits: p.number_of_digits_in_extension,
            uri_type: p.uri_type.as_str().to_owned(),
            access_numbers: p.access_telephone_numbers.join(", "),
            name: p.name,
        })
        .collect();
    DialPlansPage { chrome: Chrome::new(&session, Section::UnifiedMessaging), rows }.into_response()
}
