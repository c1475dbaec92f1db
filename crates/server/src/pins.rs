//! PINs: a mailbox's `Get-UMMailboxPIN` object at `/api/v1/mailboxes/{identity}/um/pin`, its
//! reset, unlock and lock (`Set-UMMailboxPIN`), and the bulk listing `/api/v1/um/pins` with
//! filters and cursor paging, or the whole listing streamed as NDJSON.
//!
//! The stream asks the service for one page at a time and writes it out before asking for the
//! next, so it holds at most one page however many UM mailboxes there are. A failure after the
//! first page can't become a problem any more (the status is sent): the stream is cut, which
//! the client sees as an incomplete chunked body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use umpin_catalogue::cmdlets::{GetUmMailboxPin, SetUmMailboxPin};
use umpin_catalogue::views;
use umpin_service::{Page as ServicePage, PinFilter, Principal, ServiceError, UmMailboxPin};
use utoipa::IntoParams;

use crate::AppState;
use crate::extract::{Caller, JsonBody, MAX_PAGE_SIZE, QueryParams, Segment, page_limit};
use crate::model::{Page, SetUmMailboxPinBody};
use crate::problem::{Problem, Problems};

/// The media type of the streamed listing: one JSON object per line.
pub const NDJSON: &str = "application/x-ndjson";

/// Shows the status of a mailbox's PIN (`Get-UMMailboxPIN -Identity`).
#[utoipa::path(get, path = "/api/v1/mailboxes/{identity}/um/pin", tag = "PINs",
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The PIN status", body = views::UmMailboxPin), Problems))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmMailboxPin>, Problem> {
    let operation = GetUmMailboxPin { identity: Some(identity.clone()), ..Default::default() }.operation();
    Ok(Json((&state.service.get_um_mailbox_pin(&caller.principal, operation, &identity).await?).into()))
}

/// Resets the PIN to the one given or to a generated one, clears the failure count and lifts
/// the lockout; the new PIN is e-mailed unless `sendEmail` is `false` (`Set-UMMailboxPIN`).
#[utoipa::path(post, path = "/api/v1/mailboxes/{identity}/um/pin/reset", tag = "PINs", request_body = SetUmMailboxPinBody,
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The PIN status after the reset", body = views::UmMailboxPin), Problems))]
pub async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
    JsonBody(body): JsonBody<SetUmMailboxPinBody>,
) -> Result<Json<views::UmMailboxPin>, Problem> {
    let reset = body.for_identity(identity).map_err(Problem::invalid_parameter)?;
    Ok(Json((&reset.call(&state.service, &caller.principal).await?).into()))
}

/// Lifts the lockout and clears the failure count; the PIN stays (`Set-UMMailboxPIN -LockedOut $false`).
#[utoipa::path(post, path = "/api/v1/mailboxes/{identity}/um/pin/unlock", tag = "PINs",
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The PIN status after unlocking", body = views::UmMailboxPin), Problems))]
pub async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmMailboxPin>, Problem> {
    set_lockout(&state, &caller.principal, &identity, false).await
}

/// Locks the UM mailbox out of phone sign-in; nothing else changes (`Set-UMMailboxPIN -LockedOut $true`).
#[utoipa::path(post, path = "/api/v1/mailboxes/{identity}/um/pin/lock", tag = "PINs",
    params(("identity" = String, Path, description = "The mailbox")),
    security(("bearer" = [])),
    responses((status = 200, description = "The PIN status after locking", body = views::UmMailboxPin), Problems))]
pub async fn lock(
    State(state): State<AppState>,
    caller: Caller,
    Segment(identity): Segment,
) -> Result<Json<views::UmMailboxPin>, Problem> {
    set_lockout(&state, &caller.principal, &identity, true).await
}

async fn set_lockout(
    state: &AppState,
    by: &Principal,
    identity: &str,
    locked_out: bool,
) -> Result<Json<views::UmMailboxPin>, Problem> {
    let set = SetUmMailboxPin { identity: identity.to_owned(), locked_out: Some(locked_out), ..Default::default() };
    Ok(Json((&set.call(&state.service, by).await?).into()))
}

/// The query of the PIN listing.
#[derive(Clone, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PinListing {
    /// Only locked-out (`true`) or only not locked-out (`false`) UM mailboxes.
    locked_out: Option<bool>,
    /// Only UM mailboxes whose PIN has (`true`) or hasn't (`false`) expired.
    pin_expired: Option<bool>,
    /// Only UM mailboxes that have (`false`) or haven't (`true`) completed first-time setup.
    first_time_user: Option<bool>,
    /// Only the UM mailboxes of this dial plan (name or GUID).
    dial_plan: Option<String>,
    /// Only the UM mailboxes of this UM mailbox policy (name or GUID).
    policy: Option<String>,
    /// Only the PINs that reach their lifetime within this many days (1 to 999) and haven't yet.
    #[param(minimum = 1, maximum = 999)]
    expires_within_days: Option<u32>,
    /// The `next` of the previous page (with NDJSON: where the stream starts).
    cursor: Option<String>,
    /// The most PIN statuses in the page: 1 to 1000 (default 1000). NDJSON streams every page.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

impl PinListing {
    fn filter(&self) -> PinFilter {
        PinFilter {
            locked_out: self.locked_out,
            pin_expired: self.pin_expired,
            first_time_user: self.first_time_user,
            dial_plan: self.dial_plan.clone(),
            policy: self.policy.clone(),
            expires_within_days: self.expires_within_days,
            descending: false,
        }
    }
}

/// Lists the PIN status of UM mailboxes by primary address (`Get-UMMailboxPIN`), one page at a
/// time, or every page as NDJSON with `Accept: application/x-ndjson`.
#[utoipa::path(get, path = "/api/v1/um/pins", tag = "PINs", params(PinListing),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of PIN statuses, or with Accept: application/x-ndjson every one, a JSON object per line",
        content((Page<views::UmMailboxPin> = "application/json"), (views::UmMailboxPin = "application/x-ndjson"))), Problems))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    QueryParams(q): QueryParams<PinListing>,
) -> Result<Response, Problem> {
    let limit = page_limit(q.limit)?;
    let filter = q.filter();
    let by = caller.principal;
    if !wants_ndjson(&headers) {
        let page = state
            .service
            .list_um_mailbox_pins(&by, GetUmMailboxPin::listing(&filter), &filter, q.cursor.as_deref(), limit)
            .await?;
        return Ok(Json(Page { items: page.items.iter().map(views::UmMailboxPin::from).collect(), next: page.next })
            .into_response());
    }
    // The first page is read before answering, so that a bad filter or cursor is still a problem.
    let first = state
        .service
        .list_um_mailbox_pins(&by, GetUmMailboxPin::listing(&filter), &filter, q.cursor.as_deref(), Some(MAX_PAGE_SIZE))
        .await?;
    let pages = stream::unfold(Next::Page(first), move |next| {
        let (state, by, filter, operation) =
            (state.clone(), by.clone(), filter.clone(), GetUmMailboxPin::listing(&filter));
        async move {
            match next {
                Next::Page(page) => {
                    let lines = ndjson(&page.items);
                    let after = match page.next {
                        None => Next::Done,
                        Some(cursor) => {
                            match state
                                .service
                                .list_um_mailbox_pins(&by, operation, &filter, Some(&cursor), Some(MAX_PAGE_SIZE))
                                .await
                            {
                                Ok(page) => Next::Page(page),
                                Err(e) => Next::Failed(e),
                            }
                        }
                    };
                    Some((Ok(lines), after))
                }
                Next::Failed(e) => {
                    tracing::error!(error = %e, "the NDJSON listing of PINs stopped part-way");
                    Some((Err(std::io::Error::other(e.to_string())), Next::Done))
                }
                Next::Done => None,
            }
        }
    });
    let mut response = axum::body::Body::from_stream(pages).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    Ok(response)
}

/// Where the stream stands: a page to write, a failure to report, or the end.
enum Next {
    Page(ServicePage<UmMailboxPin>),
    Failed(ServiceError),
    Done,
}

fn wants_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| media.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(NDJSON))
}

/// One page as NDJSON lines.
fn ndjson(items: &[UmMailboxPin]) -> Bytes {
    let mut out = Vec::with_capacity(items.len() * 320);
    for item in items {
        // Serializing a struct of strings, numbers and booleans into memory can't fail.
        if serde_json::to_writer(&mut out, &views::UmMailboxPin::from(item)).is_ok() {
            out.push(b'\n');
        }
    }
    Bytes::from(out)
}
