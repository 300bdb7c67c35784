//! The JSONL record reader on any line: no panic; a record's text span lies
//! in the line, and splicing its own text back in gives the line a reader
//! parses to the same text, with every other byte unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use textsieve::read::jsonl::{parse_record, splice_text, without_text};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(record) = parse_record(line, "text") else {
        return;
    };
    assert!(record.text_span.end <= line.len());
    let mut spliced = String::new();
    splice_text(line, &record, &record.text, &mut spliced);
    let again = parse_record(&spliced, "text").expect("a spliced record parses");
    assert_eq!(again.text, record.text);
    assert_eq!(&spliced[..again.text_span.start], &line[..record.text_span.start]);
    assert_eq!(&spliced[again.text_span.end..], &line[record.text_span.end..]);
    let _ = without_text(line, &record);
});
