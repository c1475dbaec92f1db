//! Where a shell's cmdlets run: in-process on the data directory ([`Local`]), or on a server
//! ([`Remote`]), which receives each bound invocation in the catalogue's wire format
//! ([`umpin_catalogue::wire`]) and runs the very same catalogue cmdlet under the signed-in
//! account's role groups. The pipeline utilities run in the shell either way, so the output is
//! the same.
//!
//! The HTTP conversation (signing in, the token, TLS) belongs to the `umpin` command; this crate
//! only needs a way to send one request and get one batch back.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use umpin_catalogue::Cmdlet;
use umpin_catalogue::binding::{Batch, Invocation, PageRequest};
use umpin_catalogue::wire::CmdletRequest;
use umpin_service::{Principal, Service};

/// Runs cmdlets in-process on a [`Service`] as one principal.
#[derive(Clone)]
pub struct Local {
    service: Service,
    principal: Principal,
}

impl Local {
    pub fn new(service: Service, principal: Principal) -> Self {
        Local { service, principal }
    }
}

/// The reply to one cmdlet request: its batch, or the server's message.
pub type Reply = Pin<Box<dyn Future<Output = Result<Batch, String>> + Send>>;

/// Sends one cmdlet request (the cmdlet's name and its request) to a server.
pub type Sender = Arc<dyn Fn(&'static str, CmdletRequest) -> Reply + Send + Sync>;

/// A server the shell sends its cmdlets to.
#[derive(Clone)]
pub struct Remote {
    send: Sender,
}

impl Remote {
    pub fn new(send: Sender) -> Remote {
        Remote { send }
    }
}

/// Where the cmdlets of a shell run.
#[derive(Clone)]
pub enum Backend {
    Local(Local),
    Remote(Remote),
}

impl Backend {
    /// Runs one invocation; the error is the message the shell prints after the cmdlet's name.
    pub async fn invoke(&self, invocation: &Invocation, page: Option<&PageRequest>) -> Result<Batch, String> {
        match self {
            Backend::Local(local) => {
                let cmdlet = Cmdlet::bind(invocation.cmdlet.name, &invocation.arguments)?;
                cmdlet.run(&local.service, &local.principal, page).await.map_err(|e| e.to_string())
            }
            Backend::Remote(remote) => {
                (remote.send)(invocation.cmdlet.name, CmdletRequest::new(invocation, page)).await
            }
        }
    }
}

impl From<Local> for Backend {
    fn from(local: Local) -> Backend {
        Backend::Local(local)
    }
}

impl From<Remote> for Backend {
    fn from(remote: Remote) -> Backend {
        Backend::Remote(remote)
    }
}
