//! What syncs, as a join-semilattice: every part merges by a rule that is commutative,
//! associative and idempotent, so machines that have seen the same changes hold the same state
//! whatever order they met them in, and merging a stale copy again changes nothing.
//!
//! - Per article (by [`Key`], a hash of feed URL and the article's identity): `read` and
//!   `starred` are each a last-writer-wins register stamped with a [`Hlc`]; un-reading and
//!   un-starring are writes like any other. The month says which shard the record lives in.
//! - Per publication: a "marked read up to" watermark (one register instead of a line per
//!   article): articles sorted at or before `up_to` count as read as of its stamp.
//! - Subscriptions: a last-writer-wins map from feed URL to name, key and a removed tombstone.
//! - Devices: the latest stamp seen from each, for `newsroom status`.

use std::collections::BTreeMap;

use sha2::Digest as _;

use super::hlc::{DeviceId, Hlc};

/// Hex digits of a key: 80 bits, so a collision among a reader's articles is out of reach.
pub const KEY_HEX: usize = 20;

/// An article's or a publication's portable identity, hashed: the gist never holds a title or
/// a link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(String);

impl Key {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == KEY_HEX && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which of the [`BUCKETS`] of its month's shard the record goes to.
    #[must_use]
    pub fn bucket(&self) -> u8 {
        let first = self.0.as_bytes()[0];
        let nibble = match first {
            b'0'..=b'9' => first - b'0',
            _ => first - b'a' + 10,
        };
        nibble * BUCKETS / 16
    }

    fn hash(parts: &[&str]) -> Self {
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p.as_bytes());
            // A separator no URL or identity holds, so ("ab","c") and ("a","bc") differ.
            h.update([0]);
        }
        let digest = h.finalize();
        let mut s = String::with_capacity(KEY_HEX);
        for b in &digest[..KEY_HEX / 2] {
            s.push_str(&format!("{b:02x}"));
        }
        Self(s)
    }
}

/// Shards per month: a month of 50,000 read articles stays far below GitHub's 1 MB per file.
pub const BUCKETS: u8 = 4;

/// The key of an article: its feed URL and the identity the cache knows it by
/// (`crate::store::dedup_key`: guid, else link, else title and date).
#[must_use]
pub fn article_key(feed_url: &str, identity: &str) -> Key {
    Key::hash(&["article", feed_url, identity])
}

/// The key of a publication, for its watermark.
#[must_use]
pub fn feed_key(feed_url: &str) -> Key {
    Key::hash(&["feed", feed_url])
}

/// `YYYY-MM`, the shard of an article sorted at `unix_secs` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(String);

impl Month {
    #[must_use]
    pub fn of(unix_secs: i64) -> Self {
        let t = chrono::DateTime::from_timestamp(unix_secs, 0).unwrap_or_default();
        Self(t.format("%Y-%m").to_string())
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let ok = b.len() == 7
            && b[4] == b'-'
            && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
            && matches!(
                &s[5..],
                "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
            );
        ok.then(|| Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A last-writer-wins register. Ties on the stamp (only possible between a device and a copy
/// of itself) are broken by the value, so the join stays a join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reg<T> {
    pub value: T,
    pub at: Hlc,
}

impl<T: Ord + Clone> Reg<T> {
    #[must_use]
    pub fn new(value: T, at: Hlc) -> Self {
        Self { value, at }
    }

    /// True if `other` beats `self`.
    #[must_use]
    pub fn loses_to(&self, other: &Self) -> bool {
        (&other.at, &other.value) > (&self.at, &self.value)
    }

    fn join(&mut self, other: &Self) {
        if self.loses_to(other) {
            *self = other.clone();
        }
    }
}

fn join_opt<T: Ord + Clone>(mine: &mut Option<Reg<T>>, theirs: Option<&Reg<T>>) {
    match (mine.as_mut(), theirs) {
        (Some(m), Some(t)) => m.join(t),
        (None, Some(t)) => *mine = Some(t.clone()),
        _ => {}
    }
}

/// Read and starred of one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The shard; two machines that filed it under different months agree on the earlier.
    pub month: Month,
    pub read: Option<Reg<bool>>,
    pub starred: Option<Reg<bool>>,
}

impl Mark {
    fn join(&mut self, other: &Self) {
        if other.month < self.month {
            self.month = other.month.clone();
        }
        join_opt(&mut self.read, other.read.as_ref());
        join_opt(&mut self.starred, other.starred.as_ref());
    }
}

/// A subscription as the config holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sub {
    pub name: String,
    pub key: Option<char>,
    /// Unsubscribed: kept as a tombstone so a stale copy does not bring it back.
    pub removed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    pub marks: BTreeMap<Key, Mark>,
    /// Per publication ([`feed_key`]): articles sorted at or before this (unix seconds) are read.
    pub watermarks: BTreeMap<Key, Reg<i64>>,
    /// By feed URL.
    pub subs: BTreeMap<String, Reg<Sub>>,
    /// The latest stamp seen from each device.
    pub devices: BTreeMap<DeviceId, Hlc>,
}

impl SyncState {
    /// Takes in everything `other` knows. Commutative, associative, idempotent.
    pub fn join(&mut self, other: &Self) {
        for (k, m) in &other.marks {
            match self.marks.get_mut(k) {
                Some(mine) => mine.join(m),
                None => {
                    self.marks.insert(k.clone(), m.clone());
                }
            }
        }
        for (k, w) in &other.watermarks {
            match self.watermarks.get_mut(k) {
                Some(mine) => join_watermark(mine, w),
                None => {
                    self.watermarks.insert(k.clone(), w.clone());
                }
            }
        }
        for (url, s) in &other.subs {
            match self.subs.get_mut(url) {
                Some(mine) => mine.join(s),
                None => {
                    self.subs.insert(url.clone(), s.clone());
                }
            }
        }
        for (d, at) in &other.devices {
            let mine = self.devices.entry(d.clone()).or_insert_with(|| at.clone());
            if at > mine {
                *mine = at.clone();
            }
        }
    }

    /// The latest stamp anywhere in the state, for the clock to move past.
    #[must_use]
    pub fn latest(&self) -> Option<&Hlc> {
        let marks = self
            .marks
            .values()
            .flat_map(|m| m.read.iter().chain(m.starred.iter()).map(|r| &r.at));
        let wms = self.watermarks.values().map(|w| &w.at);
        let subs = self.subs.values().map(|s| &s.at);
        marks
            .chain(wms)
            .chain(subs)
            .chain(self.devices.values())
            .max()
    }
}

/// Two machines' "read up to" marks: the furthest reach and the latest stamp, each the max of
/// the two. Not last-writer-wins: a later "mark all read" on a machine whose feed was older
/// (a smaller `up_to`) must not take back what the other machine marked read beyond it. Still
/// a join (component-wise max): commutative, associative, idempotent.
fn join_watermark(mine: &mut Reg<i64>, theirs: &Reg<i64>) {
    mine.value = mine.value.max(theirs.value);
    if theirs.at > mine.at {
        mine.at = theirs.at.clone();
    }
}

/// Whether an article sorted at `sort_time` is read, by the later of its own register and its
/// publication's watermark (if that covers it); `None` if neither says anything.
#[must_use]
pub fn effective_read(
    read: Option<&Reg<bool>>,
    watermark: Option<&Reg<i64>>,
    sort_time: i64,
) -> Option<bool> {
    let by_watermark = watermark
        .filter(|w| sort_time <= w.value)
        .map(|w| Reg::new(true, w.at.clone()));
    match (read, by_watermark) {
        (Some(r), Some(w)) => Some(if r.loses_to(&w) { w.value } else { r.value }),
        (Some(r), None) => Some(r.value),
        (None, Some(w)) => Some(w.value),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hlc(millis: u64, counter: u32, device: &str) -> Hlc {
        Hlc {
            millis,
            counter,
            device: DeviceId::parse(device).expect("test value"),
        }
    }

    fn arb_hlc() -> impl Strategy<Value = Hlc> {
        (0u64..6, 0u32..2, prop::sample::select(vec!["a", "b", "c"]))
            .prop_map(|(m, c, d)| hlc(m, c, d))
    }

    fn arb_reg<T: std::fmt::Debug + Clone + Ord>(
        v: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = Reg<T>> {
        (v, arb_hlc()).prop_map(|(value, at)| Reg { value, at })
    }

    fn arb_key() -> impl Strategy<Value = Key> {
        (0u8..6).prop_map(|i| article_key("https://example.com/feed", &i.to_string()))
    }

    fn arb_state() -> impl Strategy<Value = SyncState> {
        let mark = (
            prop::sample::select(vec!["2026-10", "2026-11"]),
            prop::option::of(arb_reg(any::<bool>())),
            prop::option::of(arb_reg(any::<bool>())),
        )
            .prop_map(|(m, read, starred)| Mark {
                month: Month::parse(m).expect("test value"),
                read,
                starred,
            });
        let sub = (
            prop::sample::select(vec!["A", "B"]),
            prop::option::of(prop::sample::select(vec!['x', 'y'])),
            any::<bool>(),
        )
            .prop_map(|(name, key, removed)| Sub {
                name: name.to_owned(),
                key,
                removed,
            });
        (
            prop::collection::btree_map(arb_key(), mark, 0..5),
            prop::collection::btree_map(arb_key(), arb_reg(0i64..4), 0..3),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "https://a.example/f".to_owned(),
                    "https://b.example/f".to_owned(),
                ]),
                arb_reg(sub),
                0..3,
            ),
            prop::collection::btree_map(
                prop::sample::select(vec!["a", "b", "c"])
                    .prop_map(|d| DeviceId::parse(d).expect("test value")),
                arb_hlc(),
                0..3,
            ),
        )
            .prop_map(|(marks, watermarks, subs, devices)| SyncState {
                marks,
                watermarks,
                subs,
                devices,
            })
    }

    fn joined(a: &SyncState, b: &SyncState) -> SyncState {
        let mut out = a.clone();
        out.join(b);
        out
    }

    proptest! {
        #[test]
        fn merge_is_commutative(a in arb_state(), b in arb_state()) {
            prop_assert_eq!(joined(&a, &b), joined(&b, &a));
        }

        #[test]
        fn merge_is_associative(a in arb_state(), b in arb_state(), c in arb_state()) {
            prop_assert_eq!(joined(&joined(&a, &b), &c), joined(&a, &joined(&b, &c)));
        }

        #[test]
        fn merge_is_idempotent(a in arb_state(), b in arb_state()) {
            prop_assert_eq!(joined(&a, &a), a.clone());
            let ab = joined(&a, &b);
            prop_assert_eq!(joined(&ab, &b), ab);
        }
    }

    #[test]
    fn a_later_mark_all_read_with_an_older_feed_does_not_shrink_the_watermark() {
        // A marked everything read up to 2000; B, later but with an older feed, up to 1000.
        let mut a = SyncState::default();
        a.watermarks.insert(
            feed_key("https://x.example/f"),
            Reg::new(2000, hlc(10, 0, "a")),
        );
        let mut b = SyncState::default();
        b.watermarks.insert(
            feed_key("https://x.example/f"),
            Reg::new(1000, hlc(20, 0, "b")),
        );
        let mut ab = a.clone();
        ab.join(&b);
        let mut ba = b.clone();
        ba.join(&a);
        assert_eq!(ab, ba);
        let w = &ab.watermarks[&feed_key("https://x.example/f")];
        assert_eq!(w.value, 2000, "what A marked read stays read");
        assert_eq!(w.at, hlc(20, 0, "b"));
        assert_eq!(effective_read(None, Some(w), 1500), Some(true));
    }

    #[test]
    fn a_later_unread_beats_an_earlier_read_and_an_earlier_watermark() {
        let read = Reg::new(true, hlc(1, 0, "a"));
        let unread = Reg::new(false, hlc(2, 0, "b"));
        let mut r = Some(read);
        join_opt(&mut r, Some(&unread));
        assert_eq!(r.as_ref().map(|r| r.value), Some(false));
        let wm = Reg::new(100, hlc(1, 5, "a"));
        assert_eq!(effective_read(r.as_ref(), Some(&wm), 50), Some(false));
        let later_wm = Reg::new(100, hlc(3, 0, "a"));
        assert_eq!(effective_read(r.as_ref(), Some(&later_wm), 50), Some(true));
        // An article after the watermark is not covered by it.
        assert_eq!(effective_read(None, Some(&later_wm), 101), None);
    }

    #[test]
    fn keys_are_hex_of_fixed_length_and_tell_feeds_apart() {
        let a = article_key("https://a.example/feed", "id:1");
        let b = article_key("https://b.example/feed", "id:1");
        assert_ne!(a, b);
        assert_eq!(Key::parse(a.as_str()), Some(a.clone()));
        assert!(a.bucket() < BUCKETS);
        assert_ne!(article_key("ab", "c"), article_key("a", "bc"));
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(Month::of(1_764_633_600).as_str(), "2025-12");
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("2026-1").is_none());
        assert!(Month::parse("2026-01").is_some());
    }
}
