//! Role groups, management accounts, sign-in and the admin audit log (SPEC §4.4–§4.5), on both
//! backends.

use jiff::SignedDuration;
use secrecy::ExposeSecret;
use umpin_catalogue::cmdlets::create_first_administrator;
use umpin_domain::{AuditParameter, AuditParameters, AuditValue, RoleGroup};
use umpin_service::testing::append_text_audit_record;

use super::*;

/// Y: the role group grants it; n: it doesn't. Written from SPEC §4.4, one column per group in
/// the order of `GROUPS`.
const GROUPS: [RoleGroup; 5] = [
    RoleGroup::OrganizationManagement,
    RoleGroup::UmManagement,
    RoleGroup::ViewOnlyOrganizationManagement,
    RoleGroup::HelpDesk,
    RoleGroup::VoiceAccess,
];
const MATRIX: &[(&str, &str)] = &[
    //                                  Org UM View Help Voice
    ("New-UMDialPlan", "Y Y n n n"),
    ("Get-UMDialPlan", "Y Y Y n n"),
    ("Set-UMDialPlan", "Y Y n n n"),
    ("Remove-UMDialPlan", "Y Y n n n"),
    ("New-UMMailboxPolicy", "Y Y n n n"),
    ("Get-UMMailboxPolicy", "Y Y Y n n"),
    ("Set-UMMailboxPolicy", "Y Y n n n"),
    ("Remove-UMMailboxPolicy", "Y Y n n n"),
    ("Enable-UMMailbox", "Y Y n n n"),
    ("Disable-UMMailbox", "Y Y n n n"),
    ("Get-UMMailbox", "Y Y Y Y n"),
    ("Set-UMMailbox", "Y Y n n n"),
    ("Get-UMMailboxPIN", "Y Y Y Y n"),
    ("Set-UMMailboxPIN (generated PIN)", "Y Y n Y n"),
    ("Set-UMMailboxPIN -LockedOut $false", "Y Y n Y n"),
    ("Set-UMMailboxPIN -LockedOut $true", "Y Y n n n"),
    ("Set-UMMailboxPIN -Pin", "Y Y n n n"),
    ("Set-UMMailboxPIN -NotifyEmail", "Y Y n n n"),
    ("Set-UMMailboxPIN -SendEmail $false", "Y Y n n n"),
    ("Set-UMMailboxPIN -PINExpired $false", "Y Y n n n"),
    ("New-Mailbox", "Y n n n n"),
    ("Get-Mailbox", "Y Y Y Y n"),
    ("Set-Mailbox", "Y n n n n"),
    ("Remove-Mailbox", "Y n n n n"),
    ("Search-AdminAuditLog", "Y n Y n n"),
    ("Test-AdminAuditLog", "Y n Y n n"),
    ("New-ManagementAccount", "Y n n n n"),
    ("Get-ManagementAccount", "Y n Y n n"),
    ("Set-ManagementAccount", "Y n n n n"),
    ("Remove-ManagementAccount", "Y n n n n"),
    ("Get-RoleGroup", "Y n Y n n"),
    ("Get-RoleGroupMember", "Y n Y n n"),
    ("Add-RoleGroupMember", "Y n n n n"),
    ("Remove-RoleGroupMember", "Y n n n n"),
    ("Get-UMSprayBlock", "Y n Y n n"),
    ("Clear-UMSprayBlock", "Y n n n n"),
    ("Start-UMDirectorySync", "Y n n n n"),
    ("Get-UMDirectorySyncStatus", "Y n Y n n"),
    ("Voice access", "Y n n n Y"),
];

fn member_of(group: RoleGroup) -> Principal {
    Principal { account: "tester".into(), role_groups: vec![group], source: "192.0.2.7".into() }
}

/// Runs one row of the matrix as `by` on objects that don't all exist: only whether the
/// permission check let it through matters.
async fn run(s: &Service, by: &Principal, action: &str) -> Result<(), ServiceError> {
    let tony = "tony@contoso.com";
    let reset = |reset: SetUmMailboxPin| async move {
        SetUmMailboxPin { identity: tony.into(), ..reset }.call(s, by).await.map(drop)
    };
    match action {
        "New-UMDialPlan" => {
            let new = NewUmDialPlan {
                name: "Plan2".into(),
                number_of_digits_in_extension: 5,
                country_or_region_code: "1".into(),
                ..Default::default()
            };
            new.call(s, by).await.map(drop)
        }
        "Get-UMDialPlan" => GetUmDialPlan::default().call(s, by).await.map(drop),
        "Set-UMDialPlan" => SetUmDialPlan { identity: PLAN.into(), ..Default::default() }.call(s, by).await.map(drop),
        "Remove-UMDialPlan" => RemoveUmDialPlan { identity: "NoSuchPlan".into() }.call(s, by).await.map(drop),
        "New-UMMailboxPolicy" => {
            NewUmMailboxPolicy { name: "P2".into(), um_dial_plan: PLAN.into() }.call(s, by).await.map(drop)
        }
        "Get-UMMailboxPolicy" => GetUmMailboxPolicy::default().call(s, by).await.map(drop),
        "Set-UMMailboxPolicy" => {
            SetUmMailboxPolicy { identity: POLICY.into(), ..Default::default() }.call(s, by).await.map(drop)
        }
        "Remove-UMMailboxPolicy" => {
            RemoveUmMailboxPolicy { identity: "NoSuchPolicy".into() }.call(s, by).await.map(drop)
        }
        "Enable-UMMailbox" => {
            let enable = EnableUmMailbox {
                identity: "kim@contoso.com".into(),
                um_mailbox_policy: POLICY.into(),
                ..Default::default()
            };
            enable.call(s, by).await.map(drop)
        }
        "Disable-UMMailbox" => {
            let disable = DisableUmMailbox { identity: "nobody@contoso.com".into(), keep_properties: Some(true) };
            disable.call(s, by).await.map(drop)
        }
        "Get-UMMailbox" => um_mailbox_of(s, by, tony).await.map(drop),
        "Set-UMMailbox" => SetUmMailbox { identity: tony.into(), ..Default::default() }.call(s, by).await.map(drop),
        "Get-UMMailboxPIN" => GetUmMailboxPin::default().call(s, by, None, None).await.map(drop),
        "Set-UMMailboxPIN (generated PIN)" => reset(SetUmMailboxPin::default()).await,
        "Set-UMMailboxPIN -LockedOut $false" => {
            reset(SetUmMailboxPin { locked_out: Some(false), ..Default::default() }).await
        }
        "Set-UMMailboxPIN -LockedOut $true" => {
            reset(SetUmMailboxPin { locked_out: Some(true), ..Default::default() }).await
        }
        "Set-UMMailboxPIN -Pin" => {
            reset(SetUmMailboxPin { pin: Some(Secret(pin("19858481"))), ..Default::default() }).await
        }
        "Set-UMMailboxPIN -SendEmail $false" => {
            reset(SetUmMailboxPin { send_email: Some(false), ..Default::default() }).await
        }
        "Set-UMMailboxPIN -PINExpired $false" => {
            reset(SetUmMailboxPin { pin_expired: Some(false), ..Default::default() }).await
        }
        "Set-UMMailboxPIN -NotifyEmail" => {
            reset(SetUmMailboxPin { notify_email: Some("someone@else.example".into()), ..Default::default() }).await
        }
        "New-Mailbox" => {
            let new =
                NewMailbox { name: "New".into(), primary_smtp_address: "new@contoso.com".into(), ..Default::default() };
            new.call(s, by).await.map(drop)
        }
        "Get-Mailbox" => GetMailbox::default().call(s, by, None, None).await.map(drop),
        "Set-Mailbox" => SetMailbox { identity: "kim".into(), ..Default::default() }.call(s, by).await.map(drop),
        "Remove-Mailbox" => RemoveMailbox { identity: "nobody@contoso.com".into() }.call(s, by).await.map(drop),
        "Search-AdminAuditLog" => SearchAdminAuditLog::default().call(s, by, None, None).await.map(drop),
        "Test-AdminAuditLog" => TestAdminAuditLog::default().call(s, by).await.map(drop),
        "New-ManagementAccount" => {
            NewManagementAccount { name: "created".into(), ..Default::default() }.call(s, by).await.map(drop)
        }
        "Get-ManagementAccount" => GetManagementAccount::default().call(s, by).await.map(drop),
        "Set-ManagementAccount" => {
            SetManagementAccount { identity: "nobody".into(), ..Default::default() }.call(s, by).await.map(drop)
        }
        "Remove-ManagementAccount" => RemoveManagementAccount { identity: "nobody".into() }.call(s, by).await.map(drop),
        "Get-RoleGroup" => GetRoleGroup::default().call(s, by).await.map(drop),
        "Get-RoleGroupMember" => GetRoleGroupMember { identity: "Help Desk".into() }.call(s, by).await.map(drop),
        "Add-RoleGroupMember" => {
            let add = AddRoleGroupMember { identity: "Help Desk".into(), member: "nobody".into() };
            add.call(s, by).await.map(drop)
        }
        "Remove-RoleGroupMember" => {
            let remove = RemoveRoleGroupMember { identity: "Help Desk".into(), member: "nobody".into() };
            remove.call(s, by).await.map(drop)
        }
        "Get-UMSprayBlock" => GetUmSprayBlock::default().call(s, by).await.map(drop),
        "Clear-UMSprayBlock" => {
            ClearUmSprayBlock { identity: "caller-id:14255550199".into() }.call(s, by).await.map(drop)
        }
        "Start-UMDirectorySync" => match StartUmDirectorySync::default().call(s, by).await {
            // No directory is configured here: the permission check let it through.
            Err(ServiceError::Directory(_)) => Ok(()),
            other => other.map(drop),
        },
        "Get-UMDirectorySyncStatus" => GetUmDirectorySyncStatus::default().call(s, by).await.map(drop),
        "Voice access" => s.sign_in(by, PLAN, "51234", &pin("5643892")).await.map(drop),
        other => panic!("the matrix names an action the test can't run: {other}"),
    }
}

/// The message of the rule a result broke.
fn rule_text<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> String {
    rule(result).to_string()
}

fn denied(result: &Result<(), ServiceError>) -> bool {
    matches!(result, Err(ServiceError::Rule(Error::PermissionDenied { .. })))
}

async fn audit(s: &Service, search: SearchAdminAuditLog) -> Vec<umpin_store::AuditRecord> {
    search.call(s, &admin(), None, Some(1000)).await.unwrap().items
}

/// A raw statement on the database, as someone with direct access to it could run.
async fn raw(db: &Database, sql: &str) {
    match db {
        Database::Sqlite(pools) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pools.writer).await.map(drop),
        Database::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.map(drop),
    }
    .unwrap();
}

async fn drop_append_only_triggers(db: &Database) {
    match db {
        Database::Sqlite(_) => {
            raw(db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").await;
        }
        Database::Postgres(_) => raw(db, "DROP TRIGGER audit_log_no_change ON audit_log").await,
    }
}

/// Drops the trigger that makes the database refuse a record out of order, as someone with the
/// rights to change the schema could.
async fn drop_in_order_trigger(db: &Database) {
    match db {
        Database::Sqlite(_) => raw(db, "DROP TRIGGER audit_log_in_order").await,
        Database::Postgres(_) => raw(db, "DROP TRIGGER audit_log_in_order ON audit_log").await,
    }
}

/// Inserts a record numbered `seq` with a made-up link, straight into the database.
async fn forge_record(db: &Database, seq: i64) -> Result<(), sqlx::Error> {
    let link = match db {
        Database::Sqlite(_) => "X'0123456789abcdef'",
        Database::Postgres(_) => "'\\x0123456789abcdef'::bytea",
    };
    let sql = format!(
        "INSERT INTO audit_log (seq, run_at, account, source, cmdlet, object_id, parameters, succeeded, error, key_id, link) \
         VALUES ({seq}, 0, 'forger', 'nowhere', 'Set-UMMailboxPIN', 'tony@contoso.com', '', TRUE, NULL, 1, {link})"
    );
    match db {
        Database::Sqlite(pools) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pools.writer).await.map(drop),
        Database::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.map(drop),
    }
}

/// An account `name` with `password` in `group`, made by the local administrator.
async fn account(s: &Service, name: &str, password: &str, group: RoleGroup) {
    let new = NewManagementAccount { name: name.into(), display_name: None, password: Some(Secret(pin(password))) };
    new.call(s, &admin()).await.unwrap();
    AddRoleGroupMember { identity: group.name().into(), member: name.into() }.call(s, &admin()).await.unwrap();
}

umpin_store::backend_tests! {
    async fn every_cmdlet_is_allowed_exactly_to_the_role_groups_spec_grants_it(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let mut wrong = Vec::new();
        let mut denials = 0;
        for (action, row) in MATRIX {
            let expected: Vec<bool> = row.split(' ').map(|c| c == "Y").collect();
            assert_eq!(expected.len(), GROUPS.len(), "{action}");
            for (group, allowed) in GROUPS.iter().zip(expected) {
                let result = run(&s, &member_of(*group), action).await;
                if denied(&result) == allowed {
                    wrong.push(format!("{action} as {group}: expected allowed={allowed}, got {result:?}"));
                }
                denials += usize::from(denied(&result));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        let recorded = audit(&s, SearchAdminAuditLog { user_ids: Some(vec!["tester".into()]), is_success: Some(false), ..Default::default() }).await;
        let recorded_denials = recorded.iter().filter(|r| r.error.as_deref().is_some_and(|e| e.contains("doesn't have the permission"))).count();
        assert_eq!(recorded_denials, denials, "every denial is in the audit log");
    }

    async fn an_account_in_no_role_group_may_do_nothing(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let nobody = Principal { account: "nobody".into(), role_groups: vec![], source: "192.0.2.9".into() };
        for (action, _) in MATRIX {
            assert!(denied(&run(&s, &nobody, action).await), "{action}");
        }
    }

    async fn a_denial_names_the_missing_permission_and_the_groups_that_grant_it(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let result = run(&s, &member_of(RoleGroup::HelpDesk), "Set-UMMailboxPIN -Pin").await;
        let message = rule(result).to_string();
        assert!(message.contains("'tester'") && message.contains("'Set-UMMailboxPIN -Pin'"), "{message}");
        assert!(message.contains("Organization Management, UM Management"), "{message}");
    }

    async fn help_desk_resets_to_a_generated_pin_that_goes_only_to_the_user(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let reset = SetUmMailboxPin { identity: "tony@contoso.com".into(), ..Default::default() };
        reset.call(&s, &member_of(RoleGroup::HelpDesk)).await.unwrap();
        let resets = messages(&s, MessageKind::PinReset).await;
        assert_eq!(resets.len(), 1);
        assert_eq!(resets[0].0, "tony@contoso.com");
    }

    /// A denied request with an oversize identity writes a record of bounded size: every value
    /// is cut, with a note of how much, so that denied requests can't fill the unprunable log.
    async fn a_denied_request_with_an_oversize_identity_writes_a_bounded_audit_record(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let huge = "x".repeat(1 << 20);
        let reset = SetUmMailboxPin { identity: huge.clone(), ..Default::default() };
        let denied_reset = reset.call(&s, &member_of(RoleGroup::ViewOnlyOrganizationManagement)).await;
        assert!(denied(&denied_reset.map(drop)));
        let refused = pin_status_of(&s, &admin(), &huge).await;
        assert!(rule_text(refused).contains("longer than 1024 characters"));
        let failed = audit(&s, SearchAdminAuditLog { is_success: Some(false), ..Default::default() }).await;
        assert_eq!(failed.len(), 2, "{failed:?}");
        for r in &failed {
            assert!(r.object_id.chars().count() < 300, "{} characters kept", r.object_id.len());
            assert!(shown(r).chars().count() < 400, "{} characters kept", shown(r).len());
            assert!(r.object_id.ends_with(&format!("[{} more characters cut]", (1 << 20) - 256)), "{}", r.object_id);
        }
    }

    /// A creation is found by the object it created, though it wasn't given as -Identity.
    async fn creations_are_found_in_the_audit_log_by_the_object_they_created(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let new = NewMailbox { name: "Lee Park".into(), primary_smtp_address: "lee.park@contoso.com".into(), ..Default::default() };
        new.call(&s, &admin()).await.unwrap();
        let plan = NewUmDialPlan { name: "Plan2".into(), number_of_digits_in_extension: 5, country_or_region_code: "1".into(), ..Default::default() };
        plan.call(&s, &admin()).await.unwrap();
        NewUmMailboxPolicy { name: "P2".into(), um_dial_plan: "Plan2".into() }.call(&s, &admin()).await.unwrap();
        let account = NewManagementAccount { name: "helpdesk7".into(), ..Default::default() };
        account.call(&s, &admin()).await.unwrap();
        for (cmdlet, object) in [
            ("New-Mailbox", "lee.park@contoso.com"),
            ("New-UMDialPlan", "Plan2"),
            ("New-UMMailboxPolicy", "P2"),
            ("New-ManagementAccount", "helpdesk7"),
        ] {
            let found = audit(&s, SearchAdminAuditLog { object_ids: Some(vec![object.into()]), ..Default::default() }).await;
            assert!(found.iter().any(|r| r.cmdlet == cmdlet && r.succeeded), "{cmdlet} on {object}: {found:?}");
        }
    }

    async fn a_change_is_recorded_with_who_where_what_and_the_pin_as_stars(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let ellen = Principal { account: "ellen".into(), role_groups: vec![RoleGroup::UmManagement], source: "198.51.100.4".into() };
        let request = SetUmMailboxPin {
            identity: "tony@contoso.com".into(),
            pin: Some(Secret(pin("1985848"))),
            pin_expired: Some(true),
            ..Default::default()
        };
        request.call(&s, &ellen).await.unwrap();
        let records = audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["set-ummailboxpin".into()]), ..Default::default() }).await;
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!((r.account.as_str(), r.source.as_str(), r.object_id.as_str()), ("ellen", "198.51.100.4", "tony@contoso.com"));
        let text = |name: &str, value: &str| AuditParameter { name: name.into(), value: AuditValue::Text(value.into()) };
        let parameters = vec![
            text("Identity", "tony@contoso.com"),
            AuditParameter { name: "Pin".into(), value: AuditValue::Secret },
            AuditParameter { name: "PINExpired".into(), value: AuditValue::Bool(true) },
        ];
        assert_eq!(r.parameters, AuditParameters::Values(parameters), "the parameters come back as they were given");
        assert_eq!(shown(r), "-Identity tony@contoso.com -Pin *** -PINExpired $true");
        assert!(r.succeeded && r.error.is_none());
        let stored = umpin_store::testing::raw_contents(&db).await;
        assert!(!stored.windows(7).any(|w| w == b"1985848"), "the PIN reached the database");
        // PostgreSQL's text form of a row doubles the quotes of the JSON in it.
        let marker = r#"{"name":"Pin","kind":"secret"}"#;
        let in_row = marker.replace('"', "\"\"");
        let found = |m: &[u8]| stored.windows(m.len()).any(|w| w == m);
        assert!(found(marker.as_bytes()) || found(in_row.as_bytes()), "positive control: the record's secret marker is in the dump");
    }

    async fn a_failed_change_is_recorded_with_its_error_and_changes_nothing(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let reset = SetUmMailboxPin { identity: "tony@contoso.com".into(), pin: Some(Secret(pin("12"))), ..Default::default() };
        let result = reset.call(&s, &admin()).await;
        let message = rule(result).to_string();
        let failed = audit(&s, SearchAdminAuditLog { is_success: Some(false), ..Default::default() }).await;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].error.as_deref(), Some(message.as_str()));
        assert_eq!(failed[0].cmdlet, "Set-UMMailboxPIN");
        assert!(TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().is_valid());
    }

    async fn reading_pin_information_is_recorded(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        pin_status_of(&s, &member_of(RoleGroup::HelpDesk), "tony@contoso.com").await.unwrap();
        GetUmMailboxPin::default().call(&s, &member_of(RoleGroup::HelpDesk), None, None).await.unwrap();
        let reads = audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["Get-UMMailboxPIN".into()]), user_ids: Some(vec!["tester".into()]), ..Default::default() }).await;
        assert_eq!(reads.len(), 2);
        assert_eq!(reads[1].object_id, "tony@contoso.com", "newest first");
    }

    async fn search_filters_by_object_account_and_time(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let all = audit(&s, SearchAdminAuditLog::default()).await;
        assert!(all.len() >= 5);
        let tony = audit(&s, SearchAdminAuditLog { object_ids: Some(vec!["tony@contoso.com".into()]), ..Default::default() }).await;
        assert!(!tony.is_empty() && tony.iter().all(|r| r.object_id == "tony@contoso.com"));
        let later = Timestamp::now() + SignedDuration::from_hours(1);
        assert!(audit(&s, SearchAdminAuditLog { start_date: Some(When(later)), ..Default::default() }).await.is_empty());
        assert!(audit(&s, SearchAdminAuditLog { user_ids: Some(vec!["someone else".into()]), ..Default::default() }).await.is_empty());
        let page = SearchAdminAuditLog::default().call(&s, &admin(), None, Some(2)).await.unwrap();
        let rest = SearchAdminAuditLog::default().call(&s, &admin(), page.next.as_deref(), Some(1000)).await.unwrap();
        assert_eq!(page.items.len() + rest.items.len(), all.len());
    }

    async fn the_audit_log_refuses_updates_and_deletes(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let update = match &db {
            Database::Sqlite(pools) => sqlx::query("UPDATE audit_log SET account = 'x'").execute(&pools.writer).await.map(drop),
            Database::Postgres(pool) => sqlx::query("UPDATE audit_log SET account = 'x'").execute(pool).await.map(drop),
        };
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = match &db {
            Database::Sqlite(pools) => sqlx::query("DELETE FROM audit_log").execute(&pools.writer).await.map(drop),
            Database::Postgres(pool) => sqlx::query("DELETE FROM audit_log").execute(pool).await.map(drop),
        };
        assert!(delete.unwrap_err().to_string().contains("append-only"));
    }

    async fn test_admin_audit_log_finds_an_edited_record(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert!(check.is_valid() && check.records >= 5, "{check:?}");
        drop_append_only_triggers(&db).await;
        raw(&db, "UPDATE audit_log SET account = 'someone else' WHERE seq = 3").await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(3), "{check:?}");
        assert!(check.reason.unwrap().contains("changed"));
    }

    async fn test_admin_audit_log_finds_a_deleted_record(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        drop_append_only_triggers(&db).await;
        raw(&db, "DELETE FROM audit_log WHERE seq = 2").await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(2), "{check:?}");
        assert!(check.reason.unwrap().contains("missing"));
    }

    async fn test_admin_audit_log_finds_the_last_record_deleted(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let before = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        drop_append_only_triggers(&db).await;
        raw(&db, &format!("DELETE FROM audit_log WHERE seq = {before}")).await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(before), "{check:?}");
    }

    async fn test_admin_audit_log_finds_a_record_rewritten_without_the_server_key(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        drop_append_only_triggers(&db).await;
        // Swapping two records' links keeps every link well-formed but breaks the chain.
        raw(&db, "UPDATE audit_log SET link = (SELECT link FROM audit_log WHERE seq = 1) WHERE seq = 2").await;
        assert_eq!(TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().first_broken, Some(2));
    }

    /// Refused by the order trigger, or, for a number the log already holds, by its primary key
    /// (which PostgreSQL checks before its statement trigger).
    async fn the_database_refuses_an_audit_record_that_is_not_the_one_after_the_head(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let head = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records as i64;
        for seq in [0, -1, 1, head, head + 1, head + 2, head + 100] {
            let refused = forge_record(&db, seq).await.unwrap_err().to_string();
            let held = (1..=head).contains(&seq) && refused.to_lowercase().contains("unique constraint");
            assert!(held || refused.contains("takes only the record after its last one"), "{seq}: {refused}");
        }
        assert!(TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().is_valid());
    }

    async fn a_record_forged_after_the_head_is_detected_hidden_from_search_and_stops_appends_clearly(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let head = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        assert_eq!(s.audit_log_damage().await.unwrap(), None);
        // Put at head + 1 by someone who could drop the order trigger: only the key file can tell
        // it from a real one.
        drop_in_order_trigger(&db).await;
        forge_record(&db, head as i64 + 1).await.unwrap();
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(head + 1), "{check:?}");
        assert!(check.reason.as_deref().unwrap().contains("after the last record umpin wrote"), "{check:?}");
        let forged = audit(&s, SearchAdminAuditLog { user_ids: Some(vec!["forger".into()]), ..Default::default() }).await;
        assert!(forged.is_empty(), "a record beyond the head is no part of the log: {forged:?}");
        let damage = s.audit_log_damage().await.unwrap().expect("the health check reports the damage");
        assert!(damage.contains("Test-AdminAuditLog"), "{damage}");
        // The next audited change is refused, with a message saying what to do, and changes nothing.
        let new = NewMailbox { name: "Ellen Adams".into(), primary_smtp_address: "ellen@contoso.com".into(), ..Default::default() };
        let refused = new.call(&s, &admin()).await.unwrap_err();
        assert!(matches!(refused, ServiceError::AuditLogDamaged { seq } if seq == head + 1), "{refused:?}");
        assert!(refused.to_string().contains("Run Test-AdminAuditLog"), "{refused}");
        assert!(mailbox_of(&s, &admin(), "ellen@contoso.com").await.is_err(), "the refused change was not made");
    }

    async fn test_admin_audit_log_accounts_for_records_numbered_zero_or_below_or_far_beyond_the_head(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let head = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        drop_in_order_trigger(&db).await;
        forge_record(&db, head as i64 + 50).await.unwrap();
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(head + 50), "{check:?}");
        assert!(audit(&s, SearchAdminAuditLog { user_ids: Some(vec!["forger".into()]), ..Default::default() }).await.is_empty());
        for seq in [0, -7] {
            forge_record(&db, seq).await.unwrap();
        }
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(0), "{check:?}");
        assert!(check.reason.as_deref().unwrap().contains("numbered -7"), "{check:?}");
        assert!(s.audit_log_damage().await.unwrap().is_some());
    }

    async fn control_characters_in_identities_and_searches_are_refused_clearly_and_audited_as_given_but_a_nul_as_u_fffd(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let invalid = |result: Result<(), ServiceError>, parameter: &str| match result {
            Err(ServiceError::Rule(Error::InvalidParameter { parameter: p, rule })) if p == parameter => {
                assert!(rule.contains("control character"), "{rule}");
            }
            other => panic!("{parameter}: {other:?}"),
        };
        invalid(mailbox_of(&s, &admin(), "tony\0").await.map(drop), "Identity");
        let reset = SetUmMailboxPin { identity: "tony\0@contoso.com".into(), ..Default::default() };
        invalid(reset.call(&s, &admin()).await.map(drop), "Identity");
        invalid(pin_status_of(&s, &admin(), "to\u{1}ny").await.map(drop), "Identity");
        invalid(GetMailbox { anr: Some("to\0ny".into()), ..Default::default() }.call(&s, &admin(), None, None).await.map(drop), "Anr");
        invalid(GetUmMailbox { anr: Some("\0".into()), ..Default::default() }.call(&s, &admin(), None, None).await.map(drop), "Anr");
        invalid(GetMailbox::default().call(&s, &admin(), Some("a\0"), None).await.map(drop), "cursor");
        invalid(management_account_of(&s, &admin(), "ad\0min").await.map(drop), "Identity");
        let search = SearchAdminAuditLog { object_ids: Some(vec!["tony\0".into()]), ..Default::default() };
        invalid(search.call(&s, &admin(), None, None).await.map(drop), "ObjectIds");
        let named = NewMailbox { name: "Null\0Name".into(), primary_smtp_address: "null@contoso.com".into(), ..Default::default() };
        assert!(matches!(named.call(&s, &admin()).await, Err(ServiceError::Rule(Error::InvalidParameter { parameter: "Name", .. }))));
        let named = NewMailbox { name: "Esc\u{1b}Name".into(), primary_smtp_address: "esc@contoso.com".into(), ..Default::default() };
        assert!(matches!(named.call(&s, &admin()).await, Err(ServiceError::Rule(Error::InvalidParameter { parameter: "Name", .. }))));
        // Neither sign-in nor the voice side reaches the database with it.
        assert!(matches!(s.issue_token("ad\0min", &pin("violet kettle orbit"), "192.0.2.1").await, Err(ServiceError::NotAuthenticated)));
        assert_eq!(sign_in(&s, "512\u{0}34", "5643892").await, SignInOutcome::WrongPin);
        // The refused changes are in the audit log: a control character as given, a NUL (which
        // PostgreSQL can't hold) as U+FFFD; a command line shows them escaped; the chain holds.
        let failed = audit(&s, SearchAdminAuditLog { is_success: Some(false), ..Default::default() }).await;
        assert!(failed.iter().any(|r| r.object_id == "tony\u{fffd}@contoso.com" && r.cmdlet == "Set-UMMailboxPIN"), "{failed:?}");
        assert!(failed.iter().any(|r| r.object_id == "to\u{1}ny" && r.cmdlet == "Get-UMMailboxPIN"), "{failed:?}");
        assert!(failed.iter().any(|r| shown(r).contains("-Name Null\u{fffd}Name")), "{failed:?}");
        assert!(failed.iter().any(|r| shown(r).contains("-Name \"Esc`u{1b}Name\"")), "{failed:?}");
        assert!(TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().is_valid());
    }

    async fn a_signed_checkpoint_shows_the_newest_records_deleted_and_the_head_moved_back(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let checkpoint = s.audit_checkpoint().await.unwrap();
        let line = checkpoint.to_line();
        assert!(line.starts_with("umpin-audit-checkpoint seq="), "{line}");
        let reaching = TestAdminAuditLog { checkpoint: Some(line.clone()) }.call(&s, &admin()).await.unwrap();
        assert!(reaching.is_valid(), "{reaching:?}");
        // Later records, then the newest two deleted and the head moved back to the third newest.
        let new = NewMailbox { name: "Ellen Adams".into(), primary_smtp_address: "ellen@contoso.com".into(), ..Default::default() };
        new.call(&s, &admin()).await.unwrap();
        let head = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap().records;
        drop_append_only_triggers(&db).await;
        let keep = checkpoint.seq - 2;
        raw(&db, &format!(
            "DELETE FROM audit_log WHERE seq > {keep}; \
             UPDATE audit_head SET seq = {keep}, link = (SELECT link FROM audit_log WHERE seq = {keep}) WHERE id = 1"
        ))
        .await;
        let alone = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert!(alone.is_valid(), "positive control: the chain alone can't show a truncation: {alone:?} (head was {head})");
        let check = TestAdminAuditLog { checkpoint: Some(line.clone()) }.call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(keep + 1), "{check:?}");
        assert!(check.reason.as_deref().unwrap().contains("newest records were deleted"), "{check:?}");
    }

    async fn a_checkpoint_is_found_in_a_log_line_or_file_and_a_forged_one_is_refused(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let line = s.audit_checkpoint().await.unwrap().to_line();
        // As the JSON log writes it, after older checkpoints: the last one counts.
        let older = line.replace("seq=", "seq=0");
        let log = format!("{older}\n{{\"level\":\"INFO\",\"fields\":{{\"checkpoint\":\"{line}\",\"records\":5}}}}\n");
        assert!(TestAdminAuditLog { checkpoint: Some(log.clone()) }.call(&s, &admin()).await.unwrap().is_valid());
        let seq = s.audit_checkpoint().await.unwrap().seq;
        for forged in [
            line.replace(&format!("seq={seq} "), &format!("seq={} ", seq + 1)),
            line.replace("mac=", "mac=00"),
            format!("{} mac={}", line.split(" mac=").next().unwrap(), "ab".repeat(32)),
        ] {
            let refused = rule_text(TestAdminAuditLog { checkpoint: Some(forged.clone()) }.call(&s, &admin()).await);
            assert!(refused.contains("'Checkpoint'"), "{forged}: {refused}");
        }
        // A file of the local administrator's that holds no checkpoint.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "nothing here").unwrap();
        let checkpoint = Some(file.path().display().to_string());
        let refused = rule_text(TestAdminAuditLog { checkpoint }.call(&s, &admin()).await);
        assert!(refused.contains("holds no checkpoint"), "{refused}");
    }

    /// Records written when the log kept parameters as PowerShell text and records of parameter
    /// values verify together in one chain, with and without a checkpoint, on both databases;
    /// changing a record of values to the text form breaks its link.
    async fn records_of_parameter_text_and_of_parameter_values_verify_together_in_one_chain(db: Database) {
        let (s, _keys) = service(db.clone());
        let reset = "-Identity tony@contoso.com -Pin *** -PINExpired $true";
        append_text_audit_record(&s, &admin(), "Set-UMMailboxPIN", "tony@contoso.com", reset).await.unwrap();
        contoso(&s).await;
        append_text_audit_record(&s, &admin(), "Set-UMMailbox", "tony@contoso.com", "-Identity tony@contoso.com -PinlessAccessToVoiceMailEnabled $true").await.unwrap();
        let line = s.audit_checkpoint().await.unwrap().to_line();
        let new_pin = SetUmMailboxPin { identity: "tony@contoso.com".into(), pin: Some(Secret(pin("1985848"))), ..Default::default() };
        new_pin.call(&s, &admin()).await.unwrap();
        append_text_audit_record(&s, &admin(), "Set-UMMailboxPIN", "tony@contoso.com", reset).await.unwrap();
        let all = audit(&s, SearchAdminAuditLog::default()).await;
        let text = all.iter().filter(|r| matches!(r.parameters, AuditParameters::Text(_))).count();
        assert_eq!(text, 3, "{all:?}");
        assert!(all.len() > 5, "records of values too: {all:?}");
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert!(check.is_valid() && check.records == all.len() as u64, "{check:?}");
        let reaching = TestAdminAuditLog { checkpoint: Some(line.clone()) }.call(&s, &admin()).await.unwrap();
        assert!(reaching.is_valid(), "{reaching:?}");
        // A record of values passed off as text of the same characters doesn't verify.
        let values = all.iter().rev().find(|r| matches!(r.parameters, AuditParameters::Values(_))).unwrap().seq;
        drop_append_only_triggers(&db).await;
        raw(&db, &format!("UPDATE audit_log SET parameters_format = 1 WHERE seq = {values}")).await;
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert_eq!(check.first_broken, Some(values), "{check:?}");
    }

    /// `Search-AdminAuditLog` shows a record written as text and the same change recorded as
    /// values alike: the shell and the web admin center can't tell them apart.
    async fn a_record_of_parameter_text_and_one_of_values_show_alike(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let request = SetUmMailboxPin {
            identity: "tony@contoso.com".into(),
            pin: Some(Secret(pin("1985848"))),
            pin_expired: Some(true),
            ..Default::default()
        };
        request.call(&s, &admin()).await.unwrap();
        let reset = "-Identity tony@contoso.com -Pin *** -PINExpired $true";
        append_text_audit_record(&s, &admin(), "Set-UMMailboxPIN", "tony@contoso.com", reset).await.unwrap();
        let records = audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["Set-UMMailboxPIN".into()]), ..Default::default() }).await;
        // Newest first: the record written as text, then the reset.
        let (old, new) = (&records[0], &records[1]);
        assert!(matches!(old.parameters, AuditParameters::Text(_)) && matches!(new.parameters, AuditParameters::Values(_)));
        let property = |r: &umpin_store::AuditRecord| match umpin_catalogue::views::audit_event(r) {
            umpin_catalogue::Value::Object(o) => o.get("CmdletParameters").cloned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(property(old), property(new));
        assert_eq!(property(new), Some(umpin_catalogue::Value::from(reset)));
    }

    /// A denied request with huge lists writes a bounded record too: a list keeps at most as
    /// many characters as one value, with a note of how many were cut.
    async fn a_denied_request_with_huge_lists_writes_a_bounded_audit_record(db: Database) {
        let (s, _keys) = service(db.clone());
        contoso(&s).await;
        let nobody = Principal { account: "nobody".into(), role_groups: Vec::new(), source: "192.0.2.9".into() };
        let search = SearchAdminAuditLog {
            cmdlets: Some(vec!["x".repeat(1000); 1000]),
            object_ids: Some(vec![String::new(); 100_000]),
            ..Default::default()
        };
        assert!(matches!(
            search.call(&s, &nobody, None, None).await,
            Err(ServiceError::Rule(Error::PermissionDenied { .. }))
        ));
        let failed = audit(&s, SearchAdminAuditLog { user_ids: Some(vec!["nobody".into()]), ..Default::default() }).await;
        let [r] = failed.as_slice() else { panic!("{failed:?}") };
        let AuditParameters::Values(values) = &r.parameters else { panic!("{r:?}") };
        let lists: Vec<_> = values.iter().filter_map(|p| match &p.value { AuditValue::Texts(t) => Some(t), _ => None }).collect();
        assert_eq!(lists.len(), 2, "{values:?}");
        let (cmdlets, object_ids) = (lists[0], lists[1]);
        assert_eq!(cmdlets.len(), 1, "{cmdlets:?}");
        assert!(cmdlets[0].ends_with(&format!("…[{} more characters cut]", 1000 * 1001 - 256 - 1)), "{cmdlets:?}");
        // Each text counts one character more, for the comma before it: 257 empty texts fill 256.
        assert_eq!(object_ids.len(), 258, "{} texts kept", object_ids.len());
        assert_eq!(object_ids[257], format!("…[{} more characters cut]", 100_000 - 257));
        assert!(shown(r).chars().count() < 1200, "{} characters shown", shown(r).len());
    }

    async fn changes_from_two_nodes_at_once_chain_without_a_gap(db: Database) {
        let (s, keys) = service(db.clone());
        let other = service_with_key(db.connect_like().await.unwrap(), &keys.path().join("umpin.key"));
        contoso(&s).await;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let node = if i % 2 == 0 { s.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let new = NewMailbox { name: format!("User {i}"), primary_smtp_address: format!("user{i}@contoso.com"), ..Default::default() };
                new.call(&node, &admin()).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let check = TestAdminAuditLog::default().call(&s, &admin()).await.unwrap();
        assert!(check.is_valid(), "{check:?}");
        assert_eq!(audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["New-Mailbox".into()]), ..Default::default() }).await.len(), 22);
    }

    async fn a_token_is_issued_for_the_right_password_and_stands_for_the_account(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "helpdesk1", "correct horse battery", RoleGroup::HelpDesk).await;
        let issued = s.issue_token("HelpDesk1", &pin("correct horse battery"), "192.0.2.1").await.unwrap();
        let token = issued.token.expose_secret().to_owned();
        assert!(token.starts_with("umpin_") && token.len() > 60);
        let by = s.authenticate(&token, "192.0.2.1").await.unwrap();
        assert_eq!((by.account.as_str(), by.role_groups.as_slice()), ("helpdesk1", &[RoleGroup::HelpDesk][..]));
        let stored = umpin_store::testing::raw_contents(&db).await;
        assert!(!stored.windows(token.len()).any(|w| w == token.as_bytes()), "the token is stored only as a digest");
        assert!(!stored.windows(21).any(|w| w == b"correct horse battery"), "the password is never stored");
    }

    async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "correct horse battery", RoleGroup::UmManagement).await;
        let wrong = s.issue_token("ellen", &pin("wrong password!"), "192.0.2.1").await.unwrap_err();
        let unknown = s.issue_token("nobody", &pin("wrong password!"), "192.0.2.2").await.unwrap_err();
        assert!(matches!(wrong, ServiceError::NotAuthenticated));
        assert_eq!(wrong.to_string(), unknown.to_string());
        assert!(!wrong.to_string().contains("wrong password!"));
    }

    async fn sign_in_lets_exactly_five_failures_of_an_account_through_then_throttles(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "violet kettle orbit", RoleGroup::UmManagement).await;
        for i in 0..5 {
            let source = format!("192.0.2.{i}");
            assert!(matches!(s.issue_token("ellen", &pin("guess guess guess"), &source).await, Err(ServiceError::NotAuthenticated)), "try {}", i + 1);
        }
        let sixth = s.issue_token("ellen", &pin("violet kettle orbit"), "203.0.113.1").await;
        assert!(matches!(sixth, Err(ServiceError::Throttled { retry_after_secs: 1 })), "{sixth:?}");
    }

    async fn sign_in_throttling_counts_an_account_once_however_it_is_named(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "violet kettle orbit", RoleGroup::UmManagement).await;
        let guid = management_account_of(&s, &admin(), "ellen").await.unwrap().guid.to_string();
        for (i, name) in ["ellen", "ELLEN", &guid, &guid.to_uppercase(), " Ellen "].iter().enumerate() {
            let source = format!("192.0.2.{i}");
            assert!(matches!(s.issue_token(name, &pin("guess guess guess"), &source).await, Err(ServiceError::NotAuthenticated)), "{name}");
        }
        // Naming the account by its guid is no second budget.
        let by_guid = s.issue_token(&guid, &pin("violet kettle orbit"), "203.0.113.1").await;
        assert!(matches!(by_guid, Err(ServiceError::Throttled { .. })), "{by_guid:?}");
    }

    async fn retry_after_rounds_the_remaining_wait_up_so_an_obedient_client_gets_in(db: Database) {
        let (s, keys) = service(db.clone());
        account(&s, "ellen", "violet kettle orbit", RoleGroup::UmManagement).await;
        let base = Timestamp::now();
        let offset_ms = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let at = offset_ms.clone();
        let s = service_with_key(db.clone(), &keys.path().join("umpin.key"))
            .with_clock(Arc::new(move || base + SignedDuration::from_millis(at.load(std::sync::atomic::Ordering::SeqCst))));
        let set = |ms: i64| offset_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
        for i in 0..5 {
            let _ = s.issue_token("ellen", &pin("guess guess guess"), &format!("192.0.2.{i}")).await;
        }
        set(1_000);
        // The sixth failure, once the first wait is over, blocks for 2 s: until 3 s.
        assert!(matches!(s.issue_token("ellen", &pin("guess guess guess"), "192.0.2.9").await, Err(ServiceError::NotAuthenticated)));
        set(1_500);
        let told = match s.issue_token("ellen", &pin("violet kettle orbit"), "203.0.113.1").await {
            Err(ServiceError::Throttled { retry_after_secs }) => retry_after_secs,
            other => panic!("{other:?}"),
        };
        assert_eq!(told, 2, "1.5 s left is said as 2 s, not 1 s");
        set(1_500 + 1_000 * i64::try_from(told).unwrap());
        assert!(s.issue_token("ellen", &pin("violet kettle orbit"), "203.0.113.1").await.is_ok(), "waiting as told is enough");
    }

    async fn sign_in_is_throttled_per_source_across_accounts(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "correct horse battery", RoleGroup::UmManagement).await;
        for i in 0..6 {
            let _ = s.issue_token(&format!("user{i}"), &pin("guess guess guess"), "192.0.2.66").await;
        }
        let result = s.issue_token("ellen", &pin("correct horse battery"), "192.0.2.66").await;
        assert!(matches!(result, Err(ServiceError::Throttled { .. })), "{result:?}");
        assert!(s.issue_token("ellen", &pin("correct horse battery"), "192.0.2.67").await.is_ok());
    }

    async fn a_revoked_or_expired_token_no_longer_signs_in(db: Database) {
        let (s, keys) = service(db.clone());
        account(&s, "ellen", "correct horse battery", RoleGroup::UmManagement).await;
        let token = s.issue_token("ellen", &pin("correct horse battery"), "192.0.2.1").await.unwrap().token;
        let later = service_with_key(db.clone(), &keys.path().join("umpin.key"))
            .with_clock(Arc::new(|| Timestamp::now() + umpin_service::TOKEN_LIFETIME + SignedDuration::from_secs(1)));
        assert!(matches!(later.authenticate(token.expose_secret(), "x").await, Err(ServiceError::NotAuthenticated)));
        let by = s.authenticate(token.expose_secret(), "x").await.unwrap();
        s.revoke_token(&by, token.expose_secret()).await.unwrap();
        assert!(matches!(s.authenticate(token.expose_secret(), "x").await, Err(ServiceError::NotAuthenticated)));
    }

    async fn a_new_password_or_disabling_revokes_the_accounts_tokens(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "correct horse battery", RoleGroup::UmManagement).await;
        let token = s.issue_token("ellen", &pin("correct horse battery"), "192.0.2.1").await.unwrap().token;
        let set = SetManagementAccount { identity: "ellen".into(), password: Some(Secret(pin("another long password"))), ..Default::default() };
        set.call(&s, &admin()).await.unwrap();
        assert!(s.authenticate(token.expose_secret(), "x").await.is_err());
        assert!(s.issue_token("ellen", &pin("correct horse battery"), "192.0.2.1").await.is_err());
        let token = s.issue_token("ellen", &pin("another long password"), "192.0.2.1").await.unwrap().token;
        let disable = SetManagementAccount { identity: "ellen".into(), disabled: Some(true), ..Default::default() };
        disable.call(&s, &admin()).await.unwrap();
        assert!(s.authenticate(token.expose_secret(), "x").await.is_err());
        assert!(matches!(s.issue_token("ellen", &pin("another long password"), "192.0.2.1").await, Err(ServiceError::NotAuthenticated)));
    }

    async fn weak_management_passwords_are_refused_naming_the_rule_they_break(db: Database) {
        let (s, _keys) = service(db.clone());
        for (password, rule) in [
            ("aaaaaaaaaaaa", "repeats characters"),
            ("password1234", "commonly used or breached"),
            ("            ", "repeats characters"),
            ("Marketingmanager-2024", "account's name ('marketingmanager')"),
            ("my umpin admin key", "product's name ('umpin')"),
        ] {
            let new = NewManagementAccount { name: "marketingmanager".into(), display_name: None, password: Some(Secret(pin(password))) };
            let refused = rule_text(new.call(&s, &admin()).await);
            assert!(refused.contains(rule), "{password:?}: {refused}");
            assert!(password.trim().is_empty() || !refused.contains(password), "{refused}");
        }
        assert!(management_account_of(&s, &admin(), "marketingmanager").await.is_err(), "no account was created");
        account(&s, "ellen", "violet kettle orbit", RoleGroup::UmManagement).await;
        let set = SetManagementAccount { identity: "ellen".into(), password: Some(Secret(pin("Ellen2024!Ellen"))), ..Default::default() };
        assert!(rule_text(set.call(&s, &admin()).await).contains("account's name ('ellen')"));
        assert!(s.issue_token("ellen", &pin("violet kettle orbit"), "192.0.2.1").await.is_ok(), "the password stayed");
    }

    async fn a_generated_password_is_returned_once_and_signs_in(db: Database) {
        let (s, _keys) = service(db.clone());
        let new = NewManagementAccount { name: "kim".into(), ..Default::default() };
        let (account, generated) = new.call(&s, &admin()).await.unwrap();
        assert_eq!(account.display_name, "kim");
        let password = generated.expect("a generated password");
        assert_eq!(password.expose_secret().len(), 20);
        assert!(s.issue_token("kim", &password, "192.0.2.1").await.is_ok());
        let records = audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["New-ManagementAccount".into()]), ..Default::default() }).await;
        assert!(!shown(&records[0]).contains(password.expose_secret()));
    }

    async fn organization_management_always_keeps_an_enabled_member(db: Database) {
        let (s, _keys) = service(db.clone());
        let (first, _) = create_first_administrator(&s, "admin", None).await.unwrap().unwrap();
        assert_eq!(first.role_groups, vec![RoleGroup::OrganizationManagement]);
        assert!(create_first_administrator(&s, "second", None).await.unwrap().is_none(), "only once");
        let last = |r: Result<(), ServiceError>| matches!(r, Err(ServiceError::Rule(Error::LastOrganizationManager { .. })));
        let leaving = RemoveRoleGroupMember { identity: "Organization Management".into(), member: "admin".into() };
        assert!(last(leaving.call(&s, &admin()).await));
        assert!(last(RemoveManagementAccount { identity: "admin".into() }.call(&s, &admin()).await));
        let disable = SetManagementAccount { identity: "admin".into(), disabled: Some(true), ..Default::default() };
        assert!(last(disable.call(&s, &admin()).await));
        account(&s, "second", "correct horse battery", RoleGroup::OrganizationManagement).await;
        RemoveManagementAccount { identity: "admin".into() }.call(&s, &admin()).await.unwrap();
    }

    async fn an_account_cannot_remove_itself_from_organization_management_but_another_member_can(db: Database) {
        let (s, _keys) = service(db.clone());
        create_first_administrator(&s, "admin", None).await.unwrap().unwrap();
        account(&s, "second", "correct horse battery", RoleGroup::OrganizationManagement).await;
        let second = Principal {
            account: "second".into(),
            role_groups: vec![RoleGroup::OrganizationManagement],
            source: "192.0.2.7".into(),
        };
        let itself = RemoveRoleGroupMember { identity: "Organization Management".into(), member: "SECOND".into() };
        let refused = rule(itself.call(&s, &second).await);
        assert!(matches!(refused, Error::OwnOrganizationManagement { .. }), "{refused:?}");
        assert!(refused.to_string().contains("can't remove itself from Organization Management"), "{refused}");
        let members = GetRoleGroup { identity: Some("Organization Management".into()) }.call(&s, &admin()).await.unwrap();
        assert!(members[0].members.contains(&"second".to_owned()), "the membership stayed");
        let records = audit(&s, SearchAdminAuditLog { cmdlets: Some(vec!["Remove-RoleGroupMember".into()]), ..Default::default() }).await;
        assert!(records[0].account == "second" && !records[0].succeeded, "the refusal is audited: {:?}", records[0]);
        let other = RemoveRoleGroupMember { identity: "Organization Management".into(), member: "admin".into() };
        other.call(&s, &second).await.unwrap();
    }

    async fn account_names_are_unique_case_insensitively_and_passwords_checked(db: Database) {
        let (s, _keys) = service(db.clone());
        account(&s, "ellen", "correct horse battery", RoleGroup::UmManagement).await;
        let again = NewManagementAccount { name: "Ellen".into(), ..Default::default() };
        assert!(matches!(rule(again.call(&s, &admin()).await), Error::AlreadyExists { .. }));
        let short = NewManagementAccount { name: "kim".into(), password: Some(Secret(pin("short"))), ..Default::default() };
        assert!(matches!(rule(short.call(&s, &admin()).await), Error::InvalidParameter { parameter: "Password", .. }));
        let joining = |group: &str| AddRoleGroupMember { identity: group.into(), member: "ellen".into() };
        assert!(matches!(rule(joining("Domain Admins").call(&s, &admin()).await), Error::NotFound { .. }));
        assert!(matches!(rule(joining("UM Management").call(&s, &admin()).await), Error::AlreadyMember { .. }));
        let groups = GetRoleGroup { identity: Some("um management".into()) }.call(&s, &admin()).await.unwrap();
        assert_eq!(groups[0].members, vec!["ellen".to_owned()]);
    }
}
