//! The rules of a call to voice access (SPEC §3): how long a call lasts, how a caller ID finds a
//! mailbox, and what a recorded name may be.

use crate::Error;
use crate::mailbox::{check_phone, invalid};
use crate::wav::{Recording, read_wav};

/// How long a call may last from its start, as the dial plan's longest call does in Exchange.
/// A call older than this has ended, whatever it was doing.
pub const CALL_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);

/// The largest recorded name accepted, in bytes: a minute of 8 kHz 16-bit audio fits, as does the
/// API's largest request body.
pub const MAX_RECORDED_NAME_BYTES: usize = 1024 * 1024;

/// The media types a recorded name may be sent as (the names WAV goes by).
pub const RECORDED_NAME_TYPES: [&str; 4] = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];

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
