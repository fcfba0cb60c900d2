//! The HTTP plumbing shared by the device flow and the API calls: one client with a User-Agent
//! and timeouts, a size cap on bodies, the "JSON or form-urlencoded" body reader, and the rule
//! that secrets only travel over https (or to loopback, for tests and local proxies).

use std::collections::HashMap;
use std::time::Duration;

use crate::gate::clean_line;

pub(crate) const USER_AGENT: &str = concat!("newsroom/", env!("CARGO_PKG_VERSION"));
/// GitHub's OAuth and `/user` answers are a few hundred bytes; anything bigger is not GitHub.
const MAX_BODY: usize = 256 * 1024;

/// The client every auth request goes through. No redirects: an `Authorization` header or a
/// device code must never follow a redirect to somewhere else.
pub(crate) fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// `Ok` if secrets may be sent to `base`: https anywhere, plain http only to loopback.
pub(crate) fn check_secure_base(base: &str) -> Result<(), String> {
    let url =
        url::Url::parse(base).map_err(|_| format!("\"{}\" is not a URL", clean_line(base)))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(format!(
            "{} must be an https URL (plain http is allowed only for 127.0.0.1 or localhost), \
             or the token would travel in clear text",
            clean_line(base)
        )),
    }
}

pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Reads a body, refusing more than [`MAX_BODY`] bytes.
pub(crate) async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_BODY.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room < chunk.len() {
            break;
        }
    }
    Ok(body)
}

/// The flat key/value fields of an OAuth answer. GitHub sends JSON when asked with
/// `Accept: application/json` and form-urlencoded otherwise; a proxy that strips the header
/// turns one into the other, so both are read. Numbers become their decimal text.
pub(crate) fn parse_fields(
    content_type: Option<&str>,
    body: &[u8],
) -> Option<HashMap<String, String>> {
    let says_json = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("json"));
    let trimmed = body.trim_ascii_start();
    if says_json || trimmed.starts_with(b"{") {
        if let Some(fields) = parse_json_fields(trimmed) {
            return Some(fields);
        }
        if says_json {
            return None;
        }
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || !text.contains('=') || text.contains('<') {
        return None;
    }
    Some(
        url::form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect(),
    )
}

fn parse_json_fields(body: &[u8]) -> Option<HashMap<String, String>> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    Some(
        map.into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                serde_json::Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect(),
    )
}

/// A server-sent explanation, made safe to show and kept short.
pub(crate) fn server_text(s: &str) -> String {
    let line = clean_line(s);
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// GitHub writes scopes comma-separated (`read:user,gist` or `read:user, gist`); RFC 6749 says
/// spaces. Accept both.
pub(crate) fn parse_scopes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(clean_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_form_give_the_same_fields() {
        let j = parse_fields(
            Some("application/json; charset=utf-8"),
            br#"{"device_code":"dc","interval":5,"expires_in":900}"#,
        )
        .unwrap();
        let f = parse_fields(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"device_code=dc&interval=5&expires_in=900",
        )
        .unwrap();
        assert_eq!(j, f);
        assert_eq!(j["interval"], "5");
        // A proxy that rewrote the content type: sniff.
        let sniffed = parse_fields(Some("text/plain"), b"error=authorization_pending").unwrap();
        assert_eq!(sniffed["error"], "authorization_pending");
        assert!(parse_fields(Some("text/html"), b"<html>oops</html>").is_none());
        assert!(parse_fields(Some("application/json"), b"not json").is_none());
    }

    #[test]
    fn scopes_in_either_separator() {
        assert_eq!(parse_scopes("read:user,gist"), ["read:user", "gist"]);
        assert_eq!(parse_scopes("read:user, gist"), ["read:user", "gist"]);
        assert_eq!(parse_scopes("repo user"), ["repo", "user"]);
        assert!(parse_scopes("").is_empty());
    }

    #[test]
    fn only_https_or_loopback_carries_secrets() {
        assert!(check_secure_base("https://github.com").is_ok());
        assert!(check_secure_base("http://127.0.0.1:8080").is_ok());
        assert!(check_secure_base("http://localhost:1").is_ok());
        assert!(check_secure_base("http://[::1]:1").is_ok());
        assert!(check_secure_base("http://ghe.example.com").is_err());
        assert!(check_secure_base("ftp://x").is_err());
    }

    #[test]
    fn server_text_is_cleaned_and_short() {
        let t = server_text("bad\x1b[31m\n thing");
        assert!(
            !t.contains('\x1b') && !t.contains('\n') && t.starts_with("bad"),
            "{t}"
        );
        assert_eq!(server_text(&"x".repeat(500)).chars().count(), 201);
    }
}
