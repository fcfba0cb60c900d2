//! The feeds executor: refreshes publications through the one bounded fan-out that
//! `newsroom fetch` uses too ([`refresh::refresh_all`]), and answers each publication with a
//! `Msg::Refreshed` as soon as it is done.
//!
//! Requests that arrive while a refresh runs wait and then run together as the next batch, so
//! there is never more than one fan-out, and memory stays bounded however often `r` is pressed.

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::{FeedCmd, FeedOutcome, Msg};
use crate::config::Publication;
use crate::fetch::Fetcher;
use crate::fulltext;
use crate::refresh::{self, RefreshStatus};
use crate::store::SharedStore;

/// One publication to refresh, and the request it answers.
struct Job {
    publication: Publication,
    force: bool,
    request: u64,
}

pub(super) struct FeedExecutor {
    /// Replaced when the config is reloaded.
    publications: std::sync::Mutex<Vec<Publication>>,
    fetcher: Fetcher,
    store: SharedStore,
    tx: mpsc::UnboundedSender<Msg>,
    jobs: mpsc::UnboundedSender<Job>,
    /// Taken by the worker when the first job is queued (it needs a running tokio runtime).
    worker: std::sync::Mutex<Option<Worker>>,
}

struct Worker {
    fetcher: Fetcher,
    store: SharedStore,
    tx: mpsc::UnboundedSender<Msg>,
    jobs: mpsc::UnboundedReceiver<Job>,
}

impl FeedExecutor {
    pub(super) fn new(
        fetcher: Fetcher,
        store: SharedStore,
        publications: Vec<Publication>,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        Self {
            publications: std::sync::Mutex::new(publications),
            fetcher: fetcher.clone(),
            store: store.clone(),
            tx: tx.clone(),
            jobs,
            worker: std::sync::Mutex::new(Some(Worker {
                fetcher,
                store,
                tx,
                jobs: rx,
            })),
        }
    }

    pub(super) fn publications(&self) -> Vec<Publication> {
        self.publications
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    pub(super) fn exec(&self, cmd: FeedCmd) {
        match cmd {
            FeedCmd::Refresh {
                urls,
                force,
                request,
            } => {
                if let Some(worker) = self.worker.lock().ok().and_then(|mut w| w.take()) {
                    tokio::spawn(worker.run());
                }
                for p in self
                    .publications()
                    .into_iter()
                    .filter(|p| urls.contains(&p.url))
                {
                    let _ = self.jobs.send(Job {
                        publication: p,
                        force,
                        request,
                    });
                }
            }
            FeedCmd::SetPublications(publications) => {
                if let Ok(mut p) = self.publications.lock() {
                    *p = publications;
                }
            }
            FeedCmd::FetchFullText { id } => {
                let (fetcher, store, tx) =
                    (self.fetcher.clone(), self.store.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(fulltext::fetch_and_store(&fetcher, &store, id).await);
                });
            }
        }
    }
}

impl Worker {
    async fn run(mut self) {
        while let Some(first) = self.jobs.recv().await {
            // Everything queued by now runs in this batch.
            let mut batch = vec![first];
            while let Ok(job) = self.jobs.try_recv() {
                batch.push(job);
            }
            // `refresh_all` takes one `force` for the batch: run forced and polite jobs apart.
            let (forced, polite): (Vec<Job>, Vec<Job>) = batch.into_iter().partition(|j| j.force);
            for (jobs, force) in [(forced, true), (polite, false)] {
                if jobs.is_empty() {
                    continue;
                }
                let requests: std::collections::HashMap<String, u64> = jobs
                    .iter()
                    .map(|j| (j.publication.url.clone(), j.request))
                    .collect();
                let pubs: Vec<Publication> = jobs.into_iter().map(|j| j.publication).collect();
                let tx = self.tx.clone();
                let mut fetched = Vec::new();
                refresh::refresh_all(&self.fetcher, &self.store, &pubs, force, |report| {
                    if matches!(
                        report.status,
                        RefreshStatus::Updated { .. } | RefreshStatus::NotModified
                    ) {
                        fetched.push(report.url.clone());
                    }
                    let outcome = match report.status {
                        RefreshStatus::Updated { new, items, first } => {
                            FeedOutcome::Updated { new, items, first }
                        }
                        RefreshStatus::NotModified => FeedOutcome::NotModified,
                        RefreshStatus::Fresh => FeedOutcome::Fresh,
                        RefreshStatus::Failed { message, .. } => FeedOutcome::Failed(message),
                    };
                    let request = requests.get(&report.url).copied().unwrap_or_default();
                    let _ = tx.send(Msg::Refreshed {
                        request,
                        url: report.url,
                        outcome,
                        at: Utc::now(),
                    });
                })
                .await;
                // `full_text = true`: the new articles' stories, after the batch, bounded.
                for p in pubs
                    .iter()
                    .filter(|p| p.full_text && fetched.contains(&p.url))
                {
                    let tx = self.tx.clone();
                    fulltext::extract_new(&self.fetcher, &self.store, &p.url, |m| {
                        let _ = tx.send(m);
                    })
                    .await;
                }
            }
        }
    }
}
