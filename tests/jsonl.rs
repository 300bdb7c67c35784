//! JSONL in and out: only the text field changes, other fields and the file's
//! compression survive, records are kept in order, bad records are skipped with
//! their line number.

use std::io::{Read, Write};

use crate::util::{assert_accounting, TestDir};

const BODY: &str = "The council approved the new transport budget after a long debate.";
const OTHER: &str = "Officials expect a final vote on the remaining items later this month.";

fn records() -> String {
    [
        format!(r#"{{"id": 1, "text": "{BODY}\n{OTHER}", "meta": {{"score": 1.0e3, "tag": "caf\u00e9"}}}}"#),
        format!(r#"{{"text":"Intro line for the second record here.\n{BODY}","id":2,"url":"https://example.com/a"}}"#),
        format!(r#"{{"id": 3, "text": "{BODY}\n{OTHER}"}}"#),
        r#"{"id": 4, "text": "Fine record.\r\nWith CRLF inside its text."}"#.to_string(),
    ]
    .join("\n")
        + "\n"
}

fn check_round_trip(ext: &str, compress: fn(&[u8]) -> Vec<u8>, decompress: fn(&[u8]) -> Vec<u8>) {
    let t = TestDir::new();
    t.write(&format!("in/data.{ext}"), compress(records().as_bytes()));
    t.run(&["clean", &format!("in/data.{ext}"), "-o", "out", "-q"])
        .ok();
    let out = String::from_utf8(decompress(&t.read(&format!("out/data.{ext}")))).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "record 3 is a duplicate document:\n{out}");
    // Record 1 untouched byte for byte, including odd number formatting and escapes.
    assert_eq!(lines[0], records().lines().next().unwrap());
    // Record 2 loses its duplicated paragraph; every other byte stays.
    assert_eq!(
        lines[1],
        r#"{"text":"Intro line for the second record here.","id":2,"url":"https://example.com/a"}"#
    );
    assert!(lines[2].contains(r#""id": 4"#));
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["removed"]["dup_doc"]["docs"], 1);
    assert_eq!(stats["removed"]["dup_across_docs"]["lines"], 1);
    assert_accounting(&stats);
}

#[test]
fn plain_jsonl_round_trip_keeps_other_fields() {
    check_round_trip("jsonl", |b| b.to_vec(), |b| b.to_vec());
}

#[test]
fn gzip_jsonl_comes_out_gzip() {
    check_round_trip(
        "jsonl.gz",
        |b| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b).unwrap();
            e.finish().unwrap()
        },
        |b| {
            let mut s = Vec::new();
            flate2::read::MultiGzDecoder::new(b).read_to_end(&mut s).unwrap();
            s
        },
    );
}

#[test]
fn zstd_jsonl_comes_out_zstd() {
    check_round_trip(
        "jsonl.zst",
        |b| zstd::encode_all(b, 3).unwrap(),
        |b| zstd::decode_all(b).unwrap(),
    );
}

#[test]
fn stdin_jsonl_is_read_and_written_as_stdin_jsonl() {
    let t = TestDir::new();
    t.run_with_stdin(&["clean", "-", "-o", "out", "-q"], Some(records().as_bytes()))
        .ok();
    assert_eq!(t.read_str("out/stdin.jsonl").lines().count(), 3);
    assert!(!t
        .tree("out")
        .keys()
        .any(|p| p.to_string_lossy().contains("stdin.jsonl.")));
}

#[test]
fn bad_records_are_skipped_with_their_line_and_counted() {
    let t = TestDir::new();
    let data = [
        format!(r#"{{"text": "{BODY}"}}"#),
        "{not json".to_string(),
        r#"{"title": "no text field"}"#.to_string(),
        r#"{"text": 42}"#.to_string(),
        "[1, 2]".to_string(),
        String::new(),
        format!(r#"{{"text": "{OTHER}"}}"#),
    ]
    .join("\n");
    t.write("in.jsonl", data);
    let run = t.run(&["clean", "in.jsonl", "-o", "out"]).ok();
    for line in [2, 3, 4, 5] {
        assert!(
            run.stderr().contains(&format!("skipped in.jsonl:{line}:")),
            "{}",
            run.stderr()
        );
    }
    let stats = t.stats("out/stats.json");
    assert_eq!(stats["skipped"]["total"], 4);
    assert_eq!(stats["skipped"]["by_reason"]["malformed_json"], 1);
    assert_eq!(stats["skipped"]["by_reason"]["missing_text_field"], 1);
    assert_eq!(stats["skipped"]["by_reason"]["text_not_a_string"], 1);
    assert_eq!(stats["skipped"]["by_reason"]["not_an_object"], 1);
    assert_eq!(stats["input"]["docs"], 2);
    assert_eq!(t.read_str("out/in.jsonl").lines().count(), 2);

    let strict = t.run(&["clean", "in.jsonl", "-o", "out2", "--strict"]);
    assert_eq!(strict.code(), 2);
    assert!(strict.stderr().contains("in.jsonl:2"), "{}", strict.stderr());
    assert!(!t.path("out2").exists(), "--strict failure must leave no output");
}

#[test]
fn a_custom_text_field_is_used() {
    let t = TestDir::new();
    t.write(
        "in.jsonl",
        format!("{{\"body\": \"{BODY}\\n{BODY}\", \"text\": \"x\"}}\n"),
    );
    t.run(&["clean", "in.jsonl", "-o", "out", "--text-field", "body", "-q"])
        .ok();
    assert_eq!(
        t.read_str("out/in.jsonl"),
        format!("{{\"body\": \"{BODY}\", \"text\": \"x\"}}\n")
    );
}
