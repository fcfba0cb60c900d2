//! `newsroom fetch`: refresh every publication into the cache without the TUI, for cron and
//! timers. No sign-in is needed; only reading is gated on one.
//!
//! Output: a progress bar on stderr when it is a terminal, then a summary on stdout; or, with
//! `--json`, one JSON object per publication per line on stdout and nothing else there. The
//! caller turns the returned "all ok" into the exit status (0 or 1).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::config::Config;
use crate::fetch::{FetchError, FetchSettings, Fetcher};
use crate::gate::clean_line;
use crate::refresh::{self, RefreshReport, RefreshStatus};
use crate::store::{SharedStore, Store, StoreError};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Fetch even feeds that are still fresh (validators are still sent).
    pub force: bool,
    /// One JSON object per publication per line instead of the summary.
    pub json: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start fetching: {0}")]
    Fetcher(#[from] FetchError),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Runs `newsroom fetch` with the cache at `db_path`, writing to stdout (and the progress bar
/// and any cache notice to stderr). `Ok(true)` when every feed was updated, unchanged or fresh;
/// `Ok(false)` when any failed. `Err` only when nothing could be tried (cache or output).
pub(crate) async fn fetch_command(
    config: &Config,
    db_path: &Path,
    data_dir: &Path,
    opts: FetchOptions,
) -> Result<bool, HeadlessError> {
    let github = github_session(config, data_dir).await;
    fetch_with(
        config,
        db_path,
        opts,
        &mut std::io::stdout(),
        ProgressDrawTarget::stderr(),
        github.as_ref(),
    )
    .await
}

/// The GitHub session for the GitHub publications, from the stored (or environment) token,
/// if there is one and they are enabled. Feeds need no sign-in: anything else is `None`,
/// quietly.
pub async fn github_session(
    config: &Config,
    data_dir: &Path,
) -> Option<crate::github::GithubSession> {
    if !config.github.inbox && !config.github.releases {
        return None;
    }
    let auth = crate::auth::Auth::new(crate::auth::AuthSettings::from_env(
        &config.github,
        data_dir,
    ))
    .ok()?;
    match auth.resume().await {
        Ok(crate::auth::Session::SignedIn(s)) => Some(crate::github::GithubSession::new(&auth, s)),
        _ => None,
    }
}

/// [`fetch_command`] with the output and the progress bar's target chosen by the caller, and
/// no GitHub publications.
pub async fn fetch_to<W: Write + Send>(
    config: &Config,
    db_path: &Path,
    opts: FetchOptions,
    out: &mut W,
    progress: ProgressDrawTarget,
) -> Result<bool, HeadlessError> {
    fetch_with(config, db_path, opts, out, progress, None).await
}

/// [`fetch_to`], with the GitHub publications too when `github` is a signed-in session. They
/// are never forced: GitHub's poll interval holds across runs (only `r` in the reader skips
/// it).
pub async fn fetch_with<W: Write + Send>(
    config: &Config,
    db_path: &Path,
    opts: FetchOptions,
    out: &mut W,
    progress: ProgressDrawTarget,
    github: Option<&crate::github::GithubSession>,
) -> Result<bool, HeadlessError> {
    let started = Instant::now();
    let path = db_path.to_path_buf();
    let cache = config.cache.clone();
    let (store, notice) = tokio::task::spawn_blocking(move || {
        Store::open(&path).map(|(mut store, notice)| {
            store.set_retention(&cache);
            (store, notice)
        })
    })
    .await
    .map_err(|e| StoreError::Other(format!("cache task failed: {e}")))??;
    if let Some(notice) = notice {
        eprintln!("newsroom: {notice}");
    }
    let db = SharedStore::new(store);
    let fetcher = Fetcher::new(FetchSettings::from(&config.fetch))?;

    let pubs = &config.publications;
    let bar = ProgressBar::with_draw_target(Some(pubs.len() as u64), progress);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    let mut reports = Vec::with_capacity(pubs.len());
    refresh::refresh_all(&fetcher, &db, pubs, opts.force, |report| {
        bar.set_message(clean_line(&report.name));
        bar.inc(1);
        reports.push(report);
    })
    .await;
    bar.finish_and_clear();
    full_text_after(&fetcher, &db, pubs, &reports).await;

    // Config order, whatever order the feeds finished in: stable output for people and scripts.
    reports.sort_by_key(|r| pubs.iter().position(|p| p.url == r.url && p.name == r.name));
    if let Some(session) = github {
        let enabled =
            crate::github::pubs::publications(config.github.inbox, config.github.releases);
        for (name, key) in enabled {
            let status = match crate::github::pubs::refresh(session, &db, &key, false).await {
                Ok(status) => status,
                // A scope the token lacks is the user's choice to make, not a failure of this
                // run: said once on stderr (cron mails it), and the run still succeeds.
                Err(crate::github::pubs::PubError::Scope(m)) => {
                    eprintln!("newsroom: {name} skipped: {}", clean_line(&m.to_string()));
                    continue;
                }
                Err(e) => RefreshStatus::Failed {
                    message: clean_line(&e.to_string()),
                    retry_after: None,
                },
            };
            reports.push(RefreshReport {
                name,
                url: key,
                status,
            });
        }
    }
    if opts.json {
        for r in &reports {
            writeln!(out, "{}", json_line(r))?;
        }
    } else {
        out.write_all(summary(&reports, started.elapsed()).as_bytes())?;
    }
    out.flush()?;
    Ok(reports.iter().all(RefreshReport::is_ok))
}

/// `full_text = true` publications that were fetched get their new articles' stories now, so
/// that the reader opened later (perhaps offline) shows them at once.
async fn full_text_after(
    fetcher: &Fetcher,
    db: &SharedStore,
    pubs: &[crate::config::Publication],
    reports: &[RefreshReport],
) {
    let fetched = |p: &crate::config::Publication| {
        reports.iter().any(|r| {
            r.url == p.url
                && matches!(
                    r.status,
                    RefreshStatus::Updated { .. } | RefreshStatus::NotModified
                )
        })
    };
    let jobs = pubs
        .iter()
        .filter(|p| p.full_text && fetched(p))
        .map(|p| crate::fulltext::extract_new(fetcher, db, &p.url, drop));
    futures::future::join_all(jobs).await;
}

#[derive(Serialize)]
struct JsonLine<'a> {
    name: &'a str,
    url: &'a str,
    status: &'static str,
    /// Items in the fetched feed; null when nothing was parsed (not modified, fresh, error).
    items: Option<usize>,
    new: usize,
    error: Option<&'a str>,
}

/// One publication's result as one line of JSON:
/// `{"name","url","status":"ok"|"not_modified"|"fresh"|"error","items","new","error"}`.
#[must_use]
pub(crate) fn json_line(r: &RefreshReport) -> String {
    let (status, items, new, error) = match &r.status {
        RefreshStatus::Updated { new, items, .. } => ("ok", Some(*items), *new, None),
        RefreshStatus::NotModified => ("not_modified", None, 0, None),
        RefreshStatus::Fresh => ("fresh", None, 0, None),
        RefreshStatus::Failed { message, .. } => ("error", None, 0, Some(message.as_str())),
    };
    let line = JsonLine {
        name: &r.name,
        url: &r.url,
        status,
        items,
        new,
        error,
    };
    // Serializing plain strings and numbers cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// The human summary: a headline, then one line per publication.
#[must_use]
pub fn summary(reports: &[RefreshReport], elapsed: Duration) -> String {
    if reports.is_empty() {
        return "No publications are configured: add [[publications]] to the config file.\n"
            .to_owned();
    }
    let new: usize = reports
        .iter()
        .map(|r| match r.status {
            RefreshStatus::Updated { new, .. } => new,
            _ => 0,
        })
        .sum();
    let failed = reports.iter().filter(|r| !r.is_ok()).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let fresh = reports
        .iter()
        .filter(|r| r.status == RefreshStatus::Fresh)
        .count();
    let tried = reports.len() - fresh;
    let mut s = if tried == 0 {
        // Nothing was fetched: say so, rather than "refreshed ... 0 new".
        format!(
            "Nothing fetched: {} still fresh (--force fetches anyway)",
            if fresh == 1 {
                "the publication is".to_owned()
            } else {
                format!("all {fresh} publications are")
            }
        )
    } else if fresh > 0 {
        format!(
            "Refreshed {tried} of {} in {:.1} s ({fresh} still fresh, not fetched): {}",
            plural(reports.len(), "publication", "publications"),
            elapsed.as_secs_f64(),
            plural(new, "new article", "new articles"),
        )
    } else {
        format!(
            "Refreshed {} in {:.1} s: {}",
            plural(reports.len(), "publication", "publications"),
            elapsed.as_secs_f64(),
            plural(new, "new article", "new articles"),
        )
    };
    if failed > 0 {
        s.push_str(&format!(", {failed} failed"));
    }
    s.push('\n');
    let names: Vec<String> = reports.iter().map(|r| clean_line(&r.name)).collect();
    let width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    for (r, name) in reports.iter().zip(&names) {
        let what = match &r.status {
            RefreshStatus::Updated { new, items, .. } => format!("{new} new ({items} in the feed)"),
            RefreshStatus::NotModified => "not modified".to_owned(),
            RefreshStatus::Fresh if r.url.starts_with("github:") => {
                "not polled yet: GitHub asked to wait between polls".to_owned()
            }
            RefreshStatus::Fresh => "still fresh, not fetched (--force fetches it)".to_owned(),
            RefreshStatus::Failed { message, .. } => format!("failed: {message}"),
        };
        let pad = " ".repeat(width - name.width());
        s.push_str(&format!("  {name}{pad}  {what}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, status: RefreshStatus) -> RefreshReport {
        RefreshReport {
            name: name.into(),
            url: format!("http://127.0.0.1/{name}"),
            status,
        }
    }

    #[test]
    fn json_lines_have_every_key_in_order() {
        let ok = report(
            "BBC",
            RefreshStatus::Updated {
                new: 3,
                items: 40,
                first: false,
            },
        );
        assert_eq!(
            json_line(&ok),
            r#"{"name":"BBC","url":"http://127.0.0.1/BBC","status":"ok","items":40,"new":3,"error":null}"#
        );
        let failed = report(
            "CNN",
            RefreshStatus::Failed {
                message: "HTTP 404 — feed not found".into(),
                retry_after: None,
            },
        );
        let v: serde_json::Value = serde_json::from_str(&json_line(&failed)).expect("test value");
        assert_eq!(v["status"], "error");
        assert_eq!(v["error"], "HTTP 404 — feed not found");
        assert_eq!(v["items"], serde_json::Value::Null);
        assert_eq!(v["new"], 0);
        let v: serde_json::Value =
            serde_json::from_str(&json_line(&report("x", RefreshStatus::NotModified)))
                .expect("test value");
        assert_eq!(v["status"], "not_modified");
    }

    #[test]
    fn summary_counts_new_and_failed_and_aligns_names() {
        let s = summary(
            &[
                report(
                    "BBC",
                    RefreshStatus::Updated {
                        new: 2,
                        items: 5,
                        first: false,
                    },
                ),
                report("Le Monde", RefreshStatus::Fresh),
                report(
                    "CNN",
                    RefreshStatus::Failed {
                        message: "timed out after 15 s".into(),
                        retry_after: None,
                    },
                ),
            ],
            Duration::from_millis(1500),
        );
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(
            lines[0],
            "Refreshed 2 of 3 publications in 1.5 s (1 still fresh, not fetched): 2 new articles, 1 failed"
        );
        assert_eq!(lines[1], "  BBC       2 new (5 in the feed)");
        assert_eq!(lines[3], "  CNN       failed: timed out after 15 s");
    }

    #[test]
    fn a_summary_where_everything_was_fresh_says_nothing_was_fetched() {
        let all_fresh: Vec<RefreshReport> = (0..17)
            .map(|i| report(&format!("P{i}"), RefreshStatus::Fresh))
            .collect();
        let s = summary(&all_fresh, Duration::from_millis(20));
        assert_eq!(
            s.lines().next(),
            Some("Nothing fetched: all 17 publications are still fresh (--force fetches anyway)")
        );
        let one = summary(&all_fresh[..1], Duration::ZERO);
        assert!(
            one.starts_with("Nothing fetched: the publication is still fresh"),
            "{one}"
        );
        let fetched = summary(
            &[report("BBC", RefreshStatus::NotModified)],
            Duration::from_millis(100),
        );
        assert!(
            fetched.starts_with("Refreshed 1 publication in 0.1 s: 0 new articles"),
            "{fetched}"
        );
    }
}
