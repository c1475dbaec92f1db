//! `Start-UMDirectorySync` and `Get-UMDirectorySyncStatus`: mailboxes brought in line with the
//! organisation's directory (LDAP, Active Directory), and the result of the last sync.

use umpin_service::{DirectorySyncRecord, DirectorySyncReport, Principal, Service, ServiceError};

use crate::binding::{Batch, PageRequest};
use crate::declare::{Parameter, Switch, cmdlet};
use crate::views;

cmdlet! {
    /// `Start-UMDirectorySync`.
    StartUmDirectorySync = "Start-UMDirectorySync" {
        synopsis: "Creates and updates mailboxes from the directory, and disables UM of users gone from it or disabled there after the grace period.",
        changes_state: true,
        examples: [
            ("Start-UMDirectorySync -WhatIf", "Lists what a sync would change, without changing anything."),
            ("Start-UMDirectorySync", "Runs a sync and shows its counts and the entries it skipped."),
        ],
        parameters: {
            what_if: Switch = Parameter::named("WhatIf", "Lists every change the sync would make, without making it."),
        },
    }
}

impl StartUmDirectorySync {
    /// Runs it; what the sync changed (or, with `-WhatIf`, would change) and its record.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<DirectorySyncReport, ServiceError> {
        let operation = self.operation();
        s.start_directory_sync(by, operation, self.what_if.0).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let what_if = self.what_if.0;
        let report = self.call(s, by).await?;
        let mut objects: Vec<_> = report.changes.iter().map(views::directory_sync_change).collect();
        if !what_if {
            objects.push(views::directory_sync_status(&report.record));
        }
        let warnings = report.record.skipped.iter().map(|s| format!("Skipped {}: {}", s.dn, s.reason)).collect();
        Ok(Batch { objects, warnings, next: None })
    }
}

cmdlet! {
    /// `Get-UMDirectorySyncStatus`.
    GetUmDirectorySyncStatus = "Get-UMDirectorySyncStatus" {
        synopsis: "Shows the result of the last directory sync: when it ran, what it added, updated and disabled, and the entries it skipped with why.",
        changes_state: false,
        examples: [
            ("Get-UMDirectorySyncStatus", "Shows the counts of the last sync."),
            ("Get-UMDirectorySyncStatus | Select-Object -ExpandProperty SkippedEntries", "Lists the entries it skipped."),
        ],
        parameters: {},
    }
}

impl GetUmDirectorySyncStatus {
    /// Runs it; the record of the last sync, when one ran.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Option<DirectorySyncRecord>, ServiceError> {
        let operation = self.operation();
        s.directory_sync_status(by, operation).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(self.call(s, by).await?.as_slice(), views::directory_sync_status))
    }
}
