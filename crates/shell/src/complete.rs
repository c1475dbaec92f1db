//! Tab completion for the interactive shell, from the cmdlet registry: cmdlet names at the start
//! of a command, parameter names after `-`, and the values of an enumerated parameter after it.
//! Identities come from the backend ([`identities`]): mailbox addresses after a mailbox's
//! `-Identity` (or in its place), policy names after `-UMMailboxPolicy`, dial plan names after
//! `-UMDialPlan`; a mailbox is looked up by prefix, one bounded page, never a scan.

use umpin_catalogue::CmdletInfo;
use umpin_catalogue::binding::{Argument, Arguments, Invocation, PageRequest};
use umpin_catalogue::cmdlets::{GetMailbox, GetUmDialPlan, GetUmMailboxPolicy};
use umpin_catalogue::value::Value;

use crate::backend::Backend;
use crate::registry::{Kind, all, find};

/// The most mailbox addresses one Tab press asks for.
pub const MAX_IDENTITY_CANDIDATES: u32 = 50;

/// The objects an identity completion lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    Mailbox,
    MailboxPolicy,
    DialPlan,
}

/// An identity to complete: what it names, and the prefix typed so far (without a quote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRequest {
    /// Where the completed word starts.
    pub start: usize,
    pub kind: Identity,
    pub prefix: String,
}

/// Whether the word at `pos` is an identity to look up: the value of `-Identity`,
/// `-UMMailboxPolicy` or `-UMDialPlan`, or a cmdlet's first positional argument when that is
/// its `-Identity`.
pub fn identity_request(line: &str, pos: usize) -> Option<IdentityRequest> {
    let before = line.get(..pos)?;
    let command_start = before.rfind(['|', ';', '(', '{']).map_or(0, |i| i + 1);
    // A word in an open quote ('MyUMDialPlan D) starts at the quote, spaces and all.
    let open_quote = before[command_start..].matches('\'').count() % 2 == 1;
    let start = match before.rfind('\'') {
        Some(quote) if open_quote => quote,
        _ => before.rfind(|c: char| c.is_whitespace() || "|;({,".contains(c)).map_or(0, |i| i + 1),
    };
    let word = &before[start..];
    if word.starts_with('-') {
        return None;
    }
    let words: Vec<&str> = before[command_start..start].split_whitespace().collect();
    let cmdlet = find(words.first()?)?;
    let parameter = match words.as_slice() {
        [_] => cmdlet.positional(1).map(|p| p.name)?,
        [.., previous] => cmdlet.parameter(previous.strip_prefix('-')?).ok().map(|p| p.name)?,
        [] => return None,
    };
    let noun = cmdlet.name.split_once('-').map_or("", |(_, noun)| noun);
    let kind = match parameter {
        "UMMailboxPolicy" => Identity::MailboxPolicy,
        "UMDialPlan" => Identity::DialPlan,
        "Identity" if noun == "UMMailboxPolicy" => Identity::MailboxPolicy,
        "Identity" if noun == "UMDialPlan" => Identity::DialPlan,
        "Identity" if noun.ends_with("Mailbox") || noun == "UMMailboxPIN" => Identity::Mailbox,
        _ => return None,
    };
    Some(IdentityRequest { start, kind, prefix: word.trim_start_matches(['\'', '"']).to_owned() })
}

/// The identities that complete a request, asked of the backend (in-process or the server):
/// addresses of the mailboxes whose name, alias or address starts with the prefix (one page of at
/// most [`MAX_IDENTITY_CANDIDATES`]), or the names of the policies or dial plans. A name with a
/// space comes quoted. An error (no permission, no server) completes nothing.
pub async fn identities(backend: &Backend, request: &IdentityRequest) -> Vec<String> {
    let (cmdlet, property): (&'static CmdletInfo, _) = match request.kind {
        Identity::Mailbox => (&GetMailbox::INFO, "PrimarySmtpAddress"),
        Identity::MailboxPolicy => (&GetUmMailboxPolicy::INFO, "Name"),
        Identity::DialPlan => (&GetUmDialPlan::INFO, "Name"),
    };
    let mut arguments = Arguments::default();
    if request.kind == Identity::Mailbox && !request.prefix.is_empty() {
        arguments.push("Anr", Argument::Value(Value::Str(request.prefix.clone())));
    }
    let page = PageRequest { after: None, size: MAX_IDENTITY_CANDIDATES };
    let Ok(batch) = backend.invoke(&Invocation { cmdlet, arguments }, Some(&page)).await else {
        return Vec::new();
    };
    let mut names: Vec<String> = batch
        .objects
        .iter()
        .map(|o| o.member(property).to_text())
        .filter(|name| starts_with(name, &request.prefix))
        .map(|name| if name.contains(' ') { format!("'{}'", name.replace('\'', "''")) } else { name })
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

/// What to complete at `pos` in `line`: the byte offset where the completed word starts and the
/// candidates (full words; cmdlet names sorted, parameters in registry order).
pub fn complete(line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = line.get(..pos).unwrap_or(line);
    let start = before.rfind(|c: char| c.is_whitespace() || "|;({,".contains(c)).map_or(0, |i| i + 1);
    let word = &before[start..];
    let command_start = before.rfind(['|', ';', '(', '{']).map_or(0, |i| i + 1);
    let words: Vec<&str> = before[command_start..start].split_whitespace().collect();
    let candidates = match words.first() {
        None => {
            let mut names: Vec<String> = all().map(|c| c.name.to_owned()).filter(|n| starts_with(n, word)).collect();
            names.sort_by_key(|n| n.to_ascii_lowercase());
            names
        }
        Some(command) => {
            let Some(cmdlet) = find(command) else { return (start, Vec::new()) };
            if let Some(prefix) = word.strip_prefix('-') {
                cmdlet
                    .all_parameters()
                    .filter(|p| starts_with(p.name, prefix))
                    .map(|p| format!("-{}", p.name))
                    .collect()
            } else {
                let previous = words.last().and_then(|w| w.strip_prefix('-'));
                match previous.and_then(|p| cmdlet.parameter(p).ok()).map(|p| p.kind) {
                    Some(Kind::Choice(values)) => {
                        values.iter().filter(|v| starts_with(v, word)).map(|v| (*v).to_owned()).collect()
                    }
                    Some(Kind::Bool) => {
                        ["$true", "$false"].iter().filter(|v| starts_with(v, word)).map(|v| (*v).to_owned()).collect()
                    }
                    _ => Vec::new(),
                }
            }
        }
    };
    (start, candidates)
}

fn starts_with(candidate: &str, prefix: &str) -> bool {
    candidate.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase())
}

/// Whether a line holds a secret parameter (`-Pin`, `-PIN`, `-Password`, or an unambiguous prefix
/// of one) and so must not be kept in the history file.
pub fn mentions_secret(line: &str) -> bool {
    let Ok(script) = crate::parse(line) else {
        // A line that doesn't parse isn't run; keep it out of the history if it might hold a PIN.
        return line.to_ascii_lowercase().contains("-p");
    };
    script.statements.iter().any(|s| {
        let pipeline = match s {
            crate::Statement::Assignment { pipeline, .. } => pipeline,
            crate::Statement::Pipeline(p) => p,
        };
        pipeline.elements.iter().any(|e| match e {
            crate::PipelineElement::Command(c) => find(&c.name).is_some_and(|cmdlet| {
                c.arguments.iter().any(|a| match a {
                    // Any prefix of a secret parameter counts, even one that is ambiguous.
                    crate::Argument::Parameter { name, .. } => {
                        cmdlet.all_parameters().any(|p| p.kind == Kind::Secret && starts_with(p.name, name))
                    }
                    crate::Argument::Positional(_) => false,
                })
            }),
            crate::PipelineElement::Expression(_) => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cmdlet_name_completes_at_the_start_of_a_command_case_insensitively() {
        let (start, c) = complete("get-ummailboxpi", 15);
        assert_eq!((start, c), (0, vec!["Get-UMMailboxPIN".to_owned()]));
        let (start, c) = complete("Get-UMMailboxPIN | Set-UMMailboxP", 33);
        assert_eq!((start, c), (19, vec!["Set-UMMailboxPIN".to_owned(), "Set-UMMailboxPolicy".to_owned()]));
    }

    #[test]
    fn a_parameter_name_completes_after_a_dash() {
        let (start, c) = complete("Set-UMMailboxPIN tony -Lo", 25);
        assert_eq!((start, c), (22, vec!["-LockedOut".to_owned()]));
    }

    #[test]
    fn an_enumerated_value_completes_after_its_parameter() {
        let line = "New-UMDialPlan x -URIType s";
        let (start, c) = complete(line, line.len());
        assert_eq!((start, c), (26, vec!["SipName".to_owned()]));
        let line = "Set-UMMailboxPIN tony -LockedOut $f";
        assert_eq!(complete(line, line.len()).1, vec!["$false".to_owned()]);
    }

    #[test]
    fn identities_are_asked_for_after_identity_parameters_and_in_the_identity_position() {
        let request = |line: &str| identity_request(line, line.len()).map(|r| (r.start, r.kind, r.prefix));
        assert_eq!(request("Get-UMMailboxPIN -Identity to"), Some((27, Identity::Mailbox, "to".to_owned())));
        assert_eq!(request("Set-UMMailboxPIN to"), Some((17, Identity::Mailbox, "to".to_owned())));
        assert_eq!(
            request("Enable-UMMailbox tony -UMMailboxPolicy 'My"),
            Some((39, Identity::MailboxPolicy, "My".to_owned()))
        );
        assert_eq!(request("Get-UMMailboxPolicy -UMDialPlan "), Some((32, Identity::DialPlan, String::new())));
        assert_eq!(request("Get-UMDialPlan My"), Some((15, Identity::DialPlan, "My".to_owned())));
        assert_eq!(
            request("Get-UMMailboxPolicy 'MyUMDialPlan D"),
            Some((20, Identity::MailboxPolicy, "MyUMDialPlan D".to_owned()))
        );
        assert_eq!(request("Set-UMMailboxPIN tony -LockedOut "), None);
        assert_eq!(request("Get-RoleGroup Help"), None);
        assert_eq!(request("Get-UMMailboxPIN -Ident"), None);
    }

    #[test]
    fn an_unknown_command_completes_nothing() {
        assert!(complete("Frobnicate -", 12).1.is_empty());
    }

    #[test]
    fn lines_with_a_pin_or_its_prefix_are_recognised_as_secret() {
        assert!(mentions_secret("Set-UMMailboxPIN tony -Pin 1985848"));
        assert!(mentions_secret("Enable-UMMailbox tony -UMMailboxPolicy p -PIN 5643892"));
        assert!(mentions_secret("Set-UMMailboxPIN tony -Pi 1985848"));
        assert!(!mentions_secret("Set-UMMailboxPIN tony -PINExpired $true"));
        assert!(!mentions_secret("Get-UMMailboxPIN tony"));
    }
}
