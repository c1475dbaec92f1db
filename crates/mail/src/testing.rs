//! The test kit of e-mail delivery (feature `testing`), for its own tests and those of the
//! crates above it: [`SmtpSink`], a small SMTP server on loopback that records the messages it is
//! given, and can be told to refuse, drop or ignore them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::{MailConfig, SmtpConfig, SmtpSecurity};

/// How the server treats the next command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Every `RCPT TO` gets a 550.
    RejectRecipients,
    /// The connection is closed, unanswered, at `MAIL FROM`.
    DropConnection,
    /// Connections are taken and never answered.
    Silent,
}

/// A message the server accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as it came, dot-unstuffed, lines ending in CRLF.
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        head.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
    }

    pub fn body(&self) -> &str {
        self.data.split_once("\r\n\r\n").map_or("", |(_, body)| body)
    }

    pub fn subject(&self) -> &str {
        self.header("Subject").unwrap_or_default()
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default().to_owned()
    }
}

#[derive(Debug)]
struct Shared {
    mode: Mutex<Mode>,
    received: Mutex<Vec<Received>>,
}

/// The server: listens on 127.0.0.1 at a port of its own, which it keeps across a stop and a
/// start.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)));
        let addr = listener.local_addr().expect("the SMTP sink has an address");
        let shared = Arc::new(Shared { mode: Mutex::new(Mode::Accept), received: Mutex::new(Vec::new()) });
        let task = Some(tokio::spawn(serve(listener, Arc::clone(&shared))));
        SmtpSink { addr, shared, task }
    }

    /// Closes the port and every open connection: the server is down.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.task = Some(tokio::spawn(serve(listen(self.addr), Arc::clone(&self.shared))));
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap_or_else(PoisonError::into_inner) = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Mail settings that send to this server.
    pub fn config(&self) -> MailConfig {
        self.config_with_timeout(10)
    }

    pub fn config_with_timeout(&self, timeout_seconds: u64) -> MailConfig {
        MailConfig {
            from: Some("Voice Mail <voicemail@contoso.com>".into()),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: Some(self.addr.port()),
                security: SmtpSecurity::None,
                username: None,
                password: None,
                password_file: None,
                timeout_seconds: Some(timeout_seconds),
            }),
            pickup_dir: None,
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A listening socket that may take a port just released (SO_REUSEADDR).
fn listen(addr: SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().expect("a socket for the SMTP sink");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR on the SMTP sink's socket");
    socket.bind(addr).expect("the SMTP sink binds its port");
    socket.listen(64).expect("the SMTP sink listens")
}

/// Takes connections until aborted; aborting drops the connections too (with the `JoinSet`).
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            connections.spawn(converse(stream, Arc::clone(&shared)));
        }
        while connections.try_join_next().is_some() {}
    }
}

async fn reply(out: &mut OwnedWriteHalf, text: &str) -> Option<()> {
    out.write_all(format!("{text}\r\n").as_bytes()).await.ok()
}

/// The address inside `<…>` of `MAIL FROM:<a> …` / `RCPT TO:<a>`.
fn angle_address(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..].find('>').map_or(argument.len(), |i| start + i);
    argument[start..end].to_owned()
}

/// One SMTP session (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
async fn converse(stream: TcpStream, shared: Arc<Shared>) -> Option<()> {
    let (read, mut out) = stream.into_split();
    let mut input = BufReader::new(read);
    let mode = || *shared.mode.lock().unwrap_or_else(PoisonError::into_inner);
    if mode() == Mode::Silent {
        let mut ignored = Vec::new();
        let _ = input.read_to_end(&mut ignored).await;
        return None;
    }
    reply(&mut out, "220 sink.test ESMTP ready").await?;
    let (mut from, mut to) = (None::<String>, Vec::<String>::new());
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply(&mut out, "250-sink.test greets you\r\n250-8BITMIME\r\n250 SIZE 10485760").await?;
        } else if upper.starts_with("HELO") {
            reply(&mut out, "250 sink.test").await?;
        } else if upper.starts_with("MAIL FROM:") {
            if mode() == Mode::DropConnection {
                return None;
            }
            from = Some(angle_address(&line[10..]));
            to.clear();
            reply(&mut out, "250 2.1.0 Sender OK").await?;
        } else if upper.starts_with("RCPT TO:") {
            let recipient = angle_address(&line[8..]);
            if from.is_none() {
                reply(&mut out, "503 5.5.1 MAIL first").await?;
            } else if mode() == Mode::RejectRecipients {
                reply(&mut out, &format!("550 5.1.1 <{recipient}>: Recipient address rejected")).await?;
            } else {
                to.push(recipient);
                reply(&mut out, "250 2.1.5 Recipient OK").await?;
            }
        } else if upper == "DATA" {
            if to.is_empty() {
                reply(&mut out, "503 5.5.1 RCPT first").await?;
                continue;
            }
            reply(&mut out, "354 End data with <CR><LF>.<CR><LF>").await?;
            let mut data = String::new();
            loop {
                let mut line = String::new();
                if input.read_line(&mut line).await.ok()? == 0 {
                    return None;
                }
                let content = line.trim_end_matches(['\r', '\n']);
                if content == "." {
                    break;
                }
                // Dot-unstuffing: a line starting with a dot was sent with one more.
                data.push_str(content.strip_prefix('.').filter(|_| content.starts_with("..")).unwrap_or(content));
                data.push_str("\r\n");
            }
            let message = Received { from: from.take().unwrap_or_default(), to: std::mem::take(&mut to), data };
            shared.received.lock().unwrap_or_else(PoisonError::into_inner).push(message);
            reply(&mut out, "250 2.0.0 Queued").await?;
        } else if upper == "RSET" {
            (from, to) = (None, Vec::new());
            reply(&mut out, "250 2.0.0 OK").await?;
        } else if upper.starts_with("NOOP") {
            reply(&mut out, "250 2.0.0 OK").await?;
        } else if upper == "QUIT" {
            reply(&mut out, "221 2.0.0 Bye").await?;
            return Some(());
        } else {
            reply(&mut out, "502 5.5.2 Command not recognized").await?;
        }
    }
}
