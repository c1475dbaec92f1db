//! The directory connection of umpin: the `[directory]` settings and the reading of the
//! organisation's users from LDAP or Active Directory, for the directory sync
//! (`Start-UMDirectorySync`), which the service runs over [`umpin_service::DirectorySource`]. The
//! service stays free of network code; this crate holds no rule (what a sync changes is the
//! domain's `directory` module).
//!
//! ```toml
//! [directory]
//! url = "ldaps://dc1.contoso.com"            # or ldap://… with StartTLS (the default)
//! bind_dn = "CN=umpin,OU=Service Accounts,DC=contoso,DC=com"
//! bind_password_file = "/etc/umpin/directory-password"
//! base_dn = "OU=Staff,DC=contoso,DC=com"
//! preset = "active-directory"                # or "openldap" (the default)
//! # user_filter = "(&(objectCategory=person)(objectClass=user))"   # the preset's by default
//! # ca_file = "/etc/umpin/contoso-ca.pem"
//! # grace_period_days = 7
//! # sync_interval_minutes = 60                # how often umpin serve syncs; 0: never on its own
//! # [[directory.um_groups]]                   # members are UM-enabled with the policy
//! # group = "CN=Voice Mail Users,OU=Groups,DC=contoso,DC=com"
//! # policy = "Contoso Default Policy"
//! # [directory.attributes]                   # replace the preset's attributes one by one
//! # phone = "ipPhone"
//! ```

mod client;
mod config;
pub mod local;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{Directory, DirectoryError};
pub use config::{
    AttributeMap, AttributeOverrides, DEFAULT_GRACE_PERIOD_DAYS, DEFAULT_SYNC_INTERVAL_MINUTES, DirectoryConfig,
    DirectoryConfigError, DirectorySettings, MAX_PAGE_SIZE, Preset, RoleGroupMapping, Security, UmGroup,
};
