//! The web admin center's sessions (SPEC §4.2): signing in with a management account's name and
//! password, as for an API token (the same accounts, throttling and checks), for a session id
//! that a browser keeps in a cookie.
//!
//! A session id is 256 random bits, kept in the database only as its digest, so any node can
//! check it and the database alone signs nobody in. It ends after [`WEB_SESSION_LIFETIME`]
//! whatever happens, after the idle time the server is configured with when unused, when its
//! account signs out, is disabled or gets a new password.

use jiff::SignedDuration;
use secrecy::{ExposeSecret, SecretString};
use umpin_crypto::{generate_token, token_digest};
use umpin_domain::Guid;
use umpin_store::{Sessions, Tx};

use crate::{Principal, Service, ServiceError};

/// The longest a web session lasts, however busy.
pub const WEB_SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(8);

/// A session just started: its id goes to the browser once and is never stored.
#[derive(Debug)]
pub struct WebSession {
    pub id: SecretString,
    pub principal: Principal,
}

impl Service {
    /// Signs a management account in for a new web session that ends when unused for `idle`.
    /// Every sign-in makes a new id.
    pub async fn start_web_session(
        &self,
        username: &str,
        password: &SecretString,
        source: &str,
        idle: SignedDuration,
    ) -> Result<WebSession, ServiceError> {
        let (account, mut tx) = self.check_credentials(username, password, source).await?;
        let id = self.new_session(&mut tx, Sessions::AdminCenter, account.guid, idle).await?;
        tx.commit().await?;
        tracing::info!(account = %account.name, %source, "a management account signed in to the web admin center");
        let principal =
            Principal { account: account.name, role_groups: account.role_groups, source: source.to_owned() };
        Ok(WebSession { id, principal })
    }

    /// Stores a new session of `kind` for `owner` (an account, or a Voice Mail user's mailbox) in
    /// `tx`, ending after [`WEB_SESSION_LIFETIME`] or when unused for `idle`, and returns its id:
    /// 256 random bits, of which only the digest is stored.
    pub(crate) async fn new_session(
        &self,
        tx: &mut Tx,
        kind: Sessions,
        owner: Guid,
        idle: SignedDuration,
    ) -> Result<SecretString, ServiceError> {
        let now = self.now();
        let id = generate_token()?;
        let expires_at = now + WEB_SESSION_LIFETIME;
        let idle_until = (now + idle).min(expires_at);
        tx.insert_session(kind, &token_digest(id.expose_secret()), owner, now, idle_until, expires_at).await?;
        Ok(id)
    }

    /// The principal of a web session that has not ended, whose idle time starts again now;
    /// [`ServiceError::NotAuthenticated`] when the session is unknown, idle, expired or its
    /// account disabled.
    pub async fn use_web_session(
        &self,
        id: &str,
        source: &str,
        idle: SignedDuration,
    ) -> Result<Principal, ServiceError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let account = tx.use_web_session(&token_digest(id), now, now + idle).await?;
        tx.commit().await?;
        match account {
            Some(account) => {
                Ok(Principal { account: account.name, role_groups: account.role_groups, source: source.to_owned() })
            }
            None => Err(ServiceError::NotAuthenticated),
        }
    }

    /// Ends a web session (sign-out); nothing happens when it had ended already.
    pub async fn end_web_session(&self, id: &str) -> Result<(), ServiceError> {
        let mut tx = self.db.begin().await?;
        let ended = tx.delete_session(Sessions::AdminCenter, &token_digest(id)).await?;
        tx.commit().await?;
        if ended {
            tracing::info!("a web admin center session was signed out");
        }
        Ok(())
    }
}
