//! The cache executor: runs [`CacheCmd`]s against the `SQLite` cache, one after another in the
//! order `update` issued them (a count read must see the mark-read before it), on the blocking
//! pool so the UI loop never waits on `SQLite`. Articles are rendered to text here, at the edge.

use tokio::sync::mpsc;

use crate::app::{CacheCmd, Msg};
use crate::config::Publication;
use crate::store::{SharedStore, Store, StoreError};

/// How many headlines one publication shows (the newest): enough to read, flat in memory.
const HEADLINE_LIMIT: usize = 500;

pub(super) struct CacheExecutor {
    store: SharedStore,
    tx: mpsc::UnboundedSender<Msg>,
    /// Started on first use (it needs a running tokio runtime).
    queue: std::sync::OnceLock<mpsc::UnboundedSender<CacheCmd>>,
    /// Searches run apart from the queue, newest query only; started on first use.
    searcher: std::sync::OnceLock<crate::search::Searcher>,
}

impl CacheExecutor {
    pub(super) fn new(store: SharedStore, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            store,
            tx,
            queue: std::sync::OnceLock::new(),
            searcher: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Runs a command at once on this thread and returns its answer. Used before the first
    /// frame so that it already shows cached news.
    pub(super) fn run_now(&self, cmd: &CacheCmd) -> Option<Msg> {
        run(&mut self.store.lock(), cmd)
    }

    pub(super) fn exec(&self, cmd: CacheCmd) {
        if let CacheCmd::Search {
            query,
            filter,
            limit,
            generation,
        } = cmd
        {
            let searcher = self.searcher.get_or_init(|| {
                let tx = self.tx.clone();
                crate::search::Searcher::start(&self.store, move |generation, result| {
                    let _ = tx.send(match result {
                        Ok(hits) => Msg::SearchResults { generation, hits },
                        Err(e) => Msg::Problem(format!("Search: {e}")),
                    });
                })
            });
            searcher.submit(crate::search::Request {
                query,
                only: filter,
                limit,
                generation,
                now: chrono::Utc::now(),
            });
            return;
        }
        let queue = self.queue.get_or_init(|| {
            let (queue, mut cmds) = mpsc::unbounded_channel::<CacheCmd>();
            let (store, tx) = (self.store.clone(), self.tx.clone());
            tokio::spawn(async move {
                while let Some(cmd) = cmds.recv().await {
                    match store.call(move |s| Ok(run(s, &cmd))).await {
                        Ok(Some(msg)) => drop(tx.send(msg)),
                        Ok(None) => {}
                        Err(e) => drop(tx.send(Msg::Problem(format!("Cache: {e}")))),
                    }
                }
            });
            queue
        });
        let _ = queue.send(cmd);
    }

    /// Housekeeping that must not delay the first frame: tell the cache the configured names
    /// (a write, which may wait for a `newsroom fetch` running elsewhere).
    pub(super) fn sync_names(&self, publications: &[Publication]) {
        let store = self.store.clone();
        let names: Vec<(String, String)> = publications
            .iter()
            .map(|p| (p.name.clone(), p.url.clone()))
            .collect();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let synced = store
                .call(move |s| {
                    s.sync_publications(names.iter().map(|(n, u)| (n.as_str(), u.as_str())))
                })
                .await;
            if let Err(e) = synced {
                let _ = tx.send(Msg::Problem(format!("Cache: {e}")));
            }
        });
    }
}

/// One command against the store (blocking).
fn run(s: &mut Store, cmd: &CacheCmd) -> Option<Msg> {
    let problem = |e: StoreError| Some(Msg::Problem(format!("Cache: {e}")));
    match cmd {
        CacheCmd::LoadHeadlines {
            url,
            filter,
            generation,
        } => match s.headlines_only(url, *filter, HEADLINE_LIMIT) {
            Ok(headlines) => Some(Msg::Headlines {
                generation: *generation,
                url: url.clone(),
                headlines,
            }),
            Err(e) => problem(e),
        },
        // Taken by the searcher before the queue (see `exec`).
        CacheCmd::Search { .. } => None,
        CacheCmd::LoadArticle { id, request } => match s.article(*id) {
            Ok(Some(a)) => {
                // The slow part of opening an article, done here rather than on the UI loop.
                let text = crate::feed::article_text(&a.content_html);
                Some(Msg::Article {
                    request: *request,
                    article: Box::new(a),
                    text,
                })
            }
            Ok(None) => Some(Msg::Problem(
                "That article is no longer in the cache.".into(),
            )),
            Err(e) => problem(e),
        },
        CacheCmd::LoadUnreadCounts => match s.unread_counts() {
            Ok(c) => Some(Msg::UnreadCounts(c)),
            Err(e) => problem(e),
        },
        CacheCmd::SetRead { id, read } => s.set_read(*id, *read).err().and_then(problem),
        CacheCmd::SetStarred { id, starred } => {
            s.set_starred(*id, *starred).err().and_then(problem)
        }
        CacheCmd::SyncNames { publications } => s
            .sync_publications(publications.iter().map(|(n, u)| (n.as_str(), u.as_str())))
            .err()
            .and_then(problem),
        CacheCmd::LoadView {
            view,
            publications,
            limit,
            generation,
        } => match s.view(*view, publications, *limit) {
            Ok(rows) => Some(Msg::ViewHeadlines {
                generation: *generation,
                view: *view,
                rows,
            }),
            Err(e) => problem(e),
        },
        CacheCmd::LoadStarredCount { publications } => match s.starred_count(publications) {
            Ok(n) => Some(Msg::StarredCount(n)),
            Err(e) => problem(e),
        },
        CacheCmd::MarkAllRead { url } => match s.mark_all_read(url) {
            Ok(ids) => Some(Msg::MarkedAllRead {
                url: url.clone(),
                ids,
            }),
            Err(e) => problem(e),
        },
        CacheCmd::MarkUnread { ids } => s.mark_unread(ids).err().and_then(problem),
    }
}
