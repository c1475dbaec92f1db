//! `Search-AdminAuditLog` and `Test-AdminAuditLog`.

use umpin_domain::LimitValue;
use umpin_service::{AuditLogCheck, AuditRecord, AuditSearch, Page, Principal, Service, ServiceError};

use super::{RESULT_SIZE, one, page_of, paged};
use crate::binding::{Batch, PageRequest};
use crate::declare::{Parameter, When, cmdlet};
use crate::views;

cmdlet! {
    /// `Search-AdminAuditLog`.
    SearchAdminAuditLog = "Search-AdminAuditLog" {
        synopsis: "Finds records of the admin audit log: who did what, when, from where, and whether it succeeded.",
        changes_state: false,
        examples: [
            (
                "Search-AdminAuditLog -Cmdlets Set-UMMailboxPIN -ObjectIds tony@contoso.com",
                "Shows who reset or unlocked tony's PIN.",
            ),
            ("Search-AdminAuditLog -IsSuccess $false", "Shows failed and denied actions."),
        ],
        parameters: {
            cmdlets: Option<Vec<String>> = Parameter::named("Cmdlets", "Only records of these cmdlets."),
            object_ids: Option<Vec<String>> =
                Parameter::named("ObjectIds", "Only records about these objects, as they were named."),
            user_ids: Option<Vec<String>> = Parameter::named("UserIds", "Only records of these management accounts."),
            start_date: Option<When> = Parameter::named(
                "StartDate",
                "Only records from this time on (2026-11-27 or 2026-11-27T08:00:00Z).",
            ),
            end_date: Option<When> = Parameter::named("EndDate", "Only records up to this time."),
            is_success: Option<bool> =
                Parameter::named("IsSuccess", "Only succeeded ($true) or failed and denied ($false) actions."),
            result_size: Option<LimitValue> = RESULT_SIZE,
        },
    }
}

impl SearchAdminAuditLog {
    /// Runs it: the page of `size` matching records, newest first, that follows the cursor `after`.
    pub async fn call(
        self,
        s: &Service,
        by: &Principal,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<AuditRecord>, ServiceError> {
        let operation = self.operation();
        let search = AuditSearch {
            cmdlets: self.cmdlets.unwrap_or_default(),
            object_ids: self.object_ids.unwrap_or_default(),
            user_ids: self.user_ids.unwrap_or_default(),
            start_date: self.start_date.map(|w| w.0),
            end_date: self.end_date.map(|w| w.0),
            is_success: self.is_success,
        };
        s.search_admin_audit_log(by, operation, search, after, size).await
    }

    pub async fn run(self, s: &Service, by: &Principal, page: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let (after, size) = page_of(page);
        Ok(paged(self.call(s, by, after, size).await?, views::audit_event))
    }
}

cmdlet! {
    /// `Test-AdminAuditLog`.
    TestAdminAuditLog = "Test-AdminAuditLog" {
        synopsis: "Checks that no record of the admin audit log was changed, removed or inserted.",
        changes_state: false,
        examples: [
            ("Test-AdminAuditLog", "Checks the whole chain and names the first broken record."),
            (
                "Test-AdminAuditLog -Checkpoint /var/log/umpin/audit-checkpoints",
                "Also shows whether the newest records were deleted since the last checkpoint in the file.",
            ),
        ],
        parameters: {
            checkpoint: Option<String> = Parameter::named(
                "Checkpoint",
                "A signed checkpoint that umpin serve wrote (the line, or a file of them: the last is used), which the log must still reach.",
            ),
        },
    }
}

impl TestAdminAuditLog {
    /// Runs it: what the check of the chain found.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<AuditLogCheck, ServiceError> {
        let operation = self.operation();
        let checkpoint = self.checkpoint.map(|value| checkpoint_text(by, value)).transpose()?;
        s.test_admin_audit_log_reaching(by, operation, checkpoint.as_deref()).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(one(views::audit_check(&self.call(s, by).await?)))
    }
}

/// `-Checkpoint`: a checkpoint line as given, or, for the local administrator, the content of
/// the file it names (a file of checkpoints, or a server log). A signed-in account (the remote
/// shell, run on the server) gives the line itself: naming files on the server is not for it.
fn checkpoint_text(by: &Principal, value: String) -> Result<String, ServiceError> {
    if value.contains(umpin_service::CHECKPOINT_TAG) {
        return Ok(value);
    }
    let refuse =
        |rule: String| ServiceError::Rule(umpin_domain::Error::InvalidParameter { parameter: "Checkpoint", rule });
    if by.account != Principal::LOCAL_ADMINISTRATOR {
        return Err(refuse(format!(
            "give the checkpoint line itself (it begins with '{}'): a remote shell can't name a file on the server.",
            umpin_service::CHECKPOINT_TAG
        )));
    }
    std::fs::read_to_string(&value)
        .map_err(|e| refuse(format!("it is neither a checkpoint line nor a file that can be read ({e}).")))
}
