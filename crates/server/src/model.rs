//! The JSON of the resource API beside the objects themselves, which are the catalogue's typed
//! views (`umpin_catalogue::views`: the shell's object of the same name with its properties in
//! the same order, named in camelCase): pages of them, changed objects with their warnings, and
//! the sign-in. The bodies that create and change objects are their cmdlets' parameters
//! (`umpin_catalogue::body`).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use umpin_catalogue::body::Body;
use umpin_catalogue::cmdlets::{
    EnableUmMailbox, NewMailbox, NewUmDialPlan, NewUmMailboxPolicy, SetMailbox, SetUmDialPlan, SetUmMailbox,
    SetUmMailboxPin, SetUmMailboxPolicy,
};
use utoipa::ToSchema;

/// A page of a listing: the items and, when more follow, the cursor of the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A changed object with what the change warns of, when it warns.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed<T> {
    #[serde(flatten)]
    pub object: T,
    /// What the change just made warns of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

// The bodies by name, for the handlers' OpenAPI annotations (which take a type without generic
// arguments); each is named in the document by its cmdlet, as `NewMailboxBody`.
pub type NewMailboxBody = Body<NewMailbox>;
pub type SetMailboxBody = Body<SetMailbox>;
pub type NewUmDialPlanBody = Body<NewUmDialPlan>;
pub type SetUmDialPlanBody = Body<SetUmDialPlan>;
pub type NewUmMailboxPolicyBody = Body<NewUmMailboxPolicy>;
pub type SetUmMailboxPolicyBody = Body<SetUmMailboxPolicy>;
pub type EnableUmMailboxBody = Body<EnableUmMailbox>;
pub type SetUmMailboxBody = Body<SetUmMailbox>;
pub type SetUmMailboxPinBody = Body<SetUmMailboxPin>;

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The management account name.
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// A bearer token for `Authorization: Bearer <token>`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` (with 200) when the admin audit log is damaged, so that administration is
    /// refused while voice access goes on; `unavailable` (with 503) when the database can't be
    /// reached.
    pub status: &'static str,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
