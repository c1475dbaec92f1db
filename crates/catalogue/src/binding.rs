//! A cmdlet invocation after binding by name: the cmdlet and its parameter values, converted to
//! each parameter's kind. This is what the shell's binder makes, what the remote shell sends to
//! the server, and what a cmdlet's typed struct is made from.

use secrecy::SecretString;

use crate::declare::{CmdletInfo, Kind, Parameter};
use crate::value::Value;

/// One bound parameter value. A PIN or password is kept apart so that it can't be printed,
/// formatted or kept with the other values.
#[derive(Clone, Debug)]
pub enum Argument {
    Value(Value),
    Secret(SecretString),
}

/// Bound parameter values by their registry names, in the order they were given.
#[derive(Clone, Debug, Default)]
pub struct Arguments(pub Vec<(&'static str, Argument)>);

impl Arguments {
    /// A parameter's argument, if given.
    pub fn get(&self, name: &str) -> Option<&Argument> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, a)| a)
    }

    /// Whether the parameter was given.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn push(&mut self, name: &'static str, argument: Argument) {
        self.0.push((name, argument));
    }

    /// A plain parameter's value, if given.
    pub fn value(&self, name: &str) -> Option<&Value> {
        match self.get(name) {
            Some(Argument::Value(v)) => Some(v),
            _ => None,
        }
    }

    /// A text parameter's value, if given.
    pub fn text(&self, name: &str) -> Option<String> {
        self.value(name).map(Value::to_text)
    }

    /// A list parameter's values, if given.
    pub fn texts(&self, name: &str) -> Option<Vec<String>> {
        self.value(name).map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
    }

    /// A boolean or switch parameter's value, if given.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.value(name).map(Value::is_true)
    }

    /// A number parameter's value, if given (binding made sure it is a number).
    pub fn number(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }
}

/// A cmdlet with its bound parameters (by their registry names).
#[derive(Clone, Debug)]
pub struct Invocation {
    pub cmdlet: &'static CmdletInfo,
    pub arguments: Arguments,
}

/// What one call of a cmdlet returns: objects, warnings, and for a listing the cursor of the rest.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub objects: Vec<Value>,
    pub warnings: Vec<String>,
    /// Present when more objects follow: call again with it.
    pub next: Option<String>,
}

/// Which page of a listing to return: the objects after the cursor `after`, at most `size`.
/// The shell drives paging, so that `-ResultSize Unlimited` streams.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<String>,
    pub size: u32,
}

/// Converts a value to a parameter's kind, or says what the parameter takes: the one set of
/// binding rules and messages, for the shell's binder and the server's cmdlet endpoint alike.
pub fn convert(parameter: &Parameter, value: Value) -> Result<Argument, String> {
    let shown = if parameter.kind == Kind::Secret { "***".to_owned() } else { value.to_text() };
    let wrong =
        |expected: &str| format!("Cannot bind parameter '{}': the value '{shown}' isn't {expected}.", parameter.name);
    Ok(Argument::Value(match parameter.kind {
        Kind::Text => match value {
            Value::Array(_) | Value::Object(_) => return Err(wrong("a single text value")),
            v => Value::Str(v.to_text()),
        },
        Kind::TextList | Kind::Properties => {
            Value::Array(value.into_items().iter().map(|v| Value::Str(v.to_text())).collect())
        }
        Kind::Number => match value {
            Value::Int(n) => Value::Int(n),
            Value::Str(s) => Value::Int(s.trim().parse().map_err(|_| wrong("a whole number"))?),
            _ => return Err(wrong("a whole number")),
        },
        Kind::NumberOrUnlimited => match value {
            Value::Int(n) => Value::Int(n),
            Value::Str(s) if s.eq_ignore_ascii_case("Unlimited") => Value::Str("Unlimited".to_owned()),
            Value::Str(s) => Value::Int(s.trim().parse().map_err(|_| wrong("a whole number or Unlimited"))?),
            _ => return Err(wrong("a whole number or Unlimited")),
        },
        Kind::Bool | Kind::Switch => match value {
            Value::Bool(b) => Value::Bool(b),
            Value::Int(n @ (0 | 1)) => Value::Bool(n == 1),
            _ => return Err(wrong("$true or $false")),
        },
        Kind::Choice(choices) => {
            let text = value.to_text();
            match choices.iter().find(|c| c.eq_ignore_ascii_case(&text)) {
                Some(c) => Value::Str((*c).to_owned()),
                None => return Err(wrong(&format!("one of {}", choices.join(", ")))),
            }
        }
        Kind::Secret => match value {
            Value::Str(s) => return Ok(Argument::Secret(SecretString::from(s))),
            Value::Int(n) => return Ok(Argument::Secret(SecretString::from(n.to_string()))),
            _ => return Err(wrong("a string of digits")),
        },
        Kind::Script | Kind::Any => value,
    }))
}
