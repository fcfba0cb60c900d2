//! `feed::parse` and `feed::article_text` on real publishers' feeds, hostile input, and the
//! shapes issue 5 is about (encodings, odd dates, lenient XML). No network: fixtures only.

use std::path::Path;

use newsroom::feed::{self, Feed, ParseError};

fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_fixture(rel: &str) -> Feed {
    feed::parse(&fixture(rel), None).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn rfc3339(item: &feed::Item) -> Option<String> {
    item.published.map(|d| d.to_rfc3339())
}

// ---- real feeds ----

#[test]
fn cnn_rss() {
    let f = parse_fixture("feeds/cnn-edition-2014-RssReader.xml");
    assert_eq!(f.title, "CNN.com - Top Stories");
    assert_eq!(
        f.link.as_deref(),
        Some("http://edition.cnn.com/index.html?eref=edition")
    );
    assert_eq!(f.ttl_minutes, Some(10));
    assert_eq!(f.items.len(), 109);
    let first = &f.items[0];
    assert_eq!(first.title, "Sand collapse kills girl at U.S. beach");
    assert_eq!(
        first.link.as_deref(),
        Some("http://edition.cnn.com/2014/08/31/us/oregon-beach-collapse/index.html?eref=edition")
    );
    assert_eq!(
        first.id.as_deref(),
        Some("http://edition.cnn.com/2014/08/31/us/oregon-beach-collapse/index.html")
    );
    // "Sun, 31 Aug 2014 20:38:57 EDT"
    assert_eq!(rfc3339(first).as_deref(), Some("2014-09-01T00:38:57+00:00"));
    assert!(
        first
            .content_html
            .starts_with("A 9-year-old died at an Oregon beach")
    );
    assert!(
        f.items
            .iter()
            .all(|i| i.published.is_some() && i.link.is_some())
    );
}

#[test]
fn guardian_rss() {
    let f = parse_fixture("feeds/guardian-rss-parser.xml");
    assert_eq!(f.title, "The Guardian");
    assert_eq!(f.items.len(), 55);
    let first = &f.items[0];
    assert_eq!(
        first.title,
        "Trump State of the Union address promised unity but emphasized discord"
    );
    assert_eq!(first.author.as_deref(), Some("David Smith in Washington"));
    assert_eq!(rfc3339(first).as_deref(), Some("2018-01-31T07:26:05+00:00"));
    // The body stays HTML; as text it reads as paragraphs.
    assert!(
        first
            .content_html
            .starts_with("<p>The president’s ‘new American moment’")
    );
    let text = feed::article_text(&first.content_html);
    assert!(
        text.starts_with("The president’s ‘new American moment’ speech"),
        "{text}"
    );
    assert!(text.contains("\n\nDonald Trump"), "{text}");
    assert!(!text.contains('<'), "{text}");
}

#[test]
fn slashdot_rdf() {
    let f = parse_fixture("feeds/slashdot-feed-extractor.xml");
    assert_eq!(f.title, "Slashdot");
    assert_eq!(f.link.as_deref(), Some("https://slashdot.org/"));
    assert_eq!(f.items.len(), 3);
    let first = &f.items[0];
    assert_eq!(
        first.title,
        "SpaceX Working With Cloudflare To Speed Up Starlink Service"
    );
    assert_eq!(first.author.as_deref(), Some("BeauHD"));
    assert_eq!(rfc3339(first).as_deref(), Some("2023-08-24T07:00:00+00:00"));
    assert!(first.link.as_deref().is_some_and(|l| l.starts_with(
        "https://tech.slashdot.org/story/23/08/23/2238246/spacex-working-with-cloudflare"
    )));
    assert_eq!(
        f.items[2].title,
        "Amazon Sues Online Stores Selling Pirated DVDs"
    );
}

#[test]
fn bbc_podcast_rss() {
    let f = parse_fixture("feeds/bbc-in-our-time-feed-rs.xml");
    assert_eq!(f.title, "In Our Time");
    assert_eq!(
        f.link.as_deref(),
        Some("http://www.bbc.co.uk/programmes/b006qykl")
    );
    assert_eq!(f.items.len(), 1);
    let item = &f.items[0];
    assert_eq!(item.title, "Marcus Aurelius");
    assert_eq!(item.id.as_deref(), Some("urn:bbc:podcast:m000sjxt"));
    assert_eq!(
        item.link.as_deref(),
        Some("http://www.bbc.co.uk/programmes/m000sjxt")
    );
    assert_eq!(rfc3339(item).as_deref(), Some("2021-02-25T10:15:00+00:00"));
}

#[test]
fn github_atom_with_relative_links() {
    let f = parse_fixture("feeds/github-releases-gulp-rss-parser.xml");
    assert_eq!(f.title, "Release notes from gulp");
    assert_eq!(f.items.len(), 10);
    let first = &f.items[0];
    assert_eq!(first.title, "v3.9.0");
    // href="/gulpjs/gulp/releases/tag/v3.9.0", resolved against the feed's own link.
    assert_eq!(
        first.link.as_deref(),
        Some("https://github.com/gulpjs/gulp/releases/tag/v3.9.0")
    );
    assert_eq!(first.author.as_deref(), Some("contra"));
    assert_eq!(rfc3339(first).as_deref(), Some("2015-06-01T21:49:41+00:00"));
    assert_eq!(feed::article_text(&first.content_html), "3.9.0");
}

#[test]
fn json_feed() {
    let f = parse_fixture("corpus/real/daringfireball-jsonfeed-NetNewsWire.json");
    assert_eq!(f.title, "Daring Fireball");
    assert_eq!(f.items.len(), 48);
    let first = &f.items[0];
    assert_eq!(first.title, "The Talk Show: ‘I Do Like Throwing a Baby’");
    assert_eq!(first.author.as_deref(), Some("John Gruber"));
    assert_eq!(rfc3339(first).as_deref(), Some("2017-06-27T00:54:17+00:00"));
    assert!(
        feed::article_text(&first.content_html).starts_with("New episode of America’s favorite")
    );
}

// ---- encodings ----

#[test]
fn legacy_encodings_declared_and_not() {
    // gb2312, declared; dates written "2020/1/10 14:33:00".
    let f = parse_fixture("corpus/real/kc0011-gb2312-NetNewsWire.xml");
    assert_eq!(
        f.title,
        "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    );
    assert_eq!(f.items[0].title, "建国35周年纪念，华表，和平鸽");
    assert_eq!(
        rfc3339(&f.items[0]).as_deref(),
        Some("2020-01-10T14:33:00+00:00")
    );
    // windows-1251, declared.
    let f = parse_fixture("corpus/real/oren-ru-cp1251-node-feedparser.xml");
    assert_eq!(f.title, "Новости Оренбурга и области / Раздел Новости");
    // Latin-1 with no declaration at all: detected.
    let f = parse_fixture("corpus/real/uol-noticias-rss-parser.xml");
    assert_eq!(f.items.len(), 15);
    assert_eq!(
        f.items[0].title,
        "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    );
    // ISO-8859-1, declared.
    let f = parse_fixture("corpus/real/golem-iso8859-feed-rs.xml");
    assert_eq!(
        f.items[0].title,
        "Digitalministerium: Neue Glasfaserförderung mit Schnellkasse"
    );
}

#[test]
fn utf16_and_utf32_documents() {
    let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>Ünïcödé</title>\
               <item><title>Grüße</title></item></channel></rss>";
    let mut le = vec![0xff, 0xfe];
    le.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    let f = feed::parse(&le, None).expect("UTF-16LE with BOM");
    assert_eq!(
        (f.title.as_str(), f.items[0].title.as_str()),
        ("Ünïcödé", "Grüße")
    );
    let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(
        feed::parse(&be, None).expect("UTF-16BE, no BOM").items[0].title,
        "Grüße"
    );
    let be32: Vec<u8> = doc
        .chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect();
    assert_eq!(
        feed::parse(&be32, None).expect("UTF-32BE").items[0].title,
        "Grüße"
    );
}

#[test]
fn http_charset_is_a_hint_for_undeclared_documents() {
    let doc = b"<rss version=\"2.0\"><channel><title>Caf\xe9 cr\xe8me</title></channel></rss>";
    let f = feed::parse(doc, Some("application/rss+xml; charset=ISO-8859-1")).expect("parses");
    assert_eq!(f.title, "Café crème");
}

// ---- hostile text ----

/// No C0 control but `\n`, no DEL or C1 control, no bidi or invisible formatting control.
fn assert_inert(s: &str, what: &str) {
    for c in s.chars() {
        let bad = (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
        assert!(!bad, "{what} holds U+{:04X}: {s:?}", u32::from(c));
    }
}

fn every_string(f: &Feed) -> Vec<(String, String)> {
    let mut all = vec![("feed title".to_owned(), f.title.clone())];
    all.extend(f.link.clone().map(|l| ("feed link".to_owned(), l)));
    for (n, i) in f.items.iter().enumerate() {
        all.push((format!("item {n} title"), i.title.clone()));
        all.push((
            format!("item {n} text"),
            feed::article_text(&i.content_html),
        ));
        all.extend(i.link.clone().map(|l| (format!("item {n} link"), l)));
        all.extend(i.id.clone().map(|l| (format!("item {n} id"), l)));
        all.extend(i.author.clone().map(|l| (format!("item {n} author"), l)));
    }
    all
}

fn check_hostile(f: &Feed) {
    for (what, s) in every_string(f) {
        assert_inert(&s, &what);
        for payload in [
            "pwned", "ZWNobyBw", "52;c", "]0;", "[31m", "[2J", "]8;;", "aGk=",
        ] {
            assert!(
                !s.contains(payload),
                "{what} still holds escape payload {payload:?}: {s:?}"
            );
        }
    }
    assert_eq!(f.title, "Hostile Feed");
    assert_eq!(f.items.len(), 3);
    let [a, b, c] = &f.items[..] else {
        panic!("three items")
    };
    assert_eq!(a.title, "Breaking news today");
    assert_eq!(a.author.as_deref(), Some("Mallory"));
    assert_eq!(a.link.as_deref(), Some("https://hostile.example/a"));
    let text = feed::article_text(&a.content_html);
    assert!(text.starts_with("Copy this click[1]"), "{text}");
    assert!(
        text.ends_with("[1]: https://hostile.example/more"),
        "{text}"
    );
    assert_eq!(b.title, "Bell and C1 CSI and OSC");
    assert_eq!(b.link, None, "javascript: links are dropped");
    let text = feed::article_text(&b.content_html);
    assert_eq!(text, "Entity-encoded red and clipboard, bidi txt.exe");
    assert_eq!(c.title, "fdp.exe isolate and DCS APC done");
    assert_eq!(c.author.as_deref(), Some("Eve hidden"));
    assert_eq!(c.link.as_deref(), Some("https://hostile.example/c"));
    let text = feed::article_text(&c.content_html);
    // HTML whitespace (a tab, a CR) folds into spaces, as a browser would show it.
    assert_eq!(text, "# Headline\n• one\n• two\n\ntab here carriage");
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let bytes = fixture("feeds/hostile-escapes.xml");
    check_hostile(&feed::parse(&bytes, None).expect("strict path"));
    // The same document made unacceptable to the strict crates (a bare `&`) goes through the
    // lenient reader: it must be just as clean.
    let text = String::from_utf8(bytes).expect("fixture is UTF-8");
    let broken = text.replace(
        "<description>Escapes everywhere",
        "<description>Escapes & everywhere",
    );
    check_hostile(&feed::parse(broken.as_bytes(), None).expect("lenient path"));
}

// ---- HTML to text ----

#[test]
fn html_to_text_rules() {
    let html = r#"
        <h2>Heading &amp; more</h2>
        <p>First paragraph with <a href="https://example.com/a">a link</a> and <b>bold</b>&nbsp;text.</p>
        <p>Second paragraph.<br>After a break.</p>
        <ul><li>apple</li><li>pear</li></ul>
        <ol><li>first</li><li>second</li></ol>
        <blockquote>Quoted words</blockquote>
        <script>alert("never shown")</script><style>p { color: red }</style>
        <img src="cat.png" alt="A cat"><img src="spacer.gif">
        <p>Entities: &lt;tag&gt; &quot;q&quot; &eacute; &#8364; &#x1F600;</p>"#;
    let text = feed::article_text(html);
    let expected = "## Heading & more\n\n\
        First paragraph with a link[1] and bold\u{a0}text.\n\n\
        Second paragraph.\nAfter a break.\n\
        • apple\n• pear\n\
        1. first\n2. second\n\n\
        > Quoted words\n\n\
        [image: A cat][image]\n\n\
        Entities: <tag> \"q\" é € 😀\n\n\
        [1]: https://example.com/a";
    assert_eq!(text, expected);
    assert_eq!(
        feed::article_text_at(r#"<a href="/x">rel</a>"#, Some("https://example.com/a/b")),
        "rel[1]\n\n[1]: https://example.com/x"
    );
}

// ---- issue 5: lenient reading ----

fn parse_str(doc: &str) -> Feed {
    feed::parse(doc.as_bytes(), None).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

#[test]
fn atom_text_constructs_of_any_type() {
    let f = parse_str(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text/html">&lt;b&gt;Feed&lt;/b&gt;</title>
           <entry><title type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml">X<i>HTML</i></div></title>
             <content type="application/octet-stream">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</content></entry>
           <entry><title>Second</title><summary type="text/plain">plain &amp; simple</summary></entry></feed>"#,
    );
    assert_eq!(f.title, "Feed");
    assert_eq!(f.items[0].title, "XHTML");
    assert_eq!(
        feed::article_text(&f.items[0].content_html),
        "Example <b>Atom</b>"
    );
    assert_eq!(
        feed::article_text(&f.items[1].content_html),
        "plain & simple"
    );
}

#[test]
fn one_bad_date_does_not_cost_the_feed() {
    let f = parse_str(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
           <entry><title>bad</title><updated>last Tuesday</updated></entry>
           <entry><title>odd</title><published>mer, 16 nov 2022 10:00:00 GMT+2</published></entry>
           <entry><title>good</title><updated>2024-03-01T12:00:00Z</updated></entry></feed>"#,
    );
    let dates: Vec<_> = f.items.iter().map(rfc3339).collect();
    assert_eq!(
        dates,
        [
            None,
            Some("2022-11-16T08:00:00+00:00".into()),
            Some("2024-03-01T12:00:00+00:00".into())
        ]
    );
}

#[test]
fn rss_without_version_with_prefixes_and_html_entities() {
    let f = parse_str(
        "<rss><channel><title>Caf&eacute;&nbsp;news</title><item><title>A&mdash;B</title>\
         <pubDate>Sat, Dec 16 2023 02:02:33 PM</pubDate></item></channel></rss>",
    );
    assert_eq!(f.title, "Café news");
    assert_eq!(f.items[0].title, "A—B");
    assert_eq!(
        rfc3339(&f.items[0]).as_deref(),
        Some("2023-12-16T14:02:33+00:00")
    );
    let f = parse_str(
        r#"<rss:rss xmlns:rss="http://backend.userland.com/rss2"><rss:channel><rss:title>P</rss:title>
           <rss:item><rss:title>Prefixed</rss:title><rss:link>https://e.com/p</rss:link></rss:item>
           </rss:channel></rss:rss>"#,
    );
    assert_eq!(
        (f.title.as_str(), f.items[0].title.as_str()),
        ("P", "Prefixed")
    );
    assert_eq!(f.items[0].link.as_deref(), Some("https://e.com/p"));
}

#[test]
fn rss_1_0() {
    let f = parse_str(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
           <channel rdf:about="https://e.com/"><title>RDF</title><link>https://e.com/</link></channel>
           <item rdf:about="https://e.com/1"><title>One</title><link>https://e.com/1</link>
             <dc:date>2003-12-31T10:14:55Z</dc:date><dc:creator>Ann</dc:creator></item>
           <item rdf:about="https://e.com/2"><title>Two</title><link>https://e.com/2</link></item></rdf:RDF>"#,
    );
    assert_eq!(f.title, "RDF");
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].author.as_deref(), Some("Ann"));
    assert_eq!(
        rfc3339(&f.items[0]).as_deref(),
        Some("2003-12-31T10:14:55+00:00")
    );
}

#[test]
fn entity_expansion_is_never_performed() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 \"lol\">\n");
    for i in 1..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        doc.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
    }
    doc.push_str("]>\n<rss version=\"2.0\"><channel><title>&lol9;</title><item><title>&lol9; x</title></item></channel></rss>");
    let f = parse_str(&doc);
    assert!(
        f.title.len() < 100,
        "entities were expanded: {} bytes",
        f.title.len()
    );
    assert_eq!(f.items.len(), 1);
}

#[test]
fn huge_titles_are_truncated() {
    let doc = format!(
        "<rss version=\"2.0\"><channel><title>{}</title><item><title>{}</title></item></channel></rss>",
        "t".repeat(10 << 20),
        "word ".repeat(2 << 20)
    );
    let f = parse_str(&doc);
    assert!(f.title.chars().count() <= 1001 && f.title.ends_with('…'));
    assert!(f.items[0].title.chars().count() <= 1001);
}

#[test]
fn deep_nesting_and_broken_markup() {
    let doc = format!(
        "<rss><channel><title>Deep</title><item><title>t</title><description>{}</description></item></channel></rss>",
        "<div>".repeat(200_000)
    );
    let f = parse_str(&doc);
    assert_eq!(f.items.len(), 1);
    let truncated =
        "<rss version=\"2.0\"><channel><title>Cut</title><item><title>One</title></item><item><tit";
    let f = parse_str(truncated);
    assert_eq!(f.title, "Cut");
    assert_eq!(f.items[0].title, "One");
}

#[test]
fn items_without_titles_get_one() {
    let f = parse_str(
        "<rss version=\"2.0\"><channel><link>https://e.com/</link>\
         <item><description>&lt;p&gt;Only a &lt;b&gt;description&lt;/b&gt; here.&lt;/p&gt;</description></item>\
         <item><link>/news/42</link></item></channel></rss>",
    );
    assert_eq!(f.items[0].title, "Only a description here.");
    assert_eq!(f.items[1].title, "e.com/news/42");
    assert_eq!(f.items[1].link.as_deref(), Some("https://e.com/news/42"));
}

#[test]
fn relative_links_resolve_against_the_document_url() {
    let doc = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>x</title><link href=\"p/1\"/></entry></feed>";
    let f = feed::parse_at(doc, None, Some("https://e.com/blog/feed.xml")).expect("parses");
    assert_eq!(f.items[0].link.as_deref(), Some("https://e.com/blog/p/1"));
    assert_eq!(feed::parse(doc, None).expect("parses").items[0].link, None);
}

// ---- errors ----

#[test]
fn html_pages_and_junk_get_clear_one_line_errors() {
    let page =
        b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body>Welcome</body></html>";
    let err = feed::parse(page, Some("text/html; charset=utf-8")).expect_err("not a feed");
    assert!(matches!(err, ParseError::NotAFeed(_)));
    assert_eq!(err.to_string(), "this is an HTML page, not a feed");
    for junk in [
        &b"\x1b[31m\x00\xff\xfe garbage"[..],
        b"",
        b"{\"a\":1}",
        b"<svg/>",
        b"{\"items\":",
    ] {
        let msg = feed::parse(junk, None).expect_err("junk").to_string();
        assert!(!msg.is_empty() && msg.chars().count() < 120, "{msg}");
        assert_inert(&msg, "error message");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

// ---- fuzz regressions ----

/// Runs `f` on a 1 MB stack (smaller than a runtime worker's) with a time limit.
fn bounded<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("thread starts");
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{name}: panicked, overflowed or took over 30 s"))
}

/// Every input kept under tests/fixtures/fuzz (crashes, hangs and stack overflows found by
/// scripts/fuzz.sh or by hand) must now parse and render cleanly.
#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut seen = 0;
    for target in ["feed", "html"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir.join(target))
            .expect("fuzz fixture folder")
            .map(|e| e.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).expect("fixture is readable");
            let texts = bounded(&name, move || match target {
                "feed" => match feed::parse(&bytes, None) {
                    Ok(f) => {
                        let mut all = vec![f.title.clone()];
                        for i in &f.items {
                            all.push(i.title.clone());
                            all.push(feed::article_text(&i.content_html));
                        }
                        all
                    }
                    Err(e) => vec![e.to_string()],
                },
                _ => vec![feed::article_text(&String::from_utf8_lossy(&bytes))],
            });
            for t in &texts {
                assert_inert(t, &name);
            }
            seen += 1;
        }
    }
    assert!(seen >= 7, "the regression inputs were found ({seen})");
}
