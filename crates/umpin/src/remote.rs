//! `umpin shell --server URL`: the shell against a server. It signs in as a management account
//! (the password from `UMPIN_PASSWORD`, or asked for without echo), keeps the token in the
//! user's configuration directory (mode 0600) for the next run, and sends every cmdlet to
//! `POST /api/v1/cmdlets/{name}`; the server runs it under the account's role groups.
//!
//! A kept token that the server no longer accepts (expired, revoked) is forgotten, and the shell
//! signs in again once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use umpin_shell::remote::{Remote, Reply};
use umpin_shell::wire::{CmdletRequest, WireBatch};

/// How long one request may take, Argon2 and a page of 1,000 objects included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
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
    detail: Option<String>,
    title: Option<String>,
}

/// Connects to `server` as `user`: a kept token, or a new sign-in.
pub async fn connect(server: &str, user: &str) -> anyhow::Result<Remote> {
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
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| anyhow::anyhow!("The HTTP client can't start ({e})."))?;
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

impl Connection {
    /// Signs in with the password and keeps the token.
    async fn sign_in(&self) -> anyhow::Result<()> {
        let password = password(&self.user, &self.server)?;
        let body = serde_json::json!({ "username": self.user, "password": password.expose_secret() });
        let response = self
            .client
            .post(format!("{}/api/v1/auth/token", self.server))
            .json(&body)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("The server {} can't be reached ({e}).", self.server))?;
        if !response.status().is_success() {
            anyhow::bail!("{}", problem_message(response).await);
        }
        let token: TokenResponse = response
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("The server {} didn't answer as umpin does ({e}).", self.server))?;
        let token = SecretString::from(token.token);
        self.keep_token(&token);
        *self.token.lock().await = Some(token);
        Ok(())
    }

    /// Runs one cmdlet; a token the server refuses leads to one new sign-in.
    async fn run(&self, cmdlet: &str, request: &CmdletRequest) -> Result<umpin_shell::bound::Batch, String> {
        for attempt in 0..2 {
            let token = self.token.lock().await.clone();
            let mut call = self.client.post(format!("{}/api/v1/cmdlets/{cmdlet}", self.server)).json(request);
            if let Some(token) = &token {
                call = call.bearer_auth(token.expose_secret());
            }
            let response =
                call.send().await.map_err(|e| format!("The server {} can't be reached ({e}).", self.server))?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                self.forget_token();
                self.sign_in().await.map_err(|e| e.to_string())?;
                continue;
            }
            if !response.status().is_success() {
                return Err(problem_message(response).await);
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

/// The message of a problem response, or its status when it has none.
async fn problem_message(response: reqwest::Response) -> String {
    let status = response.status();
    match response.json::<ProblemBody>().await {
        Ok(ProblemBody { detail: Some(detail), .. }) => detail,
        Ok(ProblemBody { title: Some(title), .. }) => title,
        _ => format!("The server answered {status}."),
    }
}
