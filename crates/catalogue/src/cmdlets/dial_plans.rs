//! `New-`, `Get-`, `Set-` and `Remove-UMDialPlan`.

use umpin_domain::dial_plan::{
    DEFAULT_LANGUAGE, DEFAULT_LOGON_FAILURES_BEFORE_DISCONNECT, DialPlanChanges, GENERATE_UM_MAILBOX_POLICY,
};
use umpin_domain::{DialPlan, MailboxPolicy, UriType, VoipSecurity};
use umpin_service::{Principal, Service, ServiceError};

use super::one;
use crate::binding::{Batch, PageRequest};
use crate::declare::{Default, FromPipeline, Parameter, cmdlet};
use crate::views;

const IDENTITY: Parameter =
    Parameter::named("Identity", "The dial plan: its GUID or name.").at(1).piped(FromPipeline::Both).in_path();
const ACCESS_NUMBERS: Parameter = Parameter::named(
    "AccessTelephoneNumbers",
    "The pilot numbers callers dial to reach voice access, each at most 32 characters.",
);
const COUNTRY_CODE: Parameter =
    Parameter::named("CountryOrRegionCode", "The country or region code of the dial plan: 1 to 4 digits.");
const DEFAULT_LANGUAGE_PARAMETER: Parameter =
    Parameter::named("DefaultLanguage", "The language of prompts and messages.")
        .default(Default::Text(DEFAULT_LANGUAGE));
const VOIP_SECURITY: Parameter =
    Parameter::named("VoIPSecurity", "Whether signalling and media are secured: Unsecured, SIPSecured or Secured.")
        .default(Default::Text(VoipSecurity::Unsecured.as_str()));

cmdlet! {
    /// `New-UMDialPlan`.
    NewUmDialPlan = "New-UMDialPlan" {
        synopsis: "Creates a UM dial plan and, unless told otherwise, its default UM mailbox policy.",
        changes_state: true,
        object: name,
        examples: [(
            "New-UMDialPlan -Name MyUMDialPlan -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1",
            "Creates the dial plan MyUMDialPlan with five-digit extensions, and its policy MyUMDialPlan Default Policy.",
        )],
        parameters: {
            name: String = Parameter::named(
                "Name",
                "The name of the dial plan: at most 64 characters (49 with its default policy).",
            )
            .at(1),
            number_of_digits_in_extension: i64 =
                Parameter::named("NumberOfDigitsInExtension", "How many digits every extension has: 1 to 20."),
            country_or_region_code: String = COUNTRY_CODE,
            uri_type: Option<UriType> =
                Parameter::named("URIType", "How users are addressed: TelExtn, SipName or E164.")
                    .default(Default::Text(UriType::TelExtn.as_str())),
            voip_security: Option<VoipSecurity> = VOIP_SECURITY,
            access_telephone_numbers: Option<Vec<String>> = ACCESS_NUMBERS,
            default_language: Option<String> = DEFAULT_LANGUAGE_PARAMETER,
            generate_um_mailbox_policy: Option<bool> = Parameter::named(
                "GenerateUMMailboxPolicy",
                "Whether to create the policy \"<name> Default Policy\" with the dial plan.",
            )
            .default(Default::Bool(GENERATE_UM_MAILBOX_POLICY)),
        },
    }
}

impl NewUmDialPlan {
    /// Runs it; the dial plan, and its default policy when one was made.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(DialPlan, Option<MailboxPolicy>), ServiceError> {
        let operation = self.operation();
        let mut new = umpin_domain::NewDialPlan::new(
            &self.name,
            self.number_of_digits_in_extension,
            &self.country_or_region_code,
        );
        if let Some(t) = self.uri_type {
            new.uri_type = t;
        }
        if let Some(v) = self.voip_security {
            new.voip_security = v;
        }
        new.access_telephone_numbers = self.access_telephone_numbers.unwrap_or_default();
        new.default_language = self.default_language;
        if let Some(generate) = self.generate_um_mailbox_policy {
            new.generate_um_mailbox_policy = generate;
        }
        s.new_dial_plan(by, operation, new).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        let (plan, _) = self.call(s, by).await?;
        Ok(one(views::dial_plan(&plan)))
    }
}

cmdlet! {
    /// `Get-UMDialPlan`.
    GetUmDialPlan = "Get-UMDialPlan" {
        synopsis: "Shows UM dial plans.",
        changes_state: false,
        object: identity,
        examples: [("Get-UMDialPlan MyUMDialPlan | Format-List", "Shows every setting of MyUMDialPlan.")],
        parameters: {
            identity: Option<String> = IDENTITY,
        },
    }
}

impl GetUmDialPlan {
    /// Runs it; the dial plan named, or every dial plan.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<DialPlan>, ServiceError> {
        let operation = self.operation();
        Ok(match self.identity {
            Some(id) => vec![s.get_dial_plan(by, operation, &id).await?],
            None => s.list_dial_plans(by, operation).await?,
        })
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(&self.call(s, by).await?, views::dial_plan))
    }
}

cmdlet! {
    /// `Set-UMDialPlan`.
    SetUmDialPlan = "Set-UMDialPlan" {
        synopsis: "Changes a UM dial plan. URIType and NumberOfDigitsInExtension can't change.",
        changes_state: true,
        object: identity,
        examples: [(
            "Set-UMDialPlan MyUMDialPlan -AccessTelephoneNumbers '+14255550100'",
            "Sets the pilot number of MyUMDialPlan.",
        )],
        parameters: {
            identity: String = IDENTITY,
            name: Option<String> = Parameter::named("Name", "A new name for the dial plan."),
            voip_security: Option<VoipSecurity> = VOIP_SECURITY,
            access_telephone_numbers: Option<Vec<String>> = ACCESS_NUMBERS,
            country_or_region_code: Option<String> = COUNTRY_CODE,
            default_language: Option<String> = DEFAULT_LANGUAGE_PARAMETER,
            logon_failures_before_disconnect: Option<i64> = Parameter::named(
                "LogonFailuresBeforeDisconnect",
                "Wrong PINs in one call before the call is ended: 1 to 20.",
            )
            .default(Default::Number(DEFAULT_LOGON_FAILURES_BEFORE_DISCONNECT as i64)),
        },
    }
}

impl SetUmDialPlan {
    /// Runs it; the dial plan after the change.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<DialPlan, ServiceError> {
        let operation = self.operation();
        let changes = DialPlanChanges {
            name: self.name,
            voip_security: self.voip_security,
            access_telephone_numbers: self.access_telephone_numbers,
            country_or_region_code: self.country_or_region_code,
            default_language: self.default_language,
            logon_failures_before_disconnect: self.logon_failures_before_disconnect,
        };
        s.set_dial_plan(by, operation, &self.identity, changes).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}

cmdlet! {
    /// `Remove-UMDialPlan`.
    RemoveUmDialPlan = "Remove-UMDialPlan" {
        synopsis: "Removes a UM dial plan that no UM mailbox policy belongs to.",
        changes_state: true,
        object: identity,
        examples: [("Remove-UMDialPlan MyUMDialPlan", "Removes the dial plan MyUMDialPlan.")],
        parameters: {
            identity: String = IDENTITY,
        },
    }
}

impl RemoveUmDialPlan {
    /// Runs it; the dial plan removed.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<DialPlan, ServiceError> {
        let operation = self.operation();
        s.remove_dial_plan(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}
