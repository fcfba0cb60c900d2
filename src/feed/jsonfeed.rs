//! JSON Feed 1.0 and 1.1 (<https://jsonfeed.org/version/1.1>).
//!
//! Each item is read through `serde_json::Value` rather than typed structs so that one field of
//! the wrong type (a numeric `id`, an `author` that is a string) costs that field, not the feed.
//! The document around the items is read by a visitor that keeps only the fields used and stops
//! building items at the cap: the rest are skipped unbuilt, so a feed of a million `{}` costs
//! no more than one of ten thousand.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::enclosure::RawEnclosure;
use super::raw::{Body, MAX_ITEMS, RawFeed, RawItem};

/// What a JSON document turned out to be.
pub(crate) enum Json {
    Feed(RawFeed),
    /// Valid JSON, but not a JSON Feed.
    Other,
    /// Not valid JSON; the parser's message.
    Broken(String),
}

pub(crate) fn read(text: &str) -> Json {
    let doc = match serde_json::from_str::<Top>(text) {
        Ok(Top(Some(doc))) => doc,
        Ok(Top(None)) => return Json::Other,
        Err(e) => return Json::Broken(e.to_string()),
    };
    let is_feed = doc
        .version
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("jsonfeed.org"))
        || matches!(doc.items, Some(Items::Array(_)));
    if !is_feed {
        return Json::Other;
    }
    let items = match doc.items {
        Some(Items::Array(items)) => items.iter().map(item).collect(),
        _ => Vec::new(),
    };
    let field = |v: Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
    Json::Feed(RawFeed {
        title: field(doc.title)
            .filter(|s| !s.trim().is_empty())
            .map(Body::text),
        link: field(doc.home_page_url).filter(|s| !s.trim().is_empty()),
        base: None,
        ttl: None,
        items,
    })
}

/// The top level: `None` when it is not an object.
struct Top(Option<Doc>);

#[derive(Default)]
struct Doc {
    version: Option<Value>,
    title: Option<Value>,
    home_page_url: Option<Value>,
    items: Option<Items>,
}

/// `items`: the first [`MAX_ITEMS`] objects of the array, or a note that it is no array.
enum Items {
    Array(Vec<Value>),
    NotArray,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
                let mut doc = Doc::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "version" => doc.version = Some(map.next_value()?),
                        "title" => doc.title = Some(map.next_value()?),
                        "home_page_url" => doc.home_page_url = Some(map.next_value()?),
                        "items" => doc.items = Some(map.next_value()?),
                        _ => drop(map.next_value::<IgnoredAny>()?),
                    }
                }
                Ok(Top(Some(doc)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Top(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
                Ok(Top(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
                Ok(Top(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
                Ok(Top(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
                Ok(Top(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Top, E> {
                Ok(Top(None))
            }
            fn visit_unit<E>(self) -> Result<Top, E> {
                Ok(Top(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
                let mut items = Vec::new();
                while items.len() < MAX_ITEMS {
                    match seq.next_element::<Value>()? {
                        Some(v) if v.is_object() => items.push(v),
                        Some(_) => {}
                        None => return Ok(Items::Array(items)),
                    }
                }
                // Past the cap: checked as JSON, never built.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Items::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Items, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Items::NotArray)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
            fn visit_str<E>(self, _: &str) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
            fn visit_unit<E>(self) -> Result<Items, E> {
                Ok(Items::NotArray)
            }
        }
        d.deserialize_any(V)
    }
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
        enclosures: v
            .get("attachments")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(attachment).collect())
            .unwrap_or_default(),
        media_description: None,
        id_is_link: false,
    }
}

/// A JSON Feed attachment: `url`, `mime_type`, `size_in_bytes`.
fn attachment(a: &Value) -> Option<RawEnclosure> {
    Some(RawEnclosure {
        url: string(a, "url")?,
        mime: string(a, "mime_type"),
        length: a.get("size_in_bytes").and_then(|n| match n {
            Value::Number(n) => n.as_u64().map(|n| n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }),
        ..RawEnclosure::default()
    })
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
        assert!(matches!(read("[1, {}]"), Json::Other));
        assert!(matches!(read(r#"{"items": {"a": 1}}"#), Json::Other));
        assert!(matches!(read(r#"{"items": [}"#), Json::Broken(_)));
    }

    #[test]
    fn items_past_the_cap_are_not_built() {
        let n = 1_300_000;
        let doc = format!(
            r#"{{"version":"https://jsonfeed.org/version/1.1","items":[{}{{}}],"title":"T"}}"#,
            "{},".repeat(n - 1)
        );
        let Json::Feed(f) = read(&doc) else {
            panic!("not read as a feed")
        };
        assert_eq!(f.items.len(), MAX_ITEMS);
        assert_eq!(f.title, Some(Body::text("T")));
        // Still checked as JSON past the cap.
        let broken = format!(r#"{{"items":[{}{{"a":}}]}}"#, "{},".repeat(MAX_ITEMS + 5));
        assert!(matches!(read(&broken), Json::Broken(_)));
    }
}
