//! `New-`, `Get-`, `Set-` and `Remove-Mailbox`.

use umpin_domain::{LimitValue, Mailbox, MailboxChanges};
use umpin_service::{Page, Principal, Service, ServiceError};

use super::{ANR, IDENTITY_MAILBOX, RESULT_SIZE, non_empty, one, page_of, paged};
use crate::binding::{Batch, PageRequest};
use crate::declare::{Default, FromPipeline, Parameter, cmdlet};
use crate::views;

const ALIAS: Parameter =
    Parameter::named("Alias", "The alias: letters, digits, '.', '-' and '_'.").piped(FromPipeline::ByPropertyName);
const PRIMARY_SMTP_ADDRESS: Parameter =
    Parameter::named("PrimarySmtpAddress", "The primary e-mail address.").piped(FromPipeline::ByPropertyName);
const DISPLAY_NAME: Parameter = Parameter::named("DisplayName", "The name shown in address lists.")
    .default(Default::Text("the Name"))
    .piped(FromPipeline::ByPropertyName);
const USER_PRINCIPAL_NAME: Parameter = Parameter::named("UserPrincipalName", "The sign-in name.")
    .default(Default::Text("the primary address"))
    .piped(FromPipeline::ByPropertyName);
const FIRST_NAME: Parameter = Parameter::named("FirstName", "The first name.").piped(FromPipeline::ByPropertyName);
const LAST_NAME: Parameter = Parameter::named("LastName", "The last name.").piped(FromPipeline::ByPropertyName);
const PHONE: Parameter =
    Parameter::named("Phone", "The phone number (E.164 or digits); extensions can be derived from it.")
        .piped(FromPipeline::ByPropertyName);

cmdlet! {
    /// `New-Mailbox`.
    NewMailbox = "New-Mailbox" {
        synopsis: "Creates a mailbox.",
        changes_state: true,
        object: primary_smtp_address,
        examples: [
            (
                "New-Mailbox -Name 'Tony Smith' -PrimarySmtpAddress tony@contoso.com -Phone '+14255551234'",
                "Creates the mailbox of Tony Smith.",
            ),
            (
                "Import-Csv users.csv | New-Mailbox",
                "Creates a mailbox for each row of users.csv (columns Name, Alias, PrimarySmtpAddress, DisplayName, Phone).",
            ),
        ],
        parameters: {
            name: String = Parameter::named("Name", "The unique name: at most 64 characters.")
                .at(1)
                .piped(FromPipeline::ByPropertyName),
            alias: Option<String> = ALIAS,
            primary_smtp_address: String = PRIMARY_SMTP_ADDRESS,
            display_name: Option<String> = DISPLAY_NAME,
            user_principal_name: Option<String> = USER_PRINCIPAL_NAME,
            first_name: Option<String> = FIRST_NAME,
            last_name: Option<String> = LAST_NAME,
            phone: Option<String> = PHONE,
        },
    }
}

impl NewMailbox {
    /// Runs it; the new mailbox.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Mailbox, ServiceError> {
        let operation = self.operation();
        let new = umpin_domain::NewMailbox {
            name: self.name,
            alias: non_empty(self.alias),
            primary_smtp_address: self.primary_smtp_address,
            display_name: non_empty(self.display_name),
            user_principal_name: non_empty(self.user_principal_name),
            first_name: non_empty(self.first_name),
            last_name: non_empty(self.last_name),
            phone: non_empty(self.phone),
        };
        s.new_mailbox(by, operation, new).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(one(views::mailbox(&self.call(s, by).await?)))
    }
}

cmdlet! {
    /// `Get-Mailbox`.
    GetMailbox = "Get-Mailbox" {
        synopsis: "Shows mailboxes.",
        changes_state: false,
        object: identity,
        examples: [("Get-Mailbox -Anr tony", "Shows the mailboxes whose name, alias or address starts with tony.")],
        parameters: {
            identity: Option<String> = IDENTITY_MAILBOX,
            result_size: Option<LimitValue> = RESULT_SIZE,
            anr: Option<String> = ANR,
        },
    }
}

impl GetMailbox {
    /// Runs it; the mailbox named, or the page of `size` mailboxes that follows the cursor `after`.
    pub async fn call(
        self,
        s: &Service,
        by: &Principal,
        after: Option<&str>,
        size: Option<u32>,
    ) -> Result<Page<Mailbox>, ServiceError> {
        let operation = self.operation();
        if let Some(id) = self.identity {
            return Ok(Page { items: vec![s.get_mailbox(by, operation, &id).await?], next: None });
        }
        s.list_mailboxes(by, operation, self.anr.as_deref(), after, size).await
    }

    pub async fn run(self, s: &Service, by: &Principal, page: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let (after, size) = page_of(page);
        Ok(paged(self.call(s, by, after, size).await?, views::mailbox))
    }
}

cmdlet! {
    /// `Set-Mailbox`.
    SetMailbox = "Set-Mailbox" {
        synopsis: "Changes a mailbox.",
        changes_state: true,
        object: identity,
        examples: [("Set-Mailbox tony -Phone '+14255551234'", "Sets tony's phone number.")],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
            name: Option<String> = Parameter::named("Name", "A new name."),
            alias: Option<String> = ALIAS,
            primary_smtp_address: Option<String> = PRIMARY_SMTP_ADDRESS,
            display_name: Option<String> = DISPLAY_NAME,
            user_principal_name: Option<String> = USER_PRINCIPAL_NAME,
            first_name: Option<String> = FIRST_NAME,
            last_name: Option<String> = LAST_NAME,
            phone: Option<String> = PHONE,
            email_addresses: Option<Vec<String>> =
                Parameter::named("EmailAddresses", "The secondary e-mail addresses (replacing the current ones)."),
        },
    }
}

impl SetMailbox {
    /// Runs it; the mailbox after the change.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Mailbox, ServiceError> {
        let operation = self.operation();
        let optional = |text: Option<String>| text.map(|t| non_empty(Some(t)));
        let changes = MailboxChanges {
            name: self.name,
            alias: self.alias,
            primary_smtp_address: self.primary_smtp_address,
            display_name: self.display_name,
            user_principal_name: self.user_principal_name,
            first_name: optional(self.first_name),
            last_name: optional(self.last_name),
            phone: optional(self.phone),
            email_addresses: self.email_addresses,
        };
        s.set_mailbox(by, operation, &self.identity, changes).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Remove-Mailbox`.
    RemoveMailbox = "Remove-Mailbox" {
        synopsis: "Removes a mailbox (disabling it for Unified Messaging first).",
        changes_state: true,
        object: identity,
        examples: [("Remove-Mailbox tony@contoso.com", "Removes tony's mailbox.")],
        parameters: {
            identity: String = IDENTITY_MAILBOX,
        },
    }
}

impl RemoveMailbox {
    /// Runs it; the mailbox removed.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Mailbox, ServiceError> {
        let operation = self.operation();
        s.remove_mailbox(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}
