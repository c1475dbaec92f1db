//! The test kit of the catalogue (feature `testing`), for the tests of the service and the
//! crates above it: the organisation of the Exchange help pages, made through the cmdlets as an
//! administrator would make it, and the reads of one object by identity that tests repeat.

use umpin_domain::{Mailbox, ManagementAccount};
use umpin_service::testing::{ADMINISTRATOR_ADDRESS, PLAN, POLICY, TONY_PIN, admin};
use umpin_service::{Principal, Service, ServiceError, UmMailboxPin, UmMailboxView};

use crate::cmdlets::{
    EnableUmMailbox, GetMailbox, GetManagementAccount, GetUmMailbox, GetUmMailboxPin, NewMailbox, NewUmDialPlan,
    NewUmMailboxPolicy,
};
use crate::declare::Secret;

/// The organisation of the Exchange help pages: a five-digit dial plan [`PLAN`], its policy
/// [`POLICY`], Tony Smith and Kim Akers, and tony@contoso.com UM-enabled on 51234 with
/// [`TONY_PIN`], his welcome message sent to [`ADMINISTRATOR_ADDRESS`].
///
/// # Panics
/// When the service refuses any of it.
#[allow(clippy::unwrap_used)]
pub async fn contoso(s: &Service) {
    let plan = NewUmDialPlan {
        name: PLAN.into(),
        number_of_digits_in_extension: 5,
        country_or_region_code: "1".into(),
        ..Default::default()
    };
    plan.call(s, &admin()).await.unwrap();
    NewUmMailboxPolicy { name: POLICY.into(), um_dial_plan: PLAN.into() }.call(s, &admin()).await.unwrap();
    for (name, alias) in [("Tony Smith", "tony"), ("Kim Akers", "kim")] {
        let new = NewMailbox {
            name: name.into(),
            primary_smtp_address: format!("{alias}@contoso.com"),
            ..Default::default()
        };
        new.call(s, &admin()).await.unwrap();
    }
    enable(s, "tony@contoso.com", "51234", Some(TONY_PIN), Some(ADMINISTRATOR_ADDRESS)).await.unwrap();
}

/// Enables `who` in [`POLICY`] on `extension`, with `with_pin` or a generated PIN, the welcome
/// message going to `notify` or the user.
pub async fn enable(
    s: &Service,
    who: &str,
    extension: &str,
    with_pin: Option<&str>,
    notify: Option<&str>,
) -> Result<(), ServiceError> {
    let cmdlet = EnableUmMailbox {
        identity: who.into(),
        um_mailbox_policy: POLICY.into(),
        extensions: Some(vec![extension.into()]),
        pin: with_pin.map(|p| Secret(p.into())),
        notify_email: notify.map(Into::into),
        ..Default::default()
    };
    cmdlet.call(s, &admin()).await.map(drop)
}

/// `Get-UMMailboxPIN -Identity who` as `by`: the PIN status of one UM mailbox.
pub async fn pin_status_of(s: &Service, by: &Principal, who: &str) -> Result<UmMailboxPin, ServiceError> {
    let read = GetUmMailboxPin { identity: Some(who.into()), ..Default::default() };
    Ok(only(read.call(s, by, None, None).await?.items))
}

/// `Get-Mailbox -Identity who` as `by`: one mailbox.
pub async fn mailbox_of(s: &Service, by: &Principal, who: &str) -> Result<Mailbox, ServiceError> {
    let read = GetMailbox { identity: Some(who.into()), ..Default::default() };
    Ok(only(read.call(s, by, None, None).await?.items))
}

/// `Get-UMMailbox -Identity who` as `by`: one UM mailbox.
pub async fn um_mailbox_of(s: &Service, by: &Principal, who: &str) -> Result<UmMailboxView, ServiceError> {
    let read = GetUmMailbox { identity: Some(who.into()), ..Default::default() };
    Ok(only(read.call(s, by, None, None).await?.items))
}

/// `Get-ManagementAccount -Identity name` as `by`: one management account.
pub async fn management_account_of(s: &Service, by: &Principal, name: &str) -> Result<ManagementAccount, ServiceError> {
    Ok(only(GetManagementAccount { identity: Some(name.into()) }.call(s, by).await?))
}

/// The one object a read by identity returns.
#[allow(clippy::expect_used)]
fn only<T>(objects: Vec<T>) -> T {
    assert_eq!(objects.len(), 1, "a read by identity returns one object");
    objects.into_iter().next().expect("one object")
}
