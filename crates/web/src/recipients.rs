//! Recipients → mailboxes (`/ecp/recipients`): the list view with its search box, sortable
//! columns and keyset paging, and the details pane of the selected mailbox with its **Phone and
//! Voice Features**.
//!
//! The state of the view is in the query (`q`, `sort`, `dir`, the start of the page, `selected`),
//! so that every view is a link: it works without JavaScript, in history and bookmarks. A page
//! goes forward from the key of the last row of the page before (display name, address, and
//! whether it is UM-enabled); "First page" goes back to the start. Nothing is counted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use umpin_catalogue::cmdlets::{DisableUmMailbox, EnableUmMailbox};
use umpin_domain::Error;
use umpin_service::{RecipientKey, RecipientOrder, RecipientQuery, ServiceError};

use crate::error_page::service_failure;
use crate::session::{Session, encode};
use crate::{AppState, Chrome, Section};

pub const PATH: &str = "/ecp/recipients";
/// Mailboxes per page.
const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    sort: Option<String>,
    dir: Option<String>,
    /// The page starts after this address …
    after: Option<String>,
    /// … this display name …
    after_name: Option<String>,
    /// … and this Unified Messaging state (`1` enabled).
    after_um: Option<String>,
    /// The primary address of the mailbox shown in the details pane.
    selected: Option<String>,
}

/// A sortable column.
struct Column {
    label: &'static str,
    /// `none`, `ascending` or `descending`, for `aria-sort`.
    aria_sort: &'static str,
    /// The link that sorts by it (the other way when it is the current order).
    href: String,
}

struct Row {
    display_name: String,
    address: String,
    um: &'static str,
    href: String,
    selected: bool,
}

struct Details {
    display_name: String,
    address: String,
    um_enabled: bool,
    view_details: String,
    /// The Disable page, when the account may disable Unified Messaging.
    disable: Option<String>,
    /// The Enable page, when the account may enable Unified Messaging.
    enable: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recipients.html")]
struct RecipientsPage {
    chrome: Option<Chrome>,
    q: String,
    sort: &'static str,
    dir: &'static str,
    columns: Vec<Column>,
    rows: Vec<Row>,
    next_page: Option<String>,
    first_page: Option<String>,
    details: Option<Details>,
    /// Why the selected mailbox can't be shown.
    details_error: Option<String>,
}

fn order_of(sort: Option<&str>) -> (RecipientOrder, &'static str) {
    match sort {
        Some("address") => (RecipientOrder::Address, "address"),
        Some("um") => (RecipientOrder::UmEnabled, "um"),
        _ => (RecipientOrder::DisplayName, "name"),
    }
}

/// The list with one mailbox selected (its details pane open).
pub fn selected_href(address: &str) -> String {
    list_href("", "name", "asc", &[("selected", address)])
}

/// The link to the list with `q`, `sort` and `dir`, plus `extra` query pairs.
fn list_href(q: &str, sort: &str, dir: &str, extra: &[(&str, &str)]) -> String {
    let mut href = format!("{PATH}?q={}&sort={sort}&dir={dir}", encode(q));
    for (name, value) in extra {
        href.push_str(&format!("&{name}={}", encode(value)));
    }
    href
}

pub async fn show(State(state): State<AppState>, session: Session, Query(q): Query<ListQuery>) -> Response {
    let (order, sort) = order_of(q.sort.as_deref());
    let descending = q.dir.as_deref() == Some("desc");
    let dir = if descending { "desc" } else { "asc" };
    let search = q.q.trim();
    let query = RecipientQuery { search: (!search.is_empty()).then(|| search.to_owned()), order, descending };
    let after = q.after.as_ref().map(|address| RecipientKey {
        display_name: q.after_name.clone().unwrap_or_default(),
        address: address.clone(),
        um_enabled: q.after_um.as_deref() == Some("1"),
    });
    let (recipients, next) =
        match crate::reads::recipients(&state.service, &session.principal, &query, after.as_ref(), PAGE_SIZE).await {
            Ok(page) => page,
            Err(e) => return service_failure(&e),
        };
    // The page's own start, kept in the links of its rows.
    let here: Vec<(&str, &str)> = match &q.after {
        Some(address) => vec![
            ("after", address.as_str()),
            ("after_name", q.after_name.as_deref().unwrap_or("")),
            ("after_um", q.after_um.as_deref().unwrap_or("0")),
        ],
        None => Vec::new(),
    };
    let selected = q.selected.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let rows = recipients
        .iter()
        .map(|r| {
            let address = r.mailbox.primary_smtp_address.clone();
            let mut pairs = here.clone();
            pairs.push(("selected", address.as_str()));
            Row {
                display_name: r.mailbox.display_name.clone(),
                href: list_href(&q.q, sort, dir, &pairs),
                um: if r.um_enabled { "Enabled" } else { "Disabled" },
                selected: selected.is_some_and(|s| s.eq_ignore_ascii_case(&address)),
                address,
            }
        })
        .collect();
    let columns = [("name", "Display name"), ("address", "Email address"), ("um", "Unified Messaging")]
        .into_iter()
        .map(|(key, label)| {
            let current = key == sort;
            let next_dir = if current && !descending { "desc" } else { "asc" };
            Column {
                label,
                aria_sort: match (current, descending) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                href: list_href(&q.q, key, next_dir, &[]),
            }
        })
        .collect();
    let next_page = next.map(|k| {
        list_href(
            &q.q,
            sort,
            dir,
            &[
                ("after", &k.address),
                ("after_name", &k.display_name),
                ("after_um", if k.um_enabled { "1" } else { "0" }),
            ],
        )
    });
    let first_page = q.after.is_some().then(|| list_href(&q.q, sort, dir, &[]));
    let (details, details_error) = match selected {
        Some(identity) => match details(&state, &session, identity).await {
            Ok(d) => (Some(d), None),
            Err(e @ ServiceError::Rule(_)) => (None, Some(e.to_string())),
            Err(e) => return service_failure(&e),
        },
        None => (None, None),
    };
    RecipientsPage {
        chrome: Chrome::new(&session, Section::Recipients),
        q: q.q.clone(),
        sort,
        dir,
        columns,
        rows,
        next_page,
        first_page,
        details,
        details_error,
    }
    .into_response()
}

/// The details pane of one mailbox: `Get-Mailbox`, and `Get-UMMailbox` for its Unified Messaging
/// state.
async fn details(state: &AppState, session: &Session, identity: &str) -> Result<Details, ServiceError> {
    let mailbox = crate::reads::mailbox(&state.service, &session.principal, identity).await?;
    let um_enabled =
        match crate::reads::um_mailbox(&state.service, &session.principal, &mailbox.primary_smtp_address).await {
            Ok(_) => true,
            Err(ServiceError::Rule(Error::NotUmEnabled { .. })) => false,
            Err(e) => return Err(e),
        };
    Ok(Details {
        view_details: crate::um_mailbox::href(&mailbox.primary_smtp_address),
        disable: session
            .principal
            .may(&DisableUmMailbox { identity: mailbox.primary_smtp_address.clone(), ..Default::default() }.operation())
            .then(|| crate::disable_um::disable_href(&mailbox.primary_smtp_address)),
        enable: session
            .principal
            .may(&EnableUmMailbox { identity: mailbox.primary_smtp_address.clone(), ..Default::default() }.operation())
            .then(|| crate::enable_um::enable_href(&mailbox.primary_smtp_address)),
        display_name: mailbox.display_name,
        address: mailbox.primary_smtp_address,
        um_enabled,
    })
}
