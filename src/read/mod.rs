//! Reading the corpus: which files make it up ([`plan`]), the batches of
//! units that are read in order ([`batches`]), and turning one unit into a
//! document text or a skip record with its reason.
//!
//! Both passes read through here, so they see the same documents in the same order.

pub mod batches;
pub mod compress;
pub mod jsonl;
pub mod plan;

use std::fs;
use std::path::PathBuf;

use serde::Serialize;

use crate::config::SiteFrom;

pub use batches::{Batch, Unit};
pub use plan::{InputPlan, Source, SourceKind};

/// Why an input record was skipped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    #[error("not valid UTF-8 (byte offset {offset})")]
    InvalidUtf8 { offset: u64 },
    #[error("binary data (more than 1 byte in {BINARY_CONTROL_SHARE} is a control byte; the first at offset {offset})")]
    Binary { offset: u64 },
    #[error("cannot read: {0}")]
    Unreadable(String),
    #[error("{0}")]
    Record(#[from] jsonl::RecordError),
    /// The file changed or went away after it was listed: the second pass
    /// cannot read what the first one indexed.
    #[error("changed while textsieve was running: {0}")]
    Changed(String),
    /// Line numbers inside a document are 32-bit.
    #[error("a document of {bytes} bytes: more than the {MAX_DOC_BYTES} one document may hold")]
    TooLarge { bytes: u64 },
}

/// The largest document text: below it, its lines (at most one per byte)
/// are numbered in 32 bits.
pub const MAX_DOC_BYTES: u64 = u32::MAX as u64;

/// Whether a document text of `len` bytes is within [`MAX_DOC_BYTES`].
fn check_size(len: usize) -> Result<(), SkipReason> {
    match len as u64 {
        bytes if bytes > MAX_DOC_BYTES => Err(SkipReason::TooLarge { bytes }),
        _ => Ok(()),
    }
}

impl SkipReason {
    /// Stable name for the stats.
    pub fn kind(&self) -> &'static str {
        use jsonl::RecordError as R;
        match self {
            SkipReason::InvalidUtf8 { .. } => "invalid_utf8",
            SkipReason::Binary { .. } => "binary",
            SkipReason::Unreadable(_) => "unreadable",
            SkipReason::Changed(_) => "changed",
            SkipReason::TooLarge { .. } => "too_large",
            SkipReason::Record(R::Malformed(_)) => "malformed_json",
            SkipReason::Record(R::NotObject) => "not_an_object",
            SkipReason::Record(R::MissingField(_)) => "missing_text_field",
            SkipReason::Record(R::NotString { .. }) => "text_not_a_string",
            SkipReason::Record(R::DuplicateField(_)) => "duplicate_text_field",
        }
    }
}

/// A skipped input: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub path: String,
    /// 1-based line: of the JSONL record, or of the first bad byte in a text file.
    pub line: Option<u64>,
    #[serde(serialize_with = "serialize_display")]
    pub reason: SkipReason,
}

fn serialize_display<S: serde::Serializer>(r: &SkipReason, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(r)
}

impl Skip {
    pub fn location(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{}", self.path, l),
            None => self.path.clone(),
        }
    }
}

/// A document's text, and for a JSONL record the line it came from.
pub struct Loaded {
    pub text: String,
    pub jsonl: Option<(String, jsonl::Record)>,
}

/// Reads one unit into a document text, or says why it cannot be one.
pub fn load(unit: Unit, sources: &[Source], text_field: &str) -> Result<Loaded, Skip> {
    match unit {
        Unit::File { source } => {
            let src = &sources[source];
            let skip = |line, reason| Skip {
                path: src.display.clone(),
                line,
                reason,
            };
            let bytes = fs::read(&src.path).map_err(|e| skip(None, SkipReason::Unreadable(e.to_string())))?;
            let text = decode_utf8(bytes).map_err(|(line, reason)| skip(Some(line), reason))?;
            check_size(text.len()).map_err(|reason| skip(None, reason))?;
            Ok(Loaded { text, jsonl: None })
        }
        Unit::Record {
            source,
            line_no,
            line,
        } => {
            let skip = |reason| Skip {
                path: sources[source].display.clone(),
                line: Some(line_no),
                reason,
            };
            let line = decode_utf8(line).map_err(|(_, r)| skip(r))?;
            let mut record = jsonl::parse_record(&line, text_field).map_err(|e| skip(e.into()))?;
            // The text moves out: the record keeps only where it was in the line.
            check_size(record.text.len()).map_err(skip)?;
            let text = std::mem::take(&mut record.text);
            Ok(Loaded {
                text,
                jsonl: Some((line, record)),
            })
        }
        Unit::Failed { skip, .. } => Err(skip),
        Unit::LeftOut { source } => Err(Skip {
            path: sources[source].display.clone(),
            line: None,
            reason: SkipReason::Changed("left out".into()),
        }),
    }
}

/// The site of a loaded document, by the `--site-from` policy.
pub fn site_of(loaded: &Loaded, source: &Source, site_from: &SiteFrom) -> String {
    let metadata = loaded
        .jsonl
        .as_ref()
        .map(|(line, record)| jsonl::without_text(line, record));
    let field = |name: &str| {
        metadata
            .as_deref()
            .and_then(|m| jsonl::string_field(m, name))
            .map(|v| host_of(&v))
    };
    match site_from {
        SiteFrom::None => String::new(),
        SiteFrom::Folder => source.folder_site.clone(),
        SiteFrom::Field(name) => field(name).unwrap_or_default(),
        SiteFrom::Auto => match &loaded.jsonl {
            Some(_) => field("url").or_else(|| field("source")).unwrap_or_default(),
            None => source.folder_site.clone(),
        },
    }
}

/// The host of a URL ("https://www.Example.com:80/a" -> "example.com"); any
/// other value as it is.
fn host_of(value: &str) -> String {
    let Some((_, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_string).unwrap_or(host)
}

/// Input is binary data, not text, when more than one byte in this many is
/// a control byte that is no white space (NUL, escape, ...): text in UTF-16
/// is half NULs, while a real article from a legacy system may hold a few
/// stray ones (8 in 9 KB), which stay in the output and are ignored for
/// hashing (see [`crate::normalize::is_stray_control`]).
pub const BINARY_CONTROL_SHARE: usize = 32;

/// Control bytes that are no white space (all are ASCII, so they can be
/// counted in bytes). Counted in byte-wide sums of 255 bytes at a time,
/// which the compiler vectorizes: 17 GB/s, where a filtered count runs at
/// 1.8 GB/s (every document is counted in both passes).
pub fn stray_control_bytes(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            let n = chunk
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(is_stray_control_byte(b))));
            usize::from(n)
        })
        .sum()
}

/// NUL to backspace, shift-out to unit separator, and delete: the control
/// bytes but tab, line feed, vertical tab, form feed and carriage return.
fn is_stray_control_byte(b: u8) -> bool {
    (b <= 0x08) | (b.wrapping_sub(0x0e) < 0x12) | (b == 0x7f)
}

/// UTF-8 text that is not binary data ([`BINARY_CONTROL_SHARE`]), or the
/// 1-based line and reason of the first problem.
fn decode_utf8(bytes: Vec<u8>) -> Result<String, (u64, SkipReason)> {
    let line_of = |b: &[u8], offset: usize| memchr::memchr_iter(b'\n', &b[..offset]).count() as u64 + 1;
    if stray_control_bytes(&bytes) * BINARY_CONTROL_SHARE > bytes.len() {
        let offset = bytes.iter().position(|&b| is_stray_control_byte(b)).unwrap_or(0);
        return Err((
            line_of(&bytes, offset),
            SkipReason::Binary {
                offset: offset as u64,
            },
        ));
    }
    // The vectorized check is several times faster on non-ASCII text; the
    // standard one runs only to locate an error.
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: `bytes` was just validated as UTF-8.
        return Ok(unsafe { String::from_utf8_unchecked(bytes) });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), offset);
        (
            line,
            SkipReason::InvalidUtf8 {
                offset: offset as u64,
            },
        )
    })
}

/// Where a path sits under an input root, as written by the user.
pub(crate) fn display_path(root: &str, rel: &std::path::Path) -> String {
    let joined: PathBuf = if rel.as_os_str().is_empty() {
        PathBuf::from(root)
    } else {
        PathBuf::from(root).join(rel)
    };
    joined.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_whose_lines_cannot_be_numbered_in_32_bits_is_too_large() {
        assert_eq!(check_size(u32::MAX as usize), Ok(()));
        let over = u32::MAX as usize + 1;
        let reason = check_size(over).unwrap_err();
        assert_eq!(
            (reason.kind(), reason),
            ("too_large", SkipReason::TooLarge { bytes: over as u64 })
        );
    }

    #[test]
    fn host_of_urls() {
        assert_eq!(host_of("https://www.Example.com:8080/a/b?c"), "example.com");
        assert_eq!(host_of("http://user@news.example.org"), "news.example.org");
        assert_eq!(host_of("Example Daily"), "Example Daily");
    }

    #[test]
    fn decode_reports_line_and_offset_of_bad_bytes() {
        assert_eq!(decode_utf8(b"ok\nfine".to_vec()).unwrap(), "ok\nfine");
        let (line, r) = decode_utf8(b"a\nb\n\xff\n".to_vec()).unwrap_err();
        assert_eq!((line, r), (3, SkipReason::InvalidUtf8 { offset: 4 }));
        let (line, r) = decode_utf8(b"a\0".to_vec()).unwrap_err();
        assert_eq!((line, r), (1, SkipReason::Binary { offset: 1 }));
    }

    #[test]
    fn text_with_a_few_stray_control_bytes_is_text_and_more_is_binary() {
        // One control byte in 32 is text; one more is binary data. White
        // space does not count.
        let mut text = vec![b'a'; 31];
        text.push(0);
        assert!(decode_utf8(text.clone()).is_ok());
        text[3] = 0x1b;
        let (line, r) = decode_utf8(text.clone()).unwrap_err();
        assert_eq!((line, r), (1, SkipReason::Binary { offset: 3 }));
        let spaces = b"\t\n\x0b\x0c\r".repeat(10);
        assert_eq!(stray_control_bytes(&spaces), 0);
        let all: Vec<u8> = (0..=255).collect();
        let want =
            (0u8..=255).filter(|&b| (b as char).is_control() && !(b as char).is_whitespace() && b < 0x80);
        assert_eq!(stray_control_bytes(&all.repeat(3)), 3 * want.count());
        assert_eq!(stray_control_bytes(b"\x7f\x01\x1f a"), 3);
        // ASCII text in UTF-16: half NULs.
        let utf16: Vec<u8> = "hello".bytes().flat_map(|b| [b, 0]).collect();
        assert!(decode_utf8(utf16).is_err());
    }
}
