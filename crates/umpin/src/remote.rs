//! `umpin shell --server URL`: the shell against a server. It signs in as a management account
//! (the password from `UMPIN_PASSWORD`, or asked for without echo), keeps the token in the
//! user's configuration directory (mode 0600) for the next run, and sends every cmdlet to
//! `POST /api/v1/cmdlets/{name}`; the server runs it under the account's role groups.
//!
//! A kept token that the server no longer accepts (expired, revoked) is forgotten, and the shell
//! signs in again once.
//!
//! The server's certificate is checked against the system's certificate authorities and, with
//! `--ca-file`, those of a PEM file as well (a private certificate authority). A certificate
//! from an authority neither trusts is refused with the advice to give `--ca-file`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use umpin_catalogue::wire::{CmdletRequest, WireBatch};
use umpin_shell::backend::{Remote, Reply};

/// How long one request may take, Argon2 and a page of 1,000 objects included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How many times a password typed at the prompt may be wrong before the shell gives up.
const SIGN_IN_ATTEMPTS: u32 = 3;
/// The variable a password may come from, for scripts.
pub const PASSWORD_VAR: &str = "UMPIN_PASSWORD";

/// A signed-in connection to a server.
struct Connection {
    client: reqwest::Client,
    server: String,
    user: String,
    token: Mutex<Option<SecretString>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponse {
    token: String,
}

#[derive(Deserialize)]
struct ProblemBody {
    r#type: Option<String>,
    detail: Option<String>,
    title: Option<String>,
}

/// Connects to `server` as `user`: a kept token, or a new sign-in. The certificate authorities
/// of `ca_file` are trusted beside the system's.
pub async fn connect(server: &str, user: &str, ca_file: Option<&Path>) -> anyhow::Result<Remote> {
    let (client, server) = client(server, ca_file)?;
    let connection = Arc::new(Connection { client, server, user: user.to_owned(), token: Mutex::new(None) });
    let kept = connection.read_kept_token();
    match kept {
        Some(token) => *connection.token.lock().await = Some(token),
        None => connection.sign_in().await?,
    }
    Ok(Remote::new(Arc::new(move |cmdlet, request| -> Reply {
        let connection = Arc::clone(&connection);
        Box::pin(async move { connection.run(cmdlet, &request).await })
    })))
}

/// An HTTP client for `server` (its URL checked, without a trailing `/`), trusting the
/// certificate authorities of `ca_file` beside the system's.
pub(crate) fn client(server: &str, ca_file: Option<&Path>) -> anyhow::Result<(reqwest::Client, String)> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = server.trim_end_matches('/').to_owned();
    match server.split_once("://") {
        Some(("https", _)) => {}
        Some(("http", rest)) if is_loopback(rest) => {}
        Some(("http", _)) => anyhow::bail!(
            "The server '{server}' would get the password over plain HTTP: use https:// (plain http:// only reaches this machine)."
        ),
        _ => anyhow::bail!(
            "The server '{server}' isn't a URL: give it as https://HOST:PORT (or http:// on this machine)."
        ),
    }
    let authorities = match ca_file {
        Some(file) => certificate_authorities(file)?,
        None => Vec::new(),
    };
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tls_certs_merge(authorities)
        .build()
        .map_err(|e| anyhow::anyhow!("The HTTP client can't start ({e})."))?;
    Ok((client, server))
}

/// Signs in to `server` as `user` and returns the token. A password typed at the prompt that the
/// server refuses is asked for again, up to [`SIGN_IN_ATTEMPTS`] times; one from
/// `UMPIN_PASSWORD` is tried once.
pub(crate) async fn sign_in(client: &reqwest::Client, server: &str, user: &str) -> anyhow::Result<SecretString> {
    let given = std::env::var(PASSWORD_VAR).ok().map(SecretString::from);
    let attempts = if given.is_some() { 1 } else { SIGN_IN_ATTEMPTS };
    for attempt in 1..=attempts {
        let password = match &given {
            Some(password) => password.clone(),
            None => password(user, server)?,
        };
        let body = serde_json::json!({ "username": user, "password": password.expose_secret() });
        let response = client
            .post(format!("{server}/api/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(unreachable(server, &e)))?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            if attempt < attempts {
                eprintln!("The user name or password is wrong. Try again.");
                continue;
            }
            let source = if given.is_some() { format!(" (the password of {PASSWORD_VAR})") } else { String::new() };
            anyhow::bail!(
                "The user name or password is wrong: {user} can't sign in to {server} with that password{source}. Check both and try again."
            );
        }
        if !response.status().is_success() {
            anyhow::bail!("{}", problem(response).await.message);
        }
        let token: TokenResponse = response
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("The server {server} didn't answer as umpin does ({e})."))?;
        return Ok(SecretString::from(token.token));
    }
    anyhow::bail!("The user name or password is wrong. Check both and try again.")
}

impl Connection {
    /// Signs in (see [`sign_in`]) and keeps the token.
    async fn sign_in(&self) -> anyhow::Result<()> {
        let token = sign_in(&self.client, &self.server, &self.user).await?;
        self.keep_token(&token);
        *self.token.lock().await = Some(token);
        Ok(())
    }

    /// Runs one cmdlet; a token the server refuses leads to one new sign-in.
    async fn run(&self, cmdlet: &str, request: &CmdletRequest) -> Result<umpin_catalogue::Batch, String> {
        for attempt in 0..2 {
            let token = self.token.lock().await.clone();
            let mut call = self.client.post(format!("{}/api/v1/cmdlets/{cmdlet}", self.server)).json(request);
            if let Some(token) = &token {
                call = call.bearer_auth(token.expose_secret());
            }
            let response = call.send().await.map_err(|e| unreachable(&self.server, &e))?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                // The kept token expired or was revoked: that is no wrong password, and is said so.
                self.forget_token();
                if std::env::var_os(PASSWORD_VAR).is_none() {
                    eprintln!("Your saved sign-in to {} expired; sign in again.", self.server);
                }
                self.sign_in().await.map_err(|e| {
                    format!("Your saved sign-in to {} expired, and signing in again failed: {e}", self.server)
                })?;
                continue;
            }
            if !response.status().is_success() {
                return Err(problem(response).await.message);
            }
            let batch: WireBatch = response
                .json()
                .await
                .map_err(|e| format!("The server {} didn't answer as umpin does ({e}).", self.server))?;
            return Ok(batch.0);
        }
        Err("The server refused the new sign-in token. Sign in again.".to_owned())
    }

    /// The file the token for this server and account is kept in.
    fn token_file(&self) -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        let key = umpin_crypto::token_digest(&format!("{}\n{}", self.server, self.user.to_lowercase()));
        Some(base.join("umpin").join(format!("token-{}", hex_prefix(&key))))
    }

    fn read_kept_token(&self) -> Option<SecretString> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(self.token_file()?).ok()?);
        let token = text.trim();
        (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
    }

    /// Writes the token readable by its owner only; a failure only means signing in next time.
    fn keep_token(&self, token: &SecretString) {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let Some(file) = self.token_file() else { return };
        if let Some(dir) = file.parent() {
            let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
        }
        let _ = std::fs::remove_file(&file);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(token.expose_secret().as_bytes()));
        if let Err(e) = written {
            tracing::warn!(file = %file.display(), error = %e, "the sign-in token couldn't be kept");
        }
    }

    fn forget_token(&self) {
        if let Some(file) = self.token_file() {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// The certificates of a PEM file (`--ca-file`), each checked to be usable as a certificate
/// authority.
fn certificate_authorities(file: &Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bytes = std::fs::read(file).map_err(|e| {
        anyhow::anyhow!(
            "The certificate file {} can't be read ({e}). Give --ca-file the PEM file of the certificate authority that issued the server's certificate.",
            file.display()
        )
    })?;
    let not_pem = || {
        anyhow::anyhow!(
            "The certificate file {} holds no PEM certificate. Give --ca-file the certificate authority's certificate in PEM form (the text between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----).",
            file.display()
        )
    };
    let certificates: Vec<CertificateDer<'_>> =
        CertificateDer::pem_slice_iter(&bytes).collect::<Result<_, _>>().map_err(|_| not_pem())?;
    if certificates.is_empty() {
        return Err(not_pem());
    }
    let mut check = rustls::RootCertStore::empty();
    certificates
        .into_iter()
        .map(|certificate| {
            check.add(certificate.clone()).map_err(|e| {
                anyhow::anyhow!(
                    "The certificate file {} holds a certificate that can't serve as a certificate authority ({e}). Give --ca-file the certificate authority's certificate.",
                    file.display()
                )
            })?;
            reqwest::Certificate::from_der(&certificate).map_err(|e| {
                anyhow::anyhow!("The certificate file {} holds a certificate that can't be used ({e}).", file.display())
            })
        })
        .collect()
}

/// Why a request didn't reach the server, in a sentence of its own for each cause, with what to do.
pub(crate) fn unreachable(server: &str, error: &reqwest::Error) -> String {
    match refused_certificate(error) {
        Some(rustls::CertificateError::UnknownIssuer) => {
            return format!(
                "The server {server} has a certificate that no certificate authority this machine trusts issued. If a private certificate authority issued it, give that authority's certificate (PEM) with --ca-file PATH."
            );
        }
        Some(problem) => {
            return format!(
                "The server {server} has a certificate that can't be trusted ({problem}). Check that the URL names the server as its certificate does, and that the certificate is current."
            );
        }
        None => {}
    }
    let host = server.split_once("://").map_or(server, |(_, rest)| rest).split(['/', ':']).next().unwrap_or(server);
    if error.is_timeout() {
        return format!(
            "The server {server} didn't answer within {} seconds. Check that it is running and not overloaded.",
            REQUEST_TIMEOUT.as_secs()
        );
    }
    if tls_spoken_to_plain_http(error) {
        return format!(
            "The server {server} doesn't answer in TLS: that port seems to serve plain HTTP. Use the server's https:// address, or http:// when the server runs on this machine."
        );
    }
    if causes(error).any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    }) {
        return format!(
            "Nothing answers at {server}: the connection was refused. Check the port, and that umpin serve runs there."
        );
    }
    if causes(error).any(|e| e.to_string().contains("dns error")) {
        return format!("The server name {host} can't be found (DNS). Check its spelling in --server.");
    }
    format!("The server {server} can't be reached ({error}).")
}

/// An error and every error beneath it. I/O errors are opened with `get_ref`, since their
/// `source()` skips what they wrap.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |error| match error.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
        None => error.source(),
    })
}

/// Whether the TLS handshake failed because the other side answered in something other than
/// TLS (a plain HTTP server's reply to the client's greeting).
fn tls_spoken_to_plain_http(error: &reqwest::Error) -> bool {
    causes(error).any(|e| matches!(e.downcast_ref::<rustls::Error>(), Some(rustls::Error::InvalidMessage(_))))
        || causes(error).any(|e| e.to_string().contains("corrupt message"))
}

/// The certificate problem behind `error`, if rustls refused the server's certificate.
fn refused_certificate(error: &(dyn std::error::Error + 'static)) -> Option<rustls::CertificateError> {
    causes(error).find_map(|error| match error.downcast_ref::<rustls::Error>() {
        Some(rustls::Error::InvalidCertificate(problem)) => Some(problem.clone()),
        _ => None,
    })
}

/// Whether the authority at the start of `rest` (`HOST[:PORT][/…]`) names this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The password: `UMPIN_PASSWORD`, else asked for on the terminal without echo.
fn password(user: &str, server: &str) -> anyhow::Result<SecretString> {
    if let Ok(p) = std::env::var(PASSWORD_VAR) {
        return Ok(SecretString::from(p));
    }
    let prompt = format!("Password for {user} at {server}: ");
    rpassword::prompt_password(prompt).map(SecretString::from).map_err(|e| {
        anyhow::anyhow!("The password can't be read from the terminal ({e}). Set {PASSWORD_VAR} to give it.")
    })
}

/// A refusal of the server: the last segment of its problem `type` (empty when it has none) and
/// its message.
pub(crate) struct Refusal {
    pub(crate) kind: String,
    pub(crate) message: String,
}

/// The refusal a problem response holds; its message is the status when it has none.
pub(crate) async fn problem(response: reqwest::Response) -> Refusal {
    let status = response.status();
    let body = response.json::<ProblemBody>().await.ok();
    let kind = body.as_ref().and_then(|b| b.r#type.as_deref()).and_then(|t| t.rsplit('/').next()).unwrap_or_default();
    let kind = kind.to_owned();
    let message = match body {
        Some(ProblemBody { detail: Some(detail), .. }) => detail,
        Some(ProblemBody { title: Some(title), .. }) => title,
        _ => format!("The server answered {status}."),
    };
    Refusal { kind, message }
}
