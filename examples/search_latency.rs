//! Search latency as the reader meets it, for `bench/search.py`: the real state, `update`,
//! runtime, searcher and drawing (into an off-screen terminal), with the real cache file. Each
//! query is typed one key at a time; the time of a keystroke runs from the key press until a
//! frame shows that query's results. A burst types a whole query without waiting and times the
//! last key to its results (stale queries must be dropped, not queued). Prints one JSON object.
//!
//!     search_latency CACHE.db QUERY... [--burst QUERY]...

use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use newsroom::app::{self, Cmd, KeyMap, Msg, State};
use newsroom::fetch::{FetchSettings, Fetcher};
use newsroom::runtime::{Edges, Runtime};
use newsroom::store::{SharedStore, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args
        .next()
        .ok_or("usage: search_latency CACHE.db QUERY... [--burst QUERY]")?;
    let (mut typed, mut bursts) = (Vec::new(), Vec::new());
    while let Some(a) = args.next() {
        if a == "--burst" {
            bursts.push(args.next().ok_or("--burst needs a query")?);
        } else {
            typed.push(a);
        }
    }
    let opened = Instant::now();
    let (mut store, _) = Store::open(std::path::Path::new(&db))?;
    let migrate = Instant::now();
    let backlog = store.search_backlog()?;
    newsroom::search::index_backlog(&mut store)?;
    let migrate_ms = ms(migrate.elapsed());
    let index_bytes = store.search_index_bytes()?;
    let open_ms = ms(opened.elapsed());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let runtime = Runtime::new(
            SharedStore::new(store),
            Fetcher::new(FetchSettings::default())?,
            Vec::new(),
            Edges {
                open_url: Box::new(|_, _| {}),
                copy: Box::new(|_| Ok(newsroom::app::Copied::Osc52)),
                real_terminal: false,
            },
            None,
            tx,
        );
        let mut state = State::new(
            [("Bench".to_owned(), "http://127.0.0.1:1/".to_owned())],
            KeyMap::new(&[], &[])?,
            Utc::now(),
            (120, 40),
        );
        let mut term = Terminal::new(TestBackend::new(120, 40))?;
        let key = |c: KeyCode| Msg::Key(KeyEvent::from(c));
        let mut send = |state: &mut State, msg: Msg| {
            for cmd in app::update(state, msg) {
                if matches!(cmd, Cmd::Cache(newsroom::app::CacheCmd::Search { .. })) {
                    runtime.exec(cmd);
                }
            }
        };
        // Waits until the results of the newest query are in the state, then draws them.
        async fn shown(
            state: &mut State,
            rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
            term: &mut Terminal<TestBackend>,
            send: &mut impl FnMut(&mut State, Msg),
        ) -> Result<usize, Box<dyn std::error::Error>> {
            let want = state.generation;
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                    .await?
                    .ok_or("runtime closed")?;
                let done =
                    matches!(&msg, Msg::SearchResults { generation, .. } if *generation == want);
                if let Msg::Problem(p) = &msg {
                    return Err(p.clone().into());
                }
                send(state, msg);
                if done {
                    term.draw(|f| newsroom::ui::draw(f, state))?;
                    return Ok(state.headlines.len());
                }
            }
        }
        let mut keystrokes = Vec::new();
        for q in &typed {
            send(&mut state, key(KeyCode::Char('/')));
            for (i, c) in q.char_indices() {
                let t = Instant::now();
                send(&mut state, key(KeyCode::Char(c)));
                let prefix = &q[..i + c.len_utf8()];
                if prefix.trim().is_empty() {
                    continue;
                }
                let hits = shown(&mut state, &mut rx, &mut term, &mut send).await?;
                keystrokes.push(serde_json::json!({
                    "query": prefix, "ms": ms(t.elapsed()), "hits": hits,
                }));
            }
            send(&mut state, key(KeyCode::Esc));
        }
        let mut burst = Vec::new();
        for q in &bursts {
            send(&mut state, key(KeyCode::Char('/')));
            let start = Instant::now();
            let mut last = start;
            for c in q.chars() {
                last = Instant::now();
                send(&mut state, key(KeyCode::Char(c)));
            }
            let hits = shown(&mut state, &mut rx, &mut term, &mut send).await?;
            burst.push(serde_json::json!({
                "query": q, "last_key_ms": ms(last.elapsed()), "total_ms": ms(start.elapsed()),
                "hits": hits,
            }));
            send(&mut state, key(KeyCode::Esc));
        }
        let out = serde_json::json!({
            "backlog": backlog, "migrate_ms": migrate_ms, "open_ms": open_ms,
            "index_bytes": index_bytes, "keystrokes": keystrokes, "bursts": burst,
        });
        println!("{out}");
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
