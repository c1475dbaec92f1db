//! The wire format of one cmdlet call between a remote shell and the server
//! (`POST /api/v1/cmdlets/{name}`): the request carries the bound parameters and the page, the
//! response the [`Batch`]. A remote shell decodes exactly the [`Value`]s the local backend
//! returns: objects keep their type name and property order, and times, whole numbers,
//! booleans, `$null` and arrays keep their kind.
//!
//! # Values
//!
//! | [`Value`] | JSON |
//! |---|---|
//! | `Null`, `Bool`, `Int`, `Str`, `Array` | `null`, `true`/`false`, an integer, a string, an array |
//! | `Time` | `{"time": "2024-05-01T10:00:00.123456Z"}` (RFC 3339, UTC, to the nanosecond) |
//! | `Object` | `{"type": "UMMailboxPin", "properties": [["UserID", "tony@contoso.com"], ["LockedOut", false]]}` |
//!
//! Why this shape: JSON has no time type, so a time travels tagged (a string that merely looks
//! like a time stays a string); and the members of a JSON object have no order that every JSON
//! library keeps, so an object's properties travel as a list of name/value pairs.
//!
//! # Request
//!
//! `{"parameters": {"Identity": "tony@contoso.com", "Pin": "5643892"}, "page": {"after": "…", "size": 1000}}`:
//! parameter names as the shell takes them (case-insensitive, unambiguous prefixes), values as
//! above. [`CmdletRequest::bind`] checks them against the registry exactly as the shell's binder
//! does (same rules, same messages), and puts PINs and passwords into [`Argument::Secret`].
//!
//! # Response
//!
//! `{"objects": [...], "warnings": ["…"], "next": "…"}`; `next` is absent on the last page.

use std::fmt;

use jiff::Timestamp;
use secrecy::ExposeSecret;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::binding::{Argument, Arguments, Batch, Invocation, PageRequest, convert};
use crate::declare::{CmdletInfo, Kind};
use crate::value::{Object, Value};

/// The page size when a request's page doesn't name one: the most a page may hold.
const DEFAULT_PAGE_SIZE: u32 = 1000;

/// A [`Value`] in its wire form (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct WireValue(pub Value);

/// A borrowed value, serialized in its wire form.
struct AsWire<'a>(&'a Value);

impl Serialize for AsWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Str(text) => s.serialize_str(text),
            Value::Time(t) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("time", &t.to_string())?;
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsWire(item))?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", &o.type_name)?;
                map.serialize_entry("properties", &Properties(&o.properties))?;
                map.end()
            }
        }
    }
}

/// An object's properties as `[name, value]` pairs.
struct Properties<'a>(&'a [(String, Value)]);

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (name, value) in self.0 {
            seq.serialize_element(&(name, AsWire(value)))?;
        }
        seq.end()
    }
}

impl Serialize for WireValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        AsWire(&self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(WireValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "null, a boolean, a whole number, a string, an array, {\"time\": \"<RFC 3339>\"} or {\"type\": \"<name>\", \"properties\": [[\"<name>\", <value>], ...]}",
        )
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        i64::try_from(n)
            .map(Value::Int)
            .map_err(|_| E::custom("a whole number is too large: the largest is 9223372036854775807"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom("a number must be a whole number"))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(WireValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut time: Option<String> = None;
        let mut type_name: Option<String> = None;
        let mut properties: Option<Vec<(String, WireValue)>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "time" if time.is_none() => time = Some(map.next_value()?),
                "type" if type_name.is_none() => type_name = Some(map.next_value()?),
                "properties" if properties.is_none() => properties = Some(map.next_value()?),
                "time" | "type" | "properties" => return Err(de::Error::custom(format!("'{key}' is given twice"))),
                _ => return Err(de::Error::unknown_field(&key, &["time", "type", "properties"])),
            }
        }
        match (time, type_name, properties) {
            (Some(time), None, None) => time
                .parse::<Timestamp>()
                .map(Value::Time)
                .map_err(|_| de::Error::custom("a time must be an RFC 3339 instant such as 2024-05-01T10:00:00Z")),
            (None, Some(type_name), Some(properties)) => Ok(Object {
                type_name,
                properties: properties.into_iter().map(|(name, WireValue(value))| (name, value)).collect(),
            }
            .into()),
            _ => Err(de::Error::custom(
                "an object value is either {\"time\": ...} or {\"type\": ..., \"properties\": [...]}",
            )),
        }
    }
}

/// The request of one cmdlet call: its parameters by name, and for a listing the page.
///
/// Its `Debug` shows parameter names only, since values may be PINs or passwords.
#[derive(Clone, Default)]
pub struct CmdletRequest {
    /// The parameters as given: by the registry's names when made from an [`Invocation`], as
    /// the caller spelled them when received.
    pub parameters: Vec<(String, Argument)>,
    pub page: Option<PageRequest>,
}

impl fmt::Debug for CmdletRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmdletRequest")
            .field("parameters", &self.parameters.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>())
            .field("page", &self.page)
            .finish()
    }
}

impl CmdletRequest {
    /// The request that runs `invocation` on the server (secrets included: they travel only in
    /// this request, over TLS).
    pub fn new(invocation: &Invocation, page: Option<&PageRequest>) -> Self {
        CmdletRequest {
            parameters: invocation.arguments.0.iter().map(|(name, a)| ((*name).to_owned(), a.clone())).collect(),
            page: page.cloned(),
        }
    }

    /// Binds the parameters to `cmdlet` as the shell's binder does: each name must mean one
    /// parameter (case-insensitively or by an unambiguous prefix) and be given once, each value
    /// converts to its parameter's kind (PINs and passwords into [`Argument::Secret`]), and every
    /// mandatory parameter must be there. The error is the shell's message.
    pub fn bind(&self, cmdlet: &'static CmdletInfo) -> Result<Invocation, String> {
        let mut arguments: Vec<(&'static str, Argument)> = Vec::with_capacity(self.parameters.len());
        for (given, argument) in &self.parameters {
            let parameter = cmdlet.parameter(given)?;
            if arguments.iter().any(|(n, _)| *n == parameter.name) {
                return Err(format!("The parameter '{}' is given more than once. Give it once.", parameter.name));
            }
            let argument = match argument {
                Argument::Value(value) => convert(parameter, value.clone())?,
                Argument::Secret(secret) if parameter.kind == Kind::Secret => Argument::Secret(secret.clone()),
                Argument::Secret(secret) => convert(parameter, Value::Str(secret.expose_secret().to_owned()))?,
            };
            arguments.push((parameter.name, argument));
        }
        let missing: Vec<&str> = cmdlet
            .parameters
            .iter()
            .filter(|p| p.required && !arguments.iter().any(|(n, _)| *n == p.name))
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "Cannot process the command because of missing mandatory parameters: {}. Give them and run it again.",
                missing.join(", ")
            ));
        }
        Ok(Invocation { cmdlet, arguments: Arguments(arguments) })
    }
}

/// A parameter value on the wire: a secret travels as its text.
struct ArgumentOnWire<'a>(&'a Argument);

impl Serialize for ArgumentOnWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Argument::Value(v) => AsWire(v).serialize(s),
            Argument::Secret(secret) => s.serialize_str(secret.expose_secret()),
        }
    }
}

/// The parameters as one JSON object, in their order.
struct ParametersOnWire<'a>(&'a [(String, Argument)]);

impl Serialize for ParametersOnWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, argument) in self.0 {
            map.serialize_entry(name, &ArgumentOnWire(argument))?;
        }
        map.end()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageOnWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    #[serde(default = "default_page_size")]
    size: u32,
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl Serialize for CmdletRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("CmdletRequest", 2)?;
        st.serialize_field("parameters", &ParametersOnWire(&self.parameters))?;
        match &self.page {
            Some(p) => st.serialize_field("page", &PageOnWire { after: p.after.clone(), size: p.size })?,
            None => st.skip_field("page")?,
        }
        st.end()
    }
}

/// The parameters object as received: names in the caller's order, each value a plain
/// [`Argument::Value`] until binding knows which are secrets.
struct ReceivedParameters(Vec<(String, Argument)>);

impl<'de> Deserialize<'de> for ReceivedParameters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ParametersVisitor;
        impl<'de> Visitor<'de> for ParametersVisitor {
            type Value = ReceivedParameters;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of parameter names and values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut parameters = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let WireValue(value) = map.next_value()?;
                    parameters.push((name, Argument::Value(value)));
                }
                Ok(ReceivedParameters(parameters))
            }
        }
        d.deserialize_map(ParametersVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestOnWire {
    #[serde(default)]
    parameters: Option<ReceivedParameters>,
    #[serde(default)]
    page: Option<PageOnWire>,
}

impl<'de> Deserialize<'de> for CmdletRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = RequestOnWire::deserialize(d)?;
        Ok(CmdletRequest {
            parameters: wire.parameters.map(|p| p.0).unwrap_or_default(),
            page: wire.page.map(|p| PageRequest { after: p.after, size: p.size }),
        })
    }
}

/// A [`Batch`] in its wire form: `{"objects": [...], "warnings": [...], "next": "..."}`.
#[derive(Clone, Debug, Default)]
pub struct WireBatch(pub Batch);

impl Serialize for WireBatch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Objects<'a>(&'a [Value]);
        impl Serialize for Objects<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for v in self.0 {
                    seq.serialize_element(&AsWire(v))?;
                }
                seq.end()
            }
        }
        let batch = &self.0;
        let mut st = s.serialize_struct("Batch", 3)?;
        st.serialize_field("objects", &Objects(&batch.objects))?;
        st.serialize_field("warnings", &batch.warnings)?;
        match &batch.next {
            Some(next) => st.serialize_field("next", next)?,
            None => st.skip_field("next")?,
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for WireBatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Unknown members are ignored, so that a server that says more still serves this shell.
        #[derive(Deserialize)]
        struct BatchOnWire {
            #[serde(default)]
            objects: Vec<WireValue>,
            #[serde(default)]
            warnings: Vec<String>,
            #[serde(default)]
            next: Option<String>,
        }
        let wire = BatchOnWire::deserialize(d)?;
        Ok(WireBatch(Batch {
            objects: wire.objects.into_iter().map(|WireValue(v)| v).collect(),
            warnings: wire.warnings,
            next: wire.next,
        }))
    }
}
