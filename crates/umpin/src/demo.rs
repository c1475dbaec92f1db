//! `umpin demo`: the sample organisation contoso.com (SPEC §7), built once and reused.
//!
//! A dial plan with its default policy and a handful of mailboxes, UM-enabled with five-digit
//! extensions: tony@contoso.com on 51234, one user locked out by wrong PINs on the phone, others
//! still first-time users.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use umpin_mail::MailConfig;

use umpin_catalogue::cmdlets::{
    AddRoleGroupMember, EnableUmMailbox, GetUmDialPlan, GetUmMailboxPin, NewMailbox, NewManagementAccount,
    NewUmDialPlan, SetManagementAccount, SetUmMailboxPin, StartUmDirectorySync, create_first_administrator,
};
use umpin_catalogue::declare::{Secret, Switch};
use umpin_directory::local::{self, LocalSlapd};
use umpin_directory::{DirectoryConfig, DirectorySettings, RoleGroupMapping, UmGroup};
use umpin_domain::RoleGroup;
use umpin_domain::dial_plan::DEFAULT_POLICY_SUFFIX;
use umpin_service::{NewCall, PinFilter, Principal, Service, ServiceError, SignInOutcome};

const DIAL_PLAN: &str = "Contoso Dial Plan";
/// The number callers dial to reach the dial plan's voice access.
pub const ACCESS_NUMBER: &str = "+14255550100";
/// The management account the demo prints, with its password, for the remote shell.
pub const DEMO_ACCOUNT: &str = "admin";
const PEOPLE: [(&str, &str, &str, &str); 6] = [
    ("Tony Smith", "tony", "+1 425 555 1234", "51234"),
    ("Kim Akers", "kim", "+1 425 555 2345", "52345"),
    ("David Hamilton", "david", "+1 425 555 3456", "53456"),
    ("Ellen Adams", "ellen", "+1 425 555 4567", "54567"),
    ("Jon Morris", "jon", "+1 425 555 5678", "55678"),
    ("Pilar Pinilla", "pilar", "+1 425 555 6789", "56789"),
];

/// How to run this very `umpin` from the current directory, for the commands the demo prints:
/// `umpin` when that is what `PATH` finds, else the path of this binary (relative to the current
/// directory when it lies beneath it, as `./target/release/umpin` does).
pub fn invocation() -> String {
    let Ok(exe) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "umpin".to_owned();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("umpin").canonicalize().is_ok_and(|found| found == exe))
    });
    if on_path {
        return "umpin".to_owned();
    }
    let shown = match std::env::current_dir().ok().and_then(|cwd| exe.strip_prefix(cwd).ok().map(Path::to_path_buf)) {
        Some(relative) => format!("./{}", relative.display()),
        None => exe.display().to_string(),
    };
    if shown.contains(char::is_whitespace) { format!("'{shown}'") } else { shown }
}

/// ` --data-dir DIR` when the data directory isn't the default one, for the commands the demo prints.
pub fn data_dir_option(data_dir: &Path) -> String {
    if data_dir == Path::new(crate::DEFAULT_DATA_DIR) {
        String::new()
    } else {
        format!(" --data-dir '{}'", data_dir.display())
    }
}

/// A failure to take the demo's address, told as the demo's rather than `umpin serve`'s.
pub fn as_demo(error: anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", error.to_string().replacen("umpin serve", "umpin demo", 1))
}

/// Builds (or reuses) the organisation, shows its PIN status and returns the demo account's new
/// password.
pub async fn run(service: &Service) -> anyhow::Result<SecretString> {
    let admin = Principal::local_administrator();
    let plans = service.list_dial_plans(&admin, GetUmDialPlan::default().operation()).await?;
    if plans.iter().any(|p| p.name == DIAL_PLAN) {
        say!("The demo organisation contoso.com is already set up; reusing it.");
    } else {
        build(service, &admin).await?;
        say!("Built the demo organisation contoso.com.");
    }
    let read = GetUmMailboxPin::default().operation();
    let pins = service.list_um_mailbox_pins(&admin, read, &PinFilter::default(), None, None).await?;
    let objects: Vec<_> = pins.items.iter().map(umpin_catalogue::views::um_mailbox_pin).collect();
    say!("{}", umpin_shell::run::render(&objects, 120).trim_end());
    demo_account(service, &admin).await
}

/// Where the demo's e-mail goes: the `[mail]` table when it turns delivery on, else `.eml` files
/// in the `mail` directory of the data directory (created readable by its owner only, since the
/// messages carry PINs).
pub fn mail(configured: &MailConfig, data_dir: &Path) -> anyhow::Result<MailConfig> {
    use std::os::unix::fs::DirBuilderExt;
    if configured.is_enabled() {
        return Ok(configured.clone());
    }
    let dir = data_dir.join("mail");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| anyhow::anyhow!("The demo's mail directory {} can't be created ({e}).", dir.display()))?;
    Ok(MailConfig {
        from: Some("Contoso Voice Mail <voicemail@contoso.com>".to_owned()),
        smtp: None,
        pickup_dir: Some(dir),
    })
}

/// The demo's management account, with a new generated password: a password is shown only once,
/// so every run of the demo gives the account a fresh one to show.
async fn demo_account(service: &Service, admin: &Principal) -> anyhow::Result<SecretString> {
    let password = umpin_crypto::generate_password()?;
    if create_first_administrator(service, DEMO_ACCOUNT, Some(password.clone())).await?.is_some() {
        return Ok(password);
    }
    let set = SetManagementAccount {
        identity: DEMO_ACCOUNT.to_owned(),
        password: Some(Secret(password.clone())),
        ..Default::default()
    };
    match set.run(service, admin, None).await {
        Ok(_) => {}
        Err(ServiceError::Rule(umpin_domain::Error::NotFound { .. })) => {
            let new = NewManagementAccount {
                name: DEMO_ACCOUNT.to_owned(),
                password: Some(Secret(password.clone())),
                ..Default::default()
            };
            new.run(service, admin, None).await?;
            let add = AddRoleGroupMember {
                identity: RoleGroup::OrganizationManagement.name().to_owned(),
                member: DEMO_ACCOUNT.to_owned(),
            };
            add.run(service, admin, None).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(password)
}

async fn build(service: &Service, admin: &Principal) -> Result<(), ServiceError> {
    let plan = NewUmDialPlan {
        name: DIAL_PLAN.to_owned(),
        number_of_digits_in_extension: 5,
        country_or_region_code: "1".to_owned(),
        access_telephone_numbers: Some(vec![ACCESS_NUMBER.to_owned()]),
        ..Default::default()
    };
    let (_, policy) = plan.call(service, admin).await?;
    let policy = policy.map(|p| p.name).unwrap_or_default();
    for (name, alias, phone, extension) in PEOPLE {
        let address = format!("{alias}@contoso.com");
        let new = NewMailbox {
            name: name.to_owned(),
            primary_smtp_address: address.clone(),
            phone: Some(phone.to_owned()),
            ..Default::default()
        };
        new.call(service, admin).await?;
        let enable = EnableUmMailbox {
            identity: address,
            um_mailbox_policy: policy.clone(),
            extensions: Some(vec![extension.to_owned()]),
            ..Default::default()
        };
        enable.call(service, admin).await?;
    }
    // Kim called in, signed in with the PIN an administrator gave her, and finished first-time
    // setup with a PIN of her own.
    let given = SecretString::from("5928374");
    let reset = SetUmMailboxPin {
        identity: "kim@contoso.com".to_owned(),
        pin: Some(Secret(given.clone())),
        send_email: Some(false),
        ..Default::default()
    };
    reset.call(service, admin).await?;
    let call =
        service.start_call(admin, NewCall { dial_plan: Some(DIAL_PLAN.to_owned()), ..Default::default() }).await?;
    let call = call.id.expose_secret();
    service.sign_in_on_call(admin, call, Some(PEOPLE[1].3), &given).await?;
    let own = SecretString::from("4718263");
    service.complete_first_time_setup(admin, call, &own, &own, true).await?;
    service.end_call(admin, call).await?;
    // Someone tried to guess David's PIN on the phone until the mailbox locked.
    let wrong = SecretString::from("000000");
    while service.sign_in(admin, DIAL_PLAN, "53456", &wrong).await? != SignInOutcome::LockedOut {}
    Ok(())
}

/// The users of the demo's directory: name, account name, phone number (their extensions are the
/// last five digits) and immutable id, the same at every run (the directory is made anew, and a
/// sync knows its users by this id). All are members of the Voice Mail Users group.
const DIRECTORY_PEOPLE: [(&str, &str, &str, &str); 3] = [
    ("Ravi Kumar", "ravi", "+1 425 555 7813", "6f0c8d4e-2b1a-4c7e-9a35-0d1e2f3a4b01"),
    ("Mei Chen", "mei", "+1 425 555 7824", "6f0c8d4e-2b1a-4c7e-9a35-0d1e2f3a4b02"),
    ("Omar Haddad", "omar", "+1 425 555 7835", "6f0c8d4e-2b1a-4c7e-9a35-0d1e2f3a4b03"),
];

/// The group whose members the demo's directory sync UM-enables.
const VOICE_MAIL_USERS: &str = "cn=Voice Mail Users,dc=contoso,dc=com";

/// The group whose members sign in as administrators of UM Management, and its one member.
const UM_ADMINISTRATORS: &str = "cn=UM Administrators,dc=contoso,dc=com";
const UM_ADMINISTRATOR: &str = "omar";

/// The demo's optional directory (`umpin demo --with-directory`): a local OpenLDAP server in the
/// `directory` folder of the data directory, made anew at every run, with a few users who sign
/// in to the Voice Mail page with the passwords the demo prints. It stops with the demo.
pub struct DemoDirectory {
    _server: LocalSlapd,
    pub settings: DirectorySettings,
    /// Each user's account name and directory password.
    pub users: Vec<(&'static str, SecretString)>,
}

/// Starts the demo's directory, or says why there is none (slapd isn't installed) and returns
/// `None`: the demo then runs without it.
pub fn start_directory(data_dir: &Path) -> anyhow::Result<Option<DemoDirectory>> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Err(why) = umpin_directory::local::programs() {
        say!("No local directory: {why}. The demo runs without one.");
        return Ok(None);
    }
    let dir = data_dir.join("directory");
    let failed = |e: std::io::Error| anyhow::anyhow!("The demo's directory {} can't be made ({e}).", dir.display());
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(failed)?;
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(failed)?;
    let service_password = umpin_crypto::generate_password()?;
    let mut ldif = local::base_ldif(service_password.expose_secret());
    let mut users = Vec::new();
    for (name, uid, phone, id) in DIRECTORY_PEOPLE {
        let password = umpin_crypto::generate_password()?;
        let (first, last) = name.split_once(' ').unwrap_or((name, name));
        ldif.push_str(&format!(
            "dn: uid={uid},{}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\ndisplayName: {name}\n\
             givenName: {first}\nsn: {last}\nmail: {uid}@contoso.com\ntelephoneNumber: {phone}\n\
             entryUUID: {id}\nuserPassword: {}\n\n",
            local::PEOPLE_DN,
            password.expose_secret()
        ));
        users.push((uid, password));
    }
    ldif.push_str(&format!("dn: {VOICE_MAIL_USERS}\nobjectClass: groupOfNames\ncn: Voice Mail Users\n"));
    for (_, uid, _, _) in DIRECTORY_PEOPLE {
        ldif.push_str(&format!("member: uid={uid},{}\n", local::PEOPLE_DN));
    }
    ldif.push_str(&format!(
        "\ndn: {UM_ADMINISTRATORS}\nobjectClass: groupOfNames\ncn: UM Administrators\nmember: uid={UM_ADMINISTRATOR},{}\n\n",
        local::PEOPLE_DN
    ));
    let admin_password = umpin_crypto::generate_password()?;
    let server = LocalSlapd::start(&dir, &ldif, admin_password.expose_secret(), "")
        .map_err(|why| anyhow::anyhow!("The demo's directory couldn't start: {why}."))?;
    let password_file = dir.join("bind-password");
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&password_file).map_err(failed)?;
    std::io::Write::write_all(&mut file, service_password.expose_secret().as_bytes()).map_err(failed)?;
    let config = DirectoryConfig {
        url: Some(server.url()),
        starttls: Some(false),
        bind_dn: Some(local::SERVICE_DN.to_owned()),
        bind_password_file: Some(password_file),
        base_dn: Some(local::PEOPLE_DN.to_owned()),
        user_filter: Some("(objectClass=inetOrgPerson)".to_owned()),
        um_groups: vec![UmGroup {
            group: VOICE_MAIL_USERS.to_owned(),
            policy: format!("{DIAL_PLAN}{DEFAULT_POLICY_SUFFIX}"),
        }],
        role_groups: vec![RoleGroupMapping {
            group: UM_ADMINISTRATORS.to_owned(),
            role_group: RoleGroup::UmManagement.name().to_owned(),
        }],
        sync_interval_minutes: Some(0),
        ..DirectoryConfig::default()
    };
    let settings = config.settings()?.ok_or_else(|| anyhow::anyhow!("The demo's directory has no URL."))?;
    Ok(Some(DemoDirectory { _server: server, settings, users }))
}

/// Syncs the demo's directory (its users get mailboxes, and the group's members UM) and says
/// how they sign in to the Voice Mail page.
pub async fn sync_directory(service: &Service, directory: &DemoDirectory) -> anyhow::Result<()> {
    let admin = Principal::local_administrator();
    let sync = StartUmDirectorySync { what_if: Switch(false) };
    let report = service.start_directory_sync(&admin, sync.operation(), false).await?;
    let counts = &report.record.counts;
    say!(
        "Synced the demo's directory: {} users read, {} mailboxes added, {} UM-enabled.",
        counts.read,
        counts.added,
        counts.um_enabled
    );
    for skipped in &report.record.skipped {
        say!("  Skipped {}: {}", skipped.dn, skipped.reason);
    }
    say!("Directory users (the Voice Mail page at /voicemail/; passwords new on every run):");
    for (uid, password) in &directory.users {
        say!("  {uid} ({uid}@contoso.com): {}", password.expose_secret());
    }
    say!(
        "  {UM_ADMINISTRATOR} is also in UM Administrators, a directory group of the role group UM Management: with the same password, {UM_ADMINISTRATOR} signs in to the web admin center and to a remote shell."
    );
    Ok(())
}
