//! The test kit of the catalogue (feature `testing`), for the tests of the service and the
//! crates above it: the organisation of the Exchange help pages, made through the cmdlets as an
//! administrator would make it.

use umpin_service::testing::{ADMINISTRATOR_ADDRESS, PLAN, POLICY, TONY_PIN, admin};
use umpin_service::{Service, ServiceError};

use crate::cmdlets::{EnableUmMailbox, NewMailbox, NewUmDialPlan, NewUmMailboxPolicy};
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
