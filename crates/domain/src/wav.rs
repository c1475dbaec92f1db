//! What a recorded name may be: a WAV file (RIFF/WAVE) of telephone audio, read from its header.
//!
//! Accepted: one channel of linear PCM (8 or 16 bits), µ-law or A-law (8 bits), at 8 or 16 kHz,
//! at most [`MAX_RECORDED_NAME_SECONDS`] long. The header is read by hand (a few chunks of
//! little-endian fields): a format library would bring far more than these checks need. Every
//! length in the file is checked against the bytes there are, so a lying header is refused, never
//! followed.

/// The longest recorded name, in seconds.
pub const MAX_RECORDED_NAME_SECONDS: u32 = 60;

/// What a recorded name must be, said in every refusal.
pub const ACCEPTED_RECORDINGS: &str = "a WAV file of one channel, linear PCM (8 or 16 bits), µ-law or A-law, recorded at 8 or 16 kHz, at most 60 seconds long";

/// How the samples are coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Pcm,
    MuLaw,
    ALaw,
}

/// The facts of an accepted recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    pub coding: Coding,
    pub sample_rate: u32,
    pub bits_per_sample: u16,
    /// Its length in milliseconds, from the size of its audio.
    pub duration_ms: u64,
}

/// WAVE format tags (RFC 2361).
const FORMAT_PCM: u16 = 0x0001;
const FORMAT_ALAW: u16 = 0x0006;
const FORMAT_MULAW: u16 = 0x0007;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Reads a WAV file's header; the refusal says what is wrong with it.
pub fn read_wav(bytes: &[u8]) -> Result<Recording, String> {
    let not_wav = || "it isn't a WAV file (it doesn't begin with a RIFF/WAVE header)".to_owned();
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(not_wav());
    }
    let mut format = None;
    let mut rest = &bytes[12..];
    while rest.len() >= 8 {
        let (id, size) = (&rest[0..4], u32_at(rest, 4));
        let body = rest.get(8..).unwrap_or_default();
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        match id {
            b"fmt " => {
                let chunk = body.get(..size).ok_or_else(|| "its format chunk is cut short".to_owned())?;
                format = Some(read_format(chunk)?);
            }
            b"data" => {
                let (coding, sample_rate, bits_per_sample, block_align) =
                    format.ok_or_else(|| "its audio comes before its format chunk".to_owned())?;
                if size > body.len() {
                    return Err("its audio is cut short (the file is shorter than its header says)".to_owned());
                }
                let bytes_per_second = u64::from(sample_rate) * u64::from(block_align);
                let duration_ms = (size as u64).saturating_mul(1000) / bytes_per_second;
                if duration_ms > u64::from(MAX_RECORDED_NAME_SECONDS) * 1000 {
                    return Err(format!(
                        "it is {} seconds long, longer than {MAX_RECORDED_NAME_SECONDS}",
                        duration_ms.div_ceil(1000)
                    ));
                }
                if size == 0 {
                    return Err("it holds no audio".to_owned());
                }
                return Ok(Recording { coding, sample_rate, bits_per_sample, duration_ms });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        let skip = size.saturating_add(size % 2).saturating_add(8);
        rest = rest.get(skip..).unwrap_or_default();
    }
    Err(match format {
        None => "it has no format chunk".to_owned(),
        Some(_) => "it has no audio (no data chunk)".to_owned(),
    })
}

/// The `fmt ` chunk: coding, sample rate, bits per sample and bytes per sample frame, each
/// checked.
fn read_format(chunk: &[u8]) -> Result<(Coding, u32, u16, u16), String> {
    if chunk.len() < 16 {
        return Err("its format chunk is cut short".to_owned());
    }
    let mut tag = u16_at(chunk, 0);
    let channels = u16_at(chunk, 2);
    let sample_rate = u32_at(chunk, 4);
    let block_align = u16_at(chunk, 12);
    let bits_per_sample = u16_at(chunk, 14);
    if tag == FORMAT_EXTENSIBLE {
        // WAVE_FORMAT_EXTENSIBLE: the coding is the first two bytes of the sub-format GUID.
        if chunk.len() < 26 {
            return Err("its extensible format chunk is cut short".to_owned());
        }
        tag = u16_at(chunk, 24);
    }
    let coding = match tag {
        FORMAT_PCM => Coding::Pcm,
        FORMAT_MULAW => Coding::MuLaw,
        FORMAT_ALAW => Coding::ALaw,
        other => return Err(format!("its audio is coded in format {other:#06x}, not PCM, µ-law or A-law")),
    };
    if channels != 1 {
        return Err(format!("it has {channels} channels, not one"));
    }
    if sample_rate != 8000 && sample_rate != 16000 {
        return Err(format!("it is recorded at {sample_rate} Hz, not 8 or 16 kHz"));
    }
    let bits_allowed = match coding {
        Coding::Pcm => bits_per_sample == 8 || bits_per_sample == 16,
        Coding::MuLaw | Coding::ALaw => bits_per_sample == 8,
    };
    if !bits_allowed {
        return Err(format!("it has {bits_per_sample} bits per sample, not 8 (or 16 for PCM)"));
    }
    if block_align != bits_per_sample / 8 {
        return Err("its format chunk contradicts itself (block alignment)".to_owned());
    }
    Ok((coding, sample_rate, bits_per_sample, block_align))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A WAV file as a recorder writes it, for tests: `seconds` of silence in the given format.
#[cfg(any(test, feature = "testing"))]
pub fn wav(tag: u16, channels: u16, sample_rate: u32, bits_per_sample: u16, seconds: f64) -> Vec<u8> {
    let block_align = channels * bits_per_sample / 8;
    let data_len = (f64::from(sample_rate) * seconds) as u32 * u32::from(block_align);
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits_per_sample.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.resize(out.len() + data_len as usize, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telephone_wav_files_are_accepted_with_their_length() {
        let cases = [
            (FORMAT_PCM, 8000, 16, Coding::Pcm),
            (FORMAT_PCM, 16000, 8, Coding::Pcm),
            (FORMAT_MULAW, 8000, 8, Coding::MuLaw),
            (FORMAT_ALAW, 16000, 8, Coding::ALaw),
        ];
        for (tag, rate, bits, coding) in cases {
            let read = read_wav(&wav(tag, 1, rate, bits, 2.5)).unwrap();
            assert_eq!(read, Recording { coding, sample_rate: rate, bits_per_sample: bits, duration_ms: 2500 });
        }
    }

    #[test]
    fn a_recording_of_exactly_sixty_seconds_is_accepted_and_one_sample_more_is_not() {
        assert_eq!(read_wav(&wav(FORMAT_MULAW, 1, 8000, 8, 60.0)).unwrap().duration_ms, 60_000);
        let mut longer = wav(FORMAT_MULAW, 1, 8000, 8, 60.0);
        let data_len = 8000 * 60 + 8;
        longer[40..44].copy_from_slice(&(data_len as u32).to_le_bytes());
        longer.resize(44 + data_len, 0);
        assert!(read_wav(&longer).unwrap_err().contains("61 seconds long, longer than 60"));
    }

    #[test]
    fn chunks_before_the_audio_are_skipped_with_their_padding() {
        let plain = wav(FORMAT_PCM, 1, 8000, 16, 1.0);
        let mut with_list = plain[..36].to_vec();
        with_list.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00");
        with_list.extend_from_slice(&plain[36..]);
        assert_eq!(read_wav(&with_list).unwrap().duration_ms, 1000);
    }

    #[test]
    fn the_extensible_format_is_read_by_its_sub_format() {
        let plain = wav(FORMAT_PCM, 1, 16000, 16, 1.0);
        let mut extensible = plain[..12].to_vec();
        extensible.extend_from_slice(b"fmt \x28\x00\x00\x00");
        extensible.extend_from_slice(&FORMAT_EXTENSIBLE.to_le_bytes());
        extensible.extend_from_slice(&plain[22..36]);
        extensible.extend_from_slice(&[22, 0, 16, 0, 4, 0, 0, 0]);
        extensible.extend_from_slice(&[FORMAT_ALAW as u8, 0]);
        extensible.extend_from_slice(&[0; 14]);
        extensible.extend_from_slice(&plain[36..]);
        assert!(read_wav(&extensible).unwrap_err().contains("bits per sample"), "A-law has 8 bits per sample");
    }

    #[test]
    fn each_way_of_not_being_telephone_audio_is_refused_with_its_reason() {
        let mut cut_short = wav(FORMAT_PCM, 1, 8000, 16, 1.0);
        cut_short.truncate(100);
        let mut no_data = wav(FORMAT_PCM, 1, 8000, 16, 1.0);
        no_data.truncate(36);
        let mut contradicting = wav(FORMAT_PCM, 1, 8000, 16, 1.0);
        contradicting[32] = 4;
        let cases: [(Vec<u8>, &str); 12] = [
            (Vec::new(), "isn't a WAV file"),
            (b"RIFF\x04\x00\x00\x00AVI ".to_vec(), "isn't a WAV file"),
            (b"RIFF\x04\x00\x00\x00WAVE".to_vec(), "no format chunk"),
            (wav(FORMAT_PCM, 2, 8000, 16, 1.0), "2 channels, not one"),
            (wav(FORMAT_PCM, 1, 11025, 16, 1.0), "11025 Hz"),
            (wav(0x0055, 1, 8000, 16, 1.0), "format 0x0055"),
            (wav(FORMAT_MULAW, 1, 8000, 16, 1.0), "16 bits per sample"),
            (wav(FORMAT_PCM, 1, 8000, 32, 1.0), "32 bits per sample"),
            (wav(FORMAT_PCM, 1, 8000, 16, 0.0), "no audio"),
            (cut_short, "cut short"),
            (no_data, "no audio (no data chunk)"),
            (contradicting, "contradicts itself"),
        ];
        for (bytes, reason) in cases {
            let refused = read_wav(&bytes).unwrap_err();
            assert!(refused.contains(reason), "{reason}: {refused}");
        }
    }

    #[test]
    fn a_header_claiming_huge_chunks_is_refused_without_reading_past_the_end() {
        let mut lying = wav(FORMAT_PCM, 1, 8000, 16, 0.1);
        lying[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_wav(&lying).unwrap_err().contains("cut short"));
        let mut lying_data = wav(FORMAT_PCM, 1, 8000, 16, 0.1);
        lying_data[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_wav(&lying_data).unwrap_err().contains("cut short"));
    }
}
