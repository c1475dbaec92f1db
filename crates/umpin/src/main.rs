//! The `umpin` command: sets up a data directory, migrates the database, rotates the server key and
//! builds the demo organisation. Errors are one sentence on standard error and a non-zero exit.

/// Prints a line on standard output; a closed output (`umpin demo | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod config;
mod demo;
mod phone;
mod remote;
mod serve;
mod shell;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use umpin_catalogue::cmdlets::StartUmDirectorySync;
use umpin_crypto::{KeyRing, Vault};
use umpin_service::{Principal, Service};
use umpin_shell::backend::Backend;
use umpin_shell::backend::Local;
use umpin_store::{Database, redact_url};

use crate::config::{Config, LogFormat};

/// The data directory when neither `--data-dir` nor `UMPIN_DATA_DIR` names one.
const DEFAULT_DATA_DIR: &str = "./umpin-data";

#[derive(Parser)]
#[command(name = "umpin", version, about = "Voice-mail PIN service in the manner of Exchange Unified Messaging")]
struct Cli {
    /// The data directory: key file, SQLite database, configuration.
    #[arg(long, global = true, env = "UMPIN_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// The database: `sqlite://PATH` or `postgres://USER@HOST/DB` [default: SQLite in the data directory].
    #[arg(long, global = true, env = "UMPIN_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// A TOML configuration file [default: umpin.toml in the data directory, when present].
    #[arg(long, global = true, env = "UMPIN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the data directory, the server key (never overwriting one) and the database. Safe to run again.
    Init {
        /// The name of the first Organization Management account, created when there is none.
        #[arg(long, value_name = "NAME", default_value = "admin")]
        admin: String,
        /// Takes that account's password from the first line of this file instead of generating one.
        #[arg(long, value_name = "FILE")]
        admin_password_file: Option<PathBuf>,
    },
    /// Brings the database schema up to date.
    Migrate,
    /// Server key management.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Builds the sample organisation contoso.com (or reuses it), shows its PIN status and serves it.
    Demo {
        /// The address to serve on [default: `listen` of [server] in the configuration, else 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR", env = "UMPIN_SERVER__LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Builds and shows the organisation, then exits instead of serving it.
        #[arg(long)]
        no_serve: bool,
        /// Also starts a local OpenLDAP directory (when slapd is installed) with a few users, syncs
        /// them, and prints their passwords for the Voice Mail page; it stops with the demo.
        #[arg(long)]
        with_directory: bool,
    },
    /// The management shell: Exchange's UM cmdlets in PowerShell syntax.
    #[command(after_help = SHELL_ENVIRONMENT)]
    Shell {
        /// Runs this pipeline and exits (non-zero when a command failed).
        #[arg(short = 'c', value_name = "PIPELINE", conflicts_with = "script")]
        command: Option<String>,
        /// Runs this script file and exits (non-zero when a command failed).
        script: Option<PathBuf>,
        /// Runs the cmdlets on this umpin server (https://HOST:PORT) instead of the data directory.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// The management account to sign in to the server as (password from UMPIN_PASSWORD or asked for).
        #[arg(long, value_name = "NAME", default_value = "admin", requires = "server")]
        user: String,
        /// Also trusts the certificate authorities of this PEM file for the server's certificate (a private CA).
        #[arg(long, value_name = "PATH", requires = "server")]
        ca_file: Option<PathBuf>,
    },
    /// A telephone in the terminal: calls voice access on a server as a caller would, keys typed as lines.
    Phone {
        /// The umpin server (https://HOST:PORT, or http:// on this machine).
        #[arg(long, value_name = "URL")]
        server: String,
        /// The Voice Access account to place the call with (password from UMPIN_PASSWORD or asked for).
        #[arg(long, value_name = "ACCOUNT")]
        user: String,
        /// The dial plan to call (its name).
        #[arg(long, value_name = "NAME", required_unless_present = "access_number", conflicts_with = "access_number")]
        dial_plan: Option<String>,
        /// The access number to dial, which names the dial plan.
        #[arg(long, value_name = "DIGITS")]
        access_number: Option<String>,
        /// The number the call comes from (caller ID); without it, the caller enters the extension.
        #[arg(long, value_name = "NUMBER")]
        from: Option<String>,
        /// Also trusts the certificate authorities of this PEM file for the server's certificate (a private CA).
        #[arg(long, value_name = "PATH")]
        ca_file: Option<PathBuf>,
    },
    /// The organisation's directory ([directory] in the configuration).
    Directory {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
    /// Serves the HTTP API until SIGTERM or Ctrl-C.
    Serve {
        /// The address to listen on [default: `listen` of [server] in the configuration, else 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR", env = "UMPIN_SERVER__LISTEN")]
        listen: Option<std::net::SocketAddr>,
    },
}

/// The environment variables the shell reads, for `umpin shell --help`.
const SHELL_ENVIRONMENT: &str = "Environment:
  UMPIN_PASSWORD   the password for --user (else it is asked for, without echo)
  COLUMNS          the width tables are fitted to [default: 120]
  NO_COLOR         any value turns colours off (they are only used on a terminal)
  XDG_DATA_HOME    where the history is kept [default: ~/.local/share]
  XDG_CONFIG_HOME  where the sign-in to a server is kept [default: ~/.config]";

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Creates and updates mailboxes from the directory, as Start-UMDirectorySync does.
    Sync {
        /// Lists what the sync would change, without changing anything.
        #[arg(long)]
        what_if: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Adds a new server key, makes it current and re-seals every PIN under it.
    Rotate,
}

/// What every command works with, resolved from flags, environment and configuration.
struct Setup {
    data_dir: PathBuf,
    config: Config,
}

impl Setup {
    fn database_url(&self) -> String {
        self.config.database_url(&self.data_dir)
    }

    async fn database(&self) -> anyhow::Result<Database> {
        Ok(Database::connect(&self.database_url()).await?)
    }

    async fn service(&self) -> anyhow::Result<Service> {
        let key_file = self.config.key_file(&self.data_dir);
        let keys = KeyRing::load(&key_file)?;
        let vault = Vault::new(keys, self.config.argon2, self.config.argon2_workers())?;
        let db = self.database().await?;
        db.check_schema().await?;
        let spray_defence = self.config.voice.spray_defence().map_err(anyhow::Error::msg)?;
        let service = Service::new(db, vault).with_spray_defence(spray_defence);
        Ok(match self.config.directory.settings()? {
            Some(settings) => service.with_directory(std::sync::Arc::new(umpin_directory::Directory::new(settings))),
            None => service,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("umpin: the runtime couldn't start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<CommandsFailed>() => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("umpin: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(&cli.data_dir, cli.config.as_deref()).map_err(anyhow::Error::msg)?;
    if cli.database_url.is_some() {
        config.database_url = cli.database_url;
    }
    // A server logs its requests; the other commands only their errors, unless UMPIN_LOG says
    // otherwise. The certificate verifier's own error line is left out: the remote shell says in
    // its message what was wrong with the server's certificate and what to do.
    let level =
        if matches!(cli.command, Command::Serve { .. }) { "info" } else { "error,rustls_platform_verifier=off" };
    init_logs(config.server.log_format, level);
    let setup = Setup { data_dir: cli.data_dir, config };
    match cli.command {
        Command::Init { admin, admin_password_file } => {
            init(&setup).await?;
            first_administrator(&setup, &admin, admin_password_file.as_deref()).await
        }
        Command::Migrate => {
            setup.database().await?.migrate().await?;
            say!("The database schema is up to date.");
            Ok(())
        }
        Command::Keys { command: KeysCommand::Rotate } => rotate(&setup).await,
        Command::Demo { listen, no_serve, with_directory } => {
            init(&setup).await?;
            let mut service = setup.service().await?;
            let directory = if with_directory { demo::start_directory(&setup.data_dir)? } else { None };
            if let Some(directory) = &directory {
                service = service
                    .with_directory(std::sync::Arc::new(umpin_directory::Directory::new(directory.settings.clone())));
            }
            // The address is taken before anything is built, so a busy port costs nothing.
            let server = if no_serve {
                None
            } else {
                Some(serve::bind(&setup, listen, service.clone()).map_err(demo::as_demo)?)
            };
            let password = demo::run(&service).await?;
            if let Some(directory) = &directory {
                demo::sync_directory(&service, directory).await?;
            }
            let umpin = demo::invocation();
            let Some(server) = server else {
                say!(
                    "To sign in to a later `{umpin} serve` as {}, give it a password of your choosing: run `{umpin}{} shell` and type Set-ManagementAccount {} -Password '<password>'.",
                    demo::DEMO_ACCOUNT,
                    demo::data_dir_option(&setup.data_dir),
                    demo::DEMO_ACCOUNT
                );
                return Ok(());
            };
            let mail = demo::mail(&setup.config.mail, &setup.data_dir)?;
            say!("Serving contoso.com on {} until Ctrl-C.", server.url());
            say!("  Management account: {} (Organization Management)", demo::DEMO_ACCOUNT);
            say!("  Password: {} (new on every run of the demo)", password.expose_secret());
            say!("  Web admin center: {}/ecp/", server.url());
            if directory.is_some() {
                say!("  Voice Mail (directory users): {}/voicemail/", server.url());
            }
            say!("  Remote shell: {umpin} shell --server {} --user {}", server.url(), demo::DEMO_ACCOUNT);
            say!(
                "  Phone: {umpin} phone --server {} --user {} --access-number {}",
                server.url(),
                demo::DEMO_ACCOUNT,
                demo::ACCESS_NUMBER
            );
            if let Some(dir) = &mail.pickup_dir {
                say!("  E-mail (welcome and PIN messages) is written to {}", dir.display());
            }
            serve::serve(server, service, &mail).await
        }
        Command::Shell { command, script, server, user, ca_file } => {
            let backend: Backend = match server {
                Some(url) => remote::connect(&url, &user, ca_file.as_deref()).await?.into(),
                None => Local::new(setup.service().await?, Principal::local_administrator()).into(),
            };
            let succeeded = match (command, script) {
                (Some(text), _) => shell::command(backend, &text).await,
                (None, Some(path)) => shell::script(backend, &path).await?,
                (None, None) => shell::interactive(backend).await?,
            };
            if succeeded { Ok(()) } else { Err(CommandsFailed.into()) }
        }
        Command::Phone { server, user, dial_plan, access_number, from, ca_file } => {
            let dialling = phone::Dialling {
                server: &server,
                user: &user,
                ca_file: ca_file.as_deref(),
                dial_plan,
                access_number,
                caller_id: from,
            };
            phone::call(dialling).await
        }
        Command::Directory { command: DirectoryCommand::Sync { what_if } } => {
            let service = setup.service().await?;
            let sync = StartUmDirectorySync::INFO.name;
            let pipeline = if what_if { format!("{sync} -WhatIf") } else { sync.to_owned() };
            let backend = Local::new(service, Principal::local_administrator()).into();
            if shell::command(backend, &pipeline).await { Ok(()) } else { Err(CommandsFailed.into()) }
        }
        Command::Serve { listen } => serve::run(&setup, listen).await,
    }
}

/// Logs go to standard error, as text or JSON lines (`log_format` of [server]), filtered by
/// `UMPIN_LOG` (else at `level`). Set up once the configuration is read, since it chooses the
/// format.
/// Whether standard error may carry colour codes: only on a terminal, and never with `NO_COLOR`
/// set to anything but the empty string (https://no-color.org).
fn stderr_colours() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn init_logs(format: LogFormat, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("UMPIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let logs =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(stderr_colours());
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// A shell run in which a command failed: its errors are already on standard error.
#[derive(Debug)]
struct CommandsFailed;

impl std::fmt::Display for CommandsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a command failed")
    }
}

impl std::error::Error for CommandsFailed {}

async fn init(setup: &Setup) -> anyhow::Result<()> {
    create_data_dir(&setup.data_dir)?;
    let key_file = setup.config.key_file(&setup.data_dir);
    let (_, created) = KeyRing::load_or_create(&key_file)?;
    if created {
        say!("Created the server key {} (keep a backup: without it no PIN can be verified).", key_file.display());
    } else {
        say!("Kept the existing server key {}.", key_file.display());
    }
    setup.database().await?.migrate().await?;
    say!("The database {} is ready.", redact_url(&setup.database_url()));
    Ok(())
}

/// Creates the first Organization Management account of a new installation and shows its
/// password, this once (or takes it from `password_file`). Nothing happens when accounts exist.
async fn first_administrator(setup: &Setup, name: &str, password_file: Option<&Path>) -> anyhow::Result<()> {
    let password = match password_file {
        Some(file) => Some(read_password(file)?),
        None => None,
    };
    let service = setup.service().await?;
    match umpin_catalogue::cmdlets::create_first_administrator(&service, name, password).await? {
        Some((account, Some(generated))) => {
            say!(
                "Created the management account '{}' in Organization Management. Its password, shown only this once: {}",
                account.name,
                generated.expose_secret()
            );
        }
        Some((account, None)) => {
            say!(
                "Created the management account '{}' in Organization Management with the given password.",
                account.name
            );
        }
        None => say!("Management accounts exist already; none was created."),
    }
    Ok(())
}

/// The first line of a password file. Refused when others may read it, like the key file.
fn read_password(file: &Path) -> anyhow::Result<SecretString> {
    use std::os::unix::fs::MetadataExt;
    let unreadable = |e: std::io::Error| anyhow::anyhow!("The password file {} can't be read ({e}).", file.display());
    let mode = std::fs::metadata(file).map_err(unreadable)?.mode();
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "The password file {} may be read by other users (mode {:o}). Run `chmod 600 {}` and try again.",
            file.display(),
            mode & 0o777,
            file.display()
        );
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(file).map_err(unreadable)?);
    let line = text.lines().next().unwrap_or_default();
    Ok(SecretString::from(line))
}

fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| {
        anyhow::anyhow!("The data directory {} can't be created ({e}). Choose another with --data-dir.", dir.display())
    })
}

async fn rotate(setup: &Setup) -> anyhow::Result<()> {
    let key_file = setup.config.key_file(&setup.data_dir);
    let id = KeyRing::rotate(&key_file)?;
    say!("Added server key {id} to {} and made it current.", key_file.display());
    let resealed = setup.service().await?.reseal_all_pins().await?;
    say!("Re-sealed the PIN data of {resealed} UM mailbox(es) under key {id}.");
    Ok(())
}
