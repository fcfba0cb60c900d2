//! Lenient dates: the shapes feeds really use, not just the ones their specs name.
//!
//! RFC 3339 and RFC 2822 go through chrono first. Anything else is tokenized and read piece by
//! piece: a day name is skipped in any language, month names are known in English, French,
//! German, Spanish, Italian, Portuguese and Dutch, a 12-hour clock is converted, and a time
//! zone may be an offset (`+0200`, `-05:00`), a common abbreviation (`EST`, `CEST`), `GMT+2`,
//! or missing (read as UTC). A string that cannot be read is `None`, never an error: one bad
//! date must not cost a whole feed. No crate covers localized names and `GMT+2` (`dateparser`
//! is English-only), so this is ours.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Dates longer than this are not dates.
const MAX_LEN: usize = 100;

/// Reads a date as feeds write them; `None` if it cannot be read with confidence.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_LEN {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc2822(s))
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| Fields::read(s)?.to_utc())?;
    (1900..=2200)
        .contains(&chrono::Datelike::year(&parsed))
        .then_some(parsed)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A run of ASCII digits: its value (saturating) and how many digits it had.
    Num(u32, usize),
    Word(String),
    Sep(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let (mut value, mut len) = (0u32, 0usize);
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                value = value
                    .saturating_mul(10)
                    .saturating_add(d.to_digit(10).unwrap_or(0));
                len += 1;
            }
            toks.push(Tok::Num(value, len));
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(l) = chars.next_if(|c| c.is_alphabetic()) {
                word.extend(l.to_lowercase());
            }
            toks.push(Tok::Word(word));
        } else {
            chars.next();
            let sep = if c.is_whitespace() { ' ' } else { c };
            if !(sep == ' ' && toks.last() == Some(&Tok::Sep(' '))) {
                toks.push(Tok::Sep(sep));
            }
        }
    }
    toks
}

#[derive(Debug, Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<(u32, u32, u32)>,
    pm: Option<bool>,
    /// Offset east of UTC, in seconds.
    offset: Option<i32>,
}

impl Fields {
    fn read(s: &str) -> Option<Fields> {
        let toks = tokenize(s);
        let mut f = Fields::default();
        let mut i = 0;
        // A leading word followed by a comma (optionally after a dot) is a day name, whatever
        // the language: "mer, 16 nov", "Sat., Dec 16". Skipping it first keeps "mar" (Tuesday
        // in French, Spanish, Italian) from being read as March.
        if let Some(Tok::Word(_)) = toks.first() {
            let mut j = 1;
            if toks.get(j) == Some(&Tok::Sep('.')) {
                j += 1;
            }
            if toks.get(j) == Some(&Tok::Sep(',')) {
                i = j + 1;
            }
        }
        while i < toks.len() {
            i = f.step(&toks, i)?;
        }
        Some(f)
    }

    /// Reads the token(s) at `i`; returns where to continue, or `None` if the string is not a
    /// date after all.
    fn step(&mut self, toks: &[Tok], i: usize) -> Option<usize> {
        let num_at = |k: usize| match toks.get(k) {
            Some(Tok::Num(v, l)) => Some((*v, *l)),
            _ => None,
        };
        let sep_at = |k: usize| match toks.get(k) {
            Some(Tok::Sep(c)) => Some(*c),
            _ => None,
        };
        match &toks[i] {
            Tok::Num(v, len) => {
                let (v, len) = (*v, *len);
                // h:m[:s][.fraction]
                if sep_at(i + 1) == Some(':')
                    && let Some((m, _)) = num_at(i + 2)
                {
                    let mut next = i + 3;
                    let mut sec = 0;
                    if sep_at(next) == Some(':')
                        && let Some((s, _)) = num_at(next + 1)
                    {
                        sec = s;
                        next += 2;
                        if matches!(sep_at(next), Some('.' | ',')) && num_at(next + 1).is_some() {
                            next += 2;
                        }
                    }
                    self.time = Some((v, m, sec));
                    return Some(next);
                }
                // Three numbers with one separator: 2020-01-10, 2020/1/10, 10.01.2020, 1/10/2020.
                if self.day.is_none()
                    && let Some(sep @ ('-' | '/' | '.')) = sep_at(i + 1)
                    && let Some((b, _)) = num_at(i + 2)
                {
                    if sep_at(i + 3) == Some(sep)
                        && let Some((c, clen)) = num_at(i + 4)
                    {
                        let (y, ylen, m, d) = if len >= 3 {
                            (v, len, b, c)
                        } else if sep == '/' && v <= 12 {
                            // Slashes with a possible month first: US order.
                            (c, clen, v, b)
                        } else {
                            (c, clen, b, v)
                        };
                        self.set_year(y, ylen);
                        self.month = Some(m);
                        self.day = Some(d);
                        return Some(i + 5);
                    }
                    // 2003-12: a month without a day.
                    if len == 4 && sep == '-' {
                        self.set_year(v, len);
                        self.month = Some(b);
                        self.day = Some(1);
                        return Some(i + 3);
                    }
                }
                if len == 8 && self.day.is_none() {
                    // 20200110
                    self.set_year(v / 10_000, 4);
                    self.month = Some(v / 100 % 100);
                    self.day = Some(v % 100);
                } else if len == 6 && self.day.is_some() && self.time.is_none() {
                    // 143300, after a compact date
                    self.time = Some((v / 10_000, v / 100 % 100, v % 100));
                } else if len >= 3 {
                    if self.year.is_some() {
                        return None;
                    }
                    self.set_year(v, len);
                } else if self.day.is_none() && (1..=31).contains(&v) {
                    self.day = Some(v);
                } else if self.year.is_none() {
                    self.set_year(v, len);
                } else {
                    return None;
                }
                Some(i + 1)
            }
            // A sign after a time or a zone name is an offset: -05:00, +0200, GMT+2.
            Tok::Sep(sign @ ('+' | '-')) if self.time.is_some() || self.offset.is_some() => {
                let Some((v, len)) = num_at(i + 1) else {
                    return Some(i + 1);
                };
                let (h, m, next) = if len >= 3 {
                    (v / 100, v % 100, i + 2)
                } else if sep_at(i + 2) == Some(':')
                    && let Some((m, _)) = num_at(i + 3)
                {
                    (v, m, i + 4)
                } else {
                    (v, 0, i + 2)
                };
                if h > 18 || m > 59 {
                    return None;
                }
                let secs = i32::try_from(h * 3600 + m * 60).ok()?;
                let base = self.offset.unwrap_or(0);
                self.offset = Some(base + if *sign == '-' { -secs } else { secs });
                Some(next)
            }
            Tok::Word(w) => {
                let w = w.as_str();
                if let Some(m) = month(w) {
                    if self.month.is_none() {
                        self.month = Some(m);
                    }
                } else if w == "am" {
                    self.pm = Some(false);
                } else if w == "pm" {
                    self.pm = Some(true);
                } else if let Some(off) = zone(w)
                    && self.offset.is_none()
                {
                    self.offset = Some(off);
                }
                // Anything else (day names, "at", "st"/"th" ordinals, "T") carries no date.
                Some(i + 1)
            }
            Tok::Sep(_) => Some(i + 1),
        }
    }

    fn set_year(&mut self, y: u32, digits: usize) {
        let y = if digits <= 2 {
            // Two-digit years: 70-99 are the 1900s, the rest the 2000s.
            if y >= 70 { 1900 + y } else { 2000 + y }
        } else {
            y
        };
        self.year = i32::try_from(y).ok();
    }

    fn to_utc(&self) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(self.year?, self.month?, self.day?)?;
        let (mut h, m, s) = self.time.unwrap_or((0, 0, 0));
        match self.pm {
            Some(true) if h < 12 => h += 12,
            Some(false) if h == 12 => h = 0,
            _ => {}
        }
        let time = NaiveTime::from_hms_opt(h, m, s.min(59))?;
        let offset = FixedOffset::east_opt(self.offset.unwrap_or(0))?;
        let local = offset.from_local_datetime(&date.and_time(time)).single()?;
        Some(local.with_timezone(&Utc))
    }
}

/// Month names and abbreviations in the languages feeds are most often written in.
fn month(w: &str) -> Option<u32> {
    let m = match w {
        "jan" | "january" | "janv" | "janvier" | "januar" | "enero" | "ene" | "gennaio" | "gen"
        | "janeiro" | "januari" => 1,
        "feb" | "february" | "févr" | "fevr" | "février" | "fevrier" | "fév" | "fev"
        | "februar" | "febrero" | "febbraio" | "fevereiro" | "februari" => 2,
        "mar" | "march" | "mars" | "märz" | "maerz" | "mär" | "marzo" | "março" | "marco"
        | "maart" | "mrt" => 3,
        "apr" | "april" | "avr" | "avril" | "abril" | "abr" | "aprile" => 4,
        "may" | "mai" | "mayo" | "maggio" | "mag" | "maio" | "mei" => 5,
        "jun" | "june" | "juin" | "juni" | "junio" | "giugno" | "giu" | "junho" => 6,
        "jul" | "july" | "juil" | "juillet" | "juli" | "julio" | "luglio" | "lug" | "julho" => 7,
        "aug" | "august" | "août" | "aout" | "agosto" | "ago" | "augustus" => 8,
        "sep" | "sept" | "september" | "septembre" | "septiembre" | "setiembre" | "settembre"
        | "set" | "setembro" => 9,
        "oct" | "october" | "octobre" | "okt" | "oktober" | "octubre" | "ottobre" | "ott"
        | "outubro" | "out" => 10,
        "nov" | "november" | "novembre" | "noviembre" | "novembro" => 11,
        "dec" | "december" | "déc" | "décembre" | "decembre" | "dez" | "dezember" | "diciembre"
        | "dic" | "dicembre" | "dezembro" => 12,
        _ => return None,
    };
    Some(m)
}

/// Common time-zone abbreviations, as seconds east of UTC. Where one is ambiguous (IST, CST),
/// the reading most common in feeds wins.
fn zone(w: &str) -> Option<i32> {
    let minutes = match w {
        "z" | "ut" | "utc" | "gmt" | "wet" | "zulu" => 0,
        "bst" | "cet" | "met" | "mez" | "west" | "wat" => 60,
        "cest" | "mest" | "mesz" | "eet" | "sast" | "cat" => 120,
        "eest" | "msk" | "eat" => 180,
        "ist" => 330,
        "wib" => 420,
        "hkt" | "sgt" | "awst" | "pht" => 480,
        "jst" | "kst" => 540,
        "acst" => 570,
        "aest" => 600,
        "aedt" => 660,
        "nzst" => 720,
        "nzdt" => 780,
        "ast" => -240,
        "adt" => -180,
        "nst" => -210,
        "ndt" => -150,
        "est" => -300,
        "edt" => -240,
        "cdt" => -300,
        "cst" => -360,
        "mst" => -420,
        "mdt" => -360,
        "pst" => -480,
        "pdt" => -420,
        "akst" => -540,
        "akdt" => -480,
        "hst" => -600,
        _ => return None,
    };
    Some(minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<String> {
        parse_date(s).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    #[test]
    fn standard_shapes() {
        assert_eq!(
            utc("2020-01-10T14:33:00Z").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(
            utc("2020-01-10T14:33:00.123+02:00").as_deref(),
            Some("2020-01-10 12:33:00")
        );
        assert_eq!(
            utc("Tue, 10 Jun 2003 04:00:00 GMT").as_deref(),
            Some("2003-06-10 04:00:00")
        );
        assert_eq!(
            utc("Tue, 10 Jun 2003 04:00:00 -0400").as_deref(),
            Some("2003-06-10 08:00:00")
        );
        assert_eq!(
            utc("Tue, 10 Jun 2003 04:00:00 EST").as_deref(),
            Some("2003-06-10 09:00:00")
        );
    }

    #[test]
    fn iso_variants() {
        assert_eq!(
            utc("2020-01-10 14:33:00").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(
            utc("2020-01-10T14:33").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(
            utc("2020-01-10T14:33:00+0530").as_deref(),
            Some("2020-01-10 09:03:00")
        );
        assert_eq!(
            utc("2020-01-10T14:33:00-05").as_deref(),
            Some("2020-01-10 19:33:00")
        );
        assert_eq!(utc("2020-01-10").as_deref(), Some("2020-01-10 00:00:00"));
        assert_eq!(
            utc("20200110T143300Z").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(utc("2003-12").as_deref(), Some("2003-12-01 00:00:00"));
    }

    #[test]
    fn real_world_shapes() {
        assert_eq!(
            utc("2020/1/10 14:33:00").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(
            utc("mer, 16 nov 2022 10:00:00 +0100").as_deref(),
            Some("2022-11-16 09:00:00")
        );
        assert_eq!(
            utc("mar, 15 nov 2022 10:00:00 +0100").as_deref(),
            Some("2022-11-15 09:00:00")
        );
        assert_eq!(
            utc("Sat, Dec 16 2023 02:02:33 PM").as_deref(),
            Some("2023-12-16 14:02:33")
        );
        assert_eq!(
            utc("Sat, Dec 16 2023 12:02:33 AM").as_deref(),
            Some("2023-12-16 00:02:33")
        );
        assert_eq!(
            utc("Do, 7 Mär 2024 08:15:00 MEZ").as_deref(),
            Some("2024-03-07 07:15:00")
        );
        assert_eq!(
            utc("16 December 2023").as_deref(),
            Some("2023-12-16 00:00:00")
        );
        assert_eq!(
            utc("December 16th, 2023").as_deref(),
            Some("2023-12-16 00:00:00")
        );
        assert_eq!(
            utc("Mon, 2 Jan 2006 15:04:05 GMT+2").as_deref(),
            Some("2006-01-02 13:04:05")
        );
        assert_eq!(
            utc("Mon, 2 Jan 2006 15:04:05 UTC-05:00").as_deref(),
            Some("2006-01-02 20:04:05")
        );
        assert_eq!(
            utc("Mon, 2 Jan 2006 15:04:05 PDT").as_deref(),
            Some("2006-01-02 22:04:05")
        );
        assert_eq!(
            utc("Mon, 2 Jan 2006 15:04:05").as_deref(),
            Some("2006-01-02 15:04:05")
        );
        assert_eq!(
            utc("Sun Dec 24 13:19:25 +0200 2017").as_deref(),
            Some("2017-12-24 11:19:25")
        );
        assert_eq!(
            utc("10.01.2020 14:33").as_deref(),
            Some("2020-01-10 14:33:00")
        );
        assert_eq!(utc("25/12/2020").as_deref(), Some("2020-12-25 00:00:00"));
        assert_eq!(utc("12/25/2020").as_deref(), Some("2020-12-25 00:00:00"));
        assert_eq!(
            utc("Thu, 01 Jan 04 19:48:21 GMT").as_deref(),
            Some("2004-01-01 19:48:21")
        );
    }

    #[test]
    fn nonsense_is_none() {
        for s in [
            "",
            "yesterday",
            "soon™",
            "2020-13-45",
            "31 Feb 2020",
            "25:61:00 1 Jan 2020",
            "1 2 3 4 5",
            "0000-00-00T00:00:00Z",
            "99999999999999999999",
            "Mon, 2 Jan 2006 15:04:05 +9999",
            &"9".repeat(500),
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }
}
