//! A hybrid logical clock: wall-clock milliseconds, a counter for events within the same (or
//! an earlier) millisecond, and the device id as the last tie-break. Stamps from one device
//! always increase, even when its clock steps back; a stamp seen from another device pushes
//! the local clock past it, so a change made after reading a remote one always wins over it,
//! whatever the two wall clocks say.

use std::fmt;

/// Who made a change: a short id, random per machine (per cache), in `[0-9a-z]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// Longest id accepted from a gist: ids are made 8 long, a hand edit may differ.
    const MAX_LEN: usize = 16;

    /// `None` unless `s` is 1 to 16 characters of `[0-9a-z]`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        ok.then(|| Self(s.to_owned()))
    }

    /// A fresh id from some bytes of entropy (hashed, so any source will do).
    #[must_use]
    pub fn from_entropy(seed: &[u8]) -> Self {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(seed);
        let mut n = u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]));
        let mut s = String::with_capacity(8);
        for _ in 0..8 {
            let d = u32::try_from(n % 36).unwrap_or(0);
            s.push(char::from_digit(d, 36).unwrap_or('0'));
            n /= 36;
        }
        Self(s)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One stamp. Ordered by time, then counter, then device: a total order, so two registers
/// written "at the same moment" on two machines still agree on a winner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    pub millis: u64,
    pub counter: u32,
    pub device: DeviceId,
}

impl Hlc {
    /// The oldest stamp a device can make: what state from before sync was turned on gets, so
    /// that any real change anywhere wins over it.
    #[must_use]
    pub fn zero(device: DeviceId) -> Self {
        Self {
            millis: 0,
            counter: 0,
            device,
        }
    }

    /// Text form: `millis.counter.device`, millis and counter in base 36 (`lrx3k9a0.0.k2j4m9qa`).
    /// Short, because the gist holds one or two per article.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!(
            "{}.{}.{}",
            base36(self.millis),
            base36(u64::from(self.counter)),
            self.device
        )
    }

    /// The inverse of [`Hlc::to_text`]; `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let millis = parse36(parts.next()?)?;
        let counter = u32::try_from(parse36(parts.next()?)?).ok()?;
        let device = DeviceId::parse(parts.next()?)?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            millis,
            counter,
            device,
        })
    }

    /// A fixed-width form whose byte order is the stamp order, for comparing in SQL.
    #[must_use]
    pub fn to_sortable(&self) -> String {
        format!("{:016x}{:08x}{}", self.millis, self.counter, self.device)
    }

    /// The inverse of [`Hlc::to_sortable`].
    #[must_use]
    pub fn from_sortable(s: &str) -> Option<Self> {
        if s.len() < 25 || !s.is_char_boundary(24) {
            return None;
        }
        Some(Self {
            millis: u64::from_str_radix(&s[..16], 16).ok()?,
            counter: u32::from_str_radix(&s[16..24], 16).ok()?,
            device: DeviceId::parse(&s[24..])?,
        })
    }
}

fn base36(mut n: u64) -> String {
    if n == 0 {
        return "0".to_owned();
    }
    let mut digits = Vec::new();
    while n > 0 {
        let d = u32::try_from(n % 36).unwrap_or(0);
        digits.push(char::from_digit(d, 36).unwrap_or('0'));
        n /= 36;
    }
    digits.iter().rev().collect()
}

fn parse36(s: &str) -> Option<u64> {
    // from_str_radix would take a sign and upper case: one spelling per number only.
    if s.is_empty()
        || s.len() > 13
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

/// The clock of one device: the last stamp it made or saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    #[must_use]
    pub fn new(device: DeviceId) -> Self {
        Self {
            last: Hlc::zero(device),
        }
    }

    /// A clock that resumes after `last` (kept across runs so stamps keep increasing).
    #[must_use]
    pub fn resume(device: DeviceId, last: Option<&Hlc>) -> Self {
        let mut c = Self::new(device);
        if let Some(l) = last {
            c.last.millis = l.millis;
            c.last.counter = l.counter;
        }
        c
    }

    #[must_use]
    pub fn device(&self) -> &DeviceId {
        &self.last.device
    }

    #[must_use]
    pub fn last(&self) -> &Hlc {
        &self.last
    }

    /// A stamp for a local change at wall time `now_ms`: later than every stamp made or seen.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.last.millis {
            self.last.millis = now_ms;
            self.last.counter = 0;
        } else {
            self.bump();
        }
        self.last.clone()
    }

    /// Takes in a stamp from elsewhere, so the next [`Clock::tick`] is later than it. A stamp
    /// from far in the future (a broken clock) would drag every later change with it: those
    /// more than a day ahead of `now_ms` are not followed.
    pub fn observe(&mut self, seen: &Hlc, now_ms: u64) {
        const MAX_AHEAD_MS: u64 = 86_400_000;
        if seen.millis > now_ms.saturating_add(MAX_AHEAD_MS) {
            return;
        }
        if (seen.millis, seen.counter) > (self.last.millis, self.last.counter) {
            self.last.millis = seen.millis;
            self.last.counter = seen.counter;
        }
    }

    fn bump(&mut self) {
        if let Some(c) = self.last.counter.checked_add(1) {
            self.last.counter = c;
        } else {
            self.last.millis += 1;
            self.last.counter = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(s: &str) -> DeviceId {
        DeviceId::parse(s).expect("test value")
    }

    #[test]
    fn stamps_increase_even_when_the_wall_clock_steps_back() {
        let mut c = Clock::new(dev("a"));
        let t1 = c.tick(1_000);
        let t2 = c.tick(900);
        let t3 = c.tick(900);
        assert!(t1 < t2 && t2 < t3, "{t1:?} {t2:?} {t3:?}");
        assert_eq!(t3.millis, 1_000);
    }

    #[test]
    fn a_change_after_seeing_a_remote_one_wins_over_it_despite_a_slow_clock() {
        let mut fast = Clock::new(dev("b"));
        let remote = fast.tick(5_000);
        let mut slow = Clock::new(dev("a"));
        slow.observe(&remote, 1_000);
        let local = slow.tick(1_000);
        assert!(local > remote);
    }

    #[test]
    fn a_stamp_from_far_in_the_future_is_not_followed() {
        let mut c = Clock::new(dev("a"));
        let broken = Hlc {
            millis: 10 * 86_400_000,
            counter: 0,
            device: dev("z"),
        };
        c.observe(&broken, 1_000);
        assert_eq!(c.tick(1_000).millis, 1_000);
    }

    #[test]
    fn ties_are_broken_by_device() {
        let a = Hlc {
            millis: 7,
            counter: 0,
            device: dev("a"),
        };
        let b = Hlc {
            millis: 7,
            counter: 0,
            device: dev("b"),
        };
        assert!(a < b);
    }

    #[test]
    fn text_and_sortable_forms_round_trip_and_sort_as_stamps_do() {
        let x = Hlc {
            millis: 1_764_633_600_123,
            counter: 3,
            device: dev("k2j4m9qa"),
        };
        let y = Hlc {
            millis: 1_764_633_600_123,
            counter: 40,
            device: dev("a"),
        };
        assert_eq!(Hlc::parse(&x.to_text()), Some(x.clone()));
        assert_eq!(Hlc::from_sortable(&x.to_sortable()), Some(x.clone()));
        assert!(x.to_sortable() < y.to_sortable());
        for bad in [
            "",
            "1.2",
            "1.2.",
            "1.2.A",
            "1.2.a.b",
            "-1.0.a",
            "zzzzzzzzzzzzzz.0.a",
        ] {
            assert_eq!(Hlc::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn device_ids_from_entropy_are_valid_and_differ() {
        let a = DeviceId::from_entropy(b"one");
        let b = DeviceId::from_entropy(b"two");
        assert_ne!(a, b);
        assert_eq!(DeviceId::parse(a.as_str()), Some(a));
    }
}
