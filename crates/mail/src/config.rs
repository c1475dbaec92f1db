//! The mail settings (SPEC §6): the sender address, and where messages go — an SMTP server, or a
//! pickup directory of `.eml` files for development and the demo. With neither, delivery is off
//! and messages wait in the outbox.
//!
//! The SMTP password may be given inline or, better, as a file (SPEC §7); it is a
//! [`SecretString`], shown as redacted by `Debug` and left out when the settings are serialized.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::sender::Sender;

/// How long one SMTP conversation for one message may take, connecting included, unless
/// `timeout_seconds` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The `[mail]` settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The sender of every message, as `voicemail@contoso.com` or
    /// `Voice Mail <voicemail@contoso.com>`. Required once delivery is configured.
    pub from: Option<String>,
    /// Deliver through this SMTP server.
    pub smtp: Option<SmtpConfig>,
    /// Instead of SMTP, write each message as a `.eml` file into this directory (created when
    /// missing), for development and the demo.
    pub pickup_dir: Option<PathBuf>,
}

/// The `[mail.smtp]` settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The server's host name (also the name its TLS certificate must carry).
    pub host: String,
    /// Defaults to 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    /// `starttls` (the default), `tls` or `none`.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The account to sign in with; without it, no sign-in.
    pub username: Option<String>,
    /// The account's password. Prefer `password_file`.
    #[serde(default, skip_serializing)]
    pub password: Option<SecretString>,
    /// A file holding the account's password (one line; the line break at its end is ignored).
    pub password_file: Option<PathBuf>,
    /// How long one message's SMTP conversation may take, connecting included (default 60).
    pub timeout_seconds: Option<u64>,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which the server must offer (submission, 587).
    #[default]
    Starttls,
    /// TLS from the first byte (submissions, 465).
    Tls,
    /// No encryption at all: only for a relay on this host or a trusted network, and never with
    /// a password.
    None,
}

/// A mail setting that can't be used; the message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error(
        "The mail settings name both an SMTP server ([mail.smtp]) and a pickup directory (mail.pickup_dir): remove \
         one of them — [mail.smtp] to write .eml files into the pickup directory, or pickup_dir to send through SMTP."
    )]
    BothSmtpAndPickup,
    #[error(
        "The mail settings have no sender address: set mail.from (such as \"Voice Mail <voicemail@contoso.com>\")."
    )]
    NoFrom,
    #[error(
        "The mail sender address '{from}' isn't a valid address ({reason}): write it as voicemail@contoso.com or \
         \"Voice Mail <voicemail@contoso.com>\"."
    )]
    InvalidFrom { from: String, reason: String },
    #[error("The SMTP server has no host name: set mail.smtp.host.")]
    NoHost,
    #[error(
        "The SMTP password is given both inline and as a file: remove mail.smtp.password or mail.smtp.password_file."
    )]
    BothPasswords,
    #[error(
        "The SMTP settings give a username but no password: set mail.smtp.password_file (or mail.smtp.password), \
         or remove mail.smtp.username to send without signing in."
    )]
    NoPassword,
    #[error("The SMTP settings give a password but no username: set mail.smtp.username.")]
    NoUsername,
    #[error(
        "The SMTP password would travel unencrypted (mail.smtp.security = \"none\"): use security = \"starttls\" or \
         \"tls\", or remove the username and password."
    )]
    PasswordInTheClear,
    #[error("The SMTP password file {path} can't be read ({reason}): check the path and that umpin may read it.")]
    PasswordFile { path: PathBuf, reason: String },
    #[error("The SMTP password file {path} is empty: write the password into it.")]
    EmptyPasswordFile { path: PathBuf },
    #[error("mail.smtp.timeout_seconds must be at least 1.")]
    ZeroTimeout,
    #[error("TLS to the SMTP server '{host}' can't be set up ({reason}): check mail.smtp.host.")]
    Tls { host: String, reason: String },
}

impl MailConfig {
    /// Whether messages are delivered at all (an SMTP server or a pickup directory is set).
    pub fn is_enabled(&self) -> bool {
        self.smtp.is_some() || self.pickup_dir.is_some()
    }

    /// Checks the settings as the worker will use them (the password file is read, nothing is
    /// connected), so that a server can refuse to start with settings it can't deliver with.
    pub fn validate(&self) -> Result<(), MailConfigError> {
        self.delivery().map(drop)
    }

    /// The sender address and the way out, or `None` when delivery is off.
    pub(crate) fn delivery(&self) -> Result<Option<(Mailbox, Sender)>, MailConfigError> {
        let sender = match (&self.smtp, &self.pickup_dir) {
            (Some(_), Some(_)) => return Err(MailConfigError::BothSmtpAndPickup),
            (None, None) => return Ok(None),
            (Some(smtp), None) => Sender::smtp(smtp)?,
            (None, Some(dir)) => Sender::Pickup { dir: dir.clone() },
        };
        let from = self.from.as_deref().ok_or(MailConfigError::NoFrom)?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailConfigError::InvalidFrom { from: from.to_owned(), reason: e.to_string() })?;
        Ok(Some((from, sender)))
    }
}

impl SmtpConfig {
    /// The port, or the usual one for the security.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }

    pub(crate) fn timeout(&self) -> Result<Duration, MailConfigError> {
        match self.timeout_seconds {
            Some(0) => Err(MailConfigError::ZeroTimeout),
            Some(seconds) => Ok(Duration::from_secs(seconds)),
            None => Ok(DEFAULT_TIMEOUT),
        }
    }

    /// The username and password to sign in with, the password read from its file when given
    /// so; `None` for no sign-in.
    pub(crate) fn credentials(&self) -> Result<Option<(String, SecretString)>, MailConfigError> {
        let password = match (&self.password, &self.password_file) {
            (Some(_), Some(_)) => return Err(MailConfigError::BothPasswords),
            (Some(password), None) => Some(password.clone()),
            (None, Some(path)) => Some(read_password_file(path)?),
            (None, None) => None,
        };
        match (&self.username, password) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(MailConfigError::NoPassword),
            (None, Some(_)) => Err(MailConfigError::NoUsername),
            (Some(_), Some(_)) if self.security == SmtpSecurity::None => Err(MailConfigError::PasswordInTheClear),
            (Some(username), Some(password)) => Ok(Some((username.clone(), password))),
        }
    }
}

fn read_password_file(path: &Path) -> Result<SecretString, MailConfigError> {
    let content = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| MailConfigError::PasswordFile { path: path.to_path_buf(), reason: e.to_string() })?,
    );
    let password = content.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(MailConfigError::EmptyPasswordFile { path: path.to_path_buf() });
    }
    // The file's text is wiped with `content`; only the secret keeps the password.
    Ok(SecretString::from(password))
}
