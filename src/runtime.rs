//! The edge that runs commands: each [`Cmd`] from `update` becomes work on the cache, the network,
//! the browser or the clipboard, and every result comes back as a [`Msg`]. The UI loop lives here
//! too: it merges terminal events, ticks and results, and never awaits the network itself.

use std::time::Duration;

use chrono::Utc;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::app::{self, AuthMsg, Cmd, FeedOutcome, Filter, Msg, State};
use crate::auth::{Auth, AuthError, AuthEvent, StorageChoice};
use crate::config::Publication;
use crate::feed::sanitize::{clean, clean_line};
use crate::fetch::Fetcher;
use crate::refresh;
use crate::store::{Only, SharedStore};
use crate::ui;

type OpenUrl = Box<dyn Fn(String, mpsc::UnboundedSender<Msg>) + Send + Sync>;
type Copy = Box<dyn Fn(&str) -> std::io::Result<()> + Send + Sync>;

/// Side effects that leave the process: injectable so whole-app tests can watch them.
pub struct Edges {
    /// Opens a URL in the browser. Must not block (the default spawns a thread).
    pub open_url: OpenUrl,
    /// Puts text on the clipboard.
    pub copy: Copy,
}

impl Edges {
    /// The real ones: `$BROWSER` or the platform opener, and OSC 52.
    pub fn system() -> Self {
        Self {
            open_url: Box::new(|url, tx| {
                std::thread::spawn(move || {
                    if let Err(e) = webbrowser::open(&url) {
                        let _ = tx.send(Msg::Problem(format!("Could not open a browser: {e}")));
                    }
                });
            }),
            copy: Box::new(crate::terminal::copy_to_clipboard),
        }
    }
}

/// Everything commands need.
pub struct Runtime {
    pub store: SharedStore,
    pub fetcher: Fetcher,
    pub publications: Vec<Publication>,
    pub edges: Edges,
    pub tx: mpsc::UnboundedSender<Msg>,
    /// GitHub sign-in; `None` runs the reader without one (tests of the reader alone).
    pub auth: Option<Auth>,
    /// The running sign-in, so it can be cancelled.
    pub signin_task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Cache commands run one after another, in the order `update` issued them (a count read
    /// must see the mark-read before it); started on first use.
    pub cache_queue: std::sync::OnceLock<mpsc::UnboundedSender<Cmd>>,
    /// Searches run apart from the cache queue, newest query only; started on first use.
    pub searcher: std::sync::OnceLock<crate::search::Searcher>,
}

/// How many headlines one publication shows (the newest): enough to read, flat in memory.
const HEADLINE_LIMIT: usize = 500;

impl Runtime {
    /// Runs a command that only touches the local cache and returns its answer at once. Used
    /// before the first frame so it already shows cached news.
    pub fn run_now(&self, cmd: &Cmd) -> Option<Msg> {
        cache_cmd(&mut self.store.lock(), cmd)
    }

    fn cache_queue(&self) -> &mpsc::UnboundedSender<Cmd> {
        self.cache_queue.get_or_init(|| {
            let (queue, mut cmds) = mpsc::unbounded_channel::<Cmd>();
            let (store, tx) = (self.store.clone(), self.tx.clone());
            tokio::spawn(async move {
                while let Some(cmd) = cmds.recv().await {
                    match store.call(move |s| Ok(cache_cmd(s, &cmd))).await {
                        Ok(Some(msg)) => drop(tx.send(msg)),
                        Ok(None) => {}
                        Err(e) => drop(tx.send(Msg::Problem(format!("Cache: {e}")))),
                    }
                }
            });
            queue
        })
    }

    /// Housekeeping that must not delay the first frame: tell the cache the configured names
    /// (a write, which may wait for a `newsroom fetch` running elsewhere).
    pub fn after_first_frame(&self) {
        let store = self.store.clone();
        let names: Vec<(String, String)> = self
            .publications
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

    /// Starts a command; its result arrives later on the channel.
    pub fn exec(&self, cmd: Cmd) {
        let tx = self.tx.clone();
        match cmd {
            Cmd::OpenUrl(url) => (self.edges.open_url)(url, tx),
            Cmd::Copy(text) => {
                if let Err(e) = (self.edges.copy)(&text) {
                    let _ = tx.send(Msg::Problem(format!("Could not copy: {e}")));
                }
            }
            Cmd::Refresh { urls, force } => {
                let pubs: Vec<Publication> = self
                    .publications
                    .iter()
                    .filter(|p| urls.contains(&p.url))
                    .cloned()
                    .collect();
                // One task per publication: each result arrives as soon as it is ready, and the
                // fetcher's own semaphores bound how many run at once. When the batch is done the
                // cache refreshes its planner statistics (cheap, and keeps start-up fast).
                let (fetcher, store) = (self.fetcher.clone(), self.store.clone());
                tokio::spawn(async move {
                    let mut jobs = tokio::task::JoinSet::new();
                    for p in pubs {
                        let (fetcher, store, tx) = (fetcher.clone(), store.clone(), tx.clone());
                        jobs.spawn(async move {
                            let report = refresh::refresh_one(&fetcher, &store, &p, force).await;
                            let outcome = match report.status {
                                refresh::RefreshStatus::Updated { new, items } => {
                                    FeedOutcome::Updated { new, items }
                                }
                                refresh::RefreshStatus::NotModified => FeedOutcome::NotModified,
                                refresh::RefreshStatus::Fresh => FeedOutcome::Fresh,
                                refresh::RefreshStatus::Failed { message, .. } => {
                                    FeedOutcome::Failed(message)
                                }
                            };
                            let _ = tx.send(Msg::Refreshed {
                                url: report.url,
                                outcome,
                                at: Utc::now(),
                            });
                        });
                    }
                    while jobs.join_next().await.is_some() {}
                    if let Err(e) = store.call(|s| s.optimize()).await {
                        tracing::warn!("cache optimize failed: {e}");
                    }
                });
            }
            Cmd::CheckSession => {
                let Some(auth) = self.auth.clone() else {
                    return;
                };
                tokio::spawn(async move {
                    let msg = match auth.resume().await {
                        Ok(crate::auth::Session::SignedIn(s)) => AuthMsg::Resumed {
                            login: clean_line(&s.login),
                        },
                        Ok(crate::auth::Session::Offline { login, reason, .. }) => {
                            AuthMsg::ResumedOffline {
                                login: login.as_deref().map(clean_line),
                                reason: clean_line(&reason),
                            }
                        }
                        Err(AuthError::NotSignedIn { why, .. }) => AuthMsg::NeedsSignIn {
                            reason: why.as_deref().map(clean_line),
                        },
                        Err(e) => AuthMsg::NeedsSignIn {
                            reason: Some(clean(&e.to_string())),
                        },
                    };
                    let _ = tx.send(Msg::Auth(msg));
                });
            }
            Cmd::StartSignIn => {
                let Some(auth) = &self.auth else { return };
                let (etx, mut erx) = mpsc::unbounded_channel();
                let task = auth.spawn_sign_in(StorageChoice::Keyring, etx);
                let forward = tokio::spawn(async move {
                    while let Some(ev) = erx.recv().await {
                        let _ = tx.send(Msg::Auth(auth_msg(ev)));
                    }
                });
                drop(forward);
                if let Ok(mut slot) = self.signin_task.lock()
                    && let Some(old) = slot.replace(task)
                {
                    old.abort();
                }
            }
            Cmd::Search {
                query,
                filter,
                limit,
                generation,
            } => {
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
                    only: only(filter),
                    limit,
                    generation,
                    now: Utc::now(),
                });
            }
            Cmd::CancelSignIn => {
                if let Ok(mut slot) = self.signin_task.lock()
                    && let Some(task) = slot.take()
                {
                    task.abort();
                }
            }
            other => {
                let _ = self.cache_queue().send(other);
            }
        }
    }
}

/// A sign-in event as plain, clean data for the core. Times become wall-clock times here, at
/// the edge, so the core never reads a clock.
fn auth_msg(ev: AuthEvent) -> AuthMsg {
    let secs = |d: Duration| d.as_secs().max(1);
    match ev {
        AuthEvent::Code {
            user_code,
            verification_uri,
            expires_at,
        } => {
            let left = expires_at.saturating_duration_since(std::time::Instant::now());
            AuthMsg::Code {
                user_code: clean_line(&user_code),
                verification_uri: clean_line(&verification_uri),
                expires_at: Utc::now() + chrono::Duration::from_std(left).unwrap_or_default(),
            }
        }
        AuthEvent::Waiting => AuthMsg::Waiting,
        AuthEvent::SlowDown { interval } => AuthMsg::SlowDown {
            interval_secs: secs(interval),
        },
        AuthEvent::Offline { retry_in, .. } => AuthMsg::Offline {
            retry_in_secs: secs(retry_in),
        },
        AuthEvent::Verifying => AuthMsg::Verifying,
        AuthEvent::Done(s) => AuthMsg::SignedIn {
            login: clean_line(&s.login),
        },
        AuthEvent::Failed(e) => AuthMsg::Failed {
            message: clean(&e.to_string()),
        },
    }
}

fn only(filter: Filter) -> Only {
    match filter {
        Filter::All => Only::All,
        Filter::Unread => Only::Unread,
        Filter::Starred => Only::Starred,
    }
}

/// The cache half of the commands (blocking; run off the UI loop except at startup).
fn cache_cmd(s: &mut crate::store::Store, cmd: &Cmd) -> Option<Msg> {
    let problem = |e: crate::store::StoreError| Some(Msg::Problem(format!("Cache: {e}")));
    match cmd {
        Cmd::LoadHeadlines {
            url,
            filter,
            generation,
        } => match s.headlines_only(url, only(*filter), HEADLINE_LIMIT) {
            Ok(headlines) => Some(Msg::Headlines {
                generation: *generation,
                url: url.clone(),
                headlines,
            }),
            Err(e) => problem(e),
        },
        Cmd::LoadArticle { id } => match s.article(*id) {
            Ok(Some(a)) => Some(Msg::Article(Box::new(a))),
            Ok(None) => Some(Msg::Problem(
                "That article is no longer in the cache.".into(),
            )),
            Err(e) => problem(e),
        },
        Cmd::LoadUnreadCounts => match s.unread_counts() {
            Ok(c) => Some(Msg::UnreadCounts(c)),
            Err(e) => problem(e),
        },
        Cmd::SetRead { id, read } => s.set_read(*id, *read).err().and_then(problem),
        Cmd::SetStarred { id, starred } => s.set_starred(*id, *starred).err().and_then(problem),
        Cmd::MarkAllRead { url } => s.mark_all_read(url).err().and_then(problem),
        Cmd::Refresh { .. }
        | Cmd::Search { .. }
        | Cmd::OpenUrl(_)
        | Cmd::Copy(_)
        | Cmd::CheckSession
        | Cmd::StartSignIn
        | Cmd::CancelSignIn => None,
    }
}

/// The UI loop. Returns when the user quits, or when the terminal fails.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    runtime: &Runtime,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    events: impl Stream<Item = Msg> + Unpin,
) -> Result<(), B::Error> {
    // Cached news first: the first frame is drawn from the cache before any network request.
    let mut later = Vec::new();
    for cmd in app::init(state) {
        match runtime.run_now(&cmd) {
            Some(msg) if !matches!(cmd, Cmd::Refresh { .. }) => {
                later.extend(app::update(state, msg))
            }
            _ if matches!(cmd, Cmd::Refresh { .. }) => later.push(cmd),
            _ => {}
        }
    }
    terminal.draw(|f| ui::draw(f, state))?;
    runtime.after_first_frame();
    for cmd in later {
        runtime.exec(cmd);
    }

    let mut events = events.fuse();
    let mut ticks = tokio::time::interval(Duration::from_millis(125));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut quit_signal = Box::pin(crate::terminal_signals::quit_requested());
    while !state.quit {
        let msg = tokio::select! {
            Some(msg) = events.next() => msg,
            Some(msg) = rx.recv() => msg,
            _ = ticks.tick() => Msg::Tick(Utc::now()),
            () = &mut quit_signal => break,
        };
        for cmd in app::update(state, msg) {
            runtime.exec(cmd);
        }
        terminal.draw(|f| ui::draw(f, state))?;
    }
    Ok(())
}
