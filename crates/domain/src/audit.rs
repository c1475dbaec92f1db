//! What the admin audit log keeps of a parameter: its value as given, with a PIN or a password
//! kept only as the fact that one was given (by its type, whatever the parameter's name).

/// A parameter value as the admin audit log records it: secrets only as given, never their value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditValue {
    Text(String),
    Texts(Vec<String>),
    Number(i64),
    Bool(bool),
    /// `Unlimited`, a choice or a time: shown by name.
    Word(String),
    /// A PIN or a password was given.
    Secret,
}

/// One parameter of an audit record: its name and its value as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditParameter {
    pub name: String,
    pub value: AuditValue,
}

/// The parameters of an audit record, in the form the record was written in. How they are shown
/// (PowerShell's `-Identity tony -Pin ***`, JSON) is the business of each interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditParameters {
    /// Each parameter with its value, in the order given: the records umpin writes.
    Values(Vec<AuditParameter>),
    /// The parameters as one line of PowerShell text, `-Identity tony -Pin ***`: the records
    /// written before the log kept them as values. They are kept, and checked, as written.
    Text(String),
}
