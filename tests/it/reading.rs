//! The reading loop in the real binary, driven in tmux from a cold start (no cache): `n` reads
//! one article after another, on into the next publication when one runs out.

use std::time::Duration;

use crate::reader::{SignedIn, signed_in, start_reader};

#[test]
fn tmux_reads_three_articles_with_n_from_a_cold_start_then_goes_on_to_cnn() {
    let Some(SignedIn {
        _server,
        _gh,
        home,
        config,
    }) = signed_in("gho_TESTTOKEN0014")
    else {
        return;
    };
    let token = [("NEWSROOM_GITHUB_TOKEN", "gho_TESTTOKEN0014")];
    let t = start_reader("reading", (100, 30), home.path(), &config, &token);
    let s = t.wait_text("Storm Ophelia brings gales", Duration::from_secs(15));
    assert!(
        s.contains("Unread") && s.contains("Starred"),
        "the views are listed:\n{s}"
    );
    t.wait_text("Signed in as @octocat", Duration::from_secs(10));

    // Each `n` opens the next unread article: its text shows in the article pane.
    let bodies = [
        "Gales of up to 90mph are expected",
        "The hall reopens after a five-year restoration",
        "A family bakery has been named the best",
    ];
    for (i, body) in bodies.iter().enumerate() {
        t.keys(&["n"]);
        let s = t.wait_text(body, Duration::from_secs(10));
        for other in bodies.iter().filter(|b| *b != body) {
            assert!(!s.contains(other), "article {i} alone is open:\n{s}");
        }
    }
    // All three read: BBC counts none now, and the Unread view counts CNN's two.
    let s = t.wait_for("BBC to count no unread", Duration::from_secs(5), |s| {
        s.lines()
            .any(|l| l.contains("BBC") && l.contains("3 articles") && !l.contains("unread"))
    });
    assert!(
        s.lines().any(|l| l.contains("Unread") && l.contains(" 2")),
        "the Unread view counts what is left:\n{s}"
    );
    // The fourth goes on to CNN, the next publication with unread articles.
    t.keys(&["n"]);
    let s = t.wait_text("Lunar lander touches down", Duration::from_secs(10));
    t.wait_text("first pictures back", Duration::from_secs(10));
    assert!(s.contains("CNN"), "{s}");
    t.keys(&["q"]);
    t.wait_text("[exit 0]", Duration::from_secs(5));
}
