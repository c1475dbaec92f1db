//! Disable (from the details pane) → a **Warning** page that says what disabling Unified
//! Messaging loses, with **Yes** (a POST that disables it) and **No** (back to the mailbox).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error_page::service_failure;
use crate::forms::FormBody;
use crate::recipients::selected_href;
use crate::session::Session;
use crate::um_mailbox::href;
use crate::{AppState, Chrome, Section, actions};

#[derive(Template, WebTemplate)]
#[template(path = "disable_um.html")]
struct DisablePage {
    chrome: Option<Chrome>,
    csrf: String,
    display_name: String,
    address: String,
    action: String,
    back: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    csrf: String,
}

/// The Disable page of a mailbox (its primary address).
pub fn disable_href(address: &str) -> String {
    format!("{}/disable", href(address))
}

pub async fn show(State(state): State<AppState>, session: Session, Path(identity): Path<String>) -> Response {
    let view = match crate::reads::um_mailbox(&state.service, &session.principal, &identity).await {
        Ok(view) => view,
        Err(e) => return service_failure(&e),
    };
    let address = view.mailbox.primary_smtp_address;
    DisablePage {
        chrome: Chrome::new(&session, Section::Recipients),
        csrf: session.csrf().to_owned(),
        display_name: view.mailbox.display_name,
        action: disable_href(&address),
        back: selected_href(&address),
        address,
    }
    .into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(identity): Path<String>,
    FormBody(form): FormBody<DisableForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    match actions::disable_um(&state.service, &session.principal, &identity).await {
        Ok(_) => Redirect::to(&selected_href(&identity)).into_response(),
        Err(e) => service_failure(&e),
    }
}
