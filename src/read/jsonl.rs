//! One JSONL record: find the text, and put a new text back without
//! touching anything else.
//!
//! Cleaning must not disturb the metadata that travels with each document:
//! re-serialising the whole object would reorder keys, reformat numbers
//! (`1.0e3` becomes `1000.0`) and rewrite escapes. So instead of building a
//! value tree we walk the object once with a serde visitor, take the text
//! field's value as a `RawValue` borrowed from the line, and remember the
//! byte span of its string literal. The output line is then the input line
//! with only that span replaced.

use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer as _;
use serde_json::value::RawValue;

/// A parsed record: the decoded text and where its JSON string literal sits
/// in the line.
#[derive(Debug)]
pub struct Record {
    pub text: String,
    /// Byte range of the text value's JSON literal (including its quotes)
    /// within the line.
    pub text_span: Range<usize>,
}

/// Why a line could not be used as a record.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// serde_json's message, including the column within the line.
    #[error("malformed JSON: {0}")]
    Malformed(String),
    #[error("not a JSON object")]
    NotObject,
    #[error("no field \"{0}\"")]
    MissingField(String),
    /// `found` is one of "a number", "null", "an array", "an object",
    /// "a boolean".
    #[error("field \"{field}\" is {found}, not a string")]
    NotString { field: String, found: &'static str },
    #[error("field \"{0}\" appears more than once")]
    DuplicateField(String),
}

/// The line of `record` with its text value replaced by an empty string: its
/// metadata alone, cheap to parse again.
pub fn without_text(line: &str, record: &Record) -> String {
    let mut out = String::new();
    splice_text(line, record, "", &mut out);
    out
}

/// The value of a top-level string field of a JSONL line, if the line is an
/// object that has one (used for metadata such as a record's URL).
pub fn string_field(line: &str, field: &str) -> Option<String> {
    let body = line.strip_suffix('\r').unwrap_or(line);
    let map: std::collections::BTreeMap<std::borrow::Cow<str>, &RawValue> =
        serde_json::from_str(body).ok()?;
    serde_json::from_str::<String>(map.get(field)?.get()).ok()
}

/// True if the line holds nothing but JSON white space (space, tab, CR,
/// LF), including the empty line. Such lines are not records; the caller
/// skips and counts them.
pub fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Parses one JSONL line (without its line terminator) and finds the
/// string field `text_field` at the top level of its object.
///
/// A trailing '\r' (from CRLF files) is tolerated and never part of the
/// span. Keys are compared after decoding, so `"te\u0078t"` is the key
/// `text`. The whole line must be valid JSON: syntax errors are reported
/// as [`RecordError::Malformed`] even when the text field itself is fine,
/// and take precedence over the other errors.
pub fn parse_record(line: &str, text_field: &str) -> Result<Record, RecordError> {
    let body = line.strip_suffix('\r').unwrap_or(line);

    let mut de = serde_json::Deserializer::from_str(body);
    let scan = de
        .deserialize_any(TopVisitor { text_field })
        .map_err(|e| RecordError::Malformed(e.to_string()))?;
    // Rejects anything after the object other than white space.
    de.end().map_err(|e| RecordError::Malformed(e.to_string()))?;

    let raw = match scan {
        Scan::NotObject => return Err(RecordError::NotObject),
        Scan::Object { duplicate: true, .. } => {
            return Err(RecordError::DuplicateField(text_field.to_owned()))
        }
        Scan::Object { text: None, .. } => return Err(RecordError::MissingField(text_field.to_owned())),
        Scan::Object { text: Some(raw), .. } => raw.get(),
    };

    if let Some(found) = non_string_kind(raw) {
        return Err(RecordError::NotString {
            field: text_field.to_owned(),
            found,
        });
    }

    // The raw value is a sub-slice of `body` (serde_json borrows it from the
    // input), so its offset is the difference of the two pointers. Checked
    // all the same, as a wrong span would corrupt the output.
    let text_span = (raw.as_ptr() as usize)
        .checked_sub(body.as_ptr() as usize)
        .map(|start| start..start + raw.len())
        .filter(|span| body.get(span.clone()).map(str::as_ptr) == Some(raw.as_ptr()))
        .ok_or_else(|| RecordError::Malformed("text value not found in line".to_owned()))?;
    let start = text_span.start;

    // Skipping over a string checks its syntax but not that its \u escapes
    // pair up into real characters; decoding does, so its errors are still
    // malformed JSON, reported at their place in the line.
    let text =
        serde_json::from_str::<String>(raw).map_err(|e| RecordError::Malformed(relocate(&e, start)))?;

    Ok(Record { text, text_span })
}

/// Writes `line` with the text value replaced by `new_text` (JSON-escaped
/// by serde_json) into `out`, appending to what is already there. Every
/// byte outside `record.text_span` is copied unchanged, including a
/// trailing '\r' if `line` has one.
///
/// # Panics
///
/// If `record` did not come from `parse_record` on this same `line` (its
/// span does not fit the line). That is a bug in the caller, not bad input.
pub fn splice_text(line: &str, record: &Record, new_text: &str, out: &mut String) {
    let (before, after) = (&line[..record.text_span.start], &line[record.text_span.end..]);
    // Serialising a &str into memory has no failure path: the writer is a
    // Vec and every &str is valid UTF-8. So this cannot fire, whatever the
    // text.
    let literal = serde_json::to_string(new_text).expect("serialising a str cannot fail");
    out.reserve(before.len() + literal.len() + after.len());
    out.push_str(before);
    out.push_str(&literal);
    out.push_str(after);
}

/// What the walk over the top-level value found.
enum Scan<'de> {
    NotObject,
    Object {
        /// The first occurrence of the text field, undecoded.
        text: Option<&'de RawValue>,
        duplicate: bool,
    },
}

/// The JSON type of a raw value, if it is not a string.
fn non_string_kind(raw: &str) -> Option<&'static str> {
    // A raw value from serde_json carries no leading white space, so its
    // first byte tells its type.
    match raw.as_bytes().first() {
        Some(b'"') => None,
        Some(b'{') => Some("an object"),
        Some(b'[') => Some("an array"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        _ => Some("a number"),
    }
}

/// Moves the position in an error from decoding the text literal alone to
/// where the literal sits in the line (which is a single line: JSONL).
fn relocate(e: &serde_json::Error, offset: usize) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match msg.strip_suffix(&suffix) {
        Some(core) if e.line() == 1 => {
            format!("{core} at line 1 column {}", e.column() + offset)
        }
        _ => msg,
    }
}

/// Visits the top-level value: an object is scanned for the text field,
/// anything else is still parsed through (so that syntax errors win) and
/// reported as not an object.
struct TopVisitor<'f> {
    text_field: &'f str,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = Scan<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut text = None;
        let mut duplicate = false;
        while let Some(is_text) = map.next_key_seed(KeyIs(self.text_field))? {
            if is_text {
                let raw: &'de RawValue = map.next_value()?;
                if text.is_some() {
                    duplicate = true;
                } else {
                    text = Some(raw);
                }
            } else {
                // Validated but neither kept nor decoded.
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Scan::Object { text, duplicate })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scan::NotObject)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scan::NotObject)
    }
}

/// Deserialises an object key into "is it the text field?", comparing the
/// decoded key without allocating.
struct KeyIs<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    // serde_json hands over escaped keys already decoded, through a scratch
    // buffer; unescaped ones come borrowed and end up here too.
    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(line: &str) -> Result<Record, RecordError> {
        parse_record(line, "text")
    }

    #[test]
    fn metadata_without_text_keeps_every_other_field() {
        let line = r#"{"url":"https://a.example/x","text":"long \"body\"","n":1}"#;
        let meta = without_text(line, &parse(line).unwrap());
        assert_eq!(meta, r#"{"url":"https://a.example/x","text":"","n":1}"#);
        assert_eq!(string_field(&meta, "url").as_deref(), Some("https://a.example/x"));
    }

    fn splice(line: &str, new_text: &str) -> String {
        let rec = parse(line).unwrap();
        let mut out = String::new();
        splice_text(line, &rec, new_text, &mut out);
        out
    }

    /// The parts of `line` around `span`.
    fn outside(line: &str, span: Range<usize>) -> (&str, &str) {
        (&line[..span.start], &line[span.end..])
    }

    #[test]
    fn plain_text_and_span() {
        let line = r#"{"id": 7, "text": "hello", "lang": "en"}"#;
        let rec = parse(line).unwrap();
        assert_eq!(rec.text, "hello");
        assert_eq!(&line[rec.text_span.clone()], r#""hello""#);
    }

    #[test]
    fn escapes_are_decoded() {
        let line = r#"{"text":"a\nb \"q\" caf\u00e9 \ud83d\ude00 \\ \/ \t"}"#;
        let rec = parse(line).unwrap();
        assert_eq!(rec.text, "a\nb \"q\" café 😀 \\ / \t");
        assert_eq!(
            &line[rec.text_span.clone()],
            r#""a\nb \"q\" caf\u00e9 \ud83d\ude00 \\ \/ \t""#
        );
    }

    #[test]
    fn span_counts_bytes_after_multibyte_fields() {
        let line = r#"{"title":"Ελληνικά 😀","text":"x"}"#;
        let rec = parse(line).unwrap();
        assert_eq!(&line[rec.text_span.clone()], r#""x""#);
        assert_eq!(rec.text_span.start, line.len() - 4);
    }

    #[test]
    fn splice_same_text_is_identity_without_escapes() {
        for line in [
            r#"{"text":"plain text, no escapes é 😀"}"#,
            r#"  { "a" : 1.0e3 ,"text" :   "x" , "b":{"c":[1, 2 ,{}]}}  "#,
            r#"{"text":"quote \" backslash \\ newline \n tab \t"}"#,
            r#"{"text":""}"#,
        ] {
            let rec = parse(line).unwrap();
            let mut out = String::new();
            splice_text(line, &rec, &rec.text, &mut out);
            assert_eq!(out, line);
        }
    }

    #[test]
    fn splice_same_text_with_rewritten_escapes() {
        // serde_json writes these escapes differently ('é' raw, '/' bare,
        // the surrogate pair as the character itself).
        let line = r#"{"id":"\u00e9","text":"caf\u00e9 \/ \ud83d\ude00","n":1E3}"#;
        let rec = parse(line).unwrap();
        let out = splice(line, &rec.text);
        assert_ne!(out, line);
        let rec2 = parse(&out).unwrap();
        assert_eq!(rec2.text, rec.text);
        assert_eq!(
            outside(line, rec.text_span.clone()),
            outside(&out, rec2.text_span.clone())
        );
        assert_eq!(&out[rec2.text_span], r#""café / 😀""#);
    }

    #[test]
    fn odd_formatting_survives_a_new_text() {
        let line = "{\"n\": 1.0e3, \"e\": \"\\u00e9\", \"text\": \"old\",\t\"meta\" : {\"deep\": [1, {\"text\": 5}], \"x\":-0.0}, \"z\":  null }";
        let out = splice(line, "brand \"new\"\nline");
        assert_eq!(
            out,
            "{\"n\": 1.0e3, \"e\": \"\\u00e9\", \"text\": \"brand \\\"new\\\"\\nline\",\t\"meta\" : {\"deep\": [1, {\"text\": 5}], \"x\":-0.0}, \"z\":  null }"
        );
        assert_eq!(parse(&out).unwrap().text, "brand \"new\"\nline");
    }

    #[test]
    fn splice_appends() {
        let line = r#"{"text":"a"}"#;
        let rec = parse(line).unwrap();
        let mut out = String::from("previous\n");
        splice_text(line, &rec, "b", &mut out);
        assert_eq!(out, "previous\n{\"text\":\"b\"}");
    }

    #[test]
    fn control_characters_are_escaped() {
        let out = splice(r#"{"text":"a"}"#, "\u{0}\u{1f}\u{7f}\u{2028}");
        assert_eq!(parse(&out).unwrap().text, "\u{0}\u{1f}\u{7f}\u{2028}");
        assert!(!out.contains('\u{0}'));
    }

    #[test]
    fn trailing_cr() {
        let line = "{\"text\":\"crlf\"} \r";
        let rec = parse(line).unwrap();
        assert_eq!(rec.text, "crlf");
        assert_eq!(&line[rec.text_span.clone()], "\"crlf\"");
        let out = splice(line, "new");
        assert_eq!(out, "{\"text\":\"new\"} \r");
        assert_eq!(parse("{\"text\":\"a\"}\r").unwrap().text, "a");
    }

    #[test]
    fn escaped_keys_match() {
        let rec = parse(r#"{"te\u0078t":"found"}"#).unwrap();
        assert_eq!(rec.text, "found");
        assert_eq!(
            parse(r#"{"text":"a","te\u0078t":"b"}"#).unwrap_err(),
            RecordError::DuplicateField("text".into())
        );
        // A key that only looks similar.
        assert_eq!(
            parse(r#"{"text ":"a"}"#).unwrap_err(),
            RecordError::MissingField("text".into())
        );
    }

    #[test]
    fn other_field_name() {
        let line = r#"{"text":1,"content":"here","body":"no"}"#;
        let rec = parse_record(line, "content").unwrap();
        assert_eq!(rec.text, "here");
        let rec = parse_record(r#"{"caf\u00e9":"x"}"#, "café").unwrap();
        assert_eq!(rec.text, "x");
    }

    #[test]
    fn nested_field_of_same_name_is_ignored() {
        let line = r#"{"meta":{"text":"inner"},"text":"outer","list":[{"text":"z"}]}"#;
        assert_eq!(parse(line).unwrap().text, "outer");
        assert_eq!(
            parse(r#"{"meta":{"text":"inner"}}"#).unwrap_err(),
            RecordError::MissingField("text".into())
        );
    }

    #[test]
    fn error_malformed() {
        for line in [
            "",
            "{",
            r#"{"text":"a""#,
            r#"{"text":"a",}"#,
            r#"{"text":"a"} x"#,
            r#"{"text":"a"}{}"#,
            r#"{"text":'a'}"#,
            r#"{"text":"a","n":01}"#,
            r#"{"text":"a","n":NaN}"#,
            "{\"text\":\"raw\ttab\"}",
            r#"{"text":"bad \x escape"}"#,
            "[1, 2",
            "nul",
            "\u{feff}{\"text\":\"bom\"}",
        ] {
            match parse(line) {
                Err(RecordError::Malformed(msg)) => {
                    assert!(msg.contains("column"), "{line:?}: {msg}")
                }
                other => panic!("{line:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_message_is_serde_json_s() {
        let line = r#"{"id":1,  "text":"a",}"#;
        let expected = serde_json::from_str::<serde_json::Value>(line)
            .unwrap_err()
            .to_string();
        assert_eq!(parse(line).unwrap_err(), RecordError::Malformed(expected));
        assert_eq!(
            parse(line).unwrap_err().to_string(),
            "malformed JSON: trailing comma at line 1 column 22"
        );
    }

    #[test]
    fn lone_surrogate_in_text_is_malformed_at_its_column() {
        // Only decoding the text catches these; the column must still be
        // the one serde_json gives for the whole line.
        for line in [
            r#"{"id":"é","text":"ab\ud800"}"#,
            r#"{"id":"é","text":"ab\udc00cd"}"#,
            r#"{"text":"\ud83d\u0041"}"#,
        ] {
            let expected = serde_json::from_str::<serde_json::Value>(line)
                .unwrap_err()
                .to_string();
            assert_eq!(parse(line).unwrap_err(), RecordError::Malformed(expected));
        }
    }

    #[test]
    fn lone_surrogate_in_other_field_is_kept() {
        // JSON's grammar allows it; only decoding would object, and other
        // fields are never decoded, just carried over.
        let line = r#"{"other":"\ud800","text":"a"}"#;
        assert_eq!(splice(line, "b"), r#"{"other":"\ud800","text":"b"}"#);
    }

    #[test]
    fn malformed_wins_over_other_errors() {
        for line in [
            r#"{"text":"a","text":"b",}"#,
            r#"{"text":1,}"#,
            r#"{"other":1,}"#,
            r#"[1,]"#,
        ] {
            assert!(matches!(parse(line), Err(RecordError::Malformed(_))), "{line}");
        }
    }

    #[test]
    fn error_not_object() {
        for line in [
            "[]",
            "[1, {\"text\":\"a\"}]",
            "\"text\"",
            "3",
            "-1.5e3",
            "null",
            "true",
            " false ",
        ] {
            assert_eq!(parse(line).unwrap_err(), RecordError::NotObject, "{line}");
        }
        assert_eq!(RecordError::NotObject.to_string(), "not a JSON object");
    }

    #[test]
    fn error_missing_field() {
        let err = parse(r#"{"txt":"a"}"#).unwrap_err();
        assert_eq!(err, RecordError::MissingField("text".into()));
        assert_eq!(err.to_string(), "no field \"text\"");
        assert_eq!(parse("{}").unwrap_err(), RecordError::MissingField("text".into()));
    }

    #[test]
    fn error_not_string() {
        for (value, found) in [
            ("12", "a number"),
            ("-0.5e-3", "a number"),
            ("null", "null"),
            ("[\"a\"]", "an array"),
            ("{\"a\":1}", "an object"),
            ("true", "a boolean"),
            ("false", "a boolean"),
        ] {
            let line = format!("{{\"text\": {value} }}");
            let err = parse(&line).unwrap_err();
            assert_eq!(
                err,
                RecordError::NotString {
                    field: "text".into(),
                    found
                },
                "{line}"
            );
            assert_eq!(
                err.to_string(),
                format!("field \"text\" is {found}, not a string")
            );
        }
    }

    #[test]
    fn error_duplicate_field() {
        let err = parse(r#"{"text":"a","id":1,"text":"b"}"#).unwrap_err();
        assert_eq!(err, RecordError::DuplicateField("text".into()));
        assert_eq!(err.to_string(), "field \"text\" appears more than once");
        // Also when one of them is not a string.
        assert_eq!(
            parse(r#"{"text":null,"text":"b"}"#).unwrap_err(),
            RecordError::DuplicateField("text".into())
        );
        // Duplicates of other fields are not our business.
        assert_eq!(parse(r#"{"a":1,"a":2,"text":"t"}"#).unwrap().text, "t");
    }

    #[test]
    fn malformed_display() {
        let err = RecordError::Malformed("EOF while parsing a value at line 1 column 0".into());
        assert_eq!(
            err.to_string(),
            "malformed JSON: EOF while parsing a value at line 1 column 0"
        );
    }

    #[test]
    fn string_field_reads_top_level_strings_only() {
        let line = r#"{"text": "x", "url": "https://a.example/p", "n": 3, "o": {"url": "inner"}}"#;
        assert_eq!(string_field(line, "url").as_deref(), Some("https://a.example/p"));
        assert_eq!(string_field(line, "n"), None);
        assert_eq!(string_field(line, "missing"), None);
        assert_eq!(string_field("not json", "url"), None);
    }

    #[test]
    fn blank_lines() {
        assert!(is_blank(""));
        assert!(is_blank("   "));
        assert!(is_blank(" \t \r"));
        assert!(!is_blank("{}"));
        assert!(!is_blank(" x "));
        assert!(!is_blank("\u{a0}"));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // serde_json skips over values without recursing.
        let deep = format!("{}0{}", "[{\"k\":".repeat(50_000), "}]".repeat(50_000));
        let line = format!("{{\"d\":{deep},\"text\":\"a\"}}");
        assert_eq!(splice(&line, "b"), line.replacen("\"a\"", "\"b\"", 1));
        let line = format!("{{\"text\":{deep}}}");
        assert!(matches!(
            parse(&line),
            Err(RecordError::NotString {
                found: "an array",
                ..
            })
        ));
        assert_eq!(parse(&deep).unwrap_err(), RecordError::NotObject);
        let unclosed = "[".repeat(100_000);
        assert!(matches!(parse(&unclosed), Err(RecordError::Malformed(_))));
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Line {
        before: String,
        text: String,
        after: String,
        n: i64,
    }

    proptest! {
        #[test]
        fn prop_splice_round_trip(
            t in any::<String>(),
            u in any::<String>(),
            before in any::<String>(),
            after in any::<String>(),
            n in any::<i64>(),
        ) {
            let line = serde_json::to_string(&Line { before: before.clone(), text: t.clone(), after: after.clone(), n }).unwrap();
            let rec = parse(&line).unwrap();
            prop_assert_eq!(&rec.text, &t);

            let mut out = String::new();
            splice_text(&line, &rec, &u, &mut out);
            let rec2 = parse(&out).unwrap();
            prop_assert_eq!(&rec2.text, &u);
            prop_assert_eq!(outside(&line, rec.text_span.clone()), outside(&out, rec2.text_span.clone()));
            let back: Line = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(back, Line { before, text: u, after, n });

            // serde_json wrote the original literal, so putting the same
            // text back reproduces the line exactly.
            let mut same = String::new();
            splice_text(&line, &rec, &t, &mut same);
            prop_assert_eq!(same, line);
        }

        #[test]
        fn prop_never_panics(line in any::<String>()) {
            let _ = parse(&line);
            let _ = is_blank(&line);
        }

        #[test]
        fn prop_never_panics_on_near_json(
            prefix in "[ {}\\[\\]\":,a-z0-9\\\\]{0,12}",
            suffix in "[ {}\\[\\]\":,a-z0-9\\\\u]{0,12}",
        ) {
            let line = format!("{prefix}\"text\"{suffix}");
            if let Ok(rec) = parse(&line) {
                let mut out = String::new();
                splice_text(&line, &rec, "new", &mut out);
                prop_assert_eq!(parse(&out).map(|r| r.text), Ok("new".to_owned()));
            }
        }
    }
}
