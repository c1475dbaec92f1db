//! The sign-in page (`/ecp/sign-in`) and sign-out. Signing in checks the name and password as
//! the API's token sign-in does (the same accounts and throttling) and starts a new session,
//! whatever session the browser had; signing out ends the session in the database.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use umpin_domain::Error;
use umpin_service::ServiceError;

use crate::error_page::service_failure;
use crate::forms::FormBody;
use crate::session::{self, PreviousSession, Session, Source};
use crate::{AppState, Chrome};

#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Option<Chrome>,
    username: String,
    back: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: SecretString,
    back: Option<String>,
}

#[derive(Deserialize)]
pub struct SignOutForm {
    csrf: String,
}

/// Where to go after signing in: a page of the admin center, never another site.
fn back_to(back: Option<&str>) -> String {
    match back {
        Some(b) if b.starts_with("/ecp/") && !b.starts_with("//") && !b.contains('\\') => b.to_owned(),
        _ => "/ecp/".to_owned(),
    }
}

pub async fn show(Query(q): Query<Back>) -> Response {
    SignInPage { chrome: None, username: String::new(), back: back_to(q.back.as_deref()), error: None }.into_response()
}

/// What a directory user is told when the directory can't check their password.
const DIRECTORY_UNAVAILABLE: &str = "Your directory account can't be checked now. Try again in a few minutes; if it keeps failing, tell an administrator, who finds the reason in the server's log. Local accounts can still sign in.";

pub async fn submit(
    State(state): State<AppState>,
    Source(source): Source,
    previous: PreviousSession,
    FormBody(form): FormBody<SignInForm>,
) -> Response {
    let back = back_to(form.back.as_deref());
    match session::start(&state, previous, form.username.trim(), &form.password, &source).await {
        Ok(cookie) => {
            let mut response = Redirect::to(&back).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(
            e @ (ServiceError::NotAuthenticated
            | ServiceError::Throttled { .. }
            | ServiceError::NoRoleGroup
            | ServiceError::Rule(Error::DirectoryNameTaken { .. })
            | ServiceError::Directory(_)),
        ) => {
            let (status, error) = match e {
                ServiceError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
                ServiceError::NoRoleGroup => (StatusCode::FORBIDDEN, e.to_string()),
                ServiceError::Rule(_) => (StatusCode::CONFLICT, e.to_string()),
                // The directory's address and answer are for the log, not for anyone who signs in.
                ServiceError::Directory(_) => {
                    tracing::error!(error = %e, "a directory sign-in to the web admin center couldn't be checked");
                    (StatusCode::SERVICE_UNAVAILABLE, DIRECTORY_UNAVAILABLE.to_owned())
                }
                _ => (StatusCode::UNAUTHORIZED, "The user name or password is incorrect. Try again.".to_owned()),
            };
            let page = SignInPage { chrome: None, username: form.username, back, error: Some(error) };
            (status, page).into_response()
        }
        Err(e) => service_failure(&e),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    FormBody(form): FormBody<SignOutForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    if let Err(e) = state.service.end_web_session(session.id()).await {
        return service_failure(&e);
    }
    let mut response = Redirect::to(session::SIGN_IN_PATH).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session::ADMIN_CENTER.clear(&state));
    response
}
