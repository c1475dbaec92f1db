//! The values that flow through a pipeline: scalars, arrays and typed objects whose properties
//! keep their order (the order a list view shows them in), with PowerShell's rules for member
//! access, truthiness and comparison.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;

/// One value. Objects are shared (`Arc`), since pipelines pass them on unchanged.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Time(Timestamp),
    Array(Vec<Value>),
    Object(Arc<Object>),
}

/// A typed record: `type_name` chooses its default view, `properties` are in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub type_name: String,
    pub properties: Vec<(String, Value)>,
}

impl Object {
    pub fn new(type_name: &str, properties: Vec<(&str, Value)>) -> Self {
        Object {
            type_name: type_name.to_owned(),
            properties: properties.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
        }
    }

    /// A property by name, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Self {
        Value::Time(t)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(Arc::new(o))
    }
}

impl Value {
    /// `$x.Name`: an object's property (`$null` when it has none); on an array, the property of
    /// each element (PowerShell's member enumeration).
    pub fn member(&self, name: &str) -> Value {
        match self {
            Value::Object(o) => o.get(name).cloned().unwrap_or(Value::Null),
            Value::Array(items) => Value::Array(items.iter().map(|v| v.member(name)).collect()),
            Value::Str(s) if name.eq_ignore_ascii_case("Length") => Value::Int(len_i64(s.chars().count())),
            _ => Value::Null,
        }
    }

    /// PowerShell truthiness: `$null`, `$false`, 0, '' and an empty array are false; an array of
    /// one element is as true as that element; any other array or object is true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Time(_) | Value::Object(_) => true,
            Value::Array(items) => match items.as_slice() {
                [] => false,
                [one] => one.is_true(),
                _ => true,
            },
        }
    }

    /// The value as text, as a table cell or a string conversion shows it: `True`/`False`, an
    /// empty string for `$null`, arrays as `{a, b}`.
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// `-eq`: strings compare case-insensitively; a string and a number or boolean compare after
    /// converting the right side to the left side's kind, as PowerShell does.
    pub fn loosely_equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), b) => a.eq_ignore_ascii_case(&b.to_text()),
            (Value::Bool(a), b) => *a == b.is_true(),
            (Value::Int(a), Value::Str(b)) => b.trim().parse::<i64>().is_ok_and(|b| *a == b),
            (Value::Null, Value::Null) => true,
            (a, b) => a == b,
        }
    }

    /// `-lt -le -gt -ge`: numbers numerically, times chronologically, everything else as
    /// case-insensitive text. `None` when the two can't be ordered (`$null` against a value).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Int(a), Value::Str(b)) => b.trim().parse::<i64>().ok().map(|b| a.cmp(&b)),
            (Value::Time(a), Value::Time(b)) => Some(a.cmp(b)),
            (Value::Bool(a), b) => Some(a.cmp(&b.is_true())),
            (Value::Null, Value::Null) => Some(Ordering::Equal),
            (Value::Null, _) | (_, Value::Null) => None,
            (a, b) => Some(a.to_text().to_lowercase().cmp(&b.to_text().to_lowercase())),
        }
    }

    /// `-like`: the text of the value against a wildcard pattern ([`wildcard_match`]).
    pub fn like(&self, pattern: &str) -> bool {
        wildcard_match(pattern, &self.to_text())
    }

    /// The elements of a value: an array's items, `$null` nothing, anything else itself.
    pub fn into_items(self) -> Vec<Value> {
        match self {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            one => vec![one],
        }
    }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Whether `pattern` holds a wildcard character (`*`, `?` or `[`), so that it names a set of
/// names rather than one.
pub fn is_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// PowerShell's wildcards, case-insensitively: `*` any run of characters, `?` one character,
/// `[abc]` one of those, `[a-z]` one in the range; a backtick takes the next character literally.
/// A `[` without its `]` is an ordinary character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = compile(&pattern.to_lowercase());
    let text: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matching with backtracking to the last `*`: linear in practice, no recursion.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Wild::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(one) if one.matches(text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|w| *w == Wild::Star)
}

/// One element of a compiled wildcard pattern.
#[derive(Debug, PartialEq, Eq)]
enum Wild {
    Star,
    Any,
    Char(char),
    /// `[...]`: single characters and ranges, as inclusive pairs.
    Set(Vec<(char, char)>),
}

impl Wild {
    /// Whether this element (not `*`) matches one character.
    fn matches(&self, c: char) -> bool {
        match self {
            Wild::Star => false,
            Wild::Any => true,
            Wild::Char(x) => *x == c,
            Wild::Set(ranges) => ranges.iter().any(|(low, high)| (*low..=*high).contains(&c)),
        }
    }
}

fn compile(pattern: &str) -> Vec<Wild> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push(Wild::Star),
            '?' => out.push(Wild::Any),
            '`' if i + 1 < chars.len() => {
                i += 1;
                out.push(Wild::Char(chars[i]));
            }
            '[' => match chars[i + 1..].iter().position(|c| *c == ']') {
                Some(len) if len > 0 => {
                    let set = &chars[i + 1..i + 1 + len];
                    let mut ranges = Vec::new();
                    let mut j = 0;
                    while j < set.len() {
                        if j + 2 < set.len() && set[j + 1] == '-' {
                            ranges.push((set[j], set[j + 2]));
                            j += 3;
                        } else {
                            ranges.push((set[j], set[j]));
                            j += 1;
                        }
                    }
                    out.push(Wild::Set(ranges));
                    i += len + 1;
                }
                _ => out.push(Wild::Char('[')),
            },
            c => out.push(Wild::Char(c)),
        }
        i += 1;
    }
    out
}

/// One CSV record as `ConvertTo-Csv` and `Export-Csv` write it: every field quoted (a quote in
/// it doubled), separated by commas, ending with a line feed. The shell's CSV and the PIN
/// report's download write their records with it, so that the two are the same text.
pub fn csv_record<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let quoted: Vec<String> = fields.into_iter().map(|f| format!("\"{}\"", f.as_ref().replace('"', "\"\""))).collect();
    quoted.join(",") + "\n"
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => f.write_str(s),
            Value::Time(t) => write!(f, "{}", t.strftime("%Y-%m-%d %H:%M:%S")),
            Value::Array(items) => {
                f.write_str("{")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("}")
            }
            Value::Object(o) => write!(f, "{}", o.type_name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin_object(locked: bool) -> Value {
        Object::new("UMMailboxPin", vec![("UserID", "tony@contoso.com".into()), ("LockedOut", locked.into())]).into()
    }

    #[test]
    fn member_access_is_case_insensitive_and_missing_members_are_null() {
        let o = pin_object(true);
        assert_eq!(o.member("lockedout"), Value::Bool(true));
        assert_eq!(o.member("NoSuch"), Value::Null);
    }

    #[test]
    fn member_access_on_an_array_enumerates_its_elements() {
        let a = Value::Array(vec![pin_object(true), pin_object(false)]);
        assert_eq!(a.member("LockedOut"), Value::Array(vec![true.into(), false.into()]));
    }

    #[test]
    fn truthiness_follows_powershell() {
        for falsy in
            [Value::Null, false.into(), 0.into(), "".into(), Value::Array(vec![]), Value::Array(vec![false.into()])]
        {
            assert!(!falsy.is_true(), "{falsy:?}");
        }
        for truthy in
            [true.into(), 1.into(), "x".into(), pin_object(false), Value::Array(vec![false.into(), false.into()])]
        {
            assert!(truthy.is_true(), "{truthy:?}");
        }
    }

    #[test]
    fn eq_compares_strings_case_insensitively_and_converts_the_right_side() {
        assert!(Value::from("Tony").loosely_equals(&"tony".into()));
        assert!(Value::from(5).loosely_equals(&"5".into()));
        assert!(Value::from(true).loosely_equals(&"yes".into()));
        assert!(!Value::from(false).loosely_equals(&true.into()));
    }

    #[test]
    fn ordering_is_numeric_for_numbers_and_textual_otherwise() {
        assert_eq!(Value::from(10).compare(&9.into()), Some(Ordering::Greater));
        assert_eq!(Value::from("b").compare(&"A".into()), Some(Ordering::Greater));
        assert_eq!(Value::Null.compare(&1.into()), None);
    }

    #[test]
    fn like_matches_wildcards_case_insensitively() {
        let v = Value::from("tony@contoso.com");
        assert!(v.like("*@CONTOSO.com"));
        assert!(v.like("t?ny*"));
        assert!(!v.like("*@fabrikam.com"));
        assert!(Value::from("").like("*"));
    }

    #[test]
    fn wildcards_match_sets_ranges_and_escaped_characters() {
        assert!(wildcard_match("[a-m]*", "Kim"));
        assert!(!wildcard_match("[a-j]*", "Kim"));
        assert!(wildcard_match("[kt]?m", "KIM"));
        assert!(wildcard_match("*PIN*", "MinPINLength"));
        assert!(wildcard_match("100`*", "100*"));
        assert!(!wildcard_match("100`*", "1000"));
        assert!(wildcard_match("a[b", "a[b"), "a [ without its ] is literal");
        assert!(is_wildcard("Name*") && is_wildcard("[ab]") && !is_wildcard("Name"));
    }

    #[test]
    fn booleans_print_as_powershell_does() {
        assert_eq!(Value::from(true).to_text(), "True");
        assert_eq!(Value::Array(vec![1.into(), "a".into()]).to_text(), "{1, a}");
        assert_eq!(Value::Null.to_text(), "");
    }
}
