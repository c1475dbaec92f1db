//! Which management passwords are too weak to accept, after NIST SP 800-63B (§3.1.1.2): a
//! password is refused when it is a commonly used or breached one, contains a word of its
//! context (the account's name, the product's name), or is repetitive or sequential. There are
//! no composition rules (no "one digit, one symbol"): they make passwords harder to remember,
//! not to guess. Each refusal names the rule it broke, never the password.
//!
//! The list (`common_passwords.txt`, made by `scripts/common-passwords.py` from the patterns
//! at the top of every published breach corpus) holds cores, not every decoration of them: a
//! password is compared after lowercasing, after taking off leading and trailing digits,
//! symbols and spaces, after undoing the usual letter substitutions (`p@ssw0rd`), and with the
//! spaces and separators inside taken out. So `Password2024!`, `p@ssw0rd` and `pass word 1` are
//! all the entry `password`.

use std::collections::HashSet;
use std::sync::LazyLock;

/// The shipped list of common and breached passwords, one a line, lowercase.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| COMMON_PASSWORDS.lines().collect());

/// Words of every installation's context that no password may contain.
const PRODUCT_WORDS: &[&str] = &["umpin"];

/// The shortest part of an account name that counts as a context word: shorter parts (`ivr`,
/// `1`) are found by chance in good passphrases.
const MIN_CONTEXT_WORD: usize = 4;

/// The fewest different characters a password must have.
const MIN_DISTINCT_CHARACTERS: usize = 5;

/// Why a password was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Weakness {
    /// All one character, a short unit repeated, too few different characters, or a run such
    /// as `abcdef…` or `987654…`.
    Repetitive,
    /// Contains the account's name (or a part of it), which is no secret.
    ContainsAccountName(String),
    /// Contains the product's name.
    ContainsProductName(&'static str),
    /// On the list of common and breached passwords (possibly decorated).
    Common,
}

impl Weakness {
    /// What was wrong and what to do, without the password.
    pub fn rule(&self) -> String {
        const ADVICE: &str =
            "Choose another, such as three or four unrelated words, or leave -Password out to have one generated.";
        match self {
            Weakness::Repetitive => format!(
                "the password repeats characters or follows a simple sequence (such as 'aaaa…', 'abcabc…' or 'abcdef…'). {ADVICE}"
            ),
            Weakness::ContainsAccountName(word) => {
                format!("the password contains the account's name ('{word}'), which anyone may know. {ADVICE}")
            }
            Weakness::ContainsProductName(word) => {
                format!("the password contains the product's name ('{word}'), which anyone may guess. {ADVICE}")
            }
            Weakness::Common => format!(
                "the password is one of the commonly used or breached passwords (or one of them with digits, symbols or letter substitutions added), which are tried first. {ADVICE}"
            ),
        }
    }
}

/// The first weakness of `password` for the account `account_name`, if it has one.
pub fn weakness(password: &str, account_name: &str) -> Option<Weakness> {
    let lower = password.to_lowercase();
    if is_repetitive(&lower) {
        return Some(Weakness::Repetitive);
    }
    let plain = unsubstituted(&lower);
    let account = account_name.trim().to_lowercase();
    let parts = std::iter::once(account.as_str()).chain(account.split(|c: char| !c.is_alphanumeric()));
    for part in parts.filter(|p| p.chars().count() >= MIN_CONTEXT_WORD) {
        if lower.contains(part) || plain.contains(part) {
            return Some(Weakness::ContainsAccountName(part.to_owned()));
        }
    }
    if let Some(word) = PRODUCT_WORDS.iter().find(|w| lower.contains(*w) || plain.contains(*w)) {
        return Some(Weakness::ContainsProductName(word));
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let candidates =
        [lower.clone(), joined(&lower), core.to_owned(), unsubstituted(core), joined(&unsubstituted(core))];
    candidates.iter().any(|c| !c.is_empty() && COMMON.contains(c.as_str())).then_some(Weakness::Common)
}

/// One character, a unit repeated, too few different characters, or a run of constant step ±1
/// (`abcdef`, `987654`, and for digits round the dial: `789012`; `13579` isn't one).
fn is_repetitive(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let distinct: HashSet<&char> = chars.iter().collect();
    if distinct.len() < MIN_DISTINCT_CHARACTERS {
        return true;
    }
    let n = chars.len();
    let repeated_unit =
        (1..=n / 2).any(|unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]));
    let steps: Vec<i64> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    let run = steps.first().is_some_and(|first| first.abs() == 1 && steps.iter().all(|s| s == first));
    repeated_unit || run
}

/// From one character to the next: the difference of their code points, but for two digits
/// taken round the dial, so that 9 → 0 is +1 and 0 → 9 is -1.
fn step(from: char, to: char) -> i64 {
    let difference = i64::from(u32::from(to)) - i64::from(u32::from(from));
    match (from.is_ascii_digit() && to.is_ascii_digit(), difference.rem_euclid(10)) {
        (true, 1) => 1,
        (true, 9) => -1,
        _ => difference,
    }
}

/// The password with the usual letter substitutions undone (`p@$$w0rd` → `password`).
fn unsubstituted(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' | '+' => 't',
            '8' => 'b',
            '9' => 'g',
            '|' => 'l',
            other => other,
        })
        .collect()
}

/// The password with spaces and separators taken out (`pass word` → `password`).
fn joined(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_a_few_thousand_lowercase_entries_without_spaces() {
        assert!((2000..10_000).contains(&COMMON.len()), "{}", COMMON.len());
        assert!(COMMON.iter().all(|e| !e.is_empty() && *e == e.to_lowercase() && !e.contains(' ')));
    }

    #[test]
    fn repeated_characters_units_and_runs_are_refused_as_repetitive() {
        for password in [
            "aaaaaaaaaaaa",
            "            ",
            "abababababab",
            "abcabcabcabc",
            "passwordpassword",
            "aaaaaabbbbbb",
            "abcdefghijkl",
            "zyxwvutsrqpo",
            "123456789012",
            "98765432",
        ] {
            assert_eq!(weakness(password, "ellen"), Some(Weakness::Repetitive), "{password:?}");
        }
    }

    #[test]
    fn the_account_name_and_its_parts_are_refused_as_context_words() {
        assert_eq!(weakness("Ellen-is-here-2024", "ellen"), Some(Weakness::ContainsAccountName("ellen".into())));
        assert_eq!(
            weakness("my h3lpd3sk key ring", "helpdesk.1@contoso.com"),
            Some(Weakness::ContainsAccountName("helpdesk".into()))
        );
        assert_eq!(
            weakness("contoso rules the world", "helpdesk.1@contoso.com"),
            Some(Weakness::ContainsAccountName("contoso".into()))
        );
        assert_eq!(weakness("violet kettle orbit", "ivr"), None, "a short name is no context word");
    }

    #[test]
    fn the_product_name_is_refused_as_a_context_word() {
        assert_eq!(weakness("my umpin server key", "ellen"), Some(Weakness::ContainsProductName("umpin")));
        assert_eq!(weakness("UMP1N-secure-thing", "ellen"), Some(Weakness::ContainsProductName("umpin")));
    }

    #[test]
    fn common_passwords_are_refused_also_decorated_substituted_or_spaced() {
        for password in [
            "password1234",
            "Password2024!",
            "P@ssw0rd2024",
            "pass word 123",
            "!!welcome2025!!",
            "qwertyuiop123",
            "1qaz2wsx3edc",
            "ILoveYou2024",
            "ilovemichael1",
            "Correct Horse Battery Staple",
            "Trustno1!!",
        ] {
            assert_eq!(weakness(password, "ellen"), Some(Weakness::Common), "{password:?}");
        }
    }

    #[test]
    fn passphrases_and_random_passwords_are_accepted() {
        for password in ["violet kettle orbit", "a long enough password", "org admin password 1", "k7Qm2xVp9RtWz4Hn"] {
            assert_eq!(weakness(password, "ellen"), None, "{password:?}");
        }
    }

    #[test]
    fn every_refusal_says_its_rule_and_never_the_password() {
        for (password, says) in [
            ("aaaaaaaaaaaa", "repeats characters"),
            ("ellen's own password", "account's name ('ellen')"),
            ("umpin umpin umpin", "product's name"),
            ("password1234", "commonly used or breached"),
        ] {
            let rule = weakness(password, "ellen").unwrap().rule();
            assert!(rule.contains(says), "{password}: {rule}");
            assert!(!rule.contains(password), "{rule}");
        }
    }
}
