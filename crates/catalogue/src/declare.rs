//! How a cmdlet is declared: its [`CmdletInfo`] (name, parameters with their kinds, positions,
//! pipeline binding, defaults and help text, examples) and the typed struct its parameters bind
//! to, both made by [`cmdlet!`] from one declaration. A field's Rust type says what the parameter
//! takes ([`ParameterType`]): `String` is a mandatory text, `Option<bool>` an optional
//! `$true`/`$false`, [`Switch`] a switch, `Option<Secret>` a PIN or password, and so on; so the
//! registry entry, the binding and the audit record can't disagree about a parameter.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use umpin_domain::{AuditValue, LimitValue, Timestamp, UriType, VoipSecurity};

use crate::binding::{Argument, Arguments};
use crate::value::Value;

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
    /// A PIN or a password: never shown, never kept in history.
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
            Kind::Text | Kind::Secret | Kind::Choice(_) => "String",
            Kind::TextList => "String[]",
            Kind::Number => "Int32",
            Kind::NumberOrUnlimited => "Unlimited<Int32>",
            Kind::Bool => "Boolean",
            Kind::Switch => "SwitchParameter",
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

/// A parameter's default, as help shows it: a domain constant, never retyped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    Bool(bool),
    Number(i64),
    Text(&'static str),
}

impl fmt::Display for Default {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Default::Bool(true) => f.write_str("$true"),
            Default::Bool(false) => f.write_str("$false"),
            Default::Number(n) => write!(f, "{n}"),
            Default::Text(t) => f.write_str(t),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parameter {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Position for positional arguments, counted from 1.
    pub position: Option<u8>,
    pub pipeline: FromPipeline,
    /// Takes, besides the positional argument at its position, every positional argument after
    /// it, as one array (`Write-Host a b c`), as PowerShell's remaining-arguments parameters do.
    pub remaining: bool,
    pub default: Option<Default>,
    pub description: &'static str,
    /// The REST API takes it from the request's path (an identity; `LockedOut` from the
    /// `/lock` and `/unlock` paths), never from a request body.
    pub in_path: bool,
}

impl Parameter {
    /// A parameter that takes `kind`; in a [`cmdlet!`] declaration the field's type sets the kind.
    pub const fn new(name: &'static str, kind: Kind, description: &'static str) -> Self {
        Parameter {
            name,
            kind,
            required: false,
            position: None,
            pipeline: FromPipeline::No,
            remaining: false,
            default: None,
            description,
            in_path: false,
        }
    }
    /// A parameter of a [`cmdlet!`] declaration, whose field's type gives its kind.
    pub const fn named(name: &'static str, description: &'static str) -> Self {
        Parameter::new(name, Kind::Any, description)
    }
    pub const fn required(self) -> Self {
        Parameter { required: true, ..self }
    }
    pub const fn at(self, position: u8) -> Self {
        Parameter { position: Some(position), ..self }
    }
    pub const fn piped(self, pipeline: FromPipeline) -> Self {
        Parameter { pipeline, ..self }
    }
    /// Takes the positional arguments after its own too (see [`Parameter::remaining`]).
    pub const fn remaining(self) -> Self {
        Parameter { remaining: true, ..self }
    }
    pub const fn default(self, default: Default) -> Self {
        Parameter { default: Some(default), ..self }
    }
    /// The REST API takes it from the path (see [`Parameter::in_path`]).
    pub const fn in_path(self) -> Self {
        Parameter { in_path: true, ..self }
    }
}

/// The parameter as the field of type `T` takes it.
pub const fn typed<T: ParameterType>(p: Parameter) -> Parameter {
    Parameter { kind: T::KIND, required: p.required || T::REQUIRED, ..p }
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

/// What the registry knows of a cmdlet: what binding, completion, `Get-Help` and `Get-Command` read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdletInfo {
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

impl CmdletInfo {
    /// Every parameter, the common ones included (once: a cmdlet may declare one itself).
    pub fn all_parameters(&self) -> impl Iterator<Item = &Parameter> {
        let common: &'static [Parameter] = if self.changes_state { &[WHAT_IF, CONFIRM] } else { &[] };
        let declared = |p: &&Parameter| self.parameters.iter().any(|d| d.name == p.name);
        self.parameters.iter().chain(common.iter().filter(move |p| !declared(p)))
    }

    /// Whether the cmdlet answers `-WhatIf` itself, with what it would change (it declares the
    /// parameter); the others are answered with the generic "What if:" sentence, unrun.
    pub fn answers_what_if(&self) -> bool {
        self.parameters.iter().any(|p| p.name == WHAT_IF.name)
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

/// A PIN or a password as a parameter takes it: never printed, and `***` in the audit log.
#[derive(Clone)]
pub struct Secret(pub SecretString);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A switch parameter: given (`-ValidateOnly`) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Switch(pub bool);

/// A type a cmdlet's parameter field may have: it says the parameter's kind, whether it is
/// mandatory, how its bound argument converts, and how the audit log shows it.
pub trait ParameterType: Sized {
    const KIND: Kind;
    const REQUIRED: bool;
    /// The field's value from the bound arguments (binding checked the kind already).
    fn take(arguments: &Arguments, name: &'static str) -> Result<Self, String>;
    /// What the audit log records; `None` when the parameter wasn't given.
    fn audit(&self) -> Option<AuditValue>;
}

/// A value a parameter may take, given or not: `T` is then mandatory and `Option<T>` optional.
pub trait Scalar: Sized {
    const KIND: Kind;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String>;
    fn audit_value(&self) -> AuditValue;
}

impl<T: Scalar> ParameterType for Option<T> {
    const KIND: Kind = T::KIND;
    const REQUIRED: bool = false;
    fn take(arguments: &Arguments, name: &'static str) -> Result<Self, String> {
        arguments.get(name).map(|a| T::from_argument(name, a)).transpose()
    }
    fn audit(&self) -> Option<AuditValue> {
        self.as_ref().map(Scalar::audit_value)
    }
}

/// The message for a mandatory parameter that wasn't given (binding reports it first, naming
/// every missing one; this is for a struct bound from arguments that skipped that check).
fn missing(name: &str) -> String {
    format!("Cannot process the command because of missing mandatory parameters: {name}. Give it and run it again.")
}

/// A mandatory text parameter.
impl ParameterType for String {
    const KIND: Kind = Kind::Text;
    const REQUIRED: bool = true;
    fn take(arguments: &Arguments, name: &'static str) -> Result<Self, String> {
        match arguments.get(name) {
            Some(a) => String::from_argument(name, a),
            None => Err(missing(name)),
        }
    }
    fn audit(&self) -> Option<AuditValue> {
        Some(self.audit_value())
    }
}

/// A mandatory whole number.
impl ParameterType for i64 {
    const KIND: Kind = Kind::Number;
    const REQUIRED: bool = true;
    fn take(arguments: &Arguments, name: &'static str) -> Result<Self, String> {
        match arguments.get(name) {
            Some(a) => i64::from_argument(name, a),
            None => Err(missing(name)),
        }
    }
    fn audit(&self) -> Option<AuditValue> {
        Some(self.audit_value())
    }
}

impl ParameterType for Switch {
    const KIND: Kind = Kind::Switch;
    const REQUIRED: bool = false;
    fn take(arguments: &Arguments, name: &'static str) -> Result<Self, String> {
        Ok(Switch(arguments.get(name).map(|a| bool::from_argument(name, a)).transpose()?.unwrap_or(false)))
    }
    fn audit(&self) -> Option<AuditValue> {
        self.0.then_some(AuditValue::Bool(true))
    }
}

fn plain<'a>(name: &str, argument: &'a Argument) -> Result<&'a Value, String> {
    match argument {
        Argument::Value(v) => Ok(v),
        Argument::Secret(_) => Err(format!("Cannot bind parameter '{name}': it isn't a PIN or a password.")),
    }
}

impl Scalar for String {
    const KIND: Kind = Kind::Text;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        Ok(plain(name, argument)?.to_text())
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Text(self.clone())
    }
}

impl Scalar for Vec<String> {
    const KIND: Kind = Kind::TextList;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        Ok(plain(name, argument)?.clone().into_items().iter().map(Value::to_text).collect())
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Texts(self.clone())
    }
}

impl Scalar for i64 {
    const KIND: Kind = Kind::Number;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        match plain(name, argument)? {
            Value::Int(n) => Ok(*n),
            other => Err(format!("Cannot bind parameter '{name}': the value '{other}' isn't a whole number.")),
        }
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Number(*self)
    }
}

impl Scalar for bool {
    const KIND: Kind = Kind::Bool;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        Ok(plain(name, argument)?.is_true())
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Bool(*self)
    }
}

impl Scalar for LimitValue {
    const KIND: Kind = Kind::NumberOrUnlimited;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        Ok(match plain(name, argument)? {
            Value::Int(n) => LimitValue::Number(*n),
            _ => LimitValue::Unlimited,
        })
    }
    fn audit_value(&self) -> AuditValue {
        match self {
            LimitValue::Number(n) => AuditValue::Number(*n),
            LimitValue::Unlimited => AuditValue::Word("Unlimited".to_owned()),
        }
    }
}

impl Scalar for Secret {
    const KIND: Kind = Kind::Secret;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        match argument {
            Argument::Secret(s) => Ok(Secret(s.clone())),
            Argument::Value(_) => Err(format!("Cannot bind parameter '{name}': give it as a string of digits.")),
        }
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Secret
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// A date or time as typed: `2026-11-27` (midnight UTC) or an RFC 3339 time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct When(pub Timestamp);

impl Scalar for When {
    const KIND: Kind = Kind::Text;
    fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
        let text = plain(name, argument)?.to_text();
        let text = text.trim();
        text.parse::<Timestamp>()
            .or_else(|_| {
                text.parse::<jiff::civil::Date>().and_then(|d| jiff::tz::TimeZone::UTC.to_timestamp(d.at(0, 0, 0, 0)))
            })
            .map(When)
            .map_err(|_| {
                format!(
                    "Cannot bind parameter '{name}': '{text}' isn't a date: use 2026-11-27 or 2026-11-27T08:00:00Z."
                )
            })
    }
    fn audit_value(&self) -> AuditValue {
        AuditValue::Word(self.0.to_string())
    }
}

/// The domain's enumerations, taken by name.
macro_rules! choice {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const KIND: Kind = Kind::Choice(<$t>::NAMES);
            fn from_argument(name: &'static str, argument: &Argument) -> Result<Self, String> {
                plain(name, argument)?.to_text().parse().map_err(|e: umpin_domain::Error| e.to_string())
            }
            fn audit_value(&self) -> AuditValue {
                AuditValue::Word(self.to_string())
            }
        }
    )*};
}
choice!(UriType, VoipSecurity);

/// A cmdlet declared with [`cmdlet!`]: what a REST body of it ([`crate::body::Body`]) needs to
/// know of it.
pub trait Declared: Sized {
    /// Its fields' names, one per parameter in the order of [`CmdletInfo::parameters`].
    const FIELDS: &'static [&'static str];
    /// Its registry entry.
    fn info() -> &'static CmdletInfo;
    /// The typed cmdlet from arguments bound to its registry entry.
    fn bind(arguments: &Arguments) -> Result<Self, String>;
}

/// The object a cmdlet acts on, as the audit log names it: the value of its `-Identity`, or of the
/// parameter that names the object it creates.
pub trait ObjectId {
    fn object_id(&self) -> String;
}

impl ObjectId for String {
    fn object_id(&self) -> String {
        self.clone()
    }
}

impl ObjectId for Option<String> {
    fn object_id(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

/// The object of a declaration's `object:` field, or none.
macro_rules! object_id {
    ($cmdlet:ident) => {
        String::new()
    };
    ($cmdlet:ident . $field:ident) => {
        $crate::declare::ObjectId::object_id(&$cmdlet.$field)
    };
}
pub(crate) use object_id;

/// Declares one server cmdlet: the typed struct of its parameters (one field per parameter,
/// its type saying what the parameter takes), its [`CmdletInfo`], its binding from bound
/// arguments, its parameters as the audit log records them, and the operation the service
/// checks and records (`object:` names the field whose value is the object acted on).
macro_rules! cmdlet {
    (
        $(#[$doc:meta])*
        $struct:ident = $name:literal {
            synopsis: $synopsis:expr,
            changes_state: $changes:expr,
            $(object: $object:ident,)?
            examples: [$(($code:expr, $description:expr $(,)?)),* $(,)?],
            parameters: {
                $($field:ident: $ty:ty = $parameter:expr),* $(,)?
            } $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default)]
        pub struct $struct {
            $(pub $field: $ty,)*
        }

        impl $struct {
            /// Which cmdlet it is, for the table of who may run it.
            pub const ID: $crate::cmdlets::CmdletId = $crate::cmdlets::CmdletId::$struct;

            pub const INFO: $crate::declare::CmdletInfo = $crate::declare::CmdletInfo {
                name: $name,
                aliases: &[],
                synopsis: $synopsis,
                runs_on: $crate::declare::RunsOn::Server,
                changes_state: $changes,
                parameters: &[$($crate::declare::typed::<$ty>($parameter)),*],
                examples: &[$($crate::declare::Example { code: $code, description: $description }),*],
            };

            /// The typed cmdlet from arguments bound to [`Self::INFO`].
            #[allow(unused_variables)] // a cmdlet may take no parameters
            pub fn bind(arguments: &$crate::binding::Arguments) -> Result<Self, String> {
                Ok($struct {
                    $($field: <$ty as $crate::declare::ParameterType>::take(arguments, ($parameter).name)?,)*
                })
            }

            /// The parameters given, as the admin audit log records them (secrets by their type).
            pub fn audit_parameters(&self) -> Vec<(&'static str, umpin_domain::AuditValue)> {
                #[allow(unused_mut)] // a cmdlet may take no parameters
                let mut parameters = Vec::new();
                $(
                    if let Some(value) = $crate::declare::ParameterType::audit(&self.$field) {
                        parameters.push((($parameter).name, value));
                    }
                )*
                parameters
            }

            /// The operation as the service checks and records it: this cmdlet on its object,
            /// with its parameters and every permission their values need.
            pub fn operation(&self) -> umpin_service::Operation {
                let object = $crate::declare::object_id!(self $(.$object)?);
                $crate::permissions::operation(Self::ID, object, self.audit_parameters())
            }
        }

        impl $crate::declare::Declared for $struct {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn info() -> &'static $crate::declare::CmdletInfo {
                &$struct::INFO
            }
            fn bind(arguments: &$crate::binding::Arguments) -> Result<Self, String> {
                $struct::bind(arguments)
            }
        }
    };
}
pub(crate) use cmdlet;
