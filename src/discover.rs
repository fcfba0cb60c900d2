//! Feed discovery and `newsroom add URL`: given a site's page rather than its feed, find the
//! feed it advertises with `<link rel="alternate" type="application/rss+xml">` (or Atom, or JSON
//! Feed), the convention every browser and reader follows.
//!
//! [`discover`] is pure and uses html5ever's tokenizer (the HTML5 one `html2text` already
//! brings), so comments, scripts, entity-encoded hrefs and unquoted attributes are read as a
//! browser reads them. [`add_command`] is the IO edge: fetch, parse or discover, then write the
//! config through [`crate::config_edit`].

use std::cell::RefCell;
use std::fmt;
use std::path::Path;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use url::Url;

use crate::config::validate_feed_url;
use crate::config_edit::{self, ConfigEditError};
use crate::feed::{self, sanitize};
use crate::fetch::{FetchError, FetchOutcome, Fetcher, Validators};

/// The `type`s of a feed link (media-type parameters such as `charset` are ignored).
const FEED_TYPES: [&str; 3] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
];
/// More feed links than any real page has; the cap keeps a hostile page's list short.
const MAX_CANDIDATES: usize = 16;
/// `add` fetches at most this many of a page's feed links (to offer the ones that work).
const MAX_TRIES: usize = 6;

// ---- discovery (pure) -------------------------------------------------------------------------

/// The feed URLs an HTML page advertises, absolute, in document order, without repeats. Relative
/// hrefs are resolved against the page's `<base href>` if it has one, else `base_url`; only
/// http(s) results are kept.
#[must_use]
pub fn discover(html: &str, base_url: &Url) -> Vec<String> {
    discover_links(html, base_url)
        .into_iter()
        .map(|l| l.url)
        .collect()
}

/// A feed link on a page: its absolute URL and the `title` the page gives it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
}

/// [`discover`] with each link's title.
#[must_use]
pub(crate) fn discover_links(html: &str, base_url: &Url) -> Vec<FeedLink> {
    let sink = LinkSink::default();
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(sink, TokenizerOpts::default());
    // The sink never asks to pause for a script, so one feed consumes everything.
    let _ = tok.feed(&input);
    tok.end();
    let found = tok.sink.found.into_inner();

    let base = found
        .base
        .as_deref()
        .and_then(|b| base_url.join(b.trim()).ok())
        .unwrap_or_else(|| base_url.clone());
    let mut out: Vec<FeedLink> = Vec::new();
    for (href, title) in found.hrefs {
        let Some(url) = base
            .join(href.trim())
            .ok()
            .and_then(|u| validate_feed_url(u.as_str()).ok())
        else {
            continue;
        };
        if !out.iter().any(|l| l.url == url) {
            let title = title
                .map(|t| sanitize::truncate_chars(sanitize::clean_line(&t), 80))
                .filter(|t| !t.is_empty());
            out.push(FeedLink { url, title });
            if out.len() == MAX_CANDIDATES {
                break;
            }
        }
    }
    out
}

#[derive(Default)]
struct Found {
    /// The first `<base href>`.
    base: Option<String>,
    /// Feed link hrefs as written, with their titles.
    hrefs: Vec<(String, Option<String>)>,
}

#[derive(Default)]
struct LinkSink {
    found: RefCell<Found>,
}

impl TokenSink for LinkSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != StartTag {
            return TokenSinkResult::Continue;
        }
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.to_string())
        };
        match &*tag.name {
            "link" => {
                let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                let ty = attr("type").unwrap_or_default();
                let media = ty
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                let is_feed = rel.split_ascii_whitespace().any(|r| r == "alternate")
                    && FEED_TYPES.contains(&media.as_str());
                let mut found = self.found.borrow_mut();
                if let Some(href) = attr("href").filter(|_| is_feed)
                    && found.hrefs.len() < MAX_CANDIDATES * 4
                {
                    found.hrefs.push((href, attr("title")));
                }
            }
            "base" => {
                let mut found = self.found.borrow_mut();
                if found.base.is_none() {
                    found.base = attr("href");
                }
            }
            // What the HTML tree builder would tell the tokenizer: these elements hold text, not
            // markup, so a `<link>` inside a script or a title is not a link.
            "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                return TokenSinkResult::RawData(RawKind::Rawtext);
            }
            "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => return TokenSinkResult::Plaintext,
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

// ---- `newsroom add URL` (the IO edge) -------------------------------------------------------------

/// What `add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOutcome {
    pub name: String,
    /// The feed's URL, as written to the config.
    pub url: String,
    /// The page the feed was discovered on, if the URL given was a page rather than a feed.
    pub found_on: Option<String>,
}

impl fmt::Display for AddOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Added {} ({})", self.name, self.url)?;
        if let Some(page) = &self.found_on {
            write!(f, ", the feed advertised by {page}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("\"{url}\" {why}")]
    BadUrl { url: String, why: &'static str },
    #[error("{url} is already in the config as \"{name}\"")]
    AlreadyAdded { name: String, url: String },
    #[error("a publication is already named \"{name}\": choose another with --name")]
    NameTaken { name: String },
    #[error("cannot fetch {url}: {source}")]
    Fetch { url: String, source: FetchError },
    #[error("{url} is neither a feed nor a web page ({reason})")]
    NotAFeed { url: String, reason: String },
    #[error(
        "{url} is a web page that advertises no feed (no <link rel=\"alternate\" type=\"application/rss+xml\">); find the feed's own URL and add that"
    )]
    NoFeedLinks { url: String },
    #[error("{url} advertises feeds, but none could be read: {}", .tried.iter().map(|(u, why)| format!("{u}: {why}")).collect::<Vec<_>>().join("; "))]
    NoneReadable {
        url: String,
        tried: Vec<(String, String)>,
    },
    #[error("{url} advertises {} feeds; choose one with --pick N:\n{}", .feeds.len(), numbered(.feeds))]
    SeveralFeeds { url: String, feeds: Vec<Choice> },
    #[error("--pick {pick}: {url} advertises {count} readable feeds (1 to {count})")]
    PickOutOfRange {
        url: String,
        pick: usize,
        count: usize,
    },
    #[error("nothing added")]
    Cancelled,
    #[error(transparent)]
    Config(#[from] ConfigEditError),
}

/// One of several readable feeds a page advertises, as offered to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub url: String,
    /// The page's title for the link, else the feed's own title.
    pub label: String,
    /// The feed's own title (the default name).
    feed_title: String,
}

/// The choices as a numbered list, one per line, for a prompt or an error.
#[must_use]
pub(crate) fn numbered(feeds: &[Choice]) -> String {
    feeds
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  {}. {}  {}", i + 1, c.label, c.url))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks the user to choose among feeds: the index chosen (from 0), or `None` to add nothing.
pub type Ask<'a> = Box<dyn FnOnce(&[Choice]) -> Option<usize> + 'a>;

/// How `add` chooses when a page advertises several readable feeds.
pub enum Pick<'a> {
    /// The Nth of them, counting from 1 (`--pick N`).
    Number(usize),
    /// Ask the user: given the choices, the index chosen (from 0), or `None` to add nothing.
    Ask(Ask<'a>),
    /// No one to ask: fail with the list, so the user can rerun with `--pick N`.
    Refuse,
}

/// `newsroom add URL [--name N] [--pick N]`: if `url` is a feed, add it; if it is a web page,
/// add the feed it advertises, or, when it advertises several that can be read, the one `pick`
/// chooses (a page's first feed is often not the one wanted: "Comments" before "Posts"). The
/// name is `name` if given, else the feed's title, else the host. The config at `config_path`
/// is created (BBC and CNN first) if absent.
pub async fn add_command(
    config_path: &Path,
    fetcher: &Fetcher,
    url: &str,
    name: Option<String>,
    pick: Pick<'_>,
) -> Result<AddOutcome, AddError> {
    let url = validate_feed_url(url).map_err(|why| AddError::BadUrl {
        url: url.trim().to_owned(),
        why,
    })?;
    let existing = config_edit::read_publications(config_path)?;
    // Cleaned and capped as `import` does: the name is shown in the terminal.
    let name = name
        .map(|n| crate::opml::clean_name(n.trim()))
        .filter(|n| !n.is_empty());
    if let Some(n) = &name
        && existing.iter().any(|p| &p.name == n)
    {
        return Err(AddError::NameTaken { name: n.clone() });
    }
    let already = |u: &str| {
        existing
            .iter()
            .find(|p| p.url == u)
            .map(|p| AddError::AlreadyAdded {
                name: p.name.clone(),
                url: u.to_owned(),
            })
    };
    if let Some(e) = already(&url) {
        return Err(e);
    }

    let (body, content_type) = fetch(fetcher, &url).await?;
    let (feed_url, title, found_on) = match feed::parse(&body, content_type.as_deref()) {
        Ok(f) => (url.clone(), f.title, None),
        Err(parse_err) => {
            if !looks_like_html(&body, content_type.as_deref()) {
                return Err(AddError::NotAFeed {
                    url,
                    reason: parse_err.to_string(),
                });
            }
            let page = Url::parse(&url).map_err(|_| AddError::BadUrl {
                url: url.clone(),
                why: "is not a valid URL",
            })?;
            let candidates = discover_links(&String::from_utf8_lossy(&body), &page);
            if candidates.is_empty() {
                return Err(AddError::NoFeedLinks { url });
            }
            // Feeds already in the config are not offered again.
            let mut known = None;
            let mut tried = Vec::new();
            let mut readable: Vec<Choice> = Vec::new();
            for link in candidates {
                if let Some(e) = already(&link.url) {
                    known.get_or_insert(e);
                    continue;
                }
                if tried.len() + readable.len() == MAX_TRIES {
                    break;
                }
                match fetch(fetcher, &link.url).await {
                    Err(AddError::Fetch { source, .. }) => {
                        tried.push((link.url, source.to_string()));
                    }
                    Err(e) => tried.push((link.url, e.to_string())),
                    Ok((b, ct)) => match feed::parse(&b, ct.as_deref()) {
                        Ok(f) => {
                            let feed_title = sanitize::clean_line(&f.title);
                            let label = link
                                .title
                                .clone()
                                .or_else(|| (!feed_title.is_empty()).then(|| feed_title.clone()))
                                .unwrap_or_else(|| host_of(&link.url));
                            readable.push(Choice {
                                url: link.url,
                                label,
                                feed_title,
                            });
                        }
                        Err(e) => tried.push((link.url, e.to_string())),
                    },
                }
            }
            let chosen = match (readable.len(), pick) {
                (0, _) => {
                    return Err(match known {
                        Some(e) => e,
                        _ => AddError::NoneReadable { url, tried },
                    });
                }
                (count, Pick::Number(n)) if n == 0 || n > count => {
                    return Err(AddError::PickOutOfRange {
                        url,
                        pick: n,
                        count,
                    });
                }
                (_, Pick::Number(n)) => n - 1,
                (1, _) => 0,
                (_, Pick::Refuse) => {
                    return Err(AddError::SeveralFeeds {
                        url,
                        feeds: readable,
                    });
                }
                (count, Pick::Ask(ask)) => match ask(&readable) {
                    Some(i) if i < count => i,
                    _ => return Err(AddError::Cancelled),
                },
            };
            let choice = readable.swap_remove(chosen);
            let (feed_url, title) = (choice.url, choice.feed_title);
            (feed_url, title, Some(url))
        }
    };

    let wanted = name.unwrap_or_else(|| {
        let t = sanitize::clean_line(&title);
        let t: String = t.chars().take(crate::opml::MAX_NAME_CHARS).collect();
        if t.is_empty() { host_of(&feed_url) } else { t }
    });
    let report = config_edit::add_publications(config_path, &[(wanted, feed_url.clone())])?;
    match (
        report.added.into_iter().next(),
        report.skipped.into_iter().next(),
    ) {
        (Some((name, url)), _) => Ok(AddOutcome {
            name,
            url,
            found_on,
        }),
        (None, Some(s)) => Err(AddError::AlreadyAdded {
            name: s.existing,
            url: s.url,
        }),
        (None, None) => Err(AddError::AlreadyAdded {
            name: String::new(),
            url: feed_url,
        }),
    }
}

async fn fetch(fetcher: &Fetcher, url: &str) -> Result<(Vec<u8>, Option<String>), AddError> {
    match fetcher.get(url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched {
            body, content_type, ..
        }) => Ok((body, content_type)),
        // Without validators a 304 is the server's mistake; say so rather than guess.
        Ok(FetchOutcome::NotModified { .. }) => Err(AddError::NotAFeed {
            url: url.to_owned(),
            reason: "the server answered 304 Not Modified to a plain request".into(),
        }),
        Err(source) => Err(AddError::Fetch {
            url: url.to_owned(),
            source,
        }),
    }
}

/// A page, not a feed: the server says so, or the document starts like HTML.
fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    if let Some(ct) = content_type {
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media == "text/html" || media == "application/xhtml+xml" {
            return true;
        }
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head")
}

fn host_of(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Feed".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://site.example/blog/post.html").unwrap()
    }

    #[test]
    fn relative_and_absolute_in_document_order() {
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/atom+xml" href="atom.xml" title="Atom">
            <link rel=alternate type="application/rss+xml; charset=utf-8" href=/rss.xml>
            <link rel="Alternate" type="APPLICATION/FEED+JSON" href="https://other.example/feed.json">
            <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head><body></body></html>"#;
        assert_eq!(
            discover(html, &base()),
            [
                "https://site.example/blog/atom.xml",
                "https://site.example/rss.xml",
                "https://other.example/feed.json",
            ]
        );
    }

    #[test]
    fn base_href_entities_and_non_http_schemes() {
        let html = r#"<head><base href="https://cdn.example/x/">
            <link rel="alternate" type="application/rss+xml" href="feed?a=1&amp;b=2">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
            </head>"#;
        assert_eq!(
            discover(html, &base()),
            ["https://cdn.example/x/feed?a=1&b=2"]
        );
    }

    #[test]
    fn links_in_comments_scripts_and_titles_do_not_count() {
        let html = r#"<head><title><link rel="alternate" type="application/rss+xml" href="/t"></title>
            <!-- <link rel="alternate" type="application/rss+xml" href="/c"> -->
            <script>document.write('<link rel="alternate" type="application/rss+xml" href="/s">')</script>
            </head><body><p>No feeds here.</p></body>"#;
        assert!(discover(html, &base()).is_empty());
    }

    #[test]
    fn none_and_garbage() {
        assert!(discover("", &base()).is_empty());
        assert!(discover("<<<>>>&&&\0<link", &base()).is_empty());
    }

    #[test]
    fn candidates_are_capped() {
        let html: String = (0..1000)
            .map(|i| format!("<link rel=alternate type=application/rss+xml href=/f{i}>"))
            .collect();
        let found = discover(&html, &base());
        assert_eq!(found.len(), MAX_CANDIDATES);
        assert_eq!(found[0], "https://site.example/f0");
    }

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html(b"<rss/>", Some("text/html; charset=utf-8")));
        assert!(looks_like_html(b"\n  <!DOCTYPE html><html>", None));
        assert!(!looks_like_html(
            b"<?xml version=\"1.0\"?><rss/>",
            Some("application/xml")
        ));
    }
}
