//! The rules of a call to voice access (SPEC §3): how long a call lasts, how a caller ID finds a
//! mailbox, and what a recorded name may be.

use crate::Error;
use crate::mailbox::{check_phone, invalid, phone_digits};
use crate::wav::{Recording, read_wav};

/// How long a call may last from its start, as the dial plan's longest call does in Exchange.
/// A call older than this has ended, whatever it was doing.
pub const CALL_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);

/// The largest recorded name accepted, in bytes: a minute of 8 kHz 16-bit audio fits, as does the
/// API's largest request body.
pub const MAX_RECORDED_NAME_BYTES: usize = 1024 * 1024;

/// The media types a recorded name may be sent as (the names WAV goes by).
pub const RECORDED_NAME_TYPES: [&str; 4] = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];

/// The defence against PIN spraying (SPEC §3.3a): failed sign-ins are counted per source across
/// mailboxes, and a source whose failures reach more distinct mailboxes (or unknown extensions)
/// within `window` than its threshold is refused for `cool_down`. A source is the caller ID, or
/// for calls without one the front-end account, whose threshold is higher since all of its
/// callers without caller ID count together. One wrong PIN, or a few on one's own mailbox, never
/// comes near a threshold. A block is reported by e-mail to `alert_address`, when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SprayDefence {
    pub window: jiff::SignedDuration,
    /// Distinct mailboxes with failures from one caller ID that block it.
    pub mailboxes_per_caller_id: u32,
    /// Distinct mailboxes with failures from calls without caller ID, per front-end account,
    /// that block those calls.
    pub mailboxes_without_caller_id: u32,
    pub cool_down: jiff::SignedDuration,
    /// The security address that is told of each block; none by default (no alert).
    pub alert_address: Option<String>,
}

impl Default for SprayDefence {
    fn default() -> Self {
        SprayDefence {
            window: jiff::SignedDuration::from_mins(10),
            mailboxes_per_caller_id: 10,
            mailboxes_without_caller_id: 30,
            cool_down: jiff::SignedDuration::from_mins(30),
            alert_address: None,
        }
    }
}

impl SprayDefence {
    /// Whether failures on `mailboxes` distinct mailboxes within the window block the source.
    pub fn blocks(&self, source: &SpraySource, mailboxes: u32) -> bool {
        let threshold = match source {
            SpraySource::CallerId(_) => self.mailboxes_per_caller_id,
            SpraySource::Account(_) => self.mailboxes_without_caller_id,
        };
        mailboxes >= threshold
    }
}

/// Where a call's failed sign-ins are counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpraySource {
    /// The digits of the caller's number.
    CallerId(String),
    /// The front-end account, for its calls without caller ID.
    Account(String),
}

impl SpraySource {
    pub fn of_call(caller_id: Option<&str>, account: &str) -> SpraySource {
        match caller_id {
            Some(digits) => SpraySource::CallerId(digits.to_owned()),
            None => SpraySource::Account(account.to_owned()),
        }
    }

    /// How the source is stored and shown: `caller-id:DIGITS` or `account:NAME`.
    pub fn key(&self) -> String {
        match self {
            SpraySource::CallerId(digits) => format!("caller-id:{digits}"),
            SpraySource::Account(name) => format!("account:{}", name.to_lowercase()),
        }
    }

    /// The source an administrator names (`Get-UMSprayBlock`, `Clear-UMSprayBlock`): its key as
    /// shown (`caller-id:14255550199`, `account:ivr`), or a caller's number in any punctuation.
    pub fn named(identity: &str) -> Result<SpraySource, Error> {
        let identity = identity.trim();
        let refused = || {
            invalid(
                "Identity",
                "name the source as Get-UMSprayBlock shows it (caller-id:14255550199 or account:NAME), or give the caller's number.",
            )
        };
        if let Some(number) = strip_prefix_ignoring_case(identity, "caller-id:") {
            return caller_digits(number).map(SpraySource::CallerId).map_err(|_| refused());
        }
        if let Some(name) = strip_prefix_ignoring_case(identity, "account:") {
            let is_name = !name.is_empty()
                && name.len() <= MAX_ACCOUNT_NAME_CHARS
                && name.chars().all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c));
            return if is_name { Ok(SpraySource::Account(name.to_lowercase())) } else { Err(refused()) };
        }
        caller_digits(identity).map(SpraySource::CallerId).map_err(|_| refused())
    }
}

/// The longest front-end account name a source may name (longer than any account's name).
const MAX_ACCOUNT_NAME_CHARS: usize = 256;

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// The digits of a caller ID (`+1 (425) 555-0123` → `14255550123`), for matching it against an
/// extension or a mailbox's phone number. A caller ID that isn't a phone number is refused.
pub fn caller_digits(caller_id: &str) -> Result<String, Error> {
    let number = check_phone(caller_id).map_err(|_| {
        invalid("CallerId", "give the caller's number as an E.164 number such as +14255550123, or digits.")
    })?;
    Ok(phone_digits(&number))
}

/// Whether a caller ID's digits are the mailbox's phone number: both reduced to their digits.
pub fn is_callers_phone(caller_digits: &str, phone: Option<&str>) -> bool {
    phone.is_some_and(|p| phone_digits(p) == caller_digits)
}

/// What every interface says when PIN-less voice mail is switched on, for the policy or a mailbox.
pub const PINLESS_WARNING: &str = "Voice mail without a PIN trusts caller ID, which can be forged: anyone who can \
make a call seem to come from the user's phone number hears the user's voice mail. Switch it on only where the \
telephone system vouches for caller ID.";

/// What decides whether a call may hear voice mail without a PIN (SPEC §3): both switches, a
/// caller ID that is the phone number of exactly one mailbox (an extension alone is not enough),
/// and a mailbox that is neither locked out nor waiting for first-time setup, called from a
/// source that is not refused for spraying.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinlessCall {
    /// The mailbox policy's `AllowPinlessVoiceMailAccess`.
    pub policy_allows: bool,
    /// The mailbox's `PinlessAccessToVoiceMailEnabled`.
    pub mailbox_allows: bool,
    /// The caller ID is the mailbox's phone number, not only its extension.
    pub from_own_phone: bool,
    /// How many mailboxes have the caller's number as their phone number.
    pub mailboxes_with_number: u64,
    pub locked_out: bool,
    pub first_time_user: bool,
    pub source_blocked: bool,
}

impl PinlessCall {
    pub fn granted(&self) -> bool {
        self.policy_allows
            && self.mailbox_allows
            && self.from_own_phone
            && self.mailboxes_with_number == 1
            && !self.locked_out
            && !self.first_time_user
            && !self.source_blocked
    }
}

/// A recorded name: sent as WAV ([`RECORDED_NAME_TYPES`]), at most [`MAX_RECORDED_NAME_BYTES`],
/// and a WAV file of telephone audio (see [`crate::wav`]).
pub fn check_recorded_name(content_type: &str, audio: &[u8]) -> Result<Recording, Error> {
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !RECORDED_NAME_TYPES.contains(&media_type.as_str()) {
        return Err(Error::RecordedNameNotWav);
    }
    if audio.len() > MAX_RECORDED_NAME_BYTES {
        let reason = format!("it has more than {MAX_RECORDED_NAME_BYTES} bytes");
        return Err(Error::RecordedNameRefused { reason });
    }
    read_wav(audio).map_err(|reason| Error::RecordedNameRefused { reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinless_voice_mail_needs_both_switches_the_callers_own_unshared_number_and_a_usable_mailbox() {
        let all = PinlessCall {
            policy_allows: true,
            mailbox_allows: true,
            from_own_phone: true,
            mailboxes_with_number: 1,
            ..PinlessCall::default()
        };
        assert!(all.granted());
        let refused = [
            PinlessCall { policy_allows: false, ..all },
            PinlessCall { mailbox_allows: false, ..all },
            PinlessCall { from_own_phone: false, ..all },
            PinlessCall { mailboxes_with_number: 2, ..all },
            PinlessCall { mailboxes_with_number: 0, ..all },
            PinlessCall { locked_out: true, ..all },
            PinlessCall { first_time_user: true, ..all },
            PinlessCall { source_blocked: true, ..all },
        ];
        for call in refused {
            assert!(!call.granted(), "{call:?}");
        }
    }
    use crate::wav::wav;

    #[test]
    fn a_caller_id_is_reduced_to_its_digits() {
        assert_eq!(caller_digits("+1 (425) 555-0123").unwrap(), "14255550123");
        assert_eq!(caller_digits("12345").unwrap(), "12345");
    }

    #[test]
    fn a_caller_id_that_is_not_a_number_is_refused_naming_the_parameter() {
        for bad in ["", "anonymous", "+", "12345678901234567890123456789012345"] {
            let e = caller_digits(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidParameter { parameter: "CallerId", .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn a_caller_matches_a_phone_number_whatever_its_punctuation() {
        assert!(is_callers_phone("14255550123", Some("+1 425-555-0123")));
        assert!(!is_callers_phone("14255550123", Some("+1 425-555-0124")));
        assert!(!is_callers_phone("4255550123", Some("+14255550123")));
        assert!(!is_callers_phone("14255550123", None));
    }

    #[test]
    fn a_caller_id_is_blocked_at_its_threshold_and_calls_without_one_at_the_higher_one() {
        let defence = SprayDefence::default();
        let caller = SpraySource::of_call(Some("14255550199"), "ivr");
        let front_end = SpraySource::of_call(None, "IVR");
        assert_eq!((caller.key(), front_end.key()), ("caller-id:14255550199".to_owned(), "account:ivr".to_owned()));
        assert!(!defence.blocks(&caller, 9) && defence.blocks(&caller, 10));
        assert!(!defence.blocks(&front_end, 29) && defence.blocks(&front_end, 30));
        assert!(!defence.blocks(&caller, 1), "one mailbox's wrong PINs never block");
    }

    #[test]
    fn a_source_is_named_by_its_key_or_by_the_callers_number() {
        let caller = SpraySource::CallerId("14255550199".to_owned());
        for named in ["caller-id:14255550199", "Caller-ID:+1 425 555 0199", "+1 (425) 555-0199", " 14255550199 "] {
            assert_eq!(SpraySource::named(named), Ok(caller.clone()), "{named}");
        }
        assert_eq!(SpraySource::named("account:IVR").unwrap().key(), "account:ivr");
        for bad in ["", "account:", "account:a b", "caller-id:anonymous", "anonymous", "account:x\u{0}"] {
            let e = SpraySource::named(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidParameter { parameter: "Identity", .. }), "{bad}: {e}");
            assert!(e.to_string().contains("caller-id:"), "{e}");
        }
    }

    #[test]
    fn a_recorded_name_is_sent_as_wav_whatever_the_name_of_its_media_type() {
        let one_second = wav(1, 1, 8000, 16, 1.0);
        for media_type in ["audio/wav", "audio/x-wav", "Audio/WAV; rate=8000", "audio/wave", "audio/vnd.wave"] {
            assert!(check_recorded_name(media_type, &one_second).is_ok(), "{media_type}");
        }
    }

    #[test]
    fn a_recorded_name_of_another_media_type_is_refused_as_not_wav() {
        let one_second = wav(1, 1, 8000, 16, 1.0);
        for media_type in ["text/plain", "audio/mpeg", "audio/", ""] {
            assert_eq!(check_recorded_name(media_type, &one_second), Err(Error::RecordedNameNotWav), "{media_type}");
        }
        assert!(Error::RecordedNameNotWav.to_string().contains("audio/wav"));
    }

    #[test]
    fn a_recorded_name_over_the_byte_limit_is_refused_before_it_is_read() {
        let mut big = wav(1, 1, 8000, 8, 50.0);
        big.resize(MAX_RECORDED_NAME_BYTES + 1, 0);
        let e = check_recorded_name("audio/wav", &big).unwrap_err();
        assert!(e.to_string().contains("more than 1048576 bytes"), "{e}");
    }

    #[test]
    fn a_refused_recording_says_what_is_accepted() {
        let e = check_recorded_name("audio/wav", b"ID3 not a wav at all").unwrap_err();
        let message = e.to_string();
        assert!(message.contains("isn't a WAV file"), "{message}");
        assert!(message.contains("8 or 16 kHz") && message.contains("at most 60 seconds"), "{message}");
    }
}
