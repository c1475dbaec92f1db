//! The **Audit log** (`/ecp/audit`), beyond Exchange: the records of the admin audit log, newest
//! first, found by account, cmdlet or action, object, result and dates (`Search-AdminAuditLog`),
//! each opening to its parameters as recorded (a PIN or a password as `***`), and **Verify chain**
//! (`Test-AdminAuditLog`), which says whether every record still follows the one before it, or
//! where the chain breaks.
//!
//! The search is a GET form, so that each search is a link; a page goes on from the number of the
//! last record of the page before, and nothing is counted. Verify chain reads the whole log, so it
//! is a POST; it changes nothing, so its answer is this page itself, with the result above the
//! records, rather than a redirect.

use std::fmt;

use askama::Template;
use askama::filters::{Escaper, Html, HtmlSafe};
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use umpin_catalogue::CMDLETS;
use umpin_catalogue::cmdlets::{SearchAdminAuditLog, TestAdminAuditLog};
use umpin_catalogue::declare::When;
use umpin_catalogue::views;
use umpin_domain::roles::VOICE_ACCESS;
use umpin_domain::{Error, Timestamp};
use umpin_service::{AuditLogCheck, ServiceError};

use crate::error_page::{service_failure, shown, shown_again};
use crate::forms::{FieldErrors, FormBody};
use crate::session::{Session, encode};
use crate::um_mailbox::when;
use crate::{AppState, Chrome, Section};

pub const PATH: &str = "/ecp/audit";
/// Records per page.
const PAGE_SIZE: u32 = 50;
/// The parameters the search form's fields send.
const FIELDS: &[&str] = &["UserIds", "Cmdlets", "ObjectIds", "IsSuccess", "StartDate", "EndDate"];

/// The search as the query holds it: what was typed, and where the page starts.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    account: String,
    #[serde(default)]
    cmdlet: String,
    #[serde(default)]
    object: String,
    /// `succeeded`, `failed`, or empty for both.
    #[serde(default)]
    result: String,
    /// The first day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    from: String,
    /// The last day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    to: String,
    /// The page starts after this cursor (older records).
    before: Option<String>,
}

impl SearchQuery {
    /// The link to this search, from its first page, or from the cursor `before`.
    fn href(&self, before: Option<&str>) -> String {
        let mut href = format!(
            "{PATH}?account={}&cmdlet={}&object={}&result={}&from={}&to={}",
            encode(&self.account),
            encode(&self.cmdlet),
            encode(&self.object),
            encode(&self.result),
            encode(&self.from),
            encode(&self.to)
        );
        if let Some(cursor) = before {
            href.push_str(&format!("&before={}", encode(cursor)));
        }
        href
    }

    /// `Search-AdminAuditLog` with what the form holds; what to say next to a field whose value
    /// isn't a date.
    fn cmdlet(&self) -> Result<SearchAdminAuditLog, FieldErrors> {
        let one = |text: &str| Some(vec![text.trim().to_owned()]).filter(|v| !v[0].is_empty());
        Ok(SearchAdminAuditLog {
            cmdlets: one(&self.cmdlet),
            object_ids: one(&self.object),
            user_ids: one(&self.account),
            start_date: day("StartDate", &self.from, false)?.map(When),
            end_date: day("EndDate", &self.to, true)?.map(When),
            is_success: match self.result.as_str() {
                "succeeded" => Some(true),
                "failed" => Some(false),
                _ => None,
            },
            result_size: None,
        })
    }
}

/// The first moment of a day typed as `YYYY-MM-DD` (UTC), or its last with `last`; `None` when
/// nothing was typed.
fn day(parameter: &'static str, typed: &str, last: bool) -> Result<Option<Timestamp>, FieldErrors> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let unreadable = || FieldErrors::unreadable(parameter, "Type a date as year-month-day, such as 2026-11-27.");
    let date: Date = typed.parse().map_err(|_| unreadable())?;
    let moment = if last { date.at(23, 59, 59, 999_999_999) } else { date.at(0, 0, 0, 0) };
    TimeZone::UTC.to_timestamp(moment).map(Some).map_err(|_| unreadable())
}

/// A cmdlet or action to search for.
struct Choice {
    name: &'static str,
    selected: bool,
}

/// One record as the page shows it.
struct Record {
    number: u64,
    when: String,
    account: Visible,
    cmdlet: Visible,
    object: Visible,
    succeeded: bool,
    source: Visible,
    parameters: Visible,
    error: Option<Visible>,
}

/// A text of the audit log as the page shows it: HTML-escaped, and each control character (the
/// log keeps a refused value as it was given) as its code point, `U+001B`, marked as a control
/// character, so that it is seen rather than acted on or lost, and can't pass for typed text.
struct Visible(String);

impl Visible {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Visible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0.as_str();
        while let Some(at) = rest.find(char::is_control) {
            Html.write_escaped_str(&mut *f, &rest[..at])?;
            let control = rest[at..].chars().next().unwrap_or_default();
            let code = u32::from(control);
            write!(f, r#"<span class="control" title="control character U+{code:04X}">U+{code:04X}</span>"#)?;
            rest = &rest[at + control.len_utf8()..];
        }
        Html.write_escaped_str(f, rest)
    }
}

/// Escaped by its own `Display`, so the template writes it as it is.
impl HtmlSafe for Visible {}

/// What Verify chain found, in words.
struct Verdict {
    intact: bool,
    text: String,
}

impl Verdict {
    fn of(check: &AuditLogCheck) -> Verdict {
        let records = check.records;
        match check.first_broken {
            None => Verdict {
                intact: true,
                text: format!(
                    "The chain is intact: all {records} records follow one another, and none was changed, removed or inserted."
                ),
            },
            Some(broken) => {
                let reason = check.reason.as_deref().unwrap_or("the record doesn't follow the one before it.");
                let before =
                    if records == 0 { String::new() } else { format!(" The {records} records before it are intact.") };
                Verdict { intact: false, text: format!("The chain is broken at record {broken}: {reason}{before}") }
            }
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_log.html")]
struct AuditLogPage {
    chrome: Option<Chrome>,
    csrf: String,
    search: SearchQuery,
    choices: Vec<Choice>,
    records: Vec<Record>,
    errors: FieldErrors,
    next_page: Option<String>,
    first_page: Option<String>,
    /// The search's own address, where Verify chain posts (so that the search stays).
    here: String,
    /// Whether the account may verify the chain.
    may_verify: bool,
    verdict: Option<Verdict>,
}

/// The page of `search`, with what Verify chain found when it was just run.
async fn page(
    state: &AppState,
    session: &Session,
    search: SearchQuery,
    check: Option<&AuditLogCheck>,
) -> Result<AuditLogPage, ServiceError> {
    let by = &session.principal;
    let (records, next, errors) = match search.cmdlet() {
        Err(errors) => (Vec::new(), None, errors),
        Ok(cmdlet) => match cmdlet.call(&state.service, by, search.before.as_deref(), Some(PAGE_SIZE)).await {
            Ok(found) => (found.items, found.next, FieldErrors::default()),
            Err(ServiceError::Rule(e)) if !matches!(e, Error::PermissionDenied { .. }) => {
                (Vec::new(), None, FieldErrors::refusal(&e, FIELDS))
            }
            Err(e) => return Err(e),
        },
    };
    let choices = CMDLETS
        .iter()
        .map(|c| c.name)
        .chain([VOICE_ACCESS.action])
        .map(|name| Choice { name, selected: name.eq_ignore_ascii_case(search.cmdlet.trim()) })
        .collect();
    Ok(AuditLogPage {
        chrome: Chrome::new(session, Section::AuditLog),
        csrf: session.csrf().to_owned(),
        records: records
            .into_iter()
            .map(|r| Record {
                number: r.seq,
                when: when(r.run_at),
                account: Visible(r.account),
                cmdlet: Visible(r.cmdlet),
                object: Visible(r.object_id),
                succeeded: r.succeeded,
                source: Visible(r.source),
                parameters: Visible(views::cmdlet_parameters(&r.parameters)),
                error: r.error.map(Visible),
            })
            .collect(),
        next_page: next.map(|cursor| search.href(Some(&cursor))),
        first_page: search.before.is_some().then(|| search.href(None)),
        here: search.href(search.before.as_deref()),
        may_verify: by.may(&TestAdminAuditLog::default().operation()),
        verdict: check.map(Verdict::of),
        choices,
        errors,
        search,
    })
}

/// The page: a search the form couldn't read, or the service refused, comes back
/// as 422 with what was wrong next to its field.
fn answer(page: Result<AuditLogPage, ServiceError>) -> Response {
    match page {
        Ok(page) if !page.errors.is_empty() => shown_again(Ok(page)),
        page => shown(page),
    }
}

pub async fn show(State(state): State<AppState>, session: Session, Query(search): Query<SearchQuery>) -> Response {
    answer(page(&state, &session, search, None).await)
}

#[derive(Deserialize)]
pub struct VerifyForm {
    csrf: String,
}

/// Verify chain: `Test-AdminAuditLog`, its result shown above the search it was run from.
pub async fn verify(
    State(state): State<AppState>,
    session: Session,
    Query(search): Query<SearchQuery>,
    FormBody(form): FormBody<VerifyForm>,
) -> Response {
    if let Some(refused) = session.refuses(&form.csrf) {
        return refused;
    }
    let check = match TestAdminAuditLog::default().call(&state.service, &session.principal).await {
        Ok(check) => check,
        Err(e) => return service_failure(&e),
    };
    answer(page(&state, &session, search, Some(&check)).await)
}

#[cfg(test)]
mod tests {
    use super::Visible;

    #[test]
    fn an_audit_text_shows_html_escaped_with_each_control_character_as_a_marked_code_point() {
        let shown = Visible("<b>to\u{1b}[2Jny</b>\u{0}&\u{7f}\u{fffd}".to_owned()).to_string();
        let control =
            |code: &str| format!(r#"<span class="control" title="control character U+{code}">U+{code}</span>"#);
        assert_eq!(
            shown,
            format!(
                "&#60;b&#62;to{}[2Jny&#60;/b&#62;{}&#38;{}\u{fffd}",
                control("001B"),
                control("0000"),
                control("007F")
            )
        );
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(Visible("tony@contoso.com".to_owned()).to_string(), "tony@contoso.com");
    }
}
