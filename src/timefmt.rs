//! Times as the reader shows them: in the user's time zone (or UTC if `[ui] time = "utc"`),
//! and ages that say when a date is in the future. The zone is data (a `jiff` [`TimeZone`])
//! handed to the core and the view: only [`zone`] looks at the environment (`TZ`, else the
//! system's zone), once at start-up.

use chrono::{DateTime, Utc};
pub use jiff::tz::TimeZone;

/// The zone to show times in: UTC when asked, else the user's (`TZ` honoured; UTC if neither
/// `TZ` nor the system names a zone jiff can read).
#[must_use]
pub fn zone(utc: bool) -> TimeZone {
    if utc {
        return TimeZone::UTC;
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// `t` formatted with `strftime` codes in `zone`; `%Z` is the zone's abbreviation (`CET`, `EST`,
/// `UTC`).
#[must_use]
pub fn format(t: DateTime<Utc>, zone: &TimeZone, fmt: &str) -> String {
    match jiff::Timestamp::from_second(t.timestamp()) {
        Ok(ts) => ts.to_zoned_datetime(zone.clone()).strftime(fmt).to_string(),
        // Outside jiff's range (year ±9999): no feed means that; show it as UTC.
        Err(_) => t.format(fmt).to_string(),
    }
}

/// "Thu 8 Aug 2024 18:02 CEST".
#[must_use]
pub fn date_time(t: DateTime<Utc>, zone: &TimeZone) -> String {
    format(t, zone, "%a %-d %b %Y %H:%M %Z")
}

/// "18:02 CEST".
#[must_use]
pub fn clock(t: DateTime<Utc>, zone: &TimeZone) -> String {
    format(t, zone, "%H:%M %Z")
}

/// How far `then` is from `now`, in words: "5 min ago", "3 h ago", "just now", and for a date
/// in the future "in 3 h".
#[must_use]
pub fn relative(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    if secs.abs() < 60 {
        return "just now".into();
    }
    let span = span(secs.unsigned_abs());
    if secs < 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn span(secs: u64) -> String {
    match secs {
        0..3_600 => format!("{} min", secs / 60),
        3_600..86_400 => format!("{} h", secs / 3_600),
        86_400..604_800 => format!("{} d", secs / 86_400),
        604_800..31_536_000 => format!("{} wk", secs / 604_800),
        _ => format!("{} y", secs / 31_536_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_zone_passed_in_is_honoured_with_its_summer_time() {
        // A POSIX TZ string, as `TZ` may hold: no time zone database needed, and no process
        // environment touched.
        let ny = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(
            date_time(at("2024-01-15T17:30:00Z"), &ny),
            "Mon 15 Jan 2024 12:30 EST"
        );
        assert_eq!(
            date_time(at("2024-07-15T17:30:00Z"), &ny),
            "Mon 15 Jul 2024 13:30 EDT"
        );
        assert_eq!(
            date_time(at("2024-07-15T17:30:00Z"), &TimeZone::UTC),
            "Mon 15 Jul 2024 17:30 UTC"
        );
        assert_eq!(clock(at("2024-07-15T23:30:00Z"), &ny), "19:30 EDT");
        assert_eq!(zone(true), TimeZone::UTC);
    }

    #[test]
    fn future_dates_are_said_as_such() {
        let now = at("2026-01-02T12:00:00Z");
        let h = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(relative(h(3 * 3600 + 5), now), "3 h ago");
        assert_eq!(relative(h(-3 * 3600 - 5), now), "in 3 h");
        assert_eq!(relative(h(-2 * 86_400), now), "in 2 d");
        assert_eq!(relative(h(20), now), "just now");
        assert_eq!(relative(h(-20), now), "just now");
    }
}
