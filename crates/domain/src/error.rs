//! The errors an administrator or a caller can meet, each with a message that says what is wrong and
//! what to do. No message ever contains a PIN.

use std::fmt;

/// What kind of object an identity was meant to name, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Mailbox,
    DialPlan,
    MailboxPolicy,
    ManagementAccount,
    RoleGroup,
    SprayBlock,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Mailbox => "mailbox",
            ObjectKind::DialPlan => "UM dial plan",
            ObjectKind::MailboxPolicy => "UM mailbox policy",
            ObjectKind::ManagementAccount => "management account",
            ObjectKind::RoleGroup => "role group",
            ObjectKind::SprayBlock => "UM spray block",
        })
    }
}

/// A rule of SPEC §2.1–§2.2 that a new PIN broke. The message names the rule, never the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinRule {
    DigitsOnly,
    TooShort { min: u8 },
    TooLong { max: u8 },
    InHistory { count: u8 },
    ExtensionSuffix,
    StartsWithExtension,
    RepeatedDigit,
    DigitRun,
    Common,
}

impl fmt::Display for PinRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinRule::DigitsOnly => f.write_str("The PIN may contain only the digits 0-9."),
            PinRule::TooShort { min } => write!(
                f,
                "The PIN is too short: the UM mailbox policy requires at least {min} digits."
            ),
            PinRule::TooLong { max } => write!(f, "The PIN is too long: it may have at most {max} digits."),
            PinRule::InHistory { count } => write!(
                f,
                "The PIN was used recently: it may not repeat any of the last {count} PINs. Choose a different PIN."
            ),
            PinRule::ExtensionSuffix => f.write_str(
                "The PIN may not be the end of one of the user's extensions. Choose a different PIN.",
            ),
            PinRule::StartsWithExtension => f.write_str(
                "The PIN may not begin with one of the user's extensions. Choose a different PIN.",
            ),
            PinRule::RepeatedDigit => f.write_str(
                "The PIN may not be a single repeated digit, because the UM mailbox policy doesn't allow common patterns.",
            ),
            PinRule::DigitRun => f.write_str(
                "The PIN may not be a run of consecutive ascending or descending digits, because the UM mailbox policy doesn't allow common patterns.",
            ),
            PinRule::Common => f.write_str(
                "The PIN is one of the most commonly chosen PINs (such as a date, a year or a shape on the keypad), which the UM mailbox policy doesn't allow. Choose a different PIN.",
            ),
        }
    }
}

/// Every refusal of the domain rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("The operation couldn't be performed because object '{identity}' couldn't be found.")]
    NotFound { kind: ObjectKind, identity: String },

    #[error(
        "The {kind} '{identity}' matches more than one object ({}). Use a more specific value, such as the e-mail address or the GUID.",
        candidates.join(", ")
    )]
    Ambiguous { kind: ObjectKind, identity: String, candidates: Vec<String> },

    #[error("A {kind} with the {property} '{value}' already exists. Choose a different {property}.")]
    AlreadyExists { kind: ObjectKind, property: &'static str, value: String },

    /// A parameter value outside its allowed range or form. `rule` says what is allowed.
    #[error("The value of parameter '{parameter}' isn't valid: {rule}")]
    InvalidParameter { parameter: &'static str, rule: String },

    #[error(
        "The dial plan name '{name}' is too long to generate its default UM mailbox policy '{name} Default Policy': use a name of at most 49 characters, or pass -GenerateUMMailboxPolicy $false."
    )]
    DialPlanNameTooLongForDefaultPolicy { name: String },

    #[error(
        "LogonFailuresBeforePINReset ({reset}) must be lower than MaxLogonAttempts ({max}). Lower LogonFailuresBeforePINReset, raise MaxLogonAttempts, or set LogonFailuresBeforePINReset to Unlimited."
    )]
    ResetNotBelowLockout { reset: u16, max: u16 },

    #[error(
        "The UM dial plan '{dial_plan}' can't be removed because UM mailbox policies belong to it ({}). Remove those policies first.",
        policies.join(", ")
    )]
    DialPlanHasPolicies { dial_plan: String, policies: Vec<String> },

    #[error(
        "The UM mailbox policy '{policy}' can't be removed because {count} UM-enabled mailbox(es) use it. Move those mailboxes to another policy or disable them for Unified Messaging first."
    )]
    PolicyInUse { policy: String, count: u64 },

    #[error("The {property} of a UM dial plan is fixed when it is created and can't be changed.")]
    FixedAfterCreation { property: &'static str },

    #[error(
        "The extension '{extension}' isn't valid for the UM dial plan '{dial_plan}': extensions there have exactly {digits} digits."
    )]
    ExtensionLength { extension: String, dial_plan: String, digits: u8 },

    #[error("The extension '{extension}' isn't valid: an extension contains only the digits 0-9.")]
    ExtensionNotDigits { extension: String },

    #[error(
        "The extension '{extension}' is already in use in the UM dial plan '{dial_plan}'. Choose a different extension."
    )]
    ExtensionInUse { extension: String, dial_plan: String },

    #[error("The extension '{extension}' is given more than once. Give each extension only once.")]
    ExtensionRepeated { extension: String },

    #[error(
        "An extension number can't be generated for '{mailbox}' because it has no phone number with at least {digits} digits. Pass -Extensions."
    )]
    ExtensionCantBeGenerated { mailbox: String, digits: u8 },

    #[error(
        "The UM dial plan '{dial_plan}' has URIType {uri_type}, so -SIPResourceIdentifier is required ({expected})."
    )]
    SipResourceIdentifierRequired { dial_plan: String, uri_type: &'static str, expected: &'static str },

    #[error(
        "The SIP resource identifier '{value}' is already in use in the UM dial plan '{dial_plan}'. Choose a different one."
    )]
    SipResourceIdentifierInUse { value: String, dial_plan: String },

    #[error("The mailbox {mailbox} isn't enabled for Unified Messaging.")]
    NotUmEnabled { mailbox: String },

    #[error("The UM mailbox {mailbox} is locked out. An administrator must unlock it or reset its PIN.")]
    LockedOut { mailbox: String },

    #[error("The mailbox {mailbox} is already enabled for Unified Messaging.")]
    AlreadyUmEnabled { mailbox: String },

    #[error(
        "The UM mailbox policy '{policy}' belongs to a different UM dial plan: a UM mailbox can only move to a policy of its own dial plan ('{dial_plan}'). Disable and enable the mailbox to change dial plans."
    )]
    PolicyInOtherDialPlan { policy: String, dial_plan: String },

    #[error("{0}")]
    Pin(PinRule),

    #[error(
        "The account '{account}' doesn't have the permission '{permission}'. It is granted by the role group(s) {}; ask an administrator of Organization Management to add the account to one of them.",
        granted_by.join(", ")
    )]
    PermissionDenied { account: String, permission: String, granted_by: Vec<&'static str> },

    #[error("The account '{account}' is already a member of the role group '{role_group}'.")]
    AlreadyMember { account: String, role_group: &'static str },

    #[error("The account '{account}' isn't a member of the role group '{role_group}'.")]
    NotMember { account: String, role_group: &'static str },

    #[error(
        "The account '{account}' is the last enabled local member of Organization Management: add another local account to it first, so that someone can still manage umpin when the directory can't be reached."
    )]
    LastOrganizationManager { account: String },

    #[error(
        "The account '{account}' is a directory user's: it signs in with the directory's password and has the role groups of its directory groups ([[directory.role_groups]] in the configuration). Change those in the directory; here the account can only be disabled or removed."
    )]
    DirectoryAccount { account: String },

    #[error(
        "Your directory account '{name}' can't sign in here as an administrator: a local management account has its name. Ask an administrator of Organization Management to rename or remove that account."
    )]
    DirectoryNameTaken { name: String },

    #[error(
        "The account '{account}' can't remove itself from Organization Management: it would lose the permission to manage accounts and role groups, and couldn't undo it. Another member of Organization Management can remove it."
    )]
    OwnOrganizationManagement { account: String },

    #[error(
        "The call has ended: it was hung up, disconnected after failed sign-ins, or is older than 30 minutes. Start a new call."
    )]
    CallEnded,

    #[error("The caller hasn't signed in on this call. Sign in with the PIN first.")]
    NotSignedIn,

    #[error(
        "The caller's sign-in on this call no longer holds: an administrator reset, locked, unlocked or disabled the PIN since. Nothing was changed; the caller must sign in again with the current PIN."
    )]
    SignInRevoked,

    #[error("The two new PINs entered are different. Ask the caller to enter the new PIN again, twice.")]
    PinsDiffer,

    #[error("The user of {mailbox} has already completed first-time setup.")]
    FirstTimeSetupDone { mailbox: String },

    #[error(
        "A recorded name is sent as a WAV file, with the Content-Type audio/wav: {}.",
        crate::wav::ACCEPTED_RECORDINGS
    )]
    RecordedNameNotWav,

    #[error("The recording can't be a recorded name: {reason}. Send {}.", crate::wav::ACCEPTED_RECORDINGS)]
    RecordedNameRefused { reason: String },

    #[error(
        "First-time setup needs the caller's recorded name: record the name first, or say that the caller skipped recording it."
    )]
    RecordedNameMissing,
}

impl From<PinRule> for Error {
    fn from(rule: PinRule) -> Self {
        Error::Pin(rule)
    }
}
