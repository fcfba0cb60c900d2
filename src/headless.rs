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
use crate::feed::sanitize::clean_line;
use crate::fetch::{FetchError, FetchSettings, Fetcher};
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
pub async fn fetch_command(
    config: &Config,
    db_path: &Path,
    opts: FetchOptions,
) -> Result<bool, HeadlessError> {
    fetch_to(
        config,
        db_path,
        opts,
        &mut std::io::stdout(),
        ProgressDrawTarget::stderr(),
    )
    .await
}

/// [`fetch_command`] with the output and the progress bar's target chosen by the caller.
pub async fn fetch_to<W: Write + Send>(
    config: &Config,
    db_path: &Path,
    opts: FetchOptions,
    out: &mut W,
    progress: ProgressDrawTarget,
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
pub fn json_line(r: &RefreshReport) -> String {
    let (status, items, new, error) = match &r.status {
        RefreshStatus::Updated { new, items } => ("ok", Some(*items), *new, None),
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
    let mut s = format!(
        "Refreshed {} in {:.1} s: {}",
        plural(reports.len(), "publication", "publications"),
        elapsed.as_secs_f64(),
        plural(new, "new article", "new articles"),
    );
    if failed > 0 {
        s.push_str(&format!(", {failed} failed"));
    }
    s.push('\n');
    let names: Vec<String> = reports.iter().map(|r| clean_line(&r.name)).collect();
    let width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    for (r, name) in reports.iter().zip(&names) {
        let what = match &r.status {
            RefreshStatus::Updated { new, items } => format!("{new} new ({items} in the feed)"),
            RefreshStatus::NotModified => "not modified".to_owned(),
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
        let ok = report("BBC", RefreshStatus::Updated { new: 3, items: 40 });
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
                report("BBC", RefreshStatus::Updated { new: 2, items: 5 }),
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
            "Refreshed 3 publications in 1.5 s: 2 new articles, 1 failed"
        );
        assert_eq!(lines[1], "  BBC       2 new (5 in the feed)");
        assert_eq!(lines[3], "  CNN       failed: timed out after 15 s");
    }
}
