//! Bytes → `feed::parse` → every item's text: must not panic, hang or let a control character
//! through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsroom::feed;

fn assert_inert(s: &str) {
    for c in s.chars() {
        assert!(
            !((c < ' ' && c != '\n')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "U+{:04X} in {s:?}",
            u32::from(c)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let content_type = match data.first() {
        Some(b) if b % 3 == 0 => Some("application/rss+xml; charset=iso-8859-1"),
        Some(b) if b % 3 == 1 => Some("text/xml; charset=utf-16"),
        _ => None,
    };
    match feed::parse(data, content_type) {
        Ok(f) => {
            assert_inert(&f.title);
            assert!(!f.title.contains('\n'));
            for item in &f.items {
                assert_inert(&item.title);
                assert!(!item.title.is_empty() && !item.title.contains('\n'));
                if let Some(a) = &item.author {
                    assert_inert(a);
                }
                for link in item.link.iter().chain(&f.link) {
                    assert!(link.starts_with("http://") || link.starts_with("https://"));
                    assert!(link.is_ascii());
                }
                assert_inert(&feed::article_text(&item.content_html));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert_inert(&msg);
            assert!(!msg.contains('\n'));
        }
    }
});
