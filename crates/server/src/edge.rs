//! The HTTP edge around every route: limits of the request head answered as problems, and the
//! keep-alive connection closed cleanly when a request's body was not read.
//!
//! - **Head limits.** hyper answers a request line or header section over its own limits itself,
//!   with an empty body that no middleware sees. The server's limits are lower than hyper's
//!   ([`MAX_URI_LENGTH`], [`MAX_HEADER_BYTES`], [`MAX_HEADERS`], and hyper is given room above
//!   them: [`HYPER_MAX_HEADERS`], [`HYPER_MAX_BUFFER`]), so a request over them reaches this middleware and gets a 414
//!   or 431 problem like every other refusal. Only a head past hyper's hard limits (a request
//!   target over 64 KiB, a head over 1 MiB) still gets hyper's bare answer.
//! - **Unread bodies.** When the server answers without reading the request body (a 401 on a
//!   POST, a GET with a body, a 413), hyper can't reuse the connection and closes it after the
//!   answer — but without saying so, and a client that sends its next request on it sees that
//!   request fail. The answer then carries `Connection: close`, so the client opens a new one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::problem::{Problem, ProblemKind};

/// The longest request target (path and query) accepted, in bytes.
pub const MAX_URI_LENGTH: usize = 8 * 1024;
/// The largest header section accepted (names and values), in bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header fields accepted.
pub const MAX_HEADERS: usize = 100;

/// hyper's own limits of header fields and of the buffered head, above the server's so that
/// those are the ones a client meets.
pub(crate) const HYPER_MAX_HEADERS: usize = 4 * MAX_HEADERS;
pub(crate) const HYPER_MAX_BUFFER: usize = 1024 * 1024;

/// Refuses a request whose target or header section is over the server's limits, with a 414 or
/// 431 problem.
pub async fn head_limits(request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_LENGTH {
        let mut problem = Problem::new(
            ProblemKind::BadRequest,
            format!(
                "The request's path and query are {target} bytes long; the server accepts at most {MAX_URI_LENGTH}. Shorten them: send long values in a request body."
            ),
        );
        problem.status = StatusCode::URI_TOO_LONG.as_u16();
        return problem.into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let mut problem = Problem::new(
            ProblemKind::BadRequest,
            format!(
                "The request has {} header fields of {header_bytes} bytes; the server accepts at most {MAX_HEADERS} fields of {MAX_HEADER_BYTES} bytes in all. Send fewer or shorter headers.",
                headers.len()
            ),
        );
        problem.status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.as_u16();
        return problem.into_response();
    }
    next.run(request).await
}

/// Answers with `Connection: close` when the request had a body that wasn't read to its end.
pub async fn close_unless_body_read(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_none_or(|length| length > 0);
    let has_body =
        headers.contains_key(header::TRANSFER_ENCODING) || (headers.contains_key(header::CONTENT_LENGTH) && announced);
    if !has_body {
        return next.run(request).await;
    }
    let read = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let at_end = read.clone();
    // The end of the body is the stream's end: set when a reader gets there.
    let tracked = body.into_data_stream().chain(futures_util::stream::poll_fn(move |_| {
        at_end.store(true, Ordering::SeqCst);
        Poll::Ready(None)
    }));
    let mut response = next.run(Request::from_parts(parts, Body::from_stream(tracked))).await;
    if !read.load(Ordering::SeqCst) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
