//! Where a message goes: an SMTP server, or a `.eml` file in the pickup directory. A message is
//! turned into an RFC 5322 e-mail here (plain text, UTF-8) whose `Message-ID` comes from its
//! outbox id, so that the rare message sent twice (see the crate doc) can be recognised as one.
//!
//! A failure says whether it concerns this message alone (the server refused it: go on with the
//! next) or the way out (no connection, a timeout, a dropped connection, an unwritable directory:
//! the next message would fail alike, so the worker stops its pass).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use umpin_service::DueMessage;
use zeroize::Zeroizing;

use crate::config::{MailConfigError, SmtpConfig, SmtpSecurity};

/// The way out for messages.
pub(crate) enum Sender {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// `host:port`, for messages.
        server: String,
        /// The longest one message's conversation may take.
        timeout: Duration,
    },
    Pickup {
        dir: PathBuf,
    },
}

/// Why a message wasn't delivered. `text` is what the mail server or the file system said, never
/// the message.
pub(crate) struct SendFailure {
    pub text: String,
    /// The next message would fail alike: stop the pass.
    pub ends_pass: bool,
}

impl SendFailure {
    fn of_message(text: String) -> Self {
        SendFailure { text, ends_pass: false }
    }

    fn of_the_way_out(text: String) -> Self {
        SendFailure { text, ends_pass: true }
    }
}

/// How long writing one file into the pickup directory may take at most, for the lease.
const PICKUP_TIMEOUT: Duration = Duration::from_secs(30);

impl Sender {
    /// The SMTP transport for `config`: nothing is connected yet.
    pub(crate) fn smtp(config: &SmtpConfig) -> Result<Sender, MailConfigError> {
        if config.host.trim().is_empty() {
            return Err(MailConfigError::NoHost);
        }
        let timeout = config.timeout()?;
        let tls_error = |e: lettre::transport::smtp::Error| MailConfigError::Tls {
            host: config.host.clone(),
            reason: e.to_string(),
        };
        let builder = match config.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host).map_err(tls_error)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(tls_error)?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        };
        // lettre's own timeout covers connecting only; the whole conversation is bounded in `send`.
        let mut builder = builder.port(config.port()).timeout(Some(timeout));
        if let Some((username, password)) = config.credentials()? {
            builder = builder.credentials(Credentials::new(username, password.expose_secret().to_owned()));
        }
        Ok(Sender::Smtp { transport: builder.build(), server: format!("{}:{}", config.host, config.port()), timeout })
    }

    /// The longest delivering one message may take.
    pub(crate) fn timeout(&self) -> Duration {
        match self {
            Sender::Smtp { timeout, .. } => *timeout,
            Sender::Pickup { .. } => PICKUP_TIMEOUT,
        }
    }

    /// Where messages go, for the log.
    pub(crate) fn describe(&self) -> String {
        match self {
            Sender::Smtp { server, .. } => format!("the SMTP server {server}"),
            Sender::Pickup { dir } => format!("the pickup directory {}", dir.display()),
        }
    }

    /// Sends one message from `from`.
    pub(crate) async fn send(&self, from: &Mailbox, message: &DueMessage) -> Result<(), SendFailure> {
        let (envelope, email) = compose(from, message)?;
        match self {
            Sender::Smtp { transport, server, timeout } => {
                match tokio::time::timeout(*timeout, transport.send_raw(&envelope, &email)).await {
                    Ok(Ok(_)) => Ok(()),
                    // The server answered about this message (4xx or 5xx): the next may go through.
                    Ok(Err(e)) if e.is_permanent() || e.is_transient() => {
                        Err(SendFailure::of_message(format!("{server} refused the message: {e}")))
                    }
                    Ok(Err(e)) => Err(SendFailure::of_the_way_out(format!("{server}: {e}"))),
                    Err(_) => Err(SendFailure::of_the_way_out(format!(
                        "{server} didn't complete the delivery within {} s",
                        timeout.as_secs()
                    ))),
                }
            }
            Sender::Pickup { dir } => {
                let (dir, id) = (dir.clone(), message.id);
                let write = tokio::task::spawn_blocking(move || write_pickup_file(&dir, &id.to_string(), email));
                match tokio::time::timeout(PICKUP_TIMEOUT, write).await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(text))) => Err(SendFailure::of_the_way_out(text)),
                    Ok(Err(e)) => Err(SendFailure::of_the_way_out(format!("writing the pickup file failed: {e}"))),
                    Err(_) => Err(SendFailure::of_the_way_out(format!(
                        "writing the pickup file didn't complete within {} s",
                        PICKUP_TIMEOUT.as_secs()
                    ))),
                }
            }
        }
    }
}

/// The envelope and the e-mail's bytes (wiped when dropped: the body may hold a PIN).
fn compose(
    from: &Mailbox,
    message: &DueMessage,
) -> Result<(lettre::address::Envelope, Zeroizing<Vec<u8>>), SendFailure> {
    let to: Mailbox = message.recipient.parse().map_err(|e| {
        SendFailure::of_message(format!("the recipient address '{}' isn't valid ({e})", message.recipient))
    })?;
    let email = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.as_str())
        .message_id(Some(format!("<{}@{}>", message.id, from.email.domain())))
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.as_str().to_owned())
        .map_err(|e| SendFailure::of_message(format!("the e-mail can't be composed ({e})")))?;
    Ok((email.envelope().clone(), Zeroizing::new(email.formatted())))
}

/// Writes `email` as `<id>.eml` into `dir` (created when missing), readable by its owner only. The
/// file appears whole or not at all: it is written under a hidden name first, then renamed. A
/// message written again (after a failure to record its delivery) replaces its own file.
fn write_pickup_file(dir: &Path, id: &str, email: Zeroizing<Vec<u8>>) -> Result<(), String> {
    use std::io::Write;
    let fail = |what: &str, e: std::io::Error| format!("the pickup directory {} {what} ({e})", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| fail("can't be created", e))?;
    let partial = dir.join(format!(".{id}.eml.partial"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&partial).and_then(|mut file| {
        file.write_all(&email)?;
        file.sync_all()?;
        std::fs::rename(&partial, dir.join(format!("{id}.eml")))
    });
    written.map_err(|e| {
        // No half-written copy of the message (it may hold a PIN) stays behind.
        let _ = std::fs::remove_file(&partial);
        fail("can't be written", e)
    })
}
