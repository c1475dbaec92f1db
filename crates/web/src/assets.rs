//! The files of `static/`, embedded in the binary: the style sheet and htmx. They hold nothing
//! secret and change only with the binary, so browsers may cache them for a day.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error_page;

/// `(name, media type, content)`.
const FILES: &[(&str, &str, &[u8])] = &[
    ("ecp.css", "text/css; charset=utf-8", include_bytes!("../static/ecp.css")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/htmx.min.js")),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    let Some((_, media_type, content)) = FILES.iter().find(|(name, _, _)| *name == file) else {
        return error_page::not_found().await;
    };
    let mut response = content.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}
