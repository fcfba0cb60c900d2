//! JSON Feed 1.0 and 1.1 (<https://jsonfeed.org/version/1.1>).
//!
//! Read through `serde_json::Value` rather than typed structs so that one field of the wrong
//! type (a numeric `id`, an `author` that is a string) costs that field, not the feed.

use serde_json::Value;

use super::raw::{Body, RawFeed, RawItem};

/// What a JSON document turned out to be.
pub(crate) enum Json {
    Feed(RawFeed),
    /// Valid JSON, but not a JSON Feed.
    Other,
    /// Not valid JSON; the parser's message.
    Broken(String),
}

pub(crate) fn read(text: &str) -> Json {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Json::Broken(e.to_string()),
    };
    let is_feed = doc
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("jsonfeed.org"))
        || doc.get("items").is_some_and(Value::is_array);
    if !is_feed {
        return Json::Other;
    }
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter(|i| i.is_object()).map(item).collect())
        .unwrap_or_default();
    Json::Feed(RawFeed {
        title: string(&doc, "title").map(Body::text),
        link: string(&doc, "home_page_url"),
        base: None,
        ttl: None,
        items,
    })
}

fn item(v: &Value) -> RawItem {
    let id = match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut authors: Vec<String> = v
        .get("authors")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(author).collect())
        .unwrap_or_default();
    authors.extend(v.get("author").and_then(author));
    RawItem {
        id,
        title: string(v, "title").map(Body::text),
        link: string(v, "url").or_else(|| string(v, "external_url")),
        base: None,
        dates: ["date_published", "date_modified"]
            .iter()
            .filter_map(|k| string(v, k))
            .collect(),
        authors,
        content: string(v, "content_html")
            .map(Body::html)
            .or_else(|| string(v, "content_text").map(Body::text)),
        summary: string(v, "summary").map(Body::text),
        enclosure: v
            .get("attachments")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|a| string(a, "url")),
        id_is_link: false,
    }
}

fn author(a: &Value) -> Option<String> {
    match a {
        Value::String(s) => Some(s.clone()),
        _ => string(a, "name"),
    }
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_items_and_tolerates_odd_types() {
        let doc = r#"{"version":"https://jsonfeed.org/version/1.1","title":"T","home_page_url":"https://e.com/",
            "items":[{"id":7,"url":"https://e.com/1","title":"One","content_html":"<p>x</p>",
                      "date_published":"2024-01-02T03:04:05Z","authors":[{"name":"Ann"}],"author":"Bob"},
                     {"id":"2","content_text":"plain","tags":"not-an-array"}, "junk"]}"#;
        let Json::Feed(f) = read(doc) else {
            panic!("not read as a feed")
        };
        assert_eq!(f.items.len(), 2);
        assert_eq!(f.items[0].id.as_deref(), Some("7"));
        assert_eq!(f.items[0].authors, ["Ann", "Bob"]);
        assert_eq!(f.items[1].content, Some(Body::text("plain")));
    }

    #[test]
    fn other_json_and_broken_json() {
        assert!(matches!(read(r#"{"hello":"world"}"#), Json::Other));
        assert!(matches!(read(r#"{"items": "#), Json::Broken(_)));
        let deep = "[".repeat(100_000);
        assert!(matches!(read(&deep), Json::Broken(_)));
    }
}
