//! `umpin serve`: the HTTP API on the data directory's database, configured by the `[server]`
//! table, the delivery of the outbox, configured by the `[mail]` table, and the deletion of the
//! sign-in tokens, web sessions and voice calls that have ended (when it starts, then every few
//! minutes), until SIGTERM or Ctrl-C.
//! SIGHUP reads the server key file again, so that after `umpin keys rotate` every node seals
//! under the new key at once. It writes signed checkpoints of the admin audit log to its log and
//! to `audit_checkpoint_file` when set: when it starts, then after every
//! [`CHECKPOINT_EVERY_RECORDS`] records and at least every [`CHECKPOINT_INTERVAL`] while records
//! come. With a `[directory]`, it runs the directory sync every `sync_interval_minutes`, one node
//! at a time (see [`sync_directory`]). `umpin demo` serves the same way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use umpin_catalogue::cmdlets::StartUmDirectorySync;
use umpin_catalogue::declare::Switch;
use umpin_mail::{MailConfig, OutboxWorker};
use umpin_server::{Server, ServerConfig, TlsFiles, TrustedProxies};
use umpin_service::{Principal, SYNC_LEASE_MARGIN, Service};

use crate::Setup;

/// How often a serving node deletes the sign-in tokens, web sessions and voice calls that have
/// ended. Every node does it; each deletion is one statement, so nodes doing it at once only find
/// less to delete.
const EXPIRED_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// A checkpoint of the audit log is written after this many new records ...
const CHECKPOINT_EVERY_RECORDS: u64 = 100;
/// ... or this long after the last one, if any record came since.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// How often the head of the audit log is looked at.
const CHECKPOINT_POLL: Duration = Duration::from_secs(15);
/// How often a node looks whether the directory sync's turn is free.
const SYNC_TURN_POLL: Duration = Duration::from_secs(60);

/// Serves until a shutdown signal, then lets the requests in progress finish.
pub async fn run(setup: &Setup, listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let service = setup.service().await?;
    let server = bind(setup, listen, service.clone())?;
    say!("umpin serve: listening on {}", server.url());
    serve(server, service, &setup.config.mail).await
}

/// A server bound to its address, and SIGHUP and SIGTERM already caught: a SIGHUP that comes as
/// soon as the address is announced reads the key file again, and a SIGTERM stops the server
/// gracefully, instead of ending the process (their default).
pub struct Bound {
    server: Server,
    hangups: Signal,
    shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
    checkpoint_file: Option<PathBuf>,
    /// Between the directory syncs this node takes its turn at, when there is a directory.
    directory_sync: Option<Duration>,
}

impl Bound {
    /// The address it serves on, such as `https://0.0.0.0:8443`.
    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// Runs the bound server, the deletion of expired tokens, the reading of the key file on SIGHUP
/// and, when `mail` turns delivery on, the outbox worker, until a shutdown signal; then lets the
/// requests in progress and the message being sent finish.
pub async fn serve(bound: Bound, service: Service, mail: &MailConfig) -> anyhow::Result<()> {
    let Bound { server, hangups, shutdown, checkpoint_file, directory_sync } = bound;
    let (stop, stopped) = watch::channel(false);
    let directory_syncs =
        directory_sync.map(|interval| tokio::spawn(sync_directory(service.clone(), interval, stopped.clone())));
    let checkpoints = tokio::spawn(write_audit_checkpoints(service.clone(), checkpoint_file, stopped.clone()));
    let expired = tokio::spawn(delete_expired(service.clone(), stopped.clone()));
    let key_reloads = tokio::spawn(reload_keys_on_hangup(service.clone(), hangups, stopped.clone()));
    let worker = match OutboxWorker::new(service, mail)? {
        Some(worker) => {
            let mut stopped = stopped.clone();
            Some(tokio::spawn(worker.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })))
        }
        None => {
            tracing::warn!(
                "e-mail delivery is off ([mail] sets neither smtp nor pickup_dir): messages wait in the outbox"
            );
            None
        }
    };
    let served = server
        .run(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(syncs) = directory_syncs {
        let _ = syncs.await;
    }
    let _ = expired.await;
    let _ = key_reloads.await;
    let _ = checkpoints.await;
    served?;
    say!("umpin serve: stopped.");
    Ok(())
}

/// Deletes the sign-in tokens, web sessions and voice calls that have ended, at once and then
/// every [`EXPIRED_INTERVAL`], until `stopped` turns true (or its sender is gone). A failure is
/// logged and tried again next time.
async fn delete_expired(service: Service, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EXPIRED_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = tick.tick() => {}
        }
        match service.delete_expired().await {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(deleted, "deleted the sign-in tokens, web sessions and voice calls that ended")
            }
            Err(e) => tracing::warn!(
                error = %e,
                "the sign-in tokens, web sessions and voice calls that ended couldn't be deleted; trying again later"
            ),
        }
    }
}

/// Runs the directory sync (as `Start-UMDirectorySync`) whenever this node takes its turn: at
/// once, then at each look every [`SYNC_TURN_POLL`] (at most `interval`) once no node has run one
/// for `interval`, until `stopped` turns true. While its sync runs, the node keeps its turn. A
/// failed sync is kept as the last result (`Get-UMDirectorySyncStatus`) and logged; the next turn
/// tries again. A stop abandons a sync in progress: what it committed stays (each transaction is
/// whole), and the next sync carries on from there.
async fn sync_directory(service: Service, interval: Duration, mut stopped: watch::Receiver<bool>) {
    let node = umpin_domain::Guid::new_v4().to_string();
    let mut tick = tokio::time::interval(SYNC_TURN_POLL.min(interval));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = tick.tick() => {}
        }
        match service.take_directory_sync_turn(&node, interval).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "the directory sync's turn couldn't be taken; trying again later");
                continue;
            }
        }
        let by = Principal::scheduled_directory_sync();
        let sync = StartUmDirectorySync { what_if: Switch(false) }.run(&service, &by, None);
        tokio::pin!(sync);
        let mut keep = tokio::time::interval(SYNC_LEASE_MARGIN / 4);
        let result = loop {
            tokio::select! {
                _ = async { stopped.wait_for(|stop| *stop).await.is_ok() } => {
                    tracing::warn!("stopping: the scheduled directory sync in progress is abandoned; the next one carries on");
                    return;
                }
                result = &mut sync => break result,
                _ = keep.tick() => match service.keep_directory_sync_turn(&node).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!("another node took the directory sync's turn while this node's sync runs"),
                    Err(e) => tracing::warn!(error = %e, "the directory sync's turn couldn't be kept"),
                },
            }
        };
        match result {
            Ok(batch) => tracing::info!(skipped = batch.warnings.len(), "scheduled directory sync done"),
            Err(e) => tracing::error!(error = %e, "the scheduled directory sync failed; the next turn tries again"),
        }
    }
}

/// Writes a signed checkpoint of the admin audit log when it starts, then whenever
/// [`CHECKPOINT_EVERY_RECORDS`] records came since the last, or [`CHECKPOINT_INTERVAL`] passed and
/// some did, until `stopped` turns true: one structured line in the log, and a line appended to
/// `file` when given. A failure is logged and tried again at the next look.
async fn write_audit_checkpoints(service: Service, file: Option<PathBuf>, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(CHECKPOINT_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Option<(u64, Instant)> = None;
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = tick.tick() => {}
        }
        let checkpoint = match service.audit_checkpoint().await {
            Ok(checkpoint) => checkpoint,
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint of the admin audit log could be taken; trying again later");
                continue;
            }
        };
        let due = match last {
            None => true,
            Some((seq, at)) => {
                checkpoint.seq >= seq + CHECKPOINT_EVERY_RECORDS
                    || (checkpoint.seq != seq && at.elapsed() >= CHECKPOINT_INTERVAL)
            }
        };
        if !due {
            continue;
        }
        let line = checkpoint.to_line();
        tracing::info!(checkpoint = %line, records = checkpoint.seq, "signed checkpoint of the admin audit log");
        if let Some(file) = &file
            && let Err(e) = append_line(file, &line)
        {
            tracing::error!(file = %file.display(), error = %e, "the checkpoint of the admin audit log couldn't be written to the file");
        }
        last = Some((checkpoint.seq, Instant::now()));
    }
}

/// Appends `line` to `file` (created when missing) and syncs it.
fn append_line(file: &Path, line: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file)?;
    writeln!(f, "{line}")?;
    f.sync_data()
}

/// Reads the key file again on every SIGHUP until `stopped` turns true (or its sender is gone), and
/// logs the keys then in use (their ids only). A refused file is logged; the keys stay as they were.
async fn reload_keys_on_hangup(service: Service, mut hangups: Signal, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            received = hangups.recv() => {
                if received.is_none() {
                    return;
                }
            }
        }
        match service.reload_keys() {
            Ok(ring) => {
                let keys: Vec<String> = ring.ids().iter().map(ToString::to_string).collect();
                tracing::info!(
                    key_file = %ring.path().display(),
                    current = %ring.current_id(),
                    keys = %keys.join(", "),
                    "SIGHUP: read the key file again; new data is sealed under the current key"
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "SIGHUP: the key file couldn't be read again; the keys stay as they were")
            }
        }
    }
}

/// Binds the listening socket as the `[server]` table and `listen` say, and catches SIGHUP.
pub fn bind(setup: &Setup, listen: Option<SocketAddr>, service: Service) -> anyhow::Result<Bound> {
    let settings = &setup.config.server;
    let tls = match (&settings.tls_certificate, &settings.tls_key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate: certificate.clone(), key: key.clone() }),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => anyhow::bail!(
            "TLS needs both tls_certificate and tls_key in the [server] section of the configuration; give both, or neither for plain HTTP on loopback."
        ),
    };
    let config = ServerConfig {
        listen: listen.or(settings.listen).unwrap_or(umpin_server::DEFAULT_LISTEN),
        tls,
        allow_plain_http: settings.allow_plain_http,
        trusted_proxies: TrustedProxies::parse(&settings.trusted_proxies)?,
        web_session_idle: setup.config.web.session_idle(),
        ..ServerConfig::default()
    };
    let hangups = signal(SignalKind::hangup()).map_err(|e| {
        anyhow::anyhow!(
            "SIGHUP, which makes the server read its key file again, can't be caught ({e}). Check the \
                 open-file limit of the server process (ulimit -n) and start it again."
        )
    })?;
    let checkpoint_file = settings.audit_checkpoint_file.clone();
    let directory_sync = setup.config.directory.sync_interval();
    let shutdown = Box::pin(umpin_server::shutdown_signal());
    Ok(Bound { server: Server::bind(config, service)?, hangups, shutdown, checkpoint_file, directory_sync })
}
