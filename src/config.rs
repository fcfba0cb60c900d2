//! The config file: TOML in, a validated [`Config`] out. Parse, then validate, once.
//!
//! With no file, newsroom reads BBC and CNN. Unknown keys are errors, so a typo is caught rather
//! than silently ignored; every error names the file, line and column and says what to fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Per publication, keep at most this many articles (starred ones are always kept).
    pub max_articles_per_feed: usize,
    /// Drop articles older than this (starred ones are always kept); `None` = keep forever.
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub publications: Vec<Publication>,
    pub fetch: FetchConfig,
    pub github: GithubConfig,
    pub cache: CacheConfig,
    /// `[keys]`: action name → the keys that replace its defaults (validated against conflicts).
    pub keys: Vec<(String, Vec<String>)>,
    pub theme: crate::ui::theme::Theme,
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
    keys: std::collections::BTreeMap<String, OneOrMany>,
    #[serde(default)]
    theme: RawTheme,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    #[serde(default = "d_timeout")]
    timeout_secs: u64,
    #[serde(default = "d_concurrency")]
    concurrency: usize,
    #[serde(default = "d_per_host")]
    per_host: usize,
    #[serde(default = "d_max_bytes")]
    max_feed_bytes: u64,
    #[serde(default = "d_refresh")]
    refresh_minutes: u64,
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

fn d_timeout() -> u64 {
    15
}
fn d_concurrency() -> usize {
    20
}
fn d_per_host() -> usize {
    6
}
fn d_max_bytes() -> u64 {
    10 * 1024 * 1024
}
fn d_refresh() -> u64 {
    30
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    client_id: Option<String>,
    host: Option<String>,
    web_url: Option<String>,
    api_url: Option<String>,
    scopes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    #[serde(default = "d_max_articles")]
    max_articles_per_feed: usize,
    #[serde(default = "d_max_age")]
    max_age_days: u64,
}

impl Default for RawCache {
    fn default() -> Self {
        Self {
            max_articles_per_feed: d_max_articles(),
            max_age_days: d_max_age(),
        }
    }
}

fn d_max_articles() -> usize {
    1000
}
fn d_max_age() -> u64 {
    90
}

// ---- loading ---------------------------------------------------------------------------------

impl Config {
    /// The built-in defaults: BBC and CNN.
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
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
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

        let publications = match raw.publications {
            Some(list) => list,
            None => {
                let d: RawConfig = toml::from_str(DEFAULT_TOML)
                    .map_err(|e| invalid(format!("built-in defaults: {e}")))?;
                d.publications.unwrap_or_default()
            }
        };
        let mut pubs = Vec::with_capacity(publications.len());
        for (i, p) in publications.into_iter().enumerate() {
            let n = i + 1;
            let name = p.name.trim().to_owned();
            if name.is_empty() {
                return Err(invalid(format!("publication #{n} has an empty name")));
            }
            if pubs.iter().any(|q: &Publication| q.name == name) {
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
                && let Some(other) = pubs.iter().find(|q: &&Publication| q.key == Some(k))
            {
                return Err(invalid(format!(
                    "key '{k}' is used by both \"{}\" and \"{name}\": give one of them another key",
                    other.name
                )));
            }
            pubs.push(Publication {
                name,
                url,
                key,
                full_text: p.full_text,
            });
        }

        let f = raw.fetch;
        if f.timeout_secs == 0 {
            return Err(invalid("[fetch] timeout_secs must be at least 1".into()));
        }
        if f.concurrency == 0 || f.per_host == 0 {
            return Err(invalid(
                "[fetch] concurrency and per_host must be at least 1".into(),
            ));
        }
        if f.max_feed_bytes < 1024 {
            return Err(invalid(
                "[fetch] max_feed_bytes must be at least 1024".into(),
            ));
        }
        let fetch = FetchConfig {
            timeout: Duration::from_secs(f.timeout_secs),
            concurrency: f.concurrency,
            per_host: f.per_host.min(f.concurrency),
            max_feed_bytes: f.max_feed_bytes,
            refresh_every: (f.refresh_minutes > 0)
                .then(|| Duration::from_secs(f.refresh_minutes * 60)),
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
        };

        let c = raw.cache;
        let cache = CacheConfig {
            max_articles_per_feed: c.max_articles_per_feed.max(1),
            max_age: (c.max_age_days > 0).then(|| Duration::from_secs(c.max_age_days * 86_400)),
        };

        let keys: Vec<(String, Vec<String>)> = raw
            .keys
            .into_iter()
            .map(|(k, v)| match v {
                OneOrMany::One(s) => (k, vec![s]),
                OneOrMany::Many(v) => (k, v),
            })
            .collect();
        let pub_keys: Vec<(Option<char>, String)> =
            pubs.iter().map(|p| (p.key, p.name.clone())).collect();
        crate::app::KeyMap::new(&keys, &pub_keys).map_err(&invalid)?;

        let t = raw.theme;
        let mut theme = crate::ui::theme::Theme::default();
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

        Ok(Self {
            publications: pubs,
            fetch,
            github,
            cache,
            keys,
            theme,
            source: path.map(Path::to_path_buf),
        })
    }
}

/// A feed URL must be absolute http(s); anything else (file:, exec:, a bare host) is refused.
pub fn validate_feed_url(s: &str) -> Result<String, &'static str> {
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
            "[keys]\nrefresh = \"e\"\nquit = [\"x\", \"Ctrl-c\"]\n[theme]\naccent = \"#ff8800\"\n",
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
        assert!(c.keys.is_empty());
    }
}
