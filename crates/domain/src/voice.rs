//! The rules of a call to voice access (SPEC §3): how long a call lasts, how a caller ID finds a
//! mailbox, and what a recorded name may be.

use crate::Error;
use crate::mailbox::{check_phone, invalid};

/// How long a call may last from its start, as the dial plan's longest call does in Exchange.
/// A call older than this has ended, whatever it was doing.
pub const CALL_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);

/// The largest recorded name accepted, in bytes (about 30 seconds of 8 kHz 16-bit audio).
pub const MAX_RECORDED_NAME_BYTES: usize = 512 * 1024;

/// The digits of a caller ID (`+1 (425) 555-0123` → `14255550123`), for matching it against an
/// extension or a mailbox's phone number. A caller ID that isn't a phone number is refused.
pub fn caller_digits(caller_id: &str) -> Result<String, Error> {
    let number = check_phone(caller_id).map_err(|_| {
        invalid("CallerId", "give the caller's number as an E.164 number such as +14255550123, or digits.")
    })?;
    Ok(number.chars().filter(char::is_ascii_digit).collect())
}

/// Whether a caller ID's digits are the mailbox's phone number: both reduced to their digits.
pub fn is_callers_phone(caller_digits: &str, phone: Option<&str>) -> bool {
    phone.is_some_and(|p| p.chars().filter(char::is_ascii_digit).eq(caller_digits.chars()))
}

/// A recorded name: an audio media type (`audio/wav`, `audio/mpeg`, …) and 1 to
/// [`MAX_RECORDED_NAME_BYTES`] bytes of audio.
pub fn check_recorded_name(content_type: &str, audio: &[u8]) -> Result<(), Error> {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let is_audio = media_type
        .strip_prefix("audio/")
        .is_some_and(|sub| !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    if !is_audio {
        return Err(invalid("RecordedName", "send the recording as audio, with a Content-Type such as audio/wav."));
    }
    if audio.is_empty() || audio.len() > MAX_RECORDED_NAME_BYTES {
        return Err(invalid(
            "RecordedName",
            &format!("a recorded name has 1 to {MAX_RECORDED_NAME_BYTES} bytes of audio; record a shorter one."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_recorded_name_is_audio_of_bounded_size() {
        assert!(check_recorded_name("audio/wav", b"RIFF").is_ok());
        assert!(check_recorded_name("audio/x-wav; rate=8000", b"RIFF").is_ok());
        assert!(check_recorded_name("text/plain", b"RIFF").is_err());
        assert!(check_recorded_name("audio/", b"RIFF").is_err());
        assert!(check_recorded_name("audio/wav", b"").is_err());
        assert!(check_recorded_name("audio/wav", &vec![0; MAX_RECORDED_NAME_BYTES]).is_ok());
        assert!(check_recorded_name("audio/wav", &vec![0; MAX_RECORDED_NAME_BYTES + 1]).is_err());
    }
}
