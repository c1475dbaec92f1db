//! The cmdlet registry: every cmdlet with its parameters, types, defaults, pipeline binding, help
//! text and examples. It is the one source for binding, Tab completion, `Get-Help`,
//! `Get-Command` and the server's dispatcher, so a cmdlet exists exactly as it is described here.

use umpin_domain::{UriType, VoipSecurity};

/// What a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// One or more strings (`a,b,c`).
    TextList,
    /// A whole number.
    Number,
    /// A whole number or `Unlimited`.
    NumberOrUnlimited,
    /// `$true` or `$false`.
    Bool,
    /// Present or not (`-WhatIf`); `-Switch:$false` turns it off.
    Switch,
    /// One of the named values.
    Choice(&'static [&'static str]),
    /// A PIN or a password: digits never shown, never kept in history.
    Secret,
    /// A script block `{ ... }`.
    Script,
    /// A property name or a list of them (Select-Object, Sort-Object, Format-*).
    Properties,
    /// Any value.
    Any,
}

impl Kind {
    /// The type as `Get-Help` shows it.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Text | Kind::Secret => "String",
            Kind::TextList => "String[]",
            Kind::Number => "Int32",
            Kind::NumberOrUnlimited => "Unlimited<Int32>",
            Kind::Bool => "Boolean",
            Kind::Switch => "SwitchParameter",
            Kind::Choice(_) => "String",
            Kind::Script => "ScriptBlock",
            Kind::Properties => "Object[]",
            Kind::Any => "Object",
        }
    }
}

/// How a parameter takes pipeline input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FromPipeline {
    No,
    /// The whole input object (converted to the parameter's kind).
    ByValue,
    /// The input object's property of the same name.
    ByPropertyName,
    /// Either: by value for strings, by property name for objects.
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parameter {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Position for positional arguments, counted from 1.
    pub position: Option<u8>,
    pub pipeline: FromPipeline,
    /// The default as help shows it.
    pub default: Option<&'static str>,
    pub description: &'static str,
}

impl Parameter {
    const fn new(name: &'static str, kind: Kind, description: &'static str) -> Self {
        Parameter {
            name,
            kind,
            required: false,
            position: None,
            pipeline: FromPipeline::No,
            default: None,
            description,
        }
    }
    const fn required(self) -> Self {
        Parameter { required: true, ..self }
    }
    const fn at(self, position: u8) -> Self {
        Parameter { position: Some(position), ..self }
    }
    const fn piped(self, pipeline: FromPipeline) -> Self {
        Parameter { pipeline, ..self }
    }
    const fn default(self, default: &'static str) -> Self {
        Parameter { default: Some(default), ..self }
    }
}

/// An example of `Get-Help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    pub code: &'static str,
    pub description: &'static str,
}

/// Where a cmdlet runs: on the server (through the service, under the caller's roles) or in the
/// shell itself (utility cmdlets working on the pipeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsOn {
    Server,
    Shell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmdlet {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub synopsis: &'static str,
    pub runs_on: RunsOn,
    /// Changes state: takes `-WhatIf` and `-Confirm`.
    pub changes_state: bool,
    pub parameters: &'static [Parameter],
    pub examples: &'static [Example],
}

/// `-WhatIf` and `-Confirm`, which every state-changing cmdlet takes.
pub const WHAT_IF: Parameter =
    Parameter::new("WhatIf", Kind::Switch, "Shows what the command would do, without doing it.");
pub const CONFIRM: Parameter = Parameter::new(
    "Confirm",
    Kind::Switch,
    "Asks before each change (in an interactive shell); -Confirm:$false never asks.",
);

impl Cmdlet {
    /// Every parameter, the common ones included.
    pub fn all_parameters(&self) -> impl Iterator<Item = &Parameter> {
        let common: &'static [Parameter] = if self.changes_state { &[WHAT_IF, CONFIRM] } else { &[] };
        self.parameters.iter().chain(common)
    }

    /// The parameter a name given on the command line means: the exact name, or an unambiguous
    /// prefix, case-insensitively.
    pub fn parameter(&self, given: &str) -> Result<&Parameter, String> {
        if let Some(p) = self.all_parameters().find(|p| p.name.eq_ignore_ascii_case(given)) {
            return Ok(p);
        }
        let lower = given.to_ascii_lowercase();
        let matches: Vec<&Parameter> =
            self.all_parameters().filter(|p| p.name.to_ascii_lowercase().starts_with(&lower)).collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("A parameter cannot be found that matches parameter name '{given}'.")),
            many => Err(format!(
                "Parameter cannot be processed because the parameter name '{given}' is ambiguous. Possible matches include: {}.",
                many.iter().map(|p| format!("-{}", p.name)).collect::<Vec<_>>().join(" ")
            )),
        }
    }

    /// The parameter at a position (counted from 1).
    pub fn positional(&self, position: u8) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.position == Some(position))
    }
}

/// The cmdlet a name (or alias) means, case-insensitively.
pub fn find(name: &str) -> Option<&'static Cmdlet> {
    CMDLETS.iter().find(|c| c.name.eq_ignore_ascii_case(name) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

use FromPipeline::{Both, ByPropertyName, ByValue};
use Kind::*;

const IDENTITY_ACCOUNT: Parameter =
    Parameter::new("Identity", Text, "The management account: its name or GUID.").at(1).piped(Both);
const IDENTITY_ROLE_GROUP: Parameter = Parameter::new(
    "Identity",
    Text,
    "The role group: Organization Management, UM Management, View-Only Organization Management, Help Desk or Voice Access.",
)
.at(1);
const MEMBER: Parameter =
    Parameter::new("Member", Text, "The management account: its name or GUID.").required().piped(ByPropertyName);

const IDENTITY_MAILBOX: Parameter = Parameter::new(
    "Identity",
    Text,
    "The mailbox: its GUID, an e-mail address, user principal name, alias, name or display name.",
)
.at(1)
.piped(Both);
const RESULT_SIZE: Parameter =
    Parameter::new("ResultSize", NumberOrUnlimited, "The most objects to return, or Unlimited.").default("1000");
const ANR: Parameter = Parameter::new(
    "Anr",
    Text,
    "Ambiguous name resolution: objects whose name, display name, alias or address starts with this.",
);

const URI_TYPES: &[&str] = UriType::NAMES;
const VOIP_SECURITIES: &[&str] = VoipSecurity::NAMES;

const DIAL_PLAN_NAME: Parameter =
    Parameter::new("Name", Text, "The name of the dial plan: at most 64 characters (49 with its default policy).");
const ACCESS_NUMBERS: Parameter = Parameter::new(
    "AccessTelephoneNumbers",
    TextList,
    "The pilot numbers callers dial to reach voice access, each at most 32 characters.",
);
const COUNTRY_CODE: Parameter =
    Parameter::new("CountryOrRegionCode", Text, "The country or region code of the dial plan: 1 to 4 digits.");
const DEFAULT_LANGUAGE: Parameter =
    Parameter::new("DefaultLanguage", Text, "The language of prompts and messages.").default("en-US");
const VOIP_SECURITY: Parameter = Parameter::new(
    "VoIPSecurity",
    Choice(VOIP_SECURITIES),
    "Whether signalling and media are secured: Unsecured, SIPSecured or Secured.",
)
.default("Unsecured");
const IDENTITY_DIAL_PLAN: Parameter =
    Parameter::new("Identity", Text, "The dial plan: its GUID or name.").at(1).piped(Both);
const IDENTITY_POLICY: Parameter =
    Parameter::new("Identity", Text, "The UM mailbox policy: its GUID or name.").at(1).piped(Both);
const NOTIFY_EMAIL: Parameter =
    Parameter::new("NotifyEmail", Text, "Where the message with the PIN goes instead of the user's primary address.");
const PIN_EXPIRED: Parameter =
    Parameter::new("PINExpired", Bool, "Whether the user must choose a new PIN at the next sign-in by phone.")
        .default("$true");

const MAILBOX_FIELDS: [Parameter; 7] = [
    Parameter::new("Alias", Text, "The alias: letters, digits, '.', '-' and '_'.").piped(ByPropertyName),
    Parameter::new("PrimarySmtpAddress", Text, "The primary e-mail address.").piped(ByPropertyName),
    Parameter::new("DisplayName", Text, "The name shown in address lists.").default("the Name").piped(ByPropertyName),
    Parameter::new("UserPrincipalName", Text, "The sign-in name.").default("the primary address").piped(ByPropertyName),
    Parameter::new("FirstName", Text, "The first name.").piped(ByPropertyName),
    Parameter::new("LastName", Text, "The last name.").piped(ByPropertyName),
    Parameter::new("Phone", Text, "The phone number (E.164 or digits); extensions can be derived from it.")
        .piped(ByPropertyName),
];

const fn ex(code: &'static str, description: &'static str) -> Example {
    Example { code, description }
}

/// Every cmdlet.
pub static CMDLETS: &[Cmdlet] = &[
    Cmdlet {
        name: "New-UMDialPlan",
        aliases: &[],
        synopsis: "Creates a UM dial plan and, unless told otherwise, its default UM mailbox policy.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            DIAL_PLAN_NAME.required().at(1),
            Parameter::new("NumberOfDigitsInExtension", Number, "How many digits every extension has: 1 to 20.")
                .required(),
            COUNTRY_CODE.required(),
            Parameter::new("URIType", Choice(URI_TYPES), "How users are addressed: TelExtn, SipName or E164.")
                .default("TelExtn"),
            VOIP_SECURITY,
            ACCESS_NUMBERS,
            DEFAULT_LANGUAGE,
            Parameter::new(
                "GenerateUMMailboxPolicy",
                Bool,
                "Whether to create the policy \"<name> Default Policy\" with the dial plan.",
            )
            .default("$true"),
        ],
        examples: &[ex(
            "New-UMDialPlan -Name MyUMDialPlan -NumberOfDigitsInExtension 5 -CountryOrRegionCode 1",
            "Creates the dial plan MyUMDialPlan with five-digit extensions, and its policy MyUMDialPlan Default Policy.",
        )],
    },
    Cmdlet {
        name: "Get-UMDialPlan",
        aliases: &[],
        synopsis: "Shows UM dial plans.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_DIAL_PLAN],
        examples: &[ex("Get-UMDialPlan MyUMDialPlan | Format-List", "Shows every setting of MyUMDialPlan.")],
    },
    Cmdlet {
        name: "Set-UMDialPlan",
        aliases: &[],
        synopsis: "Changes a UM dial plan. URIType and NumberOfDigitsInExtension can't change.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_DIAL_PLAN.required(),
            Parameter::new("Name", Text, "A new name for the dial plan."),
            VOIP_SECURITY,
            ACCESS_NUMBERS,
            COUNTRY_CODE,
            DEFAULT_LANGUAGE,
            Parameter::new(
                "LogonFailuresBeforeDisconnect",
                Number,
                "Wrong PINs in one call before the call is ended: 1 to 20.",
            )
            .default("3"),
        ],
        examples: &[ex(
            "Set-UMDialPlan MyUMDialPlan -AccessTelephoneNumbers '+14255550100'",
            "Sets the pilot number of MyUMDialPlan.",
        )],
    },
    Cmdlet {
        name: "Remove-UMDialPlan",
        aliases: &[],
        synopsis: "Removes a UM dial plan that no UM mailbox policy belongs to.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_DIAL_PLAN.required()],
        examples: &[ex("Remove-UMDialPlan MyUMDialPlan", "Removes the dial plan MyUMDialPlan.")],
    },
    Cmdlet {
        name: "New-UMMailboxPolicy",
        aliases: &[],
        synopsis: "Creates a UM mailbox policy with the default PIN settings.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            Parameter::new("Name", Text, "The name of the policy.").required().at(1),
            Parameter::new("UMDialPlan", Text, "The dial plan the policy belongs to.").required(),
        ],
        examples: &[ex(
            "New-UMMailboxPolicy -Name MyUMMailboxPolicy -UMDialPlan MyUMDialPlan",
            "Creates the policy MyUMMailboxPolicy in the dial plan MyUMDialPlan.",
        )],
    },
    Cmdlet {
        name: "Get-UMMailboxPolicy",
        aliases: &[],
        synopsis: "Shows UM mailbox policies.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_POLICY, Parameter::new("UMDialPlan", Text, "Only the policies of this dial plan.")],
        examples: &[ex("Get-UMMailboxPolicy -UMDialPlan MyUMDialPlan", "Shows the policies of MyUMDialPlan.")],
    },
    Cmdlet {
        name: "Set-UMMailboxPolicy",
        aliases: &[],
        synopsis: "Changes the PIN settings of a UM mailbox policy; they apply at once to its mailboxes.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_POLICY.required(),
            Parameter::new("Name", Text, "A new name for the policy."),
            Parameter::new("MinPINLength", Number, "The fewest digits of a PIN: 4 to 24.").default("6"),
            Parameter::new("PINLifetime", NumberOrUnlimited, "Days before a PIN expires: 1 to 999, or Unlimited.")
                .default("60"),
            Parameter::new(
                "PINHistoryCount",
                Number,
                "How many previous PINs, the current one included, a new PIN may not repeat: 1 to 20.",
            )
            .default("5"),
            Parameter::new(
                "AllowCommonPatterns",
                Bool,
                "Whether PINs may be one repeated digit or a run such as 123456.",
            )
            .default("$false"),
            Parameter::new(
                "LogonFailuresBeforePINReset",
                NumberOrUnlimited,
                "Failed sign-ins after which the PIN is reset and e-mailed: 1 to 999, or Unlimited; below MaxLogonAttempts.",
            )
            .default("5"),
            Parameter::new("MaxLogonAttempts", Number, "Failed sign-ins after which the mailbox is locked out: 1 to 999.")
                .default("15"),
            Parameter::new("ResetPINText", Text, "Text added to the PIN reset message: at most 512 characters."),
            Parameter::new("UMEnabledText", Text, "Text added to the welcome message: at most 512 characters."),
        ],
        examples: &[ex(
            "Set-UMMailboxPolicy MyUMMailboxPolicy -MinPINLength 8 -PINLifetime Unlimited",
            "Requires PINs of eight digits or more, which never expire.",
        )],
    },
    Cmdlet {
        name: "Remove-UMMailboxPolicy",
        aliases: &[],
        synopsis: "Removes a UM mailbox policy that no UM-enabled mailbox uses.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_POLICY.required()],
        examples: &[ex("Remove-UMMailboxPolicy MyUMMailboxPolicy", "Removes the policy MyUMMailboxPolicy.")],
    },
    Cmdlet {
        name: "Enable-UMMailbox",
        aliases: &[],
        synopsis: "Enables a mailbox for Unified Messaging, gives it extensions and a PIN, and sends the welcome message.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_MAILBOX.required(),
            Parameter::new("UMMailboxPolicy", Text, "The UM mailbox policy (and so the dial plan).").required(),
            Parameter::new(
                "Extensions",
                TextList,
                "The extensions, the first one primary; without it, derived from the mailbox's phone number.",
            ),
            Parameter::new("PIN", Secret, "The PIN; without it, one is generated."),
            PIN_EXPIRED,
            NOTIFY_EMAIL,
            Parameter::new(
                "SIPResourceIdentifier",
                Text,
                "The SIP address or E.164 number, required in SipName and E164 dial plans.",
            ),
            Parameter::new("PilotNumber", Text, "The voice access number.").default("the dial plan's first access number"),
            Parameter::new("ValidateOnly", Switch, "Checks everything and changes nothing."),
        ],
        examples: &[ex(
            "Enable-UMMailbox -Identity tony@contoso.com -UMMailboxPolicy MyUMMailboxPolicy -Extensions 51234 -PIN 5643892 -NotifyEmail administrator@contoso.com -PINExpired $true",
            "Enables tony@contoso.com on extension 51234 with PIN 5643892, to be changed at the first sign-in; the welcome message goes to the administrator.",
        )],
    },
    Cmdlet {
        name: "Disable-UMMailbox",
        aliases: &[],
        synopsis: "Disables a mailbox for Unified Messaging: releases its extensions and destroys its PIN data.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_MAILBOX.required(),
            Parameter::new("KeepProperties", Bool, "Whether to keep the other UM settings for a later re-enable.")
                .default("$true"),
        ],
        examples: &[ex("Disable-UMMailbox tony@contoso.com", "Disables tony@contoso.com for Unified Messaging.")],
    },
    Cmdlet {
        name: "Get-UMMailbox",
        aliases: &[],
        synopsis: "Shows UM-enabled mailboxes.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[
            IDENTITY_MAILBOX,
            Parameter::new("UMMailboxPolicy", Text, "Only the mailboxes of this policy."),
            RESULT_SIZE,
            ANR,
        ],
        examples: &[ex("Get-UMMailbox tony | Format-List", "Shows every UM setting of tony.")],
    },
    Cmdlet {
        name: "Set-UMMailbox",
        aliases: &[],
        synopsis: "Changes the UM settings of a mailbox.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_MAILBOX.required(),
            Parameter::new("UMMailboxPolicy", Text, "Another policy of the same dial plan."),
            Parameter::new("OperatorNumber", Text, "The personal operator's number: 1 to 20 digits."),
            Parameter::new("PilotNumber", Text, "The voice access number."),
        ],
        examples: &[ex("Set-UMMailbox tony -OperatorNumber 4000", "Sets tony's personal operator to extension 4000.")],
    },
    Cmdlet {
        name: "Get-UMMailboxPIN",
        aliases: &[],
        synopsis: "Shows the PIN status of UM-enabled mailboxes: expired, locked out, first-time user.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[
            IDENTITY_MAILBOX,
            RESULT_SIZE,
            Parameter::new("IgnoreErrors", Switch, "Warns instead of failing on a mailbox that isn't UM-enabled."),
        ],
        examples: &[
            ex("Get-UMMailboxPIN -Identity tony@contoso.com", "Shows whether tony's PIN is expired or locked out."),
            ex(
                "Get-UMMailboxPIN | Where-Object LockedOut",
                "Shows every locked-out UM mailbox.",
            ),
        ],
    },
    Cmdlet {
        name: "Set-UMMailboxPIN",
        aliases: &[],
        synopsis: "Resets a UM mailbox's PIN, or locks or unlocks it.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_MAILBOX.required(),
            Parameter::new("Pin", Secret, "The new PIN; without it (and without -LockedOut), one is generated."),
            PIN_EXPIRED,
            Parameter::new(
                "LockedOut",
                Bool,
                "$false unlocks (the PIN stays), $true locks; with -Pin, the state after the reset.",
            ),
            NOTIFY_EMAIL,
            Parameter::new("SendEmail", Bool, "Whether to e-mail the new PIN.").default("$true"),
        ],
        examples: &[
            ex(
                "Set-UMMailboxPIN -Identity tony@contoso.com -PIN 1985848 -PinExpired $true",
                "Resets tony's PIN to 1985848, to be changed at the next sign-in.",
            ),
            ex(
                "Get-UMMailboxPIN | Where-Object {$_.LockedOut -eq $true} | Set-UMMailboxPIN -LockedOut $false",
                "Unlocks every locked-out UM mailbox.",
            ),
        ],
    },
    Cmdlet {
        name: "New-Mailbox",
        aliases: &[],
        synopsis: "Creates a mailbox.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            Parameter::new("Name", Text, "The unique name: at most 64 characters.").required().at(1).piped(ByPropertyName),
            MAILBOX_FIELDS[0],
            MAILBOX_FIELDS[1].required(),
            MAILBOX_FIELDS[2],
            MAILBOX_FIELDS[3],
            MAILBOX_FIELDS[4],
            MAILBOX_FIELDS[5],
            MAILBOX_FIELDS[6],
        ],
        examples: &[
            ex(
                "New-Mailbox -Name 'Tony Smith' -PrimarySmtpAddress tony@contoso.com -Phone '+14255551234'",
                "Creates the mailbox of Tony Smith.",
            ),
            ex(
                "Import-Csv users.csv | New-Mailbox",
                "Creates a mailbox for each row of users.csv (columns Name, Alias, PrimarySmtpAddress, DisplayName, Phone).",
            ),
        ],
    },
    Cmdlet {
        name: "Get-Mailbox",
        aliases: &[],
        synopsis: "Shows mailboxes.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_MAILBOX, RESULT_SIZE, ANR],
        examples: &[ex("Get-Mailbox -Anr tony", "Shows the mailboxes whose name, alias or address starts with tony.")],
    },
    Cmdlet {
        name: "Set-Mailbox",
        aliases: &[],
        synopsis: "Changes a mailbox.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_MAILBOX.required(),
            Parameter::new("Name", Text, "A new name."),
            MAILBOX_FIELDS[0],
            MAILBOX_FIELDS[1],
            MAILBOX_FIELDS[2],
            MAILBOX_FIELDS[3],
            MAILBOX_FIELDS[4],
            MAILBOX_FIELDS[5],
            MAILBOX_FIELDS[6],
            Parameter::new("EmailAddresses", TextList, "The secondary e-mail addresses (replacing the current ones)."),
        ],
        examples: &[ex("Set-Mailbox tony -Phone '+14255551234'", "Sets tony's phone number.")],
    },
    Cmdlet {
        name: "Remove-Mailbox",
        aliases: &[],
        synopsis: "Removes a mailbox (disabling it for Unified Messaging first).",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_MAILBOX.required()],
        examples: &[ex("Remove-Mailbox tony@contoso.com", "Removes tony's mailbox.")],
    },
    Cmdlet {
        name: "Search-AdminAuditLog",
        aliases: &[],
        synopsis: "Finds records of the admin audit log: who did what, when, from where, and whether it succeeded.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[
            Parameter::new("Cmdlets", TextList, "Only records of these cmdlets."),
            Parameter::new("ObjectIds", TextList, "Only records about these objects, as they were named."),
            Parameter::new("UserIds", TextList, "Only records of these management accounts."),
            Parameter::new("StartDate", Text, "Only records from this time on (2026-11-27 or 2026-11-27T08:00:00Z)."),
            Parameter::new("EndDate", Text, "Only records up to this time."),
            Parameter::new("IsSuccess", Bool, "Only succeeded ($true) or failed and denied ($false) actions."),
            RESULT_SIZE,
        ],
        examples: &[
            ex(
                "Search-AdminAuditLog -Cmdlets Set-UMMailboxPIN -ObjectIds tony@contoso.com",
                "Shows who reset or unlocked tony's PIN.",
            ),
            ex("Search-AdminAuditLog -IsSuccess $false", "Shows failed and denied actions."),
        ],
    },
    Cmdlet {
        name: "Test-AdminAuditLog",
        aliases: &[],
        synopsis: "Checks that no record of the admin audit log was changed, removed or inserted.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[Parameter::new(
            "Checkpoint",
            Text,
            "A signed checkpoint that umpin serve wrote (the line, or a file of them: the last is used), which the log must still reach.",
        )],
        examples: &[
            ex("Test-AdminAuditLog", "Checks the whole chain and names the first broken record."),
            ex(
                "Test-AdminAuditLog -Checkpoint /var/log/umpin/audit-checkpoints",
                "Also shows whether the newest records were deleted since the last checkpoint in the file.",
            ),
        ],
    },
    Cmdlet {
        name: "New-ManagementAccount",
        aliases: &[],
        synopsis: "Creates a management account (add it to a role group to let it do anything).",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            Parameter::new("Name", Text, "The sign-in name: letters, digits, '.', '-', '_' and '@'.")
                .required()
                .at(1)
                .piped(ByPropertyName),
            Parameter::new("Password", Secret, "At least 12 characters; without it, one is generated and shown once."),
            Parameter::new("DisplayName", Text, "The name shown in lists.").piped(ByPropertyName),
        ],
        examples: &[ex(
            "New-ManagementAccount helpdesk1; Add-RoleGroupMember 'Help Desk' -Member helpdesk1",
            "Creates a help desk account with a generated password.",
        )],
    },
    Cmdlet {
        name: "Get-ManagementAccount",
        aliases: &[],
        synopsis: "Shows management accounts and their role groups.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_ACCOUNT],
        examples: &[ex("Get-ManagementAccount", "Lists every management account.")],
    },
    Cmdlet {
        name: "Set-ManagementAccount",
        aliases: &[],
        synopsis: "Changes a management account's password, display name or disabled state.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[
            IDENTITY_ACCOUNT.required(),
            Parameter::new("Password", Secret, "A new password (its tokens are revoked)."),
            Parameter::new("DisplayName", Text, "A new display name."),
            Parameter::new("Disabled", Bool, "$true disables the account and revokes its tokens."),
        ],
        examples: &[ex("Set-ManagementAccount helpdesk1 -Disabled $true", "Disables helpdesk1.")],
    },
    Cmdlet {
        name: "Remove-ManagementAccount",
        aliases: &[],
        synopsis: "Removes a management account.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_ACCOUNT.required()],
        examples: &[ex("Remove-ManagementAccount helpdesk1", "Removes helpdesk1.")],
    },
    Cmdlet {
        name: "Get-RoleGroup",
        aliases: &[],
        synopsis: "Shows the built-in role groups, what they permit and their members.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_ROLE_GROUP],
        examples: &[ex("Get-RoleGroup 'Help Desk' | Format-List", "Shows what Help Desk may do.")],
    },
    Cmdlet {
        name: "Get-RoleGroupMember",
        aliases: &[],
        synopsis: "Shows the members of a role group.",
        runs_on: RunsOn::Server,
        changes_state: false,
        parameters: &[IDENTITY_ROLE_GROUP.required()],
        examples: &[ex("Get-RoleGroupMember 'Organization Management'", "Lists the organisation's administrators.")],
    },
    Cmdlet {
        name: "Add-RoleGroupMember",
        aliases: &[],
        synopsis: "Adds a management account to a role group.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_ROLE_GROUP.required(), MEMBER],
        examples: &[ex("Add-RoleGroupMember 'UM Management' -Member ellen", "Lets ellen manage Unified Messaging.")],
    },
    Cmdlet {
        name: "Remove-RoleGroupMember",
        aliases: &[],
        synopsis: "Removes a management account from a role group.",
        runs_on: RunsOn::Server,
        changes_state: true,
        parameters: &[IDENTITY_ROLE_GROUP.required(), MEMBER],
        examples: &[ex("Remove-RoleGroupMember 'UM Management' -Member ellen", "Takes the permission back.")],
    },
    Cmdlet {
        name: "Where-Object",
        aliases: &["?", "where"],
        synopsis: "Passes on the input objects that match a condition.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new(
                "FilterScript",
                Script,
                "The condition, with $_ for the input object: Where-Object {$_.LockedOut -eq $true}.",
            )
            .at(1),
            Parameter::new("Property", Text, "A property to test: Where-Object LockedOut, Where-Object PinExpired -eq $false."),
            Parameter::new("Value", Any, "The value to compare the property with.").at(2),
            Parameter::new("EQ", Switch, "The property equals the value."),
            Parameter::new("NE", Switch, "The property differs from the value."),
            Parameter::new("GT", Switch, "The property is greater than the value."),
            Parameter::new("GE", Switch, "The property is greater than or equal to the value."),
            Parameter::new("LT", Switch, "The property is less than the value."),
            Parameter::new("LE", Switch, "The property is less than or equal to the value."),
            Parameter::new("Like", Switch, "The property matches the wildcard pattern of the value."),
            Parameter::new("NotLike", Switch, "The property doesn't match the wildcard pattern of the value."),
            Parameter::new("InputObject", Any, "The objects to filter.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Where-Object LockedOut", "Shows the locked-out UM mailboxes.")],
    },
    Cmdlet {
        name: "ForEach-Object",
        aliases: &["%", "foreach"],
        synopsis: "Runs a script block, or takes a property, for each input object.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Process", Script, "The script block to run, with $_ for the input object.").at(1),
            Parameter::new("MemberName", Text, "The property to take from each input object."),
            Parameter::new("InputObject", Any, "The objects to process.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | ForEach-Object { $_.UserID }", "Lists the addresses of the UM mailboxes.")],
    },
    Cmdlet {
        name: "Select-Object",
        aliases: &["select"],
        synopsis: "Keeps some properties of the input objects, or the first objects.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to keep.").at(1),
            Parameter::new("ExpandProperty", Text, "Passes on the value of this property instead of the object."),
            Parameter::new("First", Number, "Passes on only this many objects."),
            Parameter::new("InputObject", Any, "The objects to select from.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Select-Object UserID,LockedOut", "Shows two properties of each PIN status.")],
    },
    Cmdlet {
        name: "Sort-Object",
        aliases: &["sort"],
        synopsis: "Sorts the input objects by property values.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to sort by.").at(1),
            Parameter::new("Descending", Switch, "Sorts from the highest to the lowest."),
            Parameter::new("InputObject", Any, "The objects to sort.").piped(ByValue),
        ],
        examples: &[ex(
            "Get-UMMailboxPIN | Sort-Object FailedLogonCount -Descending",
            "Shows the mailboxes with the most failed sign-ins first.",
        )],
    },
    Cmdlet {
        name: "Measure-Object",
        aliases: &[],
        synopsis: "Counts the input objects, and sums a numeric property.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Text, "A numeric property to sum, average and bound.").at(1),
            Parameter::new("InputObject", Any, "The objects to measure.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object", "Counts every UM mailbox.")],
    },
    Cmdlet {
        name: "Format-Table",
        aliases: &["ft"],
        synopsis: "Shows the input objects as a table.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The columns; all properties of the first object by default.").at(1),
            Parameter::new("AutoSize", Switch, "Accepted for familiarity: columns are always sized to their content."),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Format-Table UserID,FailedLogonCount", "Shows two columns.")],
    },
    Cmdlet {
        name: "Format-List",
        aliases: &["fl"],
        synopsis: "Shows each input object as a list of its properties.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to show; all by default.").at(1),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN tony | Format-List", "Shows every property of tony's PIN status.")],
    },
    Cmdlet {
        name: "ConvertTo-Json",
        aliases: &[],
        synopsis: "Turns the input objects into JSON.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("InputObject", Any, "The objects to convert.").at(1).piped(ByValue)],
        examples: &[ex("Get-UMMailboxPIN tony | ConvertTo-Json", "Shows tony's PIN status as JSON.")],
    },
    Cmdlet {
        name: "ConvertTo-Csv",
        aliases: &[],
        synopsis: "Turns the input objects into CSV lines, with a header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("NoTypeInformation", Switch, "Accepted for familiarity: no type line is ever written."),
            Parameter::new("InputObject", Any, "The objects to convert.").at(1).piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | ConvertTo-Csv", "Shows the PIN statuses as CSV.")],
    },
    Cmdlet {
        name: "Export-Csv",
        aliases: &[],
        synopsis: "Writes the input objects to a CSV file, with a header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Path", Text, "The file to write.").required().at(1),
            Parameter::new("NoTypeInformation", Switch, "Accepted for familiarity: no type line is ever written."),
            Parameter::new("InputObject", Any, "The objects to write.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Export-Csv pins.csv", "Writes the PIN statuses to pins.csv.")],
    },
    Cmdlet {
        name: "Import-Csv",
        aliases: &[],
        synopsis: "Reads a CSV file: one object per row, named by the header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Path", Text, "The file to read.").required().at(1)],
        examples: &[ex("Import-Csv users.csv | New-Mailbox", "Creates a mailbox for each row of users.csv.")],
    },
    Cmdlet {
        name: "Get-Help",
        aliases: &["help"],
        synopsis: "Shows how to use a cmdlet: syntax, parameters and examples.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Name", Text, "The cmdlet.").at(1)],
        examples: &[ex("Get-Help Set-UMMailboxPIN", "Shows how to reset, lock and unlock PINs.")],
    },
    Cmdlet {
        name: "Get-Command",
        aliases: &["gcm"],
        synopsis: "Lists the cmdlets, optionally those whose names match a wildcard pattern.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Name", Text, "A wildcard pattern such as *UMMailbox*.").at(1)],
        examples: &[ex("Get-Command *PIN*", "Lists the PIN cmdlets.")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_um_directory_security_and_utility_cmdlet_of_the_spec_is_registered() {
        let spec = [
            "New-UMDialPlan",
            "Get-UMDialPlan",
            "Set-UMDialPlan",
            "Remove-UMDialPlan",
            "New-UMMailboxPolicy",
            "Get-UMMailboxPolicy",
            "Set-UMMailboxPolicy",
            "Remove-UMMailboxPolicy",
            "Enable-UMMailbox",
            "Disable-UMMailbox",
            "Get-UMMailbox",
            "Set-UMMailbox",
            "Get-UMMailboxPIN",
            "Set-UMMailboxPIN",
            "New-Mailbox",
            "Get-Mailbox",
            "Set-Mailbox",
            "Remove-Mailbox",
            "Search-AdminAuditLog",
            "Test-AdminAuditLog",
            "New-ManagementAccount",
            "Get-ManagementAccount",
            "Set-ManagementAccount",
            "Remove-ManagementAccount",
            "Get-RoleGroup",
            "Get-RoleGroupMember",
            "Add-RoleGroupMember",
            "Remove-RoleGroupMember",
            "Where-Object",
            "ForEach-Object",
            "Select-Object",
            "Sort-Object",
            "Measure-Object",
            "Format-Table",
            "Format-List",
            "ConvertTo-Json",
            "ConvertTo-Csv",
            "Export-Csv",
            "Import-Csv",
            "Get-Help",
            "Get-Command",
        ];
        for name in spec {
            assert!(find(name).is_some(), "{name}");
        }
        for (alias, name) in [
            ("?", "Where-Object"),
            ("where", "Where-Object"),
            ("%", "ForEach-Object"),
            ("foreach", "ForEach-Object"),
            ("select", "Select-Object"),
            ("sort", "Sort-Object"),
            ("ft", "Format-Table"),
            ("fl", "Format-List"),
        ] {
            assert_eq!(find(alias).map(|c| c.name), Some(name), "{alias}");
        }
    }

    #[test]
    fn names_aliases_and_positions_are_unique() {
        let mut names: Vec<String> = CMDLETS
            .iter()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
            .map(str::to_lowercase)
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "a cmdlet name or alias is used twice");
        for c in CMDLETS {
            let mut params: Vec<String> = c.all_parameters().map(|p| p.name.to_lowercase()).collect();
            let n = params.len();
            params.sort();
            params.dedup();
            assert_eq!(params.len(), n, "{}: a parameter is listed twice", c.name);
            let mut positions: Vec<u8> = c.parameters.iter().filter_map(|p| p.position).collect();
            let n = positions.len();
            positions.dedup();
            assert_eq!(positions.len(), n, "{}: two parameters share a position", c.name);
        }
    }

    #[test]
    fn parameters_match_case_insensitively_and_by_unambiguous_prefix() {
        let c = find("set-ummailboxpin").unwrap();
        assert_eq!(c.parameter("pinexpired").unwrap().name, "PINExpired");
        assert_eq!(c.parameter("Lock").unwrap().name, "LockedOut");
        assert_eq!(c.parameter("WhatIf").unwrap().name, "WhatIf");
        let ambiguous = c.parameter("Pin").map(|p| p.name);
        assert_eq!(ambiguous, Ok("Pin"), "an exact name wins over longer ones it prefixes");
        assert!(c.parameter("S").is_ok());
        let err = find("Set-UMMailboxPolicy").unwrap().parameter("M").unwrap_err();
        assert!(err.contains("-MinPINLength") && err.contains("-MaxLogonAttempts"), "{err}");
        assert_eq!(
            c.parameter("Bogus").unwrap_err(),
            "A parameter cannot be found that matches parameter name 'Bogus'."
        );
    }

    #[test]
    fn only_state_changing_cmdlets_take_what_if_and_confirm() {
        assert!(find("Get-UMMailboxPIN").unwrap().parameter("WhatIf").is_err());
        assert!(find("Remove-Mailbox").unwrap().parameter("Confirm").is_ok());
    }
}
