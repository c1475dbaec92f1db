//! `umpin demo`: the sample organisation contoso.com (SPEC §7), built once and reused.
//!
//! A dial plan with its default policy and a handful of mailboxes, UM-enabled with five-digit
//! extensions: tony@contoso.com on 51234, one user locked out by wrong PINs on the phone, others
//! still first-time users.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use umpin_mail::MailConfig;

use umpin_domain::{NewDialPlan, NewMailbox, RoleGroup};
use umpin_service::{
    EnableUmMailbox, ManagementAccountChanges, NewCall, NewManagementAccount, PinFilter, PinReset, Principal, Service,
    ServiceError, SignInOutcome,
};

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

/// Builds (or reuses) the organisation, shows its PIN status and returns the demo account's new
/// password.
pub async fn run(service: &Service) -> anyhow::Result<SecretString> {
    let admin = Principal::local_administrator();
    if service.list_dial_plans(&admin).await?.iter().any(|p| p.name == DIAL_PLAN) {
        say!("The demo organisation contoso.com is already set up; reusing it.");
    } else {
        build(service, &admin).await?;
        say!("Built the demo organisation contoso.com.");
    }
    let pins = service.list_um_mailbox_pins(&admin, &PinFilter::default(), None, None).await?;
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
    if service.create_first_administrator(DEMO_ACCOUNT, Some(password.clone())).await?.is_some() {
        return Ok(password);
    }
    let set = ManagementAccountChanges { password: Some(password.clone()), ..Default::default() };
    match service.set_management_account(admin, DEMO_ACCOUNT, set).await {
        Ok(()) => {}
        Err(ServiceError::Rule(umpin_domain::Error::NotFound { .. })) => {
            let new = NewManagementAccount {
                name: DEMO_ACCOUNT.to_owned(),
                password: Some(password.clone()),
                ..Default::default()
            };
            service.new_management_account(admin, new).await?;
            service.add_role_group_member(admin, RoleGroup::OrganizationManagement.name(), DEMO_ACCOUNT).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(password)
}

async fn build(service: &Service, admin: &Principal) -> Result<(), ServiceError> {
    let mut plan = NewDialPlan::new(DIAL_PLAN, 5, "1");
    plan.access_telephone_numbers = vec![ACCESS_NUMBER.to_owned()];
    let (_, policy) = service.new_dial_plan(admin, plan).await?;
    let policy = policy.map(|p| p.name).unwrap_or_default();
    for (name, alias, phone, extension) in PEOPLE {
        let address = format!("{alias}@contoso.com");
        service
            .new_mailbox(
                admin,
                NewMailbox {
                    name: name.to_owned(),
                    primary_smtp_address: address.clone(),
                    phone: Some(phone.to_owned()),
                    ..Default::default()
                },
            )
            .await?;
        let request = EnableUmMailbox {
            policy: policy.clone(),
            extensions: Some(vec![extension.to_owned()]),
            ..Default::default()
        };
        service.enable_um_mailbox(admin, &address, request).await?;
    }
    // Kim called in, signed in with the PIN an administrator gave her, and finished first-time
    // setup with a PIN of her own.
    let given = SecretString::from("5928374");
    let reset = PinReset { pin: Some(given.clone()), send_email: Some(false), ..Default::default() };
    service.set_um_mailbox_pin(admin, "kim@contoso.com", reset).await?;
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
