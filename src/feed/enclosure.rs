//! Enclosures (podcast episodes, videos) and Media RSS, as every reader finds them: RSS
//! `<enclosure>`, Atom `link rel="enclosure"`, JSON Feed `attachments`, and Media RSS
//! `media:content` (alone or inside `media:group`, as video feeds write it). The readers collect
//! [`RawEnclosure`]s; [`finish`] is where they become clean [`Enclosure`]s.
//!
//! Media RSS's `media:description` is kept too: a video feed often has no other text.

use std::collections::BTreeMap;

use super::body::Body;
use super::sanitize::{clean_line, safe_url_from, truncate_chars};
use crate::model::Enclosure;

/// More than any real item carries (a podcast has one, Media RSS a few renditions).
const MAX_ENCLOSURES: usize = 16;
const MAX_MIME_CHARS: usize = 100;
/// The Media RSS namespace, without its trailing slash (feeds write it both ways).
pub(crate) const MEDIA_NS: &str = "http://search.yahoo.com/mrss";

/// An enclosure as a reader found it: untrusted strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawEnclosure {
    pub url: String,
    pub mime: Option<String>,
    pub length: Option<String>,
    /// From Media RSS: `medium="image"` or an `image/*` type is a thumbnail there (news feeds
    /// attach one to every story), not something to play.
    pub from_media: bool,
    pub medium: Option<String>,
}

/// What Media RSS adds to an item.
#[derive(Debug, Default)]
pub(crate) struct Media {
    pub enclosures: Vec<RawEnclosure>,
    pub description: Option<Body>,
}

/// The clean enclosures of an item: http(s) URLs only (relative ones resolved against
/// `base`), thumbnails from Media RSS left out, each URL once, at most [`MAX_ENCLOSURES`].
pub(crate) fn finish(raw: Vec<RawEnclosure>, base: Option<&str>) -> Vec<Enclosure> {
    let mut out: Vec<Enclosure> = Vec::new();
    for e in raw {
        if out.len() >= MAX_ENCLOSURES {
            break;
        }
        let mime = e
            .mime
            .as_deref()
            .map(|m| truncate_chars(clean_line(m).to_ascii_lowercase(), MAX_MIME_CHARS))
            .filter(|m| m.contains('/') && !m.contains(' '));
        let image = e
            .medium
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("image"))
            || mime.as_deref().is_some_and(|m| m.starts_with("image/"));
        if e.from_media && image {
            continue;
        }
        let Some(url) = safe_url_from(e.url.trim(), base) else {
            continue;
        };
        if out.iter().any(|o| o.url == url) {
            continue;
        }
        let length = e
            .length
            .as_deref()
            .and_then(|l| l.trim().parse::<u64>().ok())
            .filter(|l| *l > 0);
        out.push(Enclosure { url, mime, length });
    }
    out
}

/// The prefix a document binds to the Media RSS namespace (`media` unless it says otherwise).
pub(crate) fn media_prefix(namespaces: &BTreeMap<String, String>) -> String {
    namespaces
        .iter()
        .find(|(_, uri)| uri.trim().trim_end_matches('/') == MEDIA_NS)
        .map_or_else(|| "media".to_owned(), |(prefix, _)| prefix.clone())
}

/// The two crates' extension elements have the same shape under different types.
pub(crate) trait Ext {
    fn attr(&self, name: &str) -> Option<&str>;
    fn text(&self) -> Option<&str>;
    fn children_named(&self, name: &str) -> &[Self]
    where
        Self: Sized;
}

macro_rules! impl_ext {
    ($t:ty) => {
        impl Ext for $t {
            fn attr(&self, name: &str) -> Option<&str> {
                // Feeds write `fileSize` and `filesize` alike.
                self.attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            }
            fn text(&self) -> Option<&str> {
                self.value.as_deref()
            }
            fn children_named(&self, name: &str) -> &[Self] {
                self.children.get(name).map_or(&[], Vec::as_slice)
            }
        }
    };
}
impl_ext!(rss::extension::Extension);
impl_ext!(atom_syndication::extension::Extension);

/// Media RSS in one item's extensions (the map of the media prefix: local name to elements).
pub(crate) fn media_from_ext<E: Ext>(media: Option<&BTreeMap<String, Vec<E>>>) -> Media {
    let mut out = Media::default();
    let Some(media) = media else {
        return out;
    };
    let top = |name: &str| media.get(name).map_or(&[][..], Vec::as_slice);
    let groups = top("group");
    let contents = top("content")
        .iter()
        .chain(groups.iter().flat_map(|g| g.children_named("content")));
    for c in contents {
        if let Some(url) = c.attr("url") {
            out.enclosures.push(RawEnclosure {
                url: url.to_owned(),
                mime: c.attr("type").map(str::to_owned),
                length: c.attr("filesize").map(str::to_owned),
                from_media: true,
                medium: c.attr("medium").map(str::to_owned),
            });
        }
    }
    let description = top("description")
        .iter()
        .chain(groups.iter().flat_map(|g| g.children_named("description")))
        .chain(
            top("content")
                .iter()
                .flat_map(|c| c.children_named("description")),
        )
        .find(|d| d.text().is_some_and(|t| !t.trim().is_empty()));
    out.description = description.map(|d| description_body(d.attr("type"), d.text().unwrap_or("")));
    out
}

/// `media:description` by its `type`: `plain` (the default) or `html`.
pub(crate) fn description_body(kind: Option<&str>, text: &str) -> Body {
    if kind.is_some_and(|k| k.trim().eq_ignore_ascii_case("html")) {
        Body::html(text)
    } else {
        Body::text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(url: &str, mime: Option<&str>, length: Option<&str>) -> RawEnclosure {
        RawEnclosure {
            url: url.into(),
            mime: mime.map(Into::into),
            length: length.map(Into::into),
            ..RawEnclosure::default()
        }
    }

    #[test]
    fn cleaned_resolved_deduplicated_and_thumbnails_left_out() {
        let got = finish(
            vec![
                raw("ep1.mp3", Some(" Audio/MPEG "), Some(" 1234 ")),
                raw("https://cdn.example/ep1.mp3", Some("audio/mpeg"), None),
                raw("javascript:alert(1)", None, None),
                raw(
                    "https://cdn.example/x\u{1b}[31m.mp4",
                    Some("video/mp4\u{1b}]0;t\u{7}"),
                    Some("0"),
                ),
                RawEnclosure {
                    from_media: true,
                    medium: Some("image".into()),
                    ..raw("https://cdn.example/thumb.jpg", None, None)
                },
                RawEnclosure {
                    from_media: true,
                    ..raw("https://cdn.example/t2.jpg", Some("image/jpeg"), None)
                },
                // A feed's own <enclosure> of an image is an enclosure all the same.
                raw("https://cdn.example/cover.jpg", Some("image/jpeg"), None),
            ],
            Some("https://cdn.example/"),
        );
        let urls: Vec<_> = got.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls[0], "https://cdn.example/ep1.mp3");
        assert_eq!(urls.len(), 3, "{urls:?}");
        assert_eq!(got[0].mime.as_deref(), Some("audio/mpeg"));
        assert_eq!(got[0].length, Some(1234));
        assert!(!got[1].url.contains('\u{1b}'), "{:?}", got[1].url);
        assert!(
            got[1].mime.as_deref().is_none_or(|m| !m.contains('\u{1b}')),
            "{:?}",
            got[1].mime
        );
        assert_eq!(got[1].length, None, "a length of 0 means unknown");
        assert_eq!(urls[2], "https://cdn.example/cover.jpg");
    }

    #[test]
    fn capped() {
        let many = (0..100)
            .map(|i| raw(&format!("https://e.example/{i}.mp3"), None, None))
            .collect();
        assert_eq!(finish(many, None).len(), MAX_ENCLOSURES);
    }
}
