//! Configuration: a TOML file (`--config`, or `umpin.toml` in the data directory when present)
//! overridden by `UMPIN_*` environment variables, overridden in turn by command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use umpin_crypto::Argon2Params;

/// The name of the configuration file looked for in the data directory.
pub const CONFIG_FILE: &str = "umpin.toml";
/// The name of the key file in the data directory.
pub const KEY_FILE: &str = "umpin.key";
/// The name of the SQLite database in the data directory.
pub const DATABASE_FILE: &str = "umpin.db";

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite:…` or `postgres://…`; defaults to SQLite in the data directory.
    pub database_url: Option<String>,
    /// The server key file; defaults to `umpin.key` in the data directory.
    pub key_file: Option<PathBuf>,
    /// Argon2id parameters for new PIN verifiers; OWASP's by default.
    #[serde(default)]
    pub argon2: Argon2Params,
    /// How many Argon2 computations may run at once; defaults to the number of cores.
    pub argon2_workers: Option<usize>,
    /// `umpin serve`: the `[server]` table.
    #[serde(default)]
    pub server: ServerSettings,
    /// E-mail delivery of the outbox: the `[mail]` table (see `umpin_mail`).
    #[serde(default)]
    pub mail: umpin_mail::MailConfig,
    /// The web admin center: the `[web]` table.
    #[serde(default)]
    pub web: WebSettings,
    /// Voice access: the `[voice]` table.
    #[serde(default)]
    pub voice: VoiceSettings,
    /// The organisation's directory, which `Start-UMDirectorySync` reads: the `[directory]` table
    /// (see `umpin_directory`).
    #[serde(default)]
    pub directory: umpin_directory::DirectoryConfig,
}

/// The `[voice]` table: the defence against PIN spraying (SPEC §3.3a). Failed sign-ins are
/// counted per caller ID (calls without one per front-end account) across mailboxes; a source
/// whose failures reach the threshold of distinct mailboxes within the window is refused for the
/// cool-down, answered as a wrong PIN.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSettings {
    /// The sliding window failures are counted in, in minutes; 10 by default.
    pub spray_window_minutes: Option<u32>,
    /// Distinct mailboxes with failures from one caller ID that block it; 10 by default.
    pub spray_mailboxes_per_caller_id: Option<u32>,
    /// Distinct mailboxes with failures from one front-end account's calls without caller ID
    /// that block those calls; 30 by default.
    pub spray_mailboxes_without_caller_id: Option<u32>,
    /// How long a blocked source is refused, in minutes; 30 by default.
    pub spray_cool_down_minutes: Option<u32>,
    /// The security address told of each block by e-mail (through the outbox); no alert
    /// without one.
    pub spray_alert_address: Option<String>,
}

impl VoiceSettings {
    /// The settings of the defence; an error naming the setting when the alert address isn't an
    /// e-mail address.
    pub fn spray_defence(&self) -> Result<umpin_domain::voice::SprayDefence, String> {
        let defaults = umpin_domain::voice::SprayDefence::default();
        let minutes =
            |m: Option<u32>, default| m.map_or(default, |m| jiff::SignedDuration::from_mins(i64::from(m.max(1))));
        Ok(umpin_domain::voice::SprayDefence {
            window: minutes(self.spray_window_minutes, defaults.window),
            mailboxes_per_caller_id: self
                .spray_mailboxes_per_caller_id
                .map_or(defaults.mailboxes_per_caller_id, |n| n.max(1)),
            mailboxes_without_caller_id: self
                .spray_mailboxes_without_caller_id
                .map_or(defaults.mailboxes_without_caller_id, |n| n.max(1)),
            cool_down: minutes(self.spray_cool_down_minutes, defaults.cool_down),
            alert_address: self
                .spray_alert_address
                .as_deref()
                .map(|a| umpin_domain::mailbox::check_address("spray_alert_address", a))
                .transpose()
                .map_err(|_| {
                    "The [voice] setting spray_alert_address isn't an e-mail address: give one such as security@contoso.com."
                        .to_owned()
                })?,
        })
    }
}

/// The `[web]` table: the web admin center's sessions.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Minutes after which an unused session ends; 20 by default. A session ends after 8 hours
    /// however busy.
    pub session_idle_minutes: Option<u32>,
}

impl WebSettings {
    pub fn session_idle(&self) -> std::time::Duration {
        self.session_idle_minutes
            .map_or(umpin_web::DEFAULT_SESSION_IDLE, |m| std::time::Duration::from_secs(u64::from(m.max(1)) * 60))
    }
}

/// The `[server]` table: where and how `umpin serve` listens, and how it logs.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// The address to listen on; 127.0.0.1:8080 by default (`--listen` overrides it).
    pub listen: Option<SocketAddr>,
    /// The PEM certificate chain for TLS; with `tls_key`, the server speaks HTTPS only.
    pub tls_certificate: Option<PathBuf>,
    /// The PEM private key of the certificate.
    pub tls_key: Option<PathBuf>,
    /// Plain HTTP on an address other than loopback, for a proxy that terminates TLS.
    #[serde(default)]
    pub allow_plain_http: bool,
    /// The reverse proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` names the
    /// caller; none by default. Checked when the server starts.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// `text` (default) or `json` (one object per line, for log collectors).
    #[serde(default)]
    pub log_format: LogFormat,
    /// A file that signed checkpoints of the admin audit log are appended to, besides the log;
    /// keep it where the database's administrators can't write.
    pub audit_checkpoint_file: Option<PathBuf>,
}

/// How log lines are written on standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Config {
    /// Reads the configuration: defaults, then the TOML file, then `UMPIN_*` variables
    /// (`UMPIN_DATABASE_URL`, `UMPIN_KEY_FILE`, `UMPIN_ARGON2_WORKERS`, and nested keys with `__`,
    /// e.g. `UMPIN_ARGON2__MEMORY_KIB`, `UMPIN_SERVER__LISTEN`).
    pub fn load(data_dir: &Path, file: Option<&Path>) -> Result<Config, String> {
        let default_file = data_dir.join(CONFIG_FILE);
        let file = match file {
            Some(f) if !f.exists() => {
                return Err(format!("The configuration file {} doesn't exist. Check the --config path.", f.display()));
            }
            Some(f) => Some(f.to_path_buf()),
            None => default_file.exists().then_some(default_file),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = &file {
            figment = figment.merge(Toml::file(f));
        }
        // Only the variables that name settings: others (UMPIN_DATA_DIR, test switches) are not config.
        // The tables ([server], [mail], [web], [voice], [directory]) only through `UMPIN_<TABLE>__<KEY>`, so that a variable such as UMPIN_SERVER_URL
        // is no setting.
        let setting = |key: &figment::value::UncasedStr| {
            ["database_url", "key_file", "argon2", "server__", "mail__", "web__", "voice__", "directory__"]
                .iter()
                .any(|s| key.as_str().to_lowercase().starts_with(s))
        };
        figment = figment.merge(Env::prefixed("UMPIN_").filter(setting).split("__"));
        figment
            .extract()
            .map_err(|e| format!("The configuration isn't valid: {e}. Fix the file or the UMPIN_ variable it names."))
    }

    pub fn database_url(&self, data_dir: &Path) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", data_dir.join(DATABASE_FILE).display()))
    }

    pub fn key_file(&self, data_dir: &Path) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| data_dir.join(KEY_FILE))
    }

    pub fn argon2_workers(&self) -> usize {
        self.argon2_workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from)).max(1)
    }
}
