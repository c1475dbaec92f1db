//! `umpin shell --server`: the real shell against the real server, signed in as management
//! accounts of different role groups.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use super::serve::Serving;
use super::{mode, shell_ok, stderr, stdout, umpin};

const UM_ADMIN_PASSWORD: &str = "um admin password 1";
const HELP_DESK_PASSWORD: &str = "help desk password 1";

/// `umpin shell --server URL --user USER -c PIPELINE`, with the password in `UMPIN_PASSWORD` when
/// given and the token kept under `config_home`.
fn remote(url: &str, user: &str, password: Option<&str>, config_home: &Path, pipeline: &str) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command
        .args(["shell", "--server", url, "--user", user, "-c", pipeline])
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("UMPIN_PASSWORD")
        .env_remove("UMPIN_LOG")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        command.env("UMPIN_PASSWORD", p);
    }
    command.output().unwrap()
}

/// The demo organisation with a UM Management and a Help Desk account, served on loopback.
fn served_demo(dir: &Path) -> Serving {
    assert!(umpin(dir, &["demo"]).status.success());
    shell_ok(dir, &format!("New-ManagementAccount umadmin -Password '{UM_ADMIN_PASSWORD}'"));
    shell_ok(dir, "Add-RoleGroupMember 'UM Management' -Member umadmin");
    shell_ok(dir, &format!("New-ManagementAccount helpdesk1 -Password '{HELP_DESK_PASSWORD}'"));
    shell_ok(dir, "Add-RoleGroupMember 'Help Desk' -Member helpdesk1");
    Serving::start(dir, &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")])
}

#[test]
fn the_remote_shell_prints_what_the_local_shell_prints() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    for pipeline in [
        "Get-UMMailboxPIN",
        "Get-UMMailbox | Format-List",
        "Get-UMMailboxPIN | Where-Object LockedOut | Select-Object UserID, FailedLogonCount",
        "Get-UMMailboxPIN -ResultSize 2",
        "Get-UMMailboxPIN | ConvertTo-Json",
    ] {
        let local = umpin(dir.path(), &["shell", "-c", pipeline]);
        let remote = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), pipeline);
        assert!(remote.status.success(), "{pipeline}: {}", stderr(&remote));
        assert_eq!(stdout(&remote), stdout(&local), "{pipeline}");
        assert_eq!(stderr(&remote), stderr(&local), "{pipeline}");
    }
}

#[test]
fn the_remote_shell_acts_under_the_accounts_role_groups_and_is_audited_as_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    let typed = remote(
        &server.url,
        "helpdesk1",
        Some(HELP_DESK_PASSWORD),
        config.path(),
        "Set-UMMailboxPIN tony@contoso.com -Pin 1985848",
    );
    assert!(!typed.status.success());
    assert!(
        stderr(&typed)
            .contains("Set-UMMailboxPIN : The account 'helpdesk1' doesn't have the permission 'Set-UMMailboxPIN -Pin'"),
        "{}",
        stderr(&typed)
    );
    let unlock = remote(
        &server.url,
        "helpdesk1",
        Some(HELP_DESK_PASSWORD),
        config.path(),
        "Get-UMMailboxPIN | Where-Object LockedOut | Set-UMMailboxPIN -LockedOut $false",
    );
    assert!(unlock.status.success(), "{}", stderr(&unlock));
    let locked = shell_ok(dir.path(), "Get-UMMailboxPIN | Where-Object LockedOut | Measure-Object");
    assert!(locked.contains("Count : 0"), "{locked}");
    let audit = shell_ok(dir.path(), "Search-AdminAuditLog -UserIds helpdesk1 | Format-List");
    assert!(audit.contains("ClientAddress    : 127.0.0.1") && audit.contains("-Pin ***"), "{audit}");
    assert!(!audit.contains("1985848"), "{audit}");
}

#[test]
fn the_remote_shell_keeps_its_token_private_and_signs_in_again_when_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let server = served_demo(dir.path());
    let first = remote(&server.url, "umadmin", Some(UM_ADMIN_PASSWORD), config.path(), "Get-UMDialPlan");
    assert!(first.status.success(), "{}", stderr(&first));
    let kept: Vec<_> = std::fs::read_dir(config.path().join("umpin")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(mode(&kept[0]), 0o600);
    assert_eq!(std::fs::metadata(config.path().join("umpin")).unwrap().permissions().mode() & 0o777, 0o700);
    let again = remote(&server.url, "umadmin", None, config.path(), "Get-UMDialPlan");
    assert!(again.status.success(), "the kept token serves without a password: {}", stderr(&again));
    // A new password revokes the account's tokens: the kept one is refused, and without a
    // password the shell can't sign in again.
    shell_ok(dir.path(), "Set-ManagementAccount umadmin -Password 'another password 2'");
    let refused = remote(&server.url, "umadmin", None, config.path(), "Get-UMDialPlan");
    assert!(!refused.status.success());
    let renewed = remote(&server.url, "umadmin", Some("another password 2"), config.path(), "Get-UMDialPlan");
    assert!(renewed.status.success(), "{}", stderr(&renewed));
    let wrong = remote(&server.url, "nobody", Some("not a password at all"), config.path(), "Get-UMDialPlan");
    assert!(stderr(&wrong).contains("user name or password is wrong"), "{}", stderr(&wrong));
}
