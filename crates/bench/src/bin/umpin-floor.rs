//! `umpin-floor --listen ADDRESS --body-bytes N`: the floor beside figure B1 of `umpin-bench`.
//!
//! It answers `GET /api/v1/mailboxes/{identity}/um/pin` as `umpin serve` would answer it without
//! the database: the same bearer check up to the look-up (the `Authorization: Bearer <token>`
//! header parsed alike, the token's SHA-256 digest compared in constant time with the digest of
//! the one token it accepts, read from the first line of its standard input) and a JSON body of
//! the same size as umpin's answer. What umpin takes beyond this endpoint's time is what its
//! service, store and database add to HTTP on the same machine.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;

const USAGE: &str = "usage: umpin-floor --listen ADDRESS --body-bytes N   (the token on the first line of stdin)";

/// The accepted token's digest and the answer's body.
struct Floor {
    digest: [u8; 32],
    body: Bytes,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (listen, body_bytes) = match args.as_slice() {
        [l, listen, b, bytes] if l == "--listen" && b == "--body-bytes" => (
            listen.parse::<SocketAddr>().map_err(|_| anyhow::anyhow!("'{listen}' isn't an address.\n{USAGE}"))?,
            bytes.parse::<usize>().map_err(|_| anyhow::anyhow!("'{bytes}' isn't a number.\n{USAGE}"))?,
        ),
        _ => anyhow::bail!("{USAGE}"),
    };
    let mut token = String::new();
    std::io::stdin().read_line(&mut token)?;
    let floor = Arc::new(Floor { digest: umpin_crypto::token_digest(token.trim()), body: padded_json(body_bytes) });
    drop(token);
    let app = Router::new().route("/api/v1/mailboxes/{identity}/um/pin", get(pin)).with_state(floor);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}

/// The body to a caller with the right token; 401 to any other.
async fn pin(State(floor): State<Arc<Floor>>, headers: HeaderMap) -> Response {
    let authorized = bearer_token(&headers).is_some_and(|token| {
        let digest = umpin_crypto::token_digest(token);
        bool::from(digest.ct_eq(&floor.digest))
    });
    if !authorized {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], floor.body.clone()).into_response()
}

/// The token of an `Authorization: Bearer <token>` header, parsed as `umpin serve` parses it.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

/// A JSON object of exactly `bytes` bytes (`{"padding":"xxx…"}`; at least the 15 bytes of an
/// object with one `x`).
fn padded_json(bytes: usize) -> Bytes {
    const FRAME: usize = r#"{"padding":""}"#.len();
    Bytes::from(format!(r#"{{"padding":"{}"}}"#, "x".repeat(bytes.saturating_sub(FRAME).max(1))))
}
