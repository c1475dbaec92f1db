//! E-mail delivery for umpin (SPEC §6): the worker that sends the outbox — the welcome, PIN reset
//! and lockout messages that operations queue in their own transaction — through SMTP, or into a
//! pickup directory of `.eml` files for development and the demo. A PIN reset never waits on the
//! mail server: it only queues; this worker delivers later, retries failures (30 s, doubling, at
//! most an hour apart; a message is never dropped), and deletes each message once delivered.
//!
//! # Settings (`[mail]` of the configuration file)
//!
//! ```toml
//! [mail]
//! from = "Voice Mail <voicemail@contoso.com>"   # required once delivery is on
//!
//! [mail.smtp]                  # either this table …
//! host = "smtp.contoso.com"
//! port = 587                   # default: 587 starttls, 465 tls, 25 none
//! security = "starttls"        # "starttls" (default) | "tls" | "none"
//! username = "umpin"           # optional: no sign-in without it
//! password_file = "/etc/umpin/smtp-password"   # or password = "…" (not both)
//! timeout_seconds = 60         # one message's conversation, connecting included
//!
//! # … or this key, not both:
//! # pickup_dir = "/var/lib/umpin/pickup"
//! ```
//!
//! With neither `smtp` nor `pickup_dir`, delivery is off and messages wait in the outbox. Both is
//! an error that says which to remove. A password is refused with `security = "none"`. Unknown
//! keys are refused. [`MailConfig`] is `Deserialize + Serialize + Default`; serializing leaves the
//! inline password out, and `Debug` shows it as redacted.
//!
//! # Use (for `umpin serve`)
//!
//! ```ignore
//! match umpin_mail::OutboxWorker::new(service.clone(), &config.mail)? {
//!     Some(worker) => {
//!         // `shutdown`: any future that completes when the server stops.
//!         tokio::spawn(worker.run(shutdown));
//!     }
//!     None => tracing::warn!("e-mail delivery is off ([mail] sets neither smtp nor pickup_dir): messages wait in the outbox"),
//! }
//! // Metrics: service.outbox_depth().await? — messages waiting, due or not.
//! ```
//!
//! - [`MailConfig::validate`]`(&self) -> Result<(), MailConfigError>`: the same checks as
//!   [`OutboxWorker::new`], for refusing bad settings when the configuration is read;
//!   [`MailConfig::is_enabled`] tells whether delivery is on.
//! - [`OutboxWorker::new`]`(Service, &MailConfig) -> Result<Option<OutboxWorker>, MailConfigError>`:
//!   checks the settings and reads the password file; `None` when delivery is off.
//! - [`OutboxWorker::run`]`(self, shutdown)`: delivers every 2 s ([`OutboxWorker::poll_every`]
//!   changes that) until `shutdown` completes; the message in flight is finished, the rest of its
//!   batch handed back. Errors are logged with `tracing`, never returned.
//! - [`OutboxWorker::deliver_due`]`(&self) -> Result<DeliveryReport, ServiceError>`: one pass.
//!
//! Every node may run a worker on the shared database: claims keep two nodes from sending the
//! same message. A message is sent once, except when the server accepted it but the worker could
//! not record that (the database failed just then, or the server stalled after accepting it until
//! the timeout): it is then sent again, with the same `Message-ID`.
//!
//! Logs name a message by its outbox id, kind and recipient, and a failure by what the mail
//! server or the file system said: never the message text, so never a PIN.

mod config;
mod sender;
#[cfg(feature = "testing")]
pub mod testing;
mod worker;

pub use config::{MailConfig, MailConfigError, SmtpConfig, SmtpSecurity};
pub use worker::{DeliveryReport, OutboxWorker};
