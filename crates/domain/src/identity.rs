//! Identity resolution, SPEC §1.1: turning the value given to `-Identity` into exactly one object.

use crate::{Error, Guid, Mailbox, ObjectKind};

/// The longest value that may name an object: well beyond the longest name (64), address (254)
/// or Guid (36), so that no real identity is refused and no oversize one travels further.
pub const MAX_IDENTITY_LENGTH: usize = 1024;

/// Refuses a value that names an object (an identity, an `-Anr` search, an extension, a filter
/// of the audit log) when it holds a control character: no object's name, address or Guid has
/// one, and a NUL can't even be compared on PostgreSQL.
pub fn check_identity(parameter: &'static str, value: &str) -> Result<(), Error> {
    if value.chars().count() > MAX_IDENTITY_LENGTH {
        return Err(Error::InvalidParameter {
            parameter,
            rule: format!(
                "it is longer than {MAX_IDENTITY_LENGTH} characters, which no name, address or Guid is. Type the name, address or Guid of the object."
            ),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(Error::InvalidParameter {
            parameter,
            rule: "it contains a control character (such as NUL, a tab or a line break), which no name, address or \
                   Guid has. Type the value without it."
                .to_owned(),
        });
    }
    Ok(())
}

/// Resolves a mailbox identity among `candidates` (storage hands over every mailbox that matches
/// any of the fields case-insensitively). The fields are tried in order — Guid, any address,
/// UserPrincipalName, Alias, Name, DisplayName — and the first field with a match decides: one
/// match is the answer, several are an error naming them.
pub fn resolve_mailbox<'a>(identity: &str, candidates: &'a [Mailbox]) -> Result<&'a Mailbox, Error> {
    let guid = identity.parse::<Guid>().ok();
    let fields: [&dyn Fn(&Mailbox) -> bool; 6] = [
        &|m| Some(m.guid) == guid,
        &|m| m.addresses().any(|a| a.eq_ignore_ascii_case(identity)),
        &|m| m.user_principal_name.eq_ignore_ascii_case(identity),
        &|m| m.alias.eq_ignore_ascii_case(identity),
        &|m| eq_folded(&m.name, identity),
        &|m| eq_folded(&m.display_name, identity),
    ];
    pick(ObjectKind::Mailbox, identity, candidates, &fields, |m| m.primary_smtp_address.clone())
}

/// Resolves a dial plan or policy identity: by Guid, then by Name.
pub fn resolve_named<'a, T>(
    kind: ObjectKind,
    identity: &str,
    candidates: &'a [T],
    guid: impl Fn(&T) -> Guid,
    name: impl Fn(&T) -> &str,
) -> Result<&'a T, Error> {
    let parsed = identity.parse::<Guid>().ok();
    let fields: [&dyn Fn(&T) -> bool; 2] = [&|t| Some(guid(t)) == parsed, &|t| eq_folded(name(t), identity)];
    pick(kind, identity, candidates, &fields, |t| name(t).to_owned())
}

/// Case-insensitive equality for names, which may hold any letters.
pub fn eq_folded(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn pick<'a, T>(
    kind: ObjectKind,
    identity: &str,
    candidates: &'a [T],
    fields: &[&dyn Fn(&T) -> bool],
    describe: impl Fn(&T) -> String,
) -> Result<&'a T, Error> {
    for matches_field in fields {
        let mut found = candidates.iter().filter(|c| matches_field(c));
        if let Some(first) = found.next() {
            let rest: Vec<&T> = found.collect();
            if rest.is_empty() {
                return Ok(first);
            }
            let mut names: Vec<String> = std::iter::once(first).chain(rest).map(&describe).collect();
            names.sort();
            return Err(Error::Ambiguous { kind, identity: identity.to_owned(), candidates: names });
        }
    }
    Err(Error::NotFound { kind, identity: identity.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewMailbox, Timestamp};

    fn mb(n: u128, name: &str, alias: &str, address: &str, display: &str) -> Mailbox {
        NewMailbox {
            name: name.into(),
            alias: Some(alias.into()),
            primary_smtp_address: address.into(),
            display_name: Some(display.into()),
            ..Default::default()
        }
        .validate(Guid::from_u128(n), Timestamp::UNIX_EPOCH)
        .unwrap()
    }

    #[test]
    fn an_identity_with_a_control_character_is_refused_naming_the_parameter() {
        for value in ["tony\0", "\u{7}", "a\nb", "x\u{9b}y"] {
            let refused = check_identity("Identity", value).unwrap_err();
            assert!(matches!(&refused, Error::InvalidParameter { parameter: "Identity", .. }), "{refused:?}");
            assert!(refused.to_string().contains("control character"), "{refused}");
        }
        assert_eq!(check_identity("Identity", "Tony Smith <ü@contoso.com>"), Ok(()));
    }

    #[test]
    fn an_address_matches_case_insensitively() {
        let all = [mb(1, "Tony", "tony", "tony@contoso.com", "Tony Smith")];
        assert_eq!(resolve_mailbox("TONY@Contoso.com", &all).unwrap().guid, Guid::from_u128(1));
    }

    #[test]
    fn a_secondary_address_matches() {
        let mut m = mb(1, "Tony", "tony", "tony@contoso.com", "Tony Smith");
        m.email_addresses.push("ts@contoso.com".into());
        assert!(resolve_mailbox("ts@contoso.com", &[m]).is_ok());
    }

    #[test]
    fn guid_wins_over_every_other_field() {
        let g = Guid::from_u128(7).to_string();
        let all = [mb(7, "a", "a", "a@contoso.com", "A"), mb(8, &g, "b", "b@contoso.com", "B")];
        assert_eq!(resolve_mailbox(&g, &all).unwrap().guid, Guid::from_u128(7));
    }

    #[test]
    fn an_earlier_field_wins_over_a_later_one() {
        // "tony" is one mailbox's alias and another's name: the alias comes first.
        let all = [mb(1, "Someone", "tony", "x@contoso.com", "X"), mb(2, "tony", "t2", "y@contoso.com", "Y")];
        assert_eq!(resolve_mailbox("tony", &all).unwrap().guid, Guid::from_u128(1));
        // A display name is matched only when no other field is.
        let all = [mb(1, "A", "a", "a@contoso.com", "Chris"), mb(2, "Chris", "c", "c@contoso.com", "C")];
        assert_eq!(resolve_mailbox("chris", &all).unwrap().guid, Guid::from_u128(2));
    }

    #[test]
    fn no_match_is_the_couldnt_be_found_error() {
        let err = resolve_mailbox("nobody", &[]).unwrap_err();
        assert_eq!(err.to_string(), "The operation couldn't be performed because object 'nobody' couldn't be found.");
    }

    #[test]
    fn several_matches_in_one_field_are_an_error_naming_the_candidates() {
        let all = [mb(1, "A", "a", "a@contoso.com", "Chris"), mb(2, "B", "b", "b@contoso.com", "chris")];
        let err = resolve_mailbox("Chris", &all).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Ambiguous { .. }));
        assert!(msg.contains("a@contoso.com") && msg.contains("b@contoso.com"), "{msg}");
        assert!(msg.contains("more specific"), "{msg}");
    }

    #[test]
    fn named_objects_resolve_by_guid_then_name() {
        let plans = [(Guid::from_u128(1), "Plan"), (Guid::from_u128(2), "Other")];
        let got = resolve_named(ObjectKind::DialPlan, "plan", &plans, |p| p.0, |p| p.1).unwrap();
        assert_eq!(got.0, Guid::from_u128(1));
        let by_guid = Guid::from_u128(2).to_string();
        assert_eq!(
            resolve_named(ObjectKind::DialPlan, &by_guid, &plans, |p| p.0, |p| p.1).unwrap().0,
            Guid::from_u128(2)
        );
    }
}
