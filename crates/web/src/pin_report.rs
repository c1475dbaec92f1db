//! The **PIN report** (`/ecp/um/pin-report`, beyond Exchange): every UM mailbox with its PIN
//! status as `Get-UMMailboxPIN` gives it, filtered by lockout, PIN expired, first-time user, PINs
//! expiring within some days, dial plan and UM mailbox policy; by User ID either way, keyset
//! paged (a page starts after the last User ID of the page before; nothing is counted).
//!
//! **Download CSV** streams the whole filtered report with the columns of `Get-UMMailboxPIN |
//! Export-Csv`: the service is asked for one page at a time, each written out before the next is
//! read, so the download holds one page however many mailboxes there are; each page read is
//! audited as the API's listing is. A failure after the first page can't become an error page any
//! more (the status is sent): the body is cut, which the browser reports as a failed download.
//!
//! **Unlock** and **Reset PIN** act on the mailboxes checked in the table (a plain form): each one
//! goes through the service on its own, so each is checked and audited on its own, and the page
//! then says what succeeded and what failed and why. That summary travels in the address of the
//! page the form is redirected to, signed with a key of the session (its CSRF token), so that
//! nobody can show an account a summary of something it didn't do. The buttons are shown only to
//! accounts whose role groups allow them; a form sent by any other account is refused by the
//! service for each mailbox, and answered with the permission page.

use std::borrow::Cow;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::stream;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use umpin_catalogue::cmdlets::{GetUmDialPlan, GetUmMailboxPin, GetUmMailboxPolicy, SetUmMailboxPin};
use umpin_catalogue::value::csv_record;
use umpin_catalogue::views;
use umpin_domain::Error;
use umpin_service::{Page, PinFilter, Principal, ServiceError, UmMailboxPin};

use crate::error_page::{ErrorPage, service_failure};
use crate::forms::FieldErrors;
use crate::session::Session;
use crate::um_mailbox::{href as um_mailbox_href, when};
use crate::{AppState, Chrome, Section, actions, reads};

pub const PATH: &str = "/ecp/um/pin-report";
/// UM mailboxes per page of the report.
const PAGE_SIZE: u32 = 50;
/// UM mailboxes per page of the CSV download: the most the service gives at once.
const DOWNLOAD_PAGE_SIZE: u32 = 1000;
/// The most mailboxes one Unlock or Reset PIN acts on: more than a page holds.
const MAX_SELECTED: usize = 100;

/// What the report shows, as the filter form sends it and every link of the report carries it:
/// the values as typed, so that the form shows them again.
#[derive(Clone, Debug, Default)]
struct View {
    /// `yes`, `no`, or empty for either.
    locked_out: String,
    pin_expired: String,
    first_time_user: String,
    /// Days, as typed.
    expires_within: String,
    dial_plan: String,
    policy: String,
    descending: bool,
    /// The page starts after this User ID.
    after: Option<String>,
}

impl View {
    fn from_pairs<'a>(pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>) -> View {
        let mut view = View::default();
        for (name, value) in pairs {
            let value = value.trim().to_owned();
            match name.as_ref() {
                "locked_out" => view.locked_out = value,
                "pin_expired" => view.pin_expired = value,
                "first_time_user" => view.first_time_user = value,
                "expires_within" => view.expires_within = value,
                "dial_plan" => view.dial_plan = value,
                "policy" => view.policy = value,
                "dir" => view.descending = value == "desc",
                "after" if !value.is_empty() => view.after = Some(value),
                _ => {}
            }
        }
        view
    }

    /// The view's query pairs (the start of the page only with `with_after`).
    fn pairs(&self, with_after: bool) -> Vec<(&'static str, &str)> {
        let mut pairs: Vec<(&'static str, &str)> = [
            ("locked_out", self.locked_out.as_str()),
            ("pin_expired", self.pin_expired.as_str()),
            ("first_time_user", self.first_time_user.as_str()),
            ("expires_within", self.expires_within.as_str()),
            ("dial_plan", self.dial_plan.as_str()),
            ("policy", self.policy.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if self.descending {
            pairs.push(("dir", "desc"));
        }
        if with_after && let Some(after) = &self.after {
            pairs.push(("after", after));
        }
        pairs
    }

    /// `path` with the view's query (and `extra` pairs).
    fn href(&self, path: &str, with_after: bool, extra: &[(&str, &str)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(self.pairs(with_after)).extend_pairs(extra);
        let query = query.finish();
        if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
    }

    /// The service's filter, or what to say next to the days when they aren't a number.
    fn filter(&self) -> Result<PinFilter, FieldErrors> {
        let either = |value: &str| match value {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let expires_within_days = match self.expires_within.as_str() {
            "" => None,
            typed => Some(typed.parse::<u32>().map_err(|_| {
                FieldErrors::unreadable("ExpiresWithinDays", "Type a whole number of days, such as 14.")
            })?),
        };
        let named = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        Ok(PinFilter {
            locked_out: either(&self.locked_out),
            pin_expired: either(&self.pin_expired),
            first_time_user: either(&self.first_time_user),
            dial_plan: named(&self.dial_plan),
            policy: named(&self.policy),
            expires_within_days,
            descending: self.descending,
        })
    }
}

/// A choice of a select element.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The choices of a yes/no filter: either, or one of the two.
fn either_choices(current: &str, yes: &str, no: &str) -> Vec<Choice> {
    [("", "Any"), ("yes", yes), ("no", no)]
        .into_iter()
        .map(|(value, label)| Choice { value: value.to_owned(), label: label.to_owned(), selected: current == value })
        .collect()
}

/// The choices of objects named by their names: any, or one of them.
fn named_choices(current: &str, names: impl IntoIterator<Item = String>) -> Vec<Choice> {
    let any = Choice { value: String::new(), label: "Any".to_owned(), selected: current.is_empty() };
    let named = names.into_iter().map(|name| Choice {
        selected: name.eq_ignore_ascii_case(current),
        value: name.clone(),
        label: name,
    });
    std::iter::once(any).chain(named).collect()
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

struct Row {
    user_id: String,
    href: String,
    /// "Not locked out" or "Locked Out", as the UM Mailbox page says it.
    pin_status: &'static str,
    locked_out: bool,
    pin_expired: &'static str,
    first_time_user: &'static str,
    failed_logon_count: u32,
    last_failed_logon: String,
    pin_last_set: String,
    pin_expires_on: String,
}

impl Row {
    fn of(pin: &UmMailboxPin) -> Row {
        Row {
            href: um_mailbox_href(&pin.user_id),
            user_id: pin.user_id.clone(),
            pin_status: if pin.locked_out { "Locked Out" } else { "Not locked out" },
            locked_out: pin.locked_out,
            pin_expired: yes_no(pin.pin_expired),
            first_time_user: yes_no(pin.first_time_user),
            failed_logon_count: pin.failed_logon_count,
            last_failed_logon: pin.last_failed_logon.map_or_else(|| "None".to_owned(), when),
            pin_last_set: when(pin.pin_last_set),
            pin_expires_on: pin.pin_expires_on.map_or_else(|| "Never".to_owned(), when),
        }
    }
}

/// What an Unlock or Reset PIN did, as the page after it says.
struct Summary {
    heading: &'static str,
    succeeded: Vec<String>,
    /// Each mailbox that failed, with why.
    failed: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pin_report.html")]
struct PinReportPage {
    chrome: Option<Chrome>,
    csrf: String,
    locked_out: Vec<Choice>,
    pin_expired: Vec<Choice>,
    first_time_user: Vec<Choice>,
    expires_within: String,
    /// The dial plans to choose from, when the account may read them.
    dial_plans: Option<Vec<Choice>>,
    /// The UM mailbox policies to choose from, when the account may read them.
    policies: Option<Vec<Choice>>,
    descending: bool,
    /// The view's filters, carried by the Unlock and Reset PIN form to come back to the same view.
    view_fields: Vec<(&'static str, String)>,
    /// The link that sorts by User ID the other way.
    sort_href: String,
    download_href: String,
    rows: Vec<Row>,
    next_page: Option<String>,
    first_page: Option<String>,
    may_unlock: bool,
    may_reset: bool,
    errors: FieldErrors,
    summary: Option<Summary>,
}

/// `Set-UMMailboxPIN -LockedOut $false`, as the Unlock button runs it.
fn unlock_operation() -> SetUmMailboxPin {
    SetUmMailboxPin { locked_out: Some(false), ..Default::default() }
}

/// `Set-UMMailboxPIN` to a generated PIN to be changed at the next sign-in, as the Reset PIN
/// button runs it.
fn reset_operation() -> SetUmMailboxPin {
    SetUmMailboxPin { pin_expired: Some(true), ..Default::default() }
}

pub async fn show(State(state): State<AppState>, session: Session, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let pairs: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(query.as_bytes()).collect();
    let view = View::from_pairs(pairs.iter().cloned());
    let summary = summary_of(&session, &pairs);
    let by = &session.principal;
    let (page, errors) = match view.filter() {
        Ok(filter) => match read_page(&state, by, &filter, view.after.as_deref(), PAGE_SIZE).await {
            Ok(page) => (page, FieldErrors::default()),
            Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
                (Page { items: Vec::new(), next: None }, FieldErrors::refusal(&e, &["ExpiresWithinDays"]))
            }
            Err(e) => return service_failure(&e),
        },
        Err(errors) => (Page { items: Vec::new(), next: None }, errors),
    };
    let dial_plans = if by.may(&GetUmDialPlan::default().operation()) {
        match reads::dial_plans(&state.service, by).await {
            Ok(plans) => Some(named_choices(&view.dial_plan, plans.into_iter().map(|p| p.name))),
            Err(e) => return service_failure(&e),
        }
    } else {
        None
    };
    let policies = if by.may(&GetUmMailboxPolicy::default().operation()) {
        match reads::mailbox_policies(&state.service, by, None).await {
            Ok(policies) => Some(named_choices(&view.policy, policies.into_iter().map(|p| p.name))),
            Err(e) => return service_failure(&e),
        }
    } else {
        None
    };
    let status = if errors.general.is_some() || errors.has("ExpiresWithinDays") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let sorted_other_way = View { descending: !view.descending, after: None, ..view.clone() };
    let page = PinReportPage {
        chrome: Chrome::new(&session, Section::PinReport),
        csrf: session.csrf().to_owned(),
        locked_out: either_choices(&view.locked_out, "Locked out", "Not locked out"),
        pin_expired: either_choices(&view.pin_expired, "Expired", "Not expired"),
        first_time_user: either_choices(&view.first_time_user, "First-time users", "Set up"),
        expires_within: view.expires_within.clone(),
        dial_plans,
        policies,
        descending: view.descending,
        view_fields: view.pairs(true).into_iter().map(|(n, v)| (n, v.to_owned())).collect(),
        sort_href: sorted_other_way.href(PATH, false, &[]),
        download_href: view.href(&format!("{PATH}/csv"), false, &[]),
        rows: page.items.iter().map(Row::of).collect(),
        next_page: page.next.map(|after| view.href(PATH, false, &[("after", &after)])),
        first_page: view.after.is_some().then(|| view.href(PATH, false, &[])),
        may_unlock: by.may(&unlock_operation().operation()),
        may_reset: by.may(&reset_operation().operation()),
        errors,
        summary,
    };
    (status, page).into_response()
}

/// One page of the report: `Get-UMMailboxPIN` with the filter, audited as the API's listing.
async fn read_page(
    state: &AppState,
    by: &Principal,
    filter: &PinFilter,
    after: Option<&str>,
    size: u32,
) -> Result<Page<UmMailboxPin>, ServiceError> {
    state.service.list_um_mailbox_pins(by, GetUmMailboxPin::listing(filter), filter, after, Some(size)).await
}

/// The whole filtered report as CSV, streamed a page at a time.
pub async fn download(State(state): State<AppState>, session: Session, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let view = View::from_pairs(form_urlencoded::parse(query.as_bytes()));
    let filter = match view.filter() {
        Ok(filter) => filter,
        Err(errors) => {
            let message = errors.get("ExpiresWithinDays").unwrap_or_default().to_owned();
            return ErrorPage::new(StatusCode::BAD_REQUEST, "The report couldn't be downloaded", message)
                .into_response_with_status();
        }
    };
    let by = session.principal;
    // The first page is read before answering, so that a refusal is still a page.
    let first = match read_page(&state, &by, &filter, None, DOWNLOAD_PAGE_SIZE).await {
        Ok(page) => page,
        Err(e) => return service_failure(&e),
    };
    let pages = stream::unfold(Next::Page { page: first, first: true }, move |next| {
        let (state, by, filter) = (state.clone(), by.clone(), filter.clone());
        async move {
            match next {
                Next::Page { page, first } => {
                    let text = csv_page(&page.items, first);
                    let after = match page.next {
                        None => Next::Done,
                        Some(cursor) => {
                            match read_page(&state, &by, &filter, Some(&cursor), DOWNLOAD_PAGE_SIZE).await {
                                Ok(page) => Next::Page { page, first: false },
                                Err(e) => Next::Failed(e),
                            }
                        }
                    };
                    Some((Ok(Bytes::from(text)), after))
                }
                Next::Failed(e) => {
                    tracing::error!(error = %e, "the CSV download of the PIN report stopped part-way");
                    Some((Err(std::io::Error::other(e.to_string())), Next::Done))
                }
                Next::Done => None,
            }
        }
    });
    let mut response = Body::from_stream(pages).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"pin-report.csv\""));
    response
}

/// Where the download stands: a page to write (the first one with the header row), a failure
/// to report, or the end.
enum Next {
    Page { page: Page<UmMailboxPin>, first: bool },
    Failed(ServiceError),
    Done,
}

/// A page of the report as CSV records, as `Get-UMMailboxPIN | Export-Csv` writes them: the
/// property names first (when `header`; nothing at all for no mailbox), then a record a mailbox.
fn csv_page(items: &[UmMailboxPin], header: bool) -> String {
    let mut text = String::new();
    for (n, pin) in items.iter().enumerate() {
        let umpin_catalogue::Value::Object(object) = views::um_mailbox_pin(pin) else { continue };
        if header && n == 0 {
            text.push_str(&csv_record(object.properties.iter().map(|(name, _)| name)));
        }
        text.push_str(&csv_record(object.properties.iter().map(|(_, value)| value.to_text())));
    }
    text
}

/// Which button of the selection was pressed.
#[derive(Clone, Copy)]
enum BulkAction {
    Unlock,
    Reset,
}

impl BulkAction {
    fn name(self) -> &'static str {
        match self {
            BulkAction::Unlock => "unlock",
            BulkAction::Reset => "reset",
        }
    }
}

/// Unlock or Reset PIN on the checked mailboxes, each through the service on its own; then the
/// report again, with the summary.
pub async fn bulk(State(state): State<AppState>, session: Session, body: Bytes) -> Response {
    let pairs: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(&body).collect();
    let value = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_ref());
    if let Some(refused) = session.refuses(value("csrf").unwrap_or_default()) {
        return refused;
    }
    let action = match value("action") {
        Some("unlock") => BulkAction::Unlock,
        Some("reset") => BulkAction::Reset,
        _ => {
            return ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "The form couldn't be read",
                "Choose Unlock or Reset PIN under the report's table.",
            )
            .into_response_with_status();
        }
    };
    let selected: Vec<&str> =
        pairs.iter().filter(|(n, _)| n == "mailbox").map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect();
    if selected.len() > MAX_SELECTED {
        return ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "Too many mailboxes selected",
            format!("Select at most {MAX_SELECTED} mailboxes at a time. Nothing was changed."),
        )
        .into_response_with_status();
    }
    let view = View::from_pairs(pairs.iter().cloned());
    let by = &session.principal;
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut refusals = Vec::new();
    for identity in selected {
        let done = match action {
            BulkAction::Unlock => actions::unlock(&state.service, by, identity).await,
            BulkAction::Reset => actions::reset_pin(&state.service, by, identity, None, true).await,
        };
        match done {
            Ok(_) => succeeded.push(identity.to_owned()),
            Err(e) => {
                failed.push((identity.to_owned(), e.to_string()));
                refusals.push(e);
            }
        }
    }
    // An account that may do none of it gets the permission page (each refusal is audited).
    if succeeded.is_empty()
        && let Some(denied) = refusals.first()
        && refusals.iter().all(|e| matches!(e, ServiceError::Rule(Error::PermissionDenied { .. })))
    {
        return service_failure(denied);
    }
    let mut summary: Vec<(&str, &str)> = vec![("done", action.name())];
    summary.extend(succeeded.iter().map(|a| ("ok", a.as_str())));
    for (address, why) in &failed {
        summary.push(("failed", address));
        summary.push(("why", why));
    }
    let signed = sign(&session, &encode(&summary)).unwrap_or_default();
    summary.push(("sig", &signed));
    Redirect::to(&view.href(PATH, true, &summary)).into_response()
}

/// Query pairs as form encoding, the one form in which a summary is signed and checked.
fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The signature of a summary under the session's key.
fn sign(session: &Session, summary: &str) -> Option<String> {
    Some(hex::encode(summary_mac(session, summary)?.finalize().into_bytes()))
}

/// The MAC of a summary under the session's key (HMAC takes a key of any length: never `None`).
fn summary_mac(session: &Session, summary: &str) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(session.csrf().as_bytes()).ok()?;
    mac.update(b"umpin PIN report summary\0");
    mac.update(summary.as_bytes());
    Some(mac)
}

/// The summary the page's address holds, when its signature is this session's.
fn summary_of(session: &Session, pairs: &[(Cow<str>, Cow<str>)]) -> Option<Summary> {
    let summary: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(n, _)| matches!(n.as_ref(), "done" | "ok" | "failed" | "why"))
        .map(|(n, v)| (n.as_ref(), v.as_ref()))
        .collect();
    let signature = pairs.iter().find(|(n, _)| n == "sig").and_then(|(_, v)| hex::decode(v.as_ref()).ok())?;
    summary_mac(session, &encode(&summary))?.verify_slice(&signature).ok()?;
    let heading = match summary.first() {
        Some(("done", "unlock")) => "Unlock",
        Some(("done", "reset")) => "Reset PIN",
        _ => return None,
    };
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut rest = summary.iter().skip(1);
    while let Some((name, value)) = rest.next() {
        match *name {
            "ok" => succeeded.push((*value).to_owned()),
            "failed" => {
                let why = rest.next().map(|(_, why)| (*why).to_owned()).unwrap_or_default();
                failed.push(((*value).to_owned(), why));
            }
            _ => {}
        }
    }
    Some(Summary { heading, succeeded, failed })
}
