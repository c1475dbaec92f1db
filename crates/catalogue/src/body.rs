//! The JSON body of a REST request that runs a cmdlet (`POST /api/v1/mailboxes` runs
//! `New-Mailbox`, `PATCH /api/v1/um/mailbox-policies/{identity}` runs `Set-UMMailboxPolicy`),
//! made from the cmdlet's declaration together with its OpenAPI schema, so that a parameter
//! declared once is a body member too.
//!
//! - **Members**: the cmdlet's parameters but those the path gives ([`Parameter::in_path`]),
//!   each named as the cmdlet's field in camelCase (`pinExpired` for the field `pin_expired` of
//!   `-PINExpired`), as the typed views name their properties.
//! - **Types are strict**: a text, a choice, a PIN or a password is a string; a list of texts an
//!   array of strings; a whole number an integer; a number or `Unlimited` either; a `$true`/
//!   `$false` or a switch a boolean. An optional text may be `null`, which clears it as an empty
//!   text does in the shell.
//! - **Refusals**: an unknown or repeated member, a value of the wrong type and a mandatory
//!   member left out make the body invalid, each named. The values are then bound as the shell
//!   binds the cmdlet's arguments, with the same checks and messages (a choice that isn't one of
//!   its names, say).
//!
//! No message repeats a value, since a value may be a PIN or a password.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType,
    Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::binding::Argument;
use crate::declare::{Declared, Default, Kind, Parameter};
use crate::value::Value;
use crate::wire::CmdletRequest;

/// The body of a REST request that runs the cmdlet `C` (see the module documentation).
pub struct Body<C> {
    /// The members given, by parameter name, in the body's order.
    parameters: Vec<(&'static str, Argument)>,
    cmdlet: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for Body<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: a value may be a PIN or a password.
        f.debug_list().entries(self.parameters.iter().map(|(name, _)| name)).finish()
    }
}

impl<C: Declared> Body<C> {
    /// The cmdlet with the body's members as its parameters.
    pub fn into_cmdlet(self) -> Result<C, String> {
        self.bind(None)
    }

    /// The cmdlet with the body's members and the path's identity as its parameters.
    pub fn for_identity(self, identity: String) -> Result<C, String> {
        self.bind(Some(identity))
    }

    fn bind(self, identity: Option<String>) -> Result<C, String> {
        let path = identity.map(|id| ("Identity".to_owned(), Argument::Value(Value::Str(id))));
        let parameters = path.into_iter().chain(self.parameters.into_iter().map(|(n, a)| (n.to_owned(), a))).collect();
        let invocation = CmdletRequest { parameters, page: None }.bind(C::info())?;
        C::bind(&invocation.arguments)
    }
}

/// The members a body of `C` takes: each parameter with its member name.
fn members<C: Declared>() -> Vec<(&'static Parameter, String)> {
    C::info()
        .parameters
        .iter()
        .zip(C::FIELDS)
        .filter(|(p, _)| !p.in_path)
        .map(|(p, field)| (p, camel_case(field)))
        .collect()
}

/// `pin_expired` as `pinExpired`.
fn camel_case(field: &str) -> String {
    let mut name = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                name.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => name.push(c),
        }
    }
    name
}

/// The longest member name a refusal repeats.
const SHOWN_NAME_CHARS: usize = 64;

impl<'de, C: Declared> Deserialize<'de> for Body<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BodyVisitor(PhantomData))
    }
}

struct BodyVisitor<C>(PhantomData<fn() -> C>);

impl<'de, C: Declared> Visitor<'de> for BodyVisitor<C> {
    type Value = Body<C>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object of the parameters of {}", C::info().name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<C>, A::Error> {
        let members = members::<C>();
        let mut parameters: Vec<(&'static str, Argument)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Some((parameter, member)) = members.iter().find(|(_, m)| *m == key) else {
                let shown: String = key.chars().take(SHOWN_NAME_CHARS).collect();
                let known: Vec<&str> = members.iter().map(|(_, m)| m.as_str()).collect();
                return Err(de::Error::custom(format!(
                    "there is no member '{shown}': {} takes {}",
                    C::info().name,
                    known.join(", ")
                )));
            };
            if parameters.iter().any(|(name, _)| *name == parameter.name) {
                return Err(de::Error::custom(format!("the member '{member}' is given twice; give it once")));
            }
            let json: Json = map.next_value()?;
            let value = member_value(parameter, json)
                .map_err(|expected| de::Error::custom(format!("the member '{member}' must be {expected}")))?;
            parameters.push((parameter.name, Argument::Value(value)));
        }
        let missing: Vec<&str> = members
            .iter()
            .filter(|(p, _)| p.required && !parameters.iter().any(|(name, _)| *name == p.name))
            .map(|(_, m)| m.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(de::Error::custom(format!("the mandatory members {} are missing", missing.join(", "))));
        }
        Ok(Body { parameters, cmdlet: PhantomData })
    }
}

/// A member's JSON value as the parameter's value, or what the member must be instead.
fn member_value(parameter: &Parameter, json: Json) -> Result<Value, &'static str> {
    let expected = expected(parameter.kind);
    Ok(match (parameter.kind, json) {
        (Kind::Text | Kind::Choice(_) | Kind::Secret, Json::String(s)) => Value::Str(s),
        (Kind::Text, Json::Null) if !parameter.required => Value::Str(String::new()),
        (Kind::TextList | Kind::Properties, Json::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Json::String(s) => Ok(Value::Str(s)),
                    _ => Err(expected),
                })
                .collect::<Result<_, _>>()?,
        ),
        (Kind::Number | Kind::NumberOrUnlimited, Json::Number(n)) => Value::Int(n.as_i64().ok_or(expected)?),
        (Kind::NumberOrUnlimited, Json::String(s)) if s.eq_ignore_ascii_case("Unlimited") => Value::Str(s),
        (Kind::Bool | Kind::Switch, Json::Bool(b)) => Value::Bool(b),
        _ => return Err(expected),
    })
}

/// What a member of the kind must be, as a refusal says it.
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Choice(_) | Kind::Secret => "a string",
        Kind::TextList | Kind::Properties => "an array of strings",
        Kind::Number => "a whole number",
        Kind::NumberOrUnlimited => "a whole number or \"Unlimited\"",
        Kind::Bool | Kind::Switch => "true or false",
        Kind::Script | Kind::Any => "left out: a request body can't give it",
    }
}

impl<C: Declared> PartialSchema for Body<C> {
    fn schema() -> RefOr<Schema> {
        let mut body = ObjectBuilder::new()
            .description(Some(format!(
                "The parameters of {} (but those the path gives), named in camelCase; members left out aren't given.",
                C::info().name
            )))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for (parameter, member) in members::<C>() {
            body = body.property(&member, member_schema(parameter));
            if parameter.required {
                body = body.required(&member);
            }
        }
        body.into()
    }
}

impl<C: Declared> ToSchema for Body<C> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Body", C::info().name.replace('-', "")))
    }
}

/// A member's schema: its type as [`member_value`] takes it, with the parameter's help text
/// and default.
fn member_schema(parameter: &Parameter) -> RefOr<Schema> {
    let clears = parameter.kind == Kind::Text && !parameter.required;
    let mut description = parameter.description.to_owned();
    if clears {
        description.push_str(" null clears it, as \"\" does.");
    }
    if let Some(default) = parameter.default {
        description.push_str(&format!(" Default: {}.", default_json(default)));
    }
    let description = Some(description);
    let object = |t: SchemaType| ObjectBuilder::new().schema_type(t).description(description.clone());
    let int64 =
        || ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
    match parameter.kind {
        Kind::Text if clears => object(SchemaType::Array(vec![Type::String, Type::Null])).into(),
        Kind::Text => object(Type::String.into()).into(),
        Kind::Secret => {
            object(Type::String.into()).format(Some(SchemaFormat::KnownFormat(KnownFormat::Password))).into()
        }
        Kind::Choice(names) => object(Type::String.into()).enum_values(Some(names.iter().copied())).into(),
        Kind::TextList | Kind::Properties => {
            ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)).description(description).into()
        }
        Kind::Number => int64().description(description).into(),
        Kind::NumberOrUnlimited => OneOfBuilder::new()
            .item(int64())
            .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["Unlimited"])))
            .description(description)
            .into(),
        Kind::Bool | Kind::Switch => object(Type::Boolean.into()).into(),
        Kind::Script | Kind::Any => object(Type::Object.into()).into(),
    }
}

/// A default as JSON would give it: `true`, `6`, or the help's words (`the Name`).
fn default_json(default: Default) -> String {
    match default {
        Default::Bool(b) => b.to_string(),
        Default::Number(n) => n.to_string(),
        Default::Text(t) => t.to_owned(),
    }
}
