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
