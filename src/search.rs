//! Search as you type: one query in flight at most, on its own connection to the cache.
//!
//! Each keystroke replaces the waiting query (older ones are never run) and interrupts the
//! running one (`sqlite3_interrupt`), so a fast typist never builds a queue and the answer on
//! screen is always for the newest query. The searcher has its own connection (WAL lets it read
//! while a refresh writes), so a search neither waits behind a feed's merge nor delays one, and
//! interrupting it cannot touch any other work. A cache in memory (tests) has no second
//! connection: searches then share the main one, uninterrupted.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::store::{Only, SearchHit, SharedStore, Store, StoreError};

/// One search to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub query: String,
    pub only: Only,
    pub limit: usize,
    /// Handed back with the answer, so the caller can tell which query it answers.
    pub generation: u64,
    pub now: DateTime<Utc>,
}

type Deliver = Box<dyn Fn(u64, Result<Vec<SearchHit>, StoreError>) + Send>;

#[derive(Default)]
struct Slot {
    next: Option<Request>,
    closed: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    wake: Condvar,
}

/// The search worker: a thread that runs the newest submitted query and hands each answer to
/// `deliver`. Stops when dropped.
pub struct Searcher {
    shared: Arc<Shared>,
    interrupt: Option<rusqlite::InterruptHandle>,
}

enum Source {
    Own(Store),
    Shared(SharedStore),
}

impl Searcher {
    /// Starts the worker for the cache behind `store`.
    pub fn start(
        store: &SharedStore,
        deliver: impl Fn(u64, Result<Vec<SearchHit>, StoreError>) + Send + 'static,
    ) -> Self {
        let path = store.lock().path().map(std::path::Path::to_path_buf);
        let own = path.and_then(|p| match Store::open_reader(&p) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("search uses the main cache connection: {e}");
                None
            }
        });
        let interrupt = own.as_ref().map(Store::interrupt_handle);
        let source = match own {
            Some(s) => Source::Own(s),
            None => Source::Shared(store.clone()),
        };
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot::default()),
            wake: Condvar::new(),
        });
        let worker = Arc::clone(&shared);
        let deliver: Deliver = Box::new(deliver);
        let spawned = std::thread::Builder::new()
            .name("search".into())
            .spawn(move || work(&worker, &source, &deliver));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the search thread: {e}");
        }
        Self { shared, interrupt }
    }

    /// Runs `request` as soon as possible: it replaces any query still waiting, and the one
    /// running is interrupted.
    pub fn submit(&self, request: Request) {
        lock(&self.shared.slot).next = Some(request);
        self.shared.wake.notify_one();
        if let Some(i) = &self.interrupt {
            // A no-op if nothing is running; if it lands on this very request instead, the
            // worker sees it interrupted with nothing newer waiting and runs it again.
            i.interrupt();
        }
    }
}

impl Drop for Searcher {
    fn drop(&mut self) {
        lock(&self.shared.slot).closed = true;
        self.shared.wake.notify_one();
        if let Some(i) = &self.interrupt {
            i.interrupt();
        }
    }
}

fn lock(m: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn work(shared: &Shared, source: &Source, deliver: &Deliver) {
    loop {
        let request = {
            let mut slot = lock(&shared.slot);
            loop {
                if slot.closed {
                    return;
                }
                if let Some(r) = slot.next.take() {
                    break r;
                }
                slot = shared
                    .wake
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let run = |s: &Store| s.search(&request.query, request.only, request.limit, request.now);
        let result = match source {
            Source::Own(s) => run(s),
            Source::Shared(s) => run(&s.lock()),
        };
        match result {
            Err(e) if e.is_interrupted() => {
                let mut slot = lock(&shared.slot);
                if slot.next.is_none() && !slot.closed {
                    slot.next = Some(request);
                }
            }
            other => deliver(request.generation, other),
        }
    }
}

/// Indexes what a cache from before search holds, once, with a progress bar on stderr (drawn
/// only when it is a terminal). Each batch is its own transaction: stopped at any point (Ctrl-C,
/// a crash), the cache is usable and the next start goes on where this one stopped.
pub fn index_backlog(store: &mut Store) -> Result<(), StoreError> {
    let total = store.search_backlog()?;
    if total == 0 {
        return Ok(());
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "Indexing the cache for search {bar:30} {pos}/{len} articles",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    loop {
        let left = store.index_backlog(BACKLOG_BATCH)?;
        bar.set_position(total.saturating_sub(left) as u64);
        if left == 0 {
            break;
        }
    }
    bar.finish_and_clear();
    tracing::info!("indexed {total} cached articles for search");
    Ok(())
}

/// Articles per backlog transaction: large enough to be fast, small enough that a stop loses
/// little and a `newsroom fetch` elsewhere waits at most a moment for the write lock.
const BACKLOG_BATCH: usize = 500;

/// One line of `newsroom search --json`.
#[derive(Debug, serde::Serialize)]
struct JsonHit<'a> {
    id: i64,
    title: &'a str,
    publication: &'a str,
    link: Option<&'a str>,
    published: Option<String>,
    read: bool,
    starred: bool,
}

/// Writes `hits` for `newsroom search`: one JSON object per line, or one line per hit
/// (date, publication, title, link), tab-separated so it cuts and sorts.
pub(crate) fn write_hits(
    out: &mut impl std::io::Write,
    hits: &[SearchHit],
    json: bool,
) -> std::io::Result<()> {
    for hit in hits {
        let h = &hit.headline;
        if json {
            let line = serde_json::to_string(&JsonHit {
                id: h.id,
                title: &h.title,
                publication: &hit.publication,
                link: h.link.as_deref(),
                published: h.published.map(|t| t.to_rfc3339()),
                read: h.read,
                starred: h.starred,
            })
            .map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        } else {
            let date = h
                .published
                .map_or_else(|| "-".repeat(10), |t| t.format("%Y-%m-%d").to_string());
            writeln!(
                out,
                "{date}\t{}\t{}\t{}",
                hit.publication,
                h.title,
                h.link.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}
