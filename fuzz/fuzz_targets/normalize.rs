//! The normalizer on any text: no panic, and its documented properties hold
//! (single spaces, no space at either end, the char count it returns, and a
//! second pass changing nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use textsieve::normalize::{normalize_into, Digits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for digits in [Digits::Ascii, Digits::Masked] {
        let mut once = String::new();
        let chars = normalize_into(text, digits, &mut once);
        assert_eq!(chars, once.chars().count());
        assert!(
            !once.contains("  ") && !once.starts_with(' ') && !once.ends_with(' '),
            "{once:?}"
        );
        let mut twice = String::new();
        normalize_into(&once, digits, &mut twice);
        assert_eq!(once, twice, "not idempotent on {text:?}");
    }
});
