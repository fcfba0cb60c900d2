//! The config file: TOML in, a validated [`Config`] out. Parse, then validate, once.
//!
//! With no file, newsroom reads BBC and CNN. Unknown keys are errors, so a typo is caught rather
//! than silently ignored; every error names the file, line and column and says what to fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod reader;
pub use reader::UiConfig;

/// A config larger than this is refused unread (30,000 publications take about 3 MB).
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// The default config, embedded so that "no file" and `config.example.toml` cannot drift apart.
pub const DEFAULT_TOML: &str = include_str!("../assets/default-config.toml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub name: String,
    pub url: String,
    /// The key that selects it, if the user chose one.
    pub key: Option<char>,
    /// Extract each new article's full story from its web page after every refresh.
    pub full_text: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    pub timeout: Duration,
    pub concurrency: usize,
    pub per_host: usize,
    pub max_feed_bytes: u64,
    /// Auto-refresh period while the TUI is open; `None` = off.
    pub refresh_every: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubConfig {
    pub client_id: Option<String>,
    pub host: String,
    pub web_url: String,
    pub api_url: String,
    pub scopes: Vec<String>,
    /// Show the "GitHub" publication (notifications) when signed in.
    pub inbox: bool,
    /// Show the "GitHub releases" publication when signed in.
    pub releases: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Per publication, keep at most this many articles (starred ones are always kept).
    pub max_articles_per_feed: usize,
    /// Drop articles older than this (starred ones are always kept); `None` = keep forever.
    pub max_age: Option<Duration>,
}

/// `[sync]`: subscriptions and reading state through the user's secret gist (`docs/sync.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncConfig {
    /// Turned on by the first `newsroom sync`, off by `newsroom sync --off`.
    pub enabled: bool,
    /// `encrypt = true`: the gist's files sealed with a passphrase kept in the keyring
    /// (`src/sync/sealed.rs`).
    pub encrypt: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub publications: Vec<Publication>,
    pub fetch: FetchConfig,
    pub github: GithubConfig,
    pub cache: CacheConfig,
    /// `[keys]`: action name → the keys that replace its defaults (validated against conflicts).
    pub keys: Vec<(String, Vec<String>)>,
    pub theme: crate::theme::Theme,
    /// `[ui]`: how times are shown.
    pub ui: UiConfig,
    /// `[commands]`: what plays an enclosure.
    pub commands: crate::model::EnclosureCommands,
    pub sync: SyncConfig,
    /// Where this config came from (`None` = the built-in defaults).
    pub source: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

// ---- the file as written -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    publications: Option<Vec<RawPublication>>,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    github: RawGithub,
    #[serde(default)]
    cache: RawCache,
    #[serde(default)]
    keys: std::collections::BTreeMap<String, KeyEntry>,
    #[serde(default)]
    theme: RawTheme,
    #[serde(default)]
    ui: reader::RawUi,
    #[serde(default)]
    commands: reader::RawCommands,
    #[serde(default)]
    sync: RawSync,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSync {
    enabled: Option<bool>,
    encrypt: Option<bool>,
}

/// In `[keys]`: an action's keys, or a mode's table (`[keys.signin]`, `[keys.help]`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeyEntry {
    Keys(OneOrMany),
    Table(std::collections::BTreeMap<String, OneOrMany>),
}

/// `quit = "q"` or `quit = ["q", "Ctrl-c"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    color: Option<bool>,
    accent: Option<String>,
    error: Option<String>,
    link: Option<String>,
    focus: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublication {
    name: String,
    url: String,
    key: Option<String>,
    #[serde(default)]
    full_text: bool,
}

/// A number as written, with where it was written, for range errors with line and column.
type Num<T> = toml::Spanned<T>;

fn num<T>(v: T) -> Num<T> {
    toml::Spanned::new(0..0, v)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    #[serde(default = "d_timeout")]
    timeout_secs: Num<u64>,
    #[serde(default = "d_concurrency")]
    concurrency: Num<u64>,
    #[serde(default = "d_per_host")]
    per_host: Num<u64>,
    #[serde(default = "d_max_bytes")]
    max_feed_bytes: Num<u64>,
    #[serde(default = "d_refresh")]
    refresh_minutes: Num<u64>,
}

impl Default for RawFetch {
    fn default() -> Self {
        Self {
            timeout_secs: d_timeout(),
            concurrency: d_concurrency(),
            per_host: d_per_host(),
            max_feed_bytes: d_max_bytes(),
            refresh_minutes: d_refresh(),
        }
    }
}

fn d_timeout() -> Num<u64> {
    num(15)
}
fn d_concurrency() -> Num<u64> {
    num(20)
}
fn d_per_host() -> Num<u64> {
    num(6)
}
fn d_max_bytes() -> Num<u64> {
    num(10 * 1024 * 1024)
}
fn d_refresh() -> Num<u64> {
    num(30)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    client_id: Option<String>,
    host: Option<String>,
    web_url: Option<String>,
    api_url: Option<String>,
    scopes: Option<Vec<String>>,
    inbox: Option<bool>,
    releases: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    #[serde(default = "d_max_articles")]
    max_articles_per_feed: Num<u64>,
    #[serde(default = "d_max_age")]
    max_age_days: Num<u64>,
}

impl Default for RawCache {
    fn default() -> Self {
        Self {
            max_articles_per_feed: d_max_articles(),
            max_age_days: d_max_age(),
        }
    }
}

fn d_max_articles() -> Num<u64> {
    num(1000)
}
fn d_max_age() -> Num<u64> {
    num(90)
}

/// The ranges numbers must fall in: wide enough for any real use, narrow enough that no
/// product overflows and no cap (a semaphore of `concurrency` permits) is absurd.
const TIMEOUT_SECS: (u64, u64) = (1, 3600);
const CONCURRENCY: (u64, u64) = (1, 1000);
const MAX_FEED_BYTES: (u64, u64) = (1024, 1 << 30);
/// A week.
const REFRESH_MINUTES: (u64, u64) = (0, 7 * 24 * 60);
const MAX_ARTICLES: (u64, u64) = (0, 1_000_000);
/// A hundred years.
const MAX_AGE_DAYS: (u64, u64) = (0, 36_500);

// ---- loading ---------------------------------------------------------------------------------

impl Config {
    /// The built-in defaults: BBC and CNN.
    #[must_use]
    pub fn defaults() -> Self {
        #[allow(clippy::expect_used)]
        Self::from_toml(DEFAULT_TOML, None).expect("the embedded default config is valid")
    }

    /// Loads `path` if given (it must exist), else the platform config file if it exists, else
    /// the defaults.
    pub fn load(explicit: Option<&Path>, default_path: Option<&Path>) -> Result<Self, ConfigError> {
        let path = match (explicit, default_path) {
            (Some(p), _) => p.to_path_buf(),
            (None, Some(p)) if p.exists() => p.to_path_buf(),
            _ => return Ok(Self::defaults()),
        };
        let text = crate::paths::read_text_capped(&path, MAX_CONFIG_BYTES).map_err(|source| {
            ConfigError::Read {
                path: path.clone(),
                source,
            }
        })?;
        Self::from_toml(&text, Some(&path))
    }

    /// Parses and validates config text. `path` is only for messages.
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<Self, ConfigError> {
        let shown = path.map_or_else(|| PathBuf::from("<built-in config>"), Path::to_path_buf);
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Syntax {
                path: shown.clone(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };

        let publications = if let Some(list) = raw.publications {
            list
        } else {
            let d: RawConfig = toml::from_str(DEFAULT_TOML)
                .map_err(|e| invalid(format!("built-in defaults: {e}")))?;
            d.publications.unwrap_or_default()
        };
        let mut pubs: Vec<Publication> = Vec::with_capacity(publications.len());
        // Names and keys seen so far: sets, so that 30,000 publications check in linear time.
        let mut names = std::collections::HashSet::with_capacity(publications.len());
        let mut keys_seen: std::collections::HashMap<char, usize> =
            std::collections::HashMap::new();
        for (i, p) in publications.into_iter().enumerate() {
            let n = i + 1;
            let name = p.name.trim().to_owned();
            if name.is_empty() {
                return Err(invalid(format!("publication #{n} has an empty name")));
            }
            if !names.insert(name.clone()) {
                return Err(invalid(format!(
                    "two publications are named \"{name}\": give each a different name"
                )));
            }
            let url = validate_feed_url(&p.url).map_err(|why| {
                invalid(format!("publication \"{name}\": url \"{}\" {why}", p.url))
            })?;
            let key = match p.key.as_deref() {
                None => None,
                Some(k) => {
                    let mut chars = k.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_graphic() && !c.is_ascii_digit() => Some(c),
                        _ => {
                            return Err(invalid(format!(
                                "publication \"{name}\": key \"{k}\" must be one printable character, not a digit (1-9 select by position)"
                            )));
                        }
                    }
                }
            };
            if let Some(k) = key
                && let Some(&other) = keys_seen.get(&k)
            {
                return Err(invalid(format!(
                    "key '{k}' is used by both \"{}\" and \"{name}\": give one of them another key",
                    pubs[other].name
                )));
            }
            if let Some(k) = key {
                keys_seen.insert(k, pubs.len());
            }
            pubs.push(Publication {
                name,
                url,
                key,
                full_text: p.full_text,
            });
        }

        let in_range = |section: &str, key: &str, v: &Num<u64>, (lo, hi): (u64, u64)| {
            let value = *v.get_ref();
            if (lo..=hi).contains(&value) {
                return Ok(value);
            }
            let (line, column) = line_col(text, v.span().start);
            Err(ConfigError::Syntax {
                path: shown.clone(),
                line,
                column,
                message: format!("[{section}] {key} = {value} is out of range: use {lo} to {hi}"),
            })
        };
        let f = raw.fetch;
        let timeout_secs = in_range("fetch", "timeout_secs", &f.timeout_secs, TIMEOUT_SECS)?;
        let concurrency = in_range("fetch", "concurrency", &f.concurrency, CONCURRENCY)?;
        let per_host = in_range("fetch", "per_host", &f.per_host, CONCURRENCY)?;
        let max_feed_bytes =
            in_range("fetch", "max_feed_bytes", &f.max_feed_bytes, MAX_FEED_BYTES)?;
        let refresh_minutes = in_range(
            "fetch",
            "refresh_minutes",
            &f.refresh_minutes,
            REFRESH_MINUTES,
        )?;
        // Within the ranges above these cannot overflow; `usize` holds 1000 everywhere.
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let fetch = FetchConfig {
            timeout: Duration::from_secs(timeout_secs),
            concurrency: count(concurrency),
            per_host: count(per_host.min(concurrency)),
            max_feed_bytes,
            refresh_every: refresh_minutes
                .checked_mul(60)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
        };

        let g = raw.github;
        let host = g.host.unwrap_or_else(|| "github.com".to_owned());
        let (web, api) = if host == "github.com" {
            (
                "https://github.com".to_owned(),
                "https://api.github.com".to_owned(),
            )
        } else {
            (format!("https://{host}"), format!("https://{host}/api/v3"))
        };
        let github = GithubConfig {
            client_id: g.client_id.filter(|s| !s.trim().is_empty()),
            host,
            web_url: g.web_url.unwrap_or(web).trim_end_matches('/').to_owned(),
            api_url: g.api_url.unwrap_or(api).trim_end_matches('/').to_owned(),
            scopes: g.scopes.unwrap_or_else(|| vec!["read:user".to_owned()]),
            inbox: g.inbox.unwrap_or(true),
            releases: g.releases.unwrap_or(true),
        };

        let c = raw.cache;
        let max_articles = in_range(
            "cache",
            "max_articles_per_feed",
            &c.max_articles_per_feed,
            MAX_ARTICLES,
        )?;
        let max_age_days = in_range("cache", "max_age_days", &c.max_age_days, MAX_AGE_DAYS)?;
        let cache = CacheConfig {
            max_articles_per_feed: count(max_articles).max(1),
            max_age: max_age_days
                .checked_mul(86_400)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
        };

        let list = |v: OneOrMany| match v {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        // A mode's table becomes `mode.action` names, which the key map sorts out.
        let keys: Vec<(String, Vec<String>)> = raw
            .keys
            .into_iter()
            .flat_map(|(k, v)| match v {
                KeyEntry::Keys(keys) => vec![(k, list(keys))],
                KeyEntry::Table(t) => t
                    .into_iter()
                    .map(|(a, keys)| (format!("{k}.{a}"), list(keys)))
                    .collect(),
            })
            .collect();
        let pub_keys: Vec<(Option<char>, String)> =
            pubs.iter().map(|p| (p.key, p.name.clone())).collect();
        crate::keys::KeyMap::new(&keys, &pub_keys).map_err(&invalid)?;

        let t = raw.theme;
        let mut theme = crate::theme::Theme::default();
        if let Some(c) = t.color {
            theme.color = c;
        }
        for (name, value, slot) in [
            ("accent", t.accent, &mut theme.accent),
            ("error", t.error, &mut theme.error_color),
            ("link", t.link, &mut theme.link_color),
            ("focus", t.focus, &mut theme.focus),
        ] {
            if let Some(v) = value {
                *slot = v.parse().map_err(|_| {
                    invalid(format!(
                        "[theme] {name} = \"{v}\" is not a colour: use a name (red, lightblue…), an index (0-255) or #rrggbb"
                    ))
                })?;
            }
        }

        let ui = reader::ui(&raw.ui).map_err(&invalid)?;
        let commands = reader::commands(raw.commands).map_err(&invalid)?;
        Ok(Self {
            publications: pubs,
            fetch,
            github,
            cache,
            keys,
            theme,
            ui,
            commands,
            sync: SyncConfig {
                enabled: raw.sync.enabled.unwrap_or(false),
                encrypt: raw.sync.encrypt.unwrap_or(false),
            },
            source: path.map(Path::to_path_buf),
        })
    }
}

/// A feed URL must be absolute http(s); anything else (file:, exec:, a bare host) is refused.
pub(crate) fn validate_feed_url(s: &str) -> Result<String, &'static str> {
    let u =
        url::Url::parse(s.trim()).map_err(|_| "is not a valid URL (write it as https://...)")?;
    match u.scheme() {
        "http" | "https" if u.host_str().is_some() => Ok(u.to_string()),
        "http" | "https" => Err("has no host"),
        _ => Err("is not http or https: only web feeds can be read"),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_bbc_and_cnn() {
        let c = Config::defaults();
        let names: Vec<_> = c.publications.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["BBC", "CNN"]);
        assert_eq!(
            c.publications[0].url,
            "https://feeds.bbci.co.uk/news/rss.xml"
        );
        assert_eq!(c.publications[1].url, "http://rss.cnn.com/rss/edition.rss");
        assert_eq!(c.publications[0].key, Some('b'));
        assert_eq!(c.github.api_url, "https://api.github.com");
    }

    #[test]
    fn numbers_out_of_range_are_errors_with_position() {
        for (text, line, column, what) in [
            (
                "[fetch]\nconcurrency = 18446744073709551615\n",
                2,
                15,
                "concurrency",
            ),
            (
                "[fetch]\nconcurrency = 9223372036854775807\n",
                2,
                15,
                "concurrency",
            ),
            ("[fetch]\nper_host = 0\n", 2, 12, "per_host"),
            (
                "[cache]\nmax_age_days = 213503982334602\n",
                2,
                16,
                "max_age_days",
            ),
            (
                "[fetch]\nrefresh_minutes = 307445734561825861\n",
                2,
                19,
                "refresh_minutes",
            ),
            ("[fetch]\ntimeout_secs = 0\n", 2, 16, "timeout_secs"),
            ("[fetch]\nmax_feed_bytes = 10\n", 2, 18, "max_feed_bytes"),
        ] {
            let e = Config::from_toml(text, Some(Path::new("c.toml"))).expect_err(text);
            let msg = e.to_string();
            if let ConfigError::Syntax {
                line: l, column: c, ..
            } = &e
            {
                // A number past i64 is the TOML parser's own error, at the same place.
                assert_eq!((*l, *c), (line, column), "{msg}");
            } else {
                panic!("no position: {msg}");
            }
            assert!(msg.contains(what) || msg.contains("integer"), "{msg}");
        }
        let c = Config::from_toml(
            "[fetch]\nrefresh_minutes = 10080\n[cache]\nmax_age_days = 36500\n",
            None,
        )
        .expect("the largest values are fine");
        assert_eq!(c.fetch.refresh_every, Some(Duration::from_secs(10080 * 60)));
        assert_eq!(c.cache.max_age, Some(Duration::from_secs(36500 * 86_400)));
    }

    #[test]
    fn many_publications_validate_in_linear_time() {
        // 30,000 names: the quadratic check took seconds; this stays well under one even in a
        // debug build. Not timed: a duplicate at the end is still found.
        let mut text = String::new();
        for i in 0..30_000 {
            text.push_str(&format!(
                "[[publications]]\nname = \"F{i}\"\nurl = \"https://e{i}.com/\"\n"
            ));
        }
        assert_eq!(
            Config::from_toml(&text, None)
                .expect("valid")
                .publications
                .len(),
            30_000
        );
        text.push_str("[[publications]]\nname = \"F7\"\nurl = \"https://again.com/\"\n");
        let e = Config::from_toml(&text, None).expect_err("duplicate");
        assert!(
            e.to_string().contains("two publications are named \"F7\""),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let e = Config::from_toml("[fetch]\ntimeout_sec = 3\n", Some(Path::new("c.toml")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:2:1:"), "{e}");
        assert!(e.contains("timeout_sec"), "{e}");
    }

    #[test]
    fn keys_and_theme_sections_are_validated() {
        let c = Config::from_toml(
            "[keys]\nrefresh = \"Ctrl-r\"\nquit = [\"x\", \"Ctrl-c\"]\n[theme]\naccent = \"#ff8800\"\n",
            None,
        )
        .unwrap();
        assert_eq!(c.keys.len(), 2);
        assert_eq!(c.theme.accent, ratatui::style::Color::Rgb(0xff, 0x88, 0x00));
        let e = Config::from_toml("[keys]\nrefresh = \"q\"\n", Some(Path::new("k.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("k.toml:") && e.contains("bound to both"),
            "{e}"
        );
        let e = Config::from_toml("[theme]\nlink = \"blurple\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a colour"), "{e}");
    }

    #[test]
    fn enterprise_host_derives_urls() {
        let c = Config::from_toml("[github]\nhost = \"ghe.example.com\"\n", None).unwrap();
        assert_eq!(c.github.web_url, "https://ghe.example.com");
        assert_eq!(c.github.api_url, "https://ghe.example.com/api/v3");
    }

    #[test]
    fn non_http_url_and_duplicate_key_are_refused() {
        let e = Config::from_toml(
            "[[publications]]\nname=\"x\"\nurl=\"file:///etc/passwd\"\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not http or https"), "{e}");
        let e = Config::from_toml(
            "[[publications]]\nname=\"a\"\nurl=\"http://a/\"\nkey=\"x\"\n[[publications]]\nname=\"b\"\nurl=\"http://b/\"\nkey=\"x\"\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("key 'x' is used by both"), "{e}");
    }

    #[test]
    fn example_file_is_valid_and_matches_defaults() {
        let ex = include_str!("../config.example.toml");
        let c = Config::from_toml(ex, None).unwrap();
        let d = Config::defaults();
        assert_eq!(c.publications, d.publications);
        assert_eq!(c.fetch, d.fetch);
        assert_eq!(c.cache, d.cache);
        assert_eq!(c.theme, d.theme);
        assert_eq!(c.ui, d.ui);
        assert_eq!(c.commands, d.commands);
        assert!(c.keys.is_empty());
    }
}
