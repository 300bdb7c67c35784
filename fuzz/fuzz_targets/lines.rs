//! The line splitter on any text, with and without a line length limit:
//! spans tile the text in order, no span is longer than the limit, and
//! keeping every line puts the text back together byte for byte (a text with
//! no line at all, only a BOM, assembles to nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use textsieve::doc::Lines;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the limit (4 to 67 bytes, or none).
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let max = if first < 128 {
        usize::from(first % 64) + 4
    } else {
        usize::MAX
    };
    let lines = Lines::split_at_most(text, max);
    let mut at = if lines.bom { 3 } else { 0 };
    for span in &lines.spans {
        assert_eq!(span.start, at);
        assert!(span.start <= span.end && span.end <= span.next && span.next <= text.len());
        assert!(span.end - span.start <= max);
        assert!(!text[span.start..span.end].contains('\n'));
        at = span.next;
    }
    assert_eq!(at, text.len());
    let mut out = String::new();
    lines.assemble(text, |_| true, None, &mut out);
    if lines.spans.is_empty() {
        // Nothing but a BOM: a document with no line is dropped, BOM and all.
        assert!(out.is_empty());
    } else {
        assert_eq!(out, text);
    }
});
