//! The web admin center (SPEC §4.2), served by `umpin serve` at `/ecp/`: server-rendered pages for
//! management accounts, following the Exchange admin center's path to a user's PIN (Recipients →
//! mailbox → Phone and Voice Features → View details → UM Mailbox → UM mailbox settings).
//!
//! # Layout
//! One view module per page, its template under `templates/` by the same name; `session` signs in
//! and checks sessions, `guard` sets the headers of every page and refuses cross-site requests,
//! `actions` holds every call that changes something (one small function each), `assets` serves
//! the files of `static/`, embedded in the binary.
//!
//! # Decisions
//! - **Pages work without JavaScript**: plain links and forms, POST-redirect-GET. htmx (vendored,
//!   `static/htmx.min.js`) only enhances: the search runs as you type and a selected row opens the
//!   details pane without a page load. The server always renders whole pages; htmx picks the part
//!   it swaps (`hx-select`), so there is one way to render each page.
//! - **No rule here**: handlers translate a request into calls of the service, which checks the
//!   account's role groups, audits, and decides; a control the account may not use is left out by
//!   asking [`umpin_service::Principal::may`], and the service refuses it anyway.
//! - **No inline script or style**, so that the Content-Security-Policy allows only the server's
//!   own files; htmx is configured (no indicator styles, no eval) by a `meta` element.

mod actions;
mod assets;
mod audit_log;
mod dial_plan;
mod dial_plans;
mod disable_um;
mod enable_um;
mod error_page;
mod forms;
mod guard;
mod management_account;
mod management_accounts;
mod message_text;
mod new_dial_plan;
mod new_policy;
mod permissions;
mod pin_policies;
mod pin_report;
mod reads;
mod recipients;
mod remove;
mod reset_pin;
mod session;
mod sign_in;
mod um_mailbox;
mod voice_mail;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use umpin_service::Service;

/// How long a session lasts unused unless configured otherwise.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(20 * 60);

/// The caller's address for a TCP peer and the request's headers (the server's trusted-proxy rule).
pub type ClientAddress = Arc<dyn Fn(IpAddr, &HeaderMap) -> IpAddr + Send + Sync>;

/// What the admin center needs from the server.
pub struct Web {
    pub service: Service,
    /// How long a session lasts unused.
    pub session_idle: Duration,
    /// The browser reaches the server over HTTPS (TLS here, or at a proxy in front): the session
    /// cookie is `Secure` and `__Host-` prefixed.
    pub https: bool,
    pub client_address: ClientAddress,
}

/// What every handler has.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Web>);

impl std::ops::Deref for AppState {
    type Target = Web;
    fn deref(&self) -> &Web {
        &self.0
    }
}

/// The admin center's routes, `/ecp/…` and `/` leading there, and the users' own Voice Mail
/// page, `/voicemail/…`.
pub fn router(web: Web) -> Router {
    let state = AppState(Arc::new(web));
    Router::new()
        .route("/", get(|| async { Redirect::to("/ecp/") }))
        .route("/ecp", get(|| async { Redirect::to("/ecp/") }))
        .route("/ecp/", get(|| async { Redirect::to(recipients::PATH) }))
        .route("/ecp/sign-in", get(sign_in::show).post(sign_in::submit))
        .route("/ecp/sign-out", post(sign_in::sign_out))
        .route(recipients::PATH, get(recipients::show))
        .route("/ecp/mailboxes/{identity}/um", get(um_mailbox::show))
        .route("/ecp/mailboxes/{identity}/um/unlock", post(um_mailbox::unlock))
        .route("/ecp/mailboxes/{identity}/um/settings", post(um_mailbox::save_settings))
        .route("/ecp/mailboxes/{identity}/um/extensions/add", post(um_mailbox::add_extension))
        .route("/ecp/mailboxes/{identity}/um/extensions/remove", post(um_mailbox::remove_extension))
        .route("/ecp/mailboxes/{identity}/um/disable", get(disable_um::show).post(disable_um::submit))
        .route("/ecp/mailboxes/{identity}/um/enable", get(enable_um::show).post(enable_um::submit))
        .route("/ecp/mailboxes/{identity}/um/pin/reset", get(reset_pin::show).post(reset_pin::submit))
        .route("/ecp/mailboxes/{identity}/um/pin/reset/done", get(reset_pin::done))
        .route(dial_plans::PATH, get(dial_plans::show))
        .route("/ecp/um/dial-plans/new", get(new_dial_plan::show).post(new_dial_plan::submit))
        .route("/ecp/um/dial-plans/{identity}", get(dial_plan::show).post(dial_plan::submit))
        .route("/ecp/um/dial-plans/{identity}/delete", get(remove::show_dial_plan).post(remove::remove_dial_plan))
        .route("/ecp/um/dial-plans/{identity}/policies/new", get(new_policy::show).post(new_policy::submit))
        .route("/ecp/um/policies/{identity}", get(pin_policies::show).post(pin_policies::submit))
        .route("/ecp/um/policies/{identity}/message-text", get(message_text::show).post(message_text::submit))
        .route("/ecp/um/policies/{identity}/delete", get(remove::show_policy).post(remove::remove_policy))
        .route(pin_report::PATH, get(pin_report::show))
        .route("/ecp/um/pin-report/csv", get(pin_report::download))
        .route("/ecp/um/pin-report/bulk", post(pin_report::bulk))
        .route(audit_log::PATH, get(audit_log::show).post(audit_log::verify))
        .route(permissions::PATH, get(permissions::show))
        .route("/ecp/permissions/add", post(permissions::add))
        .route("/ecp/permissions/remove", post(permissions::remove))
        .route(permissions::ACCOUNTS_PATH, get(management_accounts::show).post(management_accounts::create))
        .route("/ecp/permissions/accounts/{identity}", get(management_account::show))
        .route("/ecp/permissions/accounts/{identity}/password", post(management_account::reset_password))
        .route("/ecp/permissions/accounts/{identity}/disabled", post(management_account::set_disabled))
        .route("/ecp/permissions/accounts/{identity}/delete", get(remove::show_account).post(remove::remove_account))
        .route("/ecp/static/{file}", get(assets::serve))
        .route("/ecp/{*rest}", get(error_page::not_found))
        .route("/voicemail", get(|| async { Redirect::to(voice_mail::PATH) }))
        .route(voice_mail::PATH, get(voice_mail::show))
        .route("/voicemail/sign-in", get(voice_mail::sign_in_page).post(voice_mail::sign_in))
        .route("/voicemail/sign-out", post(voice_mail::sign_out))
        .route("/voicemail/reset-pin", post(voice_mail::reset_pin))
        .route("/voicemail/{*rest}", get(voice_mail::not_found))
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(state, guard::guard))
}

/// The part of the admin center a page belongs to, marked in the left navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Recipients,
    UnifiedMessaging,
    PinReport,
    AuditLog,
    Permissions,
}

/// What the layout shows around a signed-in page: the account, the sign-out form's token, where
/// the page is, and which parts are offered: Unified Messaging (the account may read dial plans),
/// the PIN report (it may run `Get-UMMailboxPIN`), the Audit log (it may search the log) and
/// Permissions (it may read the role groups).
pub(crate) struct Chrome {
    pub account: String,
    pub csrf: String,
    pub section: Section,
    pub unified_messaging: bool,
    pub pin_report: bool,
    pub audit_log: bool,
    pub permissions: bool,
}

impl Chrome {
    pub fn new(session: &session::Session, section: Section) -> Option<Chrome> {
        let by = &session.principal;
        Some(Chrome {
            account: by.account.clone(),
            csrf: session.csrf().to_owned(),
            section,
            unified_messaging: by.may(&umpin_catalogue::cmdlets::GetUmDialPlan::default().operation()),
            pin_report: by.may(&umpin_catalogue::cmdlets::GetUmMailboxPin::default().operation()),
            audit_log: by.may(&umpin_catalogue::cmdlets::SearchAdminAuditLog::default().operation()),
            permissions: by.may(&umpin_catalogue::cmdlets::GetRoleGroup::default().operation()),
        })
    }
}
