//! Property names as the pipeline utilities take them (`Select-Object`, `Sort-Object`,
//! `Group-Object`, `Format-Table`, `Format-List`): a name, or a wildcard pattern (`*`, `*PIN*`,
//! `[a-m]*`) that stands for every property of the object it matches, in the object's order.
//! A name or pattern that matches no property is an error naming it, so a typing mistake never
//! shows as an empty column.

use umpin_catalogue::value::{Value, is_wildcard, wildcard_match};

/// The names of a value's properties, in its order: an object's own, a string's `Length`.
pub fn names(value: &Value) -> Vec<String> {
    match value {
        Value::Object(o) => o.properties.iter().map(|(n, _)| n.clone()).collect(),
        Value::Str(_) => vec!["Length".to_owned()],
        _ => Vec::new(),
    }
}

/// The property names `patterns` mean for `value`, each once, as the object spells them: each
/// pattern in turn, a wildcard giving every property it matches in the object's order.
pub fn expand(value: &Value, patterns: &[String]) -> Result<Vec<String>, String> {
    let available = names(value);
    let mut chosen: Vec<String> = Vec::new();
    for pattern in patterns {
        let matched: Vec<&String> = if is_wildcard(pattern) {
            available.iter().filter(|n| wildcard_match(pattern, n)).collect()
        } else {
            available.iter().filter(|n| n.eq_ignore_ascii_case(pattern)).collect()
        };
        if matched.is_empty() {
            return Err(no_match(value, pattern));
        }
        for name in matched {
            if !chosen.contains(name) {
                chosen.push(name.clone());
            }
        }
    }
    Ok(chosen)
}

/// `Select-Object -Property … -ExcludeProperty …`: the expanded names without those any of
/// `excluded` matches (an exclusion that matches nothing is no error, as in PowerShell).
pub fn select(value: &Value, patterns: &[String], excluded: &[String]) -> Result<Vec<String>, String> {
    let mut chosen = expand(value, patterns)?;
    chosen.retain(|name| !excluded.iter().any(|x| wildcard_match(x, name)));
    Ok(chosen)
}

fn no_match(value: &Value, pattern: &str) -> String {
    let what = match value {
        Value::Object(o) => format!("a {} object", o.type_name),
        Value::Str(_) => "a string".to_owned(),
        _ => "this value".to_owned(),
    };
    let kind = if is_wildcard(pattern) { "matches" } else { "is named" };
    format!(
        "No property of {what} {kind} '{pattern}'. Check the spelling; '| Format-List *' shows every property of an object."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use umpin_catalogue::value::Object;

    fn policy() -> Value {
        Object::new(
            "UMMailboxPolicy",
            vec![
                ("Name", "MyUMMailboxPolicy".into()),
                ("MinPINLength", 6.into()),
                ("PINLifetime", 60.into()),
                ("MaxLogonAttempts", 15.into()),
            ],
        )
        .into()
    }

    fn pats(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_wildcard_expands_to_the_matching_properties_in_the_objects_order() {
        assert_eq!(expand(&policy(), &pats(&["*pin*"])).unwrap(), ["MinPINLength", "PINLifetime"]);
        assert_eq!(expand(&policy(), &pats(&["*"])).unwrap().len(), 4);
        assert_eq!(expand(&policy(), &pats(&["[m]*"])).unwrap(), ["MinPINLength", "MaxLogonAttempts"]);
    }

    #[test]
    fn names_keep_the_objects_spelling_and_appear_once() {
        assert_eq!(expand(&policy(), &pats(&["name", "N*", "minpinlength"])).unwrap(), ["Name", "MinPINLength"]);
    }

    #[test]
    fn a_name_or_pattern_that_matches_nothing_is_an_error_naming_it() {
        let err = expand(&policy(), &pats(&["Name", "*Bogus*"])).unwrap_err();
        assert!(err.contains("'*Bogus*'") && err.contains("UMMailboxPolicy"), "{err}");
        let err = expand(&policy(), &pats(&["MinPinLenght"])).unwrap_err();
        assert!(err.contains("'MinPinLenght'"), "{err}");
    }

    #[test]
    fn excluded_properties_are_left_out_and_may_match_nothing() {
        assert_eq!(
            select(&policy(), &pats(&["*"]), &pats(&["*PIN*", "Nothing"])).unwrap(),
            ["Name", "MaxLogonAttempts"]
        );
    }
}
