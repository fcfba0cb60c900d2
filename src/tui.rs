//! Starting the reader: open the cache, build the state, enter the terminal, run the loop, and
//! restore the terminal whatever happened.

use std::process::ExitCode;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::{KeyMap, State};
use crate::context::{Context, Failure};
use crate::fetch::{FetchSettings, Fetcher};
use crate::runtime::{Edges, Runtime};
use crate::store::{SharedStore, Store};

pub async fn run(ctx: &Context) -> Result<ExitCode, Failure> {
    let cfg = &ctx.config;
    let pub_keys: Vec<(Option<char>, String)> = cfg
        .publications
        .iter()
        .map(|p| (p.key, p.name.clone()))
        .collect();
    let keys = KeyMap::new(&cfg.keys, &pub_keys).map_err(Failure::Usage)?;
    let (mut store, notice) = Store::open(&ctx.db).map_err(|e| Failure::Runtime(e.to_string()))?;
    store.set_retention(&cfg.cache);
    // Once, for a cache from before search; before the terminal is taken, so the progress
    // shows on the user's screen as it is.
    crate::search::index_backlog(&mut store).map_err(|e| Failure::Runtime(e.to_string()))?;
    let fetcher = Fetcher::new(FetchSettings::from_config(&cfg.fetch))
        .map_err(|e| Failure::Runtime(e.to_string()))?;

    let auth = crate::auth::Auth::new(crate::auth::AuthSettings::from_env(
        &cfg.github,
        &ctx.paths.data_dir,
    ))
    .map_err(|e| Failure::Usage(e.to_string()))?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let storage_warning = ctx.insecure_storage.then(|| {
        format!(
            "warning: --insecure-storage: the token will be kept unencrypted in {}",
            auth.store().insecure_path().display()
        )
    });
    let runtime = Runtime::new(
        SharedStore::new(store),
        fetcher,
        cfg.publications.clone(),
        Edges::system(),
        Some(auth),
        tx,
    )
    .with_insecure_storage(ctx.insecure_storage)
    .with_sync(cfg.sync.enabled.then(|| ctx.config_file.clone()));
    runtime.watch_config(crate::runtime::config_watch::ConfigSource {
        explicit: ctx.config_explicit.clone(),
        default: ctx.paths.config_file.clone(),
        // Hidden, for the test of SIGHUP alone.
        watch: std::env::var_os("NEWSROOM_TEST_NO_CONFIG_WATCH").is_none(),
    });
    let mut terminal = crate::terminal::enter()
        .map_err(|e| Failure::Runtime(format!("cannot use this terminal: {e}")))?;
    let size = terminal.size().map_or((80, 24), |s| (s.width, s.height));
    let mut state = State::new(
        cfg.publications
            .iter()
            .map(|p| (p.name.clone(), p.url.clone())),
        keys,
        Utc::now(),
        size,
    );
    state.refresh_every = cfg.fetch.refresh_every;
    state.config_path = Some(ctx.config_file.display().to_string());
    state.storage_warning = storage_warning;
    // The one place the zone is read from the environment (`TZ`); the core gets it as data.
    state.zone = crate::timefmt::zone(cfg.ui.utc);
    state.enclosure_commands = cfg.commands.clone();
    state.github_pubs = crate::github::pubs::publications(cfg.github.inbox, cfg.github.releases);
    // Cached news shows at once while the stored token is checked in the background.
    runtime.exec(crate::app::check_session(&mut state));
    if let Some(n) = notice {
        crate::app::update(&mut state, crate::app::Msg::Problem(n));
    }
    for note in state.keys.yielded().to_vec() {
        crate::app::update(&mut state, crate::app::Msg::Info(note));
    }
    // As the CLI prints it: in the status bar, and on the sign-in screen while it shows.
    if let Some(w) = state.storage_warning.clone() {
        crate::app::update(&mut state, crate::app::Msg::Problem(w));
    }
    state.sync.enabled = cfg.sync.enabled;
    state.theme = cfg.theme;
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        state.theme.color = false;
    }
    let result = crate::runtime::run(
        &mut terminal,
        &mut state,
        &runtime,
        &mut rx,
        crate::terminal::events(),
    )
    .await;
    crate::terminal::leave();
    if cfg.sync.enabled {
        crate::sync::round::on_quit(runtime.github_session(), runtime.store(), &ctx.config_file)
            .await;
    }
    result.map_err(|e| Failure::Runtime(format!("terminal error: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
