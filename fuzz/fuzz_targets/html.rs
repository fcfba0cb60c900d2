//! Arbitrary text → `feed::article_text`: must not panic, hang or let a control character
//! through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsroom::feed;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let text = feed::article_text(&html);
    for c in text.chars() {
        assert!(
            !((c < ' ' && c != '\n')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "U+{:04X} in {text:?}",
            u32::from(c)
        );
    }
    let line = feed::sanitize::clean_line(&html);
    assert!(!line.contains('\n'));
});
