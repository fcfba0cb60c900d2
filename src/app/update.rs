//! The one door for change: `update(state, msg)` applies a message and returns the commands the
//! runtime should run. Pure: no IO, no clock (time arrives in `Msg::Tick`).

use ratatui::crossterm::event::{KeyCode, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::msg::{CacheCmd, Cmd, FeedCmd, FeedOutcome, GithubCmd, Msg, SystemCmd};
use super::signin::{AuthMsg, Phase, SignIn};
use super::state::{
    ArticleView, FeedStatus, Focus, FullTextView, Notice, NoticeKind, SEARCH_PAGE, Session, State,
};
use crate::keys::{Action, Key, Mode};

/// The commands to run at startup: load what is cached, then refresh what is stale.
pub fn init(state: &mut State) -> Vec<Cmd> {
    let mut cmds = vec![CacheCmd::LoadUnreadCounts.into()];
    cmds.push(super::views::starred_count_cmd(state));
    cmds.extend(load_headlines(state));
    cmds.extend(refresh(state, (0..state.pubs.len()).collect(), false));
    cmds
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    let cmds = apply(state, msg);
    // The panes follow the focus (full screen) and `<` / `>`: the article is wrapped to the
    // pane it is drawn in (a no-op when its width did not change).
    clamp_scroll(state);
    // Every notice, however it was set, is kept for `M`.
    super::messages::record(state);
    cmds
}

fn apply(state: &mut State, msg: Msg) -> Vec<Cmd> {
    // A tick changes the screen only now and then (see `on_tick`); everything else may.
    if !matches!(msg, Msg::Tick(_)) {
        state.redraw = true;
    }
    let cmds = match msg {
        Msg::Key(ev) => {
            if ev.kind != KeyEventKind::Press {
                return vec![];
            }
            on_key(state, Key::from_event(&ev))
        }
        Msg::Mouse(ev) => on_mouse(state, ev.kind, Position::new(ev.column, ev.row)),
        Msg::Resize(w, h) => {
            state.viewport = (w, h);
            clamp_scroll(state);
            vec![]
        }
        Msg::Tick(now) => {
            // What a tick can change on screen: a spinner or countdown, a notice fading, and
            // times shown to the minute.
            let minute = |t: chrono::DateTime<chrono::Utc>| t.timestamp().div_euclid(60);
            let moved = animating(state) || minute(now) != minute(state.now);
            state.now = now;
            state.frame = state.frame.wrapping_add(1);
            // Messages fade; what lasts (offline, a feed's error) has its own place on screen.
            let shown_for = |kind| if kind == NoticeKind::Info { 8 } else { 30 };
            let faded = state
                .notice
                .as_ref()
                .is_some_and(|n| (now - n.at).num_seconds() >= shown_for(n.kind));
            if faded {
                state.notice = None;
            }
            state.redraw |= moved || faded;
            match (state.refresh_every, state.last_auto_refresh) {
                (Some(every), Some(last))
                    if (now - last).to_std().is_ok_and(|d| d >= every) && !state.is_loading() =>
                {
                    state.last_auto_refresh = Some(now);
                    refresh(state, (0..state.pubs.len()).collect(), false)
                }
                _ => vec![],
            }
        }
        Msg::Headlines {
            generation,
            url,
            headlines,
        } => {
            if generation != state.generation {
                return vec![]; // a newer request is in flight: this answer is stale
            }
            // Keep the cursor on the same article when the list changes under it.
            let keep = state.current_headline().map(|h| h.id);
            let same_pub = state.headlines_of.as_deref() == Some(url.as_str());
            state.headlines = headlines;
            state.headlines_of = Some(url);
            state.cursor = match keep {
                Some(id) if same_pub => {
                    state.headlines.iter().position(|h| h.id == id).unwrap_or(0)
                }
                _ => 0,
            };
            super::navigate::arrived(state)
        }
        Msg::SearchResults { generation, hits } => {
            if generation != state.generation || state.search.is_none() {
                return vec![];
            }
            let keep = state.current_headline().map(|h| h.id);
            let (headlines, pubs): (Vec<_>, Vec<_>) = hits
                .into_iter()
                .map(|h| (h.headline, h.publication))
                .unzip();
            state.headlines = headlines;
            if let Some(s) = &mut state.search {
                s.more = pubs.len() >= s.limit;
                s.publications = pubs;
            }
            state.cursor = keep
                .and_then(|id| state.headlines.iter().position(|h| h.id == id))
                .unwrap_or(0);
            vec![]
        }
        Msg::Article {
            request,
            article,
            text,
        } => {
            if request != state.requests.article {
                return vec![]; // the user opened another article since
            }
            let width = state.areas().article_text_width();
            let clock = super::article::Clock {
                zone: state.zone.clone(),
                now: state.now,
            };
            state.article = Some(ArticleView::new_in(*article, text, width, clock));
            state.links = None; // they were the previous article's
            vec![]
        }
        Msg::FullText { id, result } => {
            // An answer for an article no longer open is already in the cache: nothing to show.
            let Some(a) = state
                .article
                .as_mut()
                .filter(|a| a.article.headline.id == id)
            else {
                return vec![];
            };
            match result {
                Ok(text) => {
                    a.article.full_text = Some(crate::gate::clean(&text));
                    if a.full == FullTextView::Loading {
                        a.full = FullTextView::Full;
                        a.scroll = 0;
                    }
                }
                Err(why) => {
                    let why = crate::gate::clean_line(&why);
                    // Only an answer the reader is waiting for changes the view; a background
                    // failure is remembered quietly.
                    if a.full == FullTextView::Loading {
                        a.full = FullTextView::Failed(why.clone());
                    }
                    a.article.full_text_error = Some(why);
                }
            }
            // The shown text may have changed: wrap it again.
            a.rewrap();
            clamp_scroll(state);
            vec![]
        }
        Msg::Refreshed {
            request,
            url,
            outcome,
            at,
        } => on_refreshed(state, request, &url, &outcome, at),
        Msg::UnreadCounts(counts) => {
            for p in &mut state.pubs {
                p.unread = counts.get(&p.url).copied().unwrap_or(0);
            }
            vec![]
        }
        Msg::Problem(text) => {
            state.notice = Some(Notice {
                text,
                kind: NoticeKind::Error,
                at: state.now,
            });
            vec![]
        }
        Msg::Copied { text, result } => {
            let (kind, text) = match result {
                Ok(crate::app::Copied::By(_)) => (NoticeKind::Info, format!("Copied {text}")),
                // Nothing confirms an OSC 52 request, so say what was done, not that it worked.
                Ok(crate::app::Copied::Osc52) => (
                    NoticeKind::Info,
                    format!("Asked the terminal to copy {text} (OSC 52; some terminals ignore it)"),
                ),
                Err(e) => (NoticeKind::Error, format!("Could not copy: {e}")),
            };
            notice(state, kind, text);
            vec![]
        }
        Msg::Info(text) => {
            state.notice = Some(Notice {
                text,
                kind: NoticeKind::Info,
                at: state.now,
            });
            vec![]
        }
        Msg::ViewHeadlines {
            generation,
            view,
            rows,
        } => super::views::on_rows(state, generation, view, rows),
        Msg::StarredCount(n) => {
            state.starred = n;
            vec![]
        }
        Msg::MarkedAllRead { url, ids } => super::undo::on_marked(state, url, ids),
        Msg::Auth { attempt, msg } => {
            if attempt != state.requests.auth {
                return vec![]; // from a sign-in or check that was cancelled or replaced
            }
            let fresh = matches!(msg, AuthMsg::SignedIn { .. } | AuthMsg::Resumed { .. });
            let mut cmds = on_auth(state, msg);
            if fresh {
                cmds.extend(super::sync::on_signed_in(state));
            }
            cmds
        }
        Msg::ConfigReloaded { asked, result } => super::reload::on_reloaded(state, asked, result),
        Msg::Synced { round, outcome } => super::sync::on_synced(state, round, outcome),
    };
    super::sync::watch(state, cmds)
}

/// Something on screen moves by itself (a spinner, the sign-in countdown): the loop ticks fast
/// and redraws on each tick only while this holds.
#[must_use]
pub fn animating(state: &State) -> bool {
    state.is_loading() || state.signin.is_some()
}

fn on_auth(state: &mut State, m: AuthMsg) -> Vec<Cmd> {
    let progress = |state: &mut State, text: String| {
        if let Some(si) = &mut state.signin {
            si.progress = Some(text);
        }
    };
    match m {
        AuthMsg::Resumed { login } => {
            state.session = Session::SignedIn { login };
            state.signin = None;
            return show_github_pubs(state);
        }
        AuthMsg::ResumedOffline { login, reason } => {
            if login.is_some() {
                // Offline start: the GitHub publications show what is cached.
                add_github_pubs(state);
            }
            state.session = Session::Offline { login };
            notice(
                state,
                NoticeKind::Error,
                format!("Offline: {reason}. Showing cached news."),
            );
        }
        AuthMsg::NeedsSignIn { reason } => {
            state.session = Session::Anonymous;
            state.signin = Some(SignIn::starting(reason));
            return vec![start_sign_in(state)];
        }
        AuthMsg::Code {
            user_code,
            verification_uri,
            expires_at,
        } => {
            if let Some(si) = &mut state.signin {
                let qr = super::signin::qr_lines(&verification_uri);
                si.phase = Phase::Code {
                    user_code,
                    verification_uri,
                    expires_at,
                    qr,
                };
                si.progress = Some("Waiting for you to approve…".into());
            }
        }
        AuthMsg::Waiting => progress(state, "Waiting for you to approve…".into()),
        AuthMsg::SlowDown { interval_secs } => {
            progress(
                state,
                format!("GitHub asked newsroom to slow down: checking every {interval_secs} s"),
            );
        }
        AuthMsg::Offline { retry_in_secs } => {
            progress(state, format!("offline, retrying in {retry_in_secs} s"));
        }
        AuthMsg::Verifying => {
            if let Some(si) = &mut state.signin {
                si.phase = Phase::Verifying;
                si.progress = None;
            }
        }
        AuthMsg::SignedIn { login } => {
            state.signin = None;
            notice(state, NoticeKind::Info, format!("Signed in as @{login}"));
            state.session = Session::SignedIn { login };
            let mut cmds = vec![CacheCmd::LoadUnreadCounts.into()];
            cmds.extend(load_headlines(state));
            cmds.extend(show_github_pubs(state));
            return cmds;
        }
        AuthMsg::Failed { message } => {
            if let Some(si) = &mut state.signin {
                si.phase = Phase::Stopped { message };
                si.progress = None;
            }
        }
        AuthMsg::MissingScope {
            scope,
            message,
            from_env,
        } => {
            let text = if from_env {
                message
            } else {
                if !state.missing_scopes.contains(&scope) {
                    state.missing_scopes.push(scope);
                }
                let key = state.keys.hint(Action::SignIn);
                format!("{message} — press {key} to sign in again")
            };
            notice(state, NoticeKind::Error, text);
        }
        AuthMsg::Revoked { message } => {
            state.session = Session::Anonymous;
            state.signin = Some(SignIn::starting(Some(message)));
            return vec![start_sign_in(state)];
        }
        AuthMsg::NoClientId { web_url } => {
            if let Some(si) = &mut state.signin {
                si.phase = Phase::NeedsClientId { web_url, scroll: 0 };
                si.progress = None;
            }
        }
    }
    vec![]
}

/// Keys on the sign-in screen, from its own table: copy the code, open the page, cancel, try
/// again, quit.
fn on_signin_key(state: &mut State, key: Key) -> Vec<Cmd> {
    let Some(si) = &mut state.signin else {
        return vec![];
    };
    let Some(action) = state.keys.action_in(Mode::SignIn, key) else {
        return vec![];
    };
    let showing_code = matches!(si.phase, Phase::Code { .. });
    match (action, &si.phase) {
        (Action::Quit, _) => {
            state.quit = true;
            vec![]
        }
        (Action::CopyCode, Phase::Code { user_code, .. }) => {
            // The notice comes with the answer, `Msg::Copied`: only then is it known.
            vec![SystemCmd::Copy(user_code.clone()).into()]
        }
        (
            Action::Confirm | Action::OpenPage,
            Phase::Code {
                verification_uri, ..
            },
        ) => match crate::gate::safe_url(verification_uri) {
            Some(url) => vec![SystemCmd::OpenUrl(url).into()],
            None => vec![],
        },
        (Action::Back, Phase::Starting | Phase::Code { .. } | Phase::Verifying) => {
            si.phase = Phase::Stopped {
                message: "Sign-in cancelled.".into(),
            };
            si.progress = None;
            // Answers of the cancelled attempt are dropped from now on.
            state.requests.auth = state.requests.fresh();
            vec![GithubCmd::CancelSignIn.into()]
        }
        // The first run: Enter reads the config again, and signs in if a client id is there.
        (Action::Confirm | Action::Retry, Phase::NeedsClientId { .. }) => {
            vec![SystemCmd::ReloadConfig.into()]
        }
        (Action::Down | Action::Up, Phase::NeedsClientId { .. }) => {
            super::first_run::scroll(state, if action == Action::Down { 1 } else { -1 });
            vec![]
        }
        (Action::Confirm | Action::Retry, Phase::Stopped { .. }) if !showing_code => {
            si.phase = Phase::Starting;
            vec![start_sign_in(state)]
        }
        _ => vec![],
    }
}

fn on_refreshed(
    state: &mut State,
    request: u64,
    url: &str,
    outcome: &FeedOutcome,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<Cmd> {
    let Some(i) = state
        .pubs
        .iter()
        .position(|p| p.url == url && p.refresh_request == request)
    else {
        return vec![]; // not a publication, or a newer refresh of it is running
    };
    let mut cmds = vec![];
    let changed = match &outcome {
        FeedOutcome::Updated { new, first, .. } => {
            state.pubs[i].status = FeedStatus::Idle;
            // A first fetch brings the whole feed, not articles that arrived while reading:
            // nothing to announce. (Comparing `new` with the feed's item count is not enough:
            // a feed that repeats GUIDs has fewer new articles than items.)
            if !first && (i != state.selected || state.focus == Focus::Publications) {
                state.pubs[i].new += u32::try_from(*new).unwrap_or(u32::MAX);
            }
            *new > 0 || state.headlines_of.as_deref() != Some(url)
        }
        FeedOutcome::NotModified | FeedOutcome::Fresh => {
            state.pubs[i].status = FeedStatus::Idle;
            false
        }
        FeedOutcome::Failed(why) => {
            state.pubs[i].status = FeedStatus::Failed(why.clone());
            false
        }
        FeedOutcome::NeedsScope { scope, from_env } => {
            let what = if *from_env {
                format!(
                    "Needs the `{scope}` scope: give it to the token in {}",
                    crate::auth::ENV_TOKEN
                )
            } else {
                if !state.missing_scopes.contains(scope) {
                    state.missing_scopes.push(scope.clone());
                }
                format!(
                    "Needs the `{scope}` scope: {} signs in to grant it",
                    state.keys.hint(Action::SignIn)
                )
            };
            state.pubs[i].status = FeedStatus::NeedsScope(what);
            false
        }
    };
    if !matches!(
        outcome,
        FeedOutcome::Fresh | FeedOutcome::Failed(_) | FeedOutcome::NeedsScope { .. }
    ) {
        state.last_refresh = Some(at);
    }
    if changed {
        cmds.push(CacheCmd::LoadUnreadCounts.into());
        // A view draws from every publication: any of them changing changes it.
        if (i == state.selected || state.view.is_some()) && state.search.is_none() {
            cmds.extend(load_headlines(state));
        }
    }
    cmds
}

fn on_key(state: &mut State, key: Key) -> Vec<Cmd> {
    if state.signin.is_some() {
        return on_signin_key(state, key);
    }
    if state.search.as_ref().is_some_and(|s| s.editing) {
        return on_search_key(state, key);
    }
    if state.messages_view.is_some() {
        return super::messages::on_key(state, key);
    }
    if state.help {
        // The overlay is modal, with its own table: close (Esc, ?, q) or quit (Ctrl-c).
        let names: Vec<String> = state.pubs.iter().map(|p| p.name.clone()).collect();
        let rows = state.keys.help_rows(&names).len();
        let (w, h) = state.viewport;
        let layout = crate::layout::HelpLayout::of(ratatui::layout::Rect::new(0, 0, w, h), rows);
        let page = layout.visible.saturating_sub(1).max(1);
        let scroll = &mut state.help_scroll;
        match state.keys.action_in(Mode::Help, key) {
            Some(Action::Back) => state.help = false,
            Some(Action::Quit) => state.quit = true,
            Some(Action::Down) => *scroll += 1,
            Some(Action::Up) => *scroll = scroll.saturating_sub(1),
            Some(Action::PageDown) => *scroll += page,
            Some(Action::PageUp) => *scroll = scroll.saturating_sub(page),
            Some(Action::Top) => *scroll = 0,
            Some(Action::Bottom) => *scroll = usize::MAX,
            _ => {}
        }
        *scroll = (*scroll).min(layout.max_scroll());
        return vec![];
    }
    if state.links.is_some() {
        return super::links::on_key(state, key);
    }
    let action = state.keys.action(key);
    if let Some(action) = action {
        return on_action(state, action);
    }
    if let Some(i) = state.keys.publication_for(key) {
        return select_pub(state, i);
    }
    vec![]
}

fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => {
            state.quit = true;
            vec![]
        }
        Action::Help => {
            state.help = true;
            state.help_scroll = 0;
            vec![]
        }
        Action::Back if state.search.is_some() && state.focus != Focus::Article => {
            close_search(state)
        }
        Action::Back => {
            state.focus = match state.focus {
                Focus::Article => Focus::Headlines,
                Focus::Headlines | Focus::Publications => Focus::Publications,
            };
            vec![]
        }
        Action::FocusNext | Action::FocusRight => {
            let wrap = action == Action::FocusNext;
            state.focus = match state.focus {
                Focus::Publications => Focus::Headlines,
                Focus::Headlines if state.article.is_some() => Focus::Article,
                Focus::Headlines if wrap => Focus::Publications,
                Focus::Article if wrap => Focus::Publications,
                f => f,
            };
            vec![]
        }
        Action::FocusPrev | Action::FocusLeft => {
            let wrap = action == Action::FocusPrev;
            state.focus = match state.focus {
                Focus::Article => Focus::Headlines,
                Focus::Headlines => Focus::Publications,
                Focus::Publications if wrap && state.article.is_some() => Focus::Article,
                Focus::Publications if wrap => Focus::Headlines,
                f @ Focus::Publications => f,
            };
            vec![]
        }
        Action::Down => step(state, 1),
        Action::Up => step(state, -1),
        Action::Top => step(state, i64::MIN / 2),
        Action::Bottom => step(state, i64::MAX / 2),
        Action::PageDown | Action::PageUp => {
            let sign = if action == Action::PageDown { 1 } else { -1 };
            if state.article.is_some() && state.focus != Focus::Publications {
                let page = i32::from(state.areas().article_text_height().max(2) - 1);
                scroll_article(state, sign * page);
                vec![]
            } else {
                let page = i64::from(state.areas().headlines.height.saturating_sub(2).max(1));
                step(state, i64::from(sign) * page)
            }
        }
        Action::Open => match state.focus {
            Focus::Publications => {
                state.focus = Focus::Headlines;
                vec![]
            }
            Focus::Headlines => open_current(state),
            // Reading a result: Enter opens the selected one, wherever the search began.
            Focus::Article if state.search.is_some() => open_current(state),
            // Reading on: Enter in the article is `n`.
            Focus::Article => super::navigate::unread(state, true),
        },
        Action::OpenInBrowser | Action::CopyLink => {
            let link = match (&state.article, state.focus) {
                (Some(a), Focus::Article) => a.article.headline.link.clone(),
                _ => state.current_headline().and_then(|h| h.link.clone()),
            };
            match link.as_deref().and_then(crate::gate::safe_url) {
                Some(url) if action == Action::OpenInBrowser => {
                    notice(state, NoticeKind::Info, format!("Opening {url}"));
                    vec![SystemCmd::OpenUrl(url).into()]
                }
                // The notice comes with the answer, `Msg::Copied`: only then is it known.
                Some(url) => vec![SystemCmd::Copy(url).into()],
                None => {
                    notice(
                        state,
                        NoticeKind::Error,
                        "This article has no web link".into(),
                    );
                    vec![]
                }
            }
        }
        Action::FullText => toggle_full_text(state),
        Action::Refresh => refresh(state, vec![state.selected], true),
        Action::RefreshAll => refresh(state, (0..state.pubs.len()).collect(), true),
        Action::ToggleRead => {
            let Some(h) = state.headlines.get_mut(state.cursor) else {
                return vec![];
            };
            h.read = !h.read;
            let (id, read) = (h.id, h.read);
            if state.search.is_some() {
                // A result may belong to any publication: ask the cache for the counts.
                return vec![
                    CacheCmd::SetRead { id, read }.into(),
                    CacheCmd::LoadUnreadCounts.into(),
                ];
            }
            if let Some(p) = super::views::counted_pub(state) {
                p.unread = if read {
                    p.unread.saturating_sub(1)
                } else {
                    p.unread + 1
                };
            }
            let mut cmds = vec![CacheCmd::SetRead { id, read }.into()];
            // GitHub can mark a thread read, not unread again.
            if read && (on_inbox(state) || super::views::current_is_inbox(state)) {
                cmds.push(
                    GithubCmd::MarkThread {
                        article: id,
                        done: false,
                    }
                    .into(),
                );
            }
            cmds
        }
        Action::ToggleStar => {
            let Some(h) = state.headlines.get_mut(state.cursor) else {
                return vec![];
            };
            h.starred = !h.starred;
            let (id, starred) = (h.id, h.starred);
            super::views::starred_changed(state, starred);
            vec![CacheCmd::SetStarred { id, starred }.into()]
        }
        Action::MarkAllRead if state.view.is_some() && state.search.is_none() => {
            let text = format!(
                "{} marks one publication read: select it first (1-9, or move onto it)",
                state.keys.hint(Action::MarkAllRead)
            );
            notice(state, NoticeKind::Error, text);
            vec![]
        }
        Action::MarkAllRead if state.search.is_some() => {
            notice(
                state,
                NoticeKind::Error,
                "Close the search (Esc) to mark a publication read".into(),
            );
            vec![]
        }
        Action::MarkAllRead => {
            let Some(p) = state.pubs.get_mut(state.selected) else {
                return vec![];
            };
            p.unread = 0;
            p.new = 0;
            let url = p.url.clone();
            for h in &mut state.headlines {
                h.read = true;
            }
            let mut cmds = vec![];
            if url == crate::model::GITHUB_INBOX {
                cmds.push(GithubCmd::MarkAllThreadsRead { at: state.now }.into());
                notice(state, NoticeKind::Info, "Marked all read on GitHub".into());
            }
            cmds.insert(0, CacheCmd::MarkAllRead { url }.into());
            cmds
        }
        Action::Done => mark_done(state),
        Action::Filter if state.view.is_some() && state.search.is_none() => {
            let text = format!(
                "A view is its own filter: {} filters a publication's list",
                state.keys.hint(Action::Filter)
            );
            notice(state, NoticeKind::Info, text);
            vec![]
        }
        Action::Undo => super::undo::undo(state),
        Action::Enclosure => super::enclosure::play(state),
        Action::Messages => super::messages::open(state),
        Action::Filter => {
            state.filter = state.filter.next();
            notice(
                state,
                NoticeKind::Info,
                format!("Showing {} articles", state.filter.label()),
            );
            if state.search.is_some() {
                // The title says the filter applies, so it applies to the results too.
                return search_cmd(state, SEARCH_PAGE);
            }
            load_headlines(state)
        }
        Action::SignIn => {
            state.signin = Some(SignIn::starting(None));
            vec![start_sign_in(state)]
        }
        Action::ReloadConfig => vec![SystemCmd::ReloadConfig.into()],
        // The sign-in screen's own actions: nothing in the reader.
        Action::Confirm | Action::OpenPage | Action::CopyCode | Action::Retry => vec![],
        Action::Search => {
            state.pending = None;
            let s = state.search.get_or_insert_with(Default::default);
            s.editing = true;
            state.focus = Focus::Headlines;
            // Results of loads started before the search are stale now.
            state.generation += 1;
            vec![]
        }
        Action::NextUnread => super::navigate::unread(state, true),
        Action::PrevUnread => super::navigate::unread(state, false),
        Action::NextArticle => super::navigate::article(state, true),
        Action::PrevArticle => super::navigate::article(state, false),
        Action::FullScreen => super::panes::toggle_full_screen(state),
        Action::NarrowPane => super::panes::resize_pubs(state, false),
        Action::WidenPane => super::panes::resize_pubs(state, true),
        Action::Links => super::links::open(state),
        Action::ViewUnread => super::views::show(state, crate::model::View::Unread),
        Action::ViewStarred => super::views::show(state, crate::model::View::Starred),
    }
}

/// `F`: the story from the article's page, or back to the feed's text. Fetches only when no
/// story is stored yet (or the last try failed: `F` tries again).
fn toggle_full_text(state: &mut State) -> Vec<Cmd> {
    let Some(a) = &mut state.article else {
        notice(
            state,
            NoticeKind::Error,
            "Open an article first (Enter), then F fetches its full text".into(),
        );
        return vec![];
    };
    a.scroll = 0;
    match (&a.full, &a.article.full_text) {
        (FullTextView::Full | FullTextView::Loading, _) => {
            a.full = FullTextView::Feed;
            a.rewrap();
            vec![]
        }
        (_, Some(_)) => {
            a.full = FullTextView::Full;
            a.rewrap();
            vec![]
        }
        (FullTextView::Feed | FullTextView::Failed(_), None) => {
            if a.article.headline.link.is_none() {
                a.full = FullTextView::Failed("this article has no web link".into());
                a.rewrap();
                return vec![];
            }
            a.full = FullTextView::Loading;
            a.rewrap();
            vec![
                FeedCmd::FetchFullText {
                    id: a.article.headline.id,
                }
                .into(),
            ]
        }
    }
}

pub(super) fn notice(state: &mut State, kind: NoticeKind, text: String) {
    state.notice = Some(Notice {
        text,
        kind,
        at: state.now,
    });
}

/// Moves within the focused pane; `delta` saturates at either end.
fn step(state: &mut State, delta: i64) -> Vec<Cmd> {
    match state.focus {
        Focus::Publications => super::views::step_pub_pane(state, delta),
        Focus::Headlines => {
            let last = state.headlines.len().saturating_sub(1);
            state.cursor = clamp_index(state.cursor, delta, last);
            more_results(state)
        }
        Focus::Article => {
            let d = i32::try_from(delta.clamp(-100_000, 100_000)).unwrap_or(0);
            scroll_article(state, d);
            vec![]
        }
    }
}

fn clamp_index(current: usize, delta: i64, last: usize) -> usize {
    let cur = i64::try_from(current).unwrap_or(0);
    let last_i = i64::try_from(last).unwrap_or(0);
    usize::try_from(cur.saturating_add(delta).clamp(0, last_i)).unwrap_or(0)
}

fn scroll_article(state: &mut State, delta: i32) {
    if let Some(a) = &mut state.article {
        let s = i32::from(a.scroll) + delta;
        a.scroll = u16::try_from(s.max(0)).unwrap_or(u16::MAX);
    }
    clamp_scroll(state);
}

/// Keeps the article's scroll within its wrapped length at the current size.
fn clamp_scroll(state: &mut State) {
    let areas = state.areas();
    if let Some(a) = &mut state.article {
        a.wrap(areas.article_text_width());
        let lines = a.line_count();
        let max = lines.saturating_sub(usize::from(areas.article_text_height()));
        a.scroll = a.scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
    }
}

/// Typing a search: characters edit the query (results follow as you type); arrows,
/// `Ctrl-n`/`Ctrl-p`, `PgDn`/`PgUp`, `Home`/`End` move in the results; Tab leaves the query
/// for the results (where every headline key works, `f` included); Enter opens the selected
/// result; Esc closes the search.
fn on_search_key(state: &mut State, key: Key) -> Vec<Cmd> {
    let rows = state.areas().headlines.height;
    let Some(search) = &mut state.search else {
        return vec![];
    };
    let page = || i64::from(rows.saturating_sub(2).max(1));
    // The search mode's own table: moving, opening, leaving; every other key types.
    let action = state.keys.action_in(Mode::Search, key);
    let moved = match action {
        Some(Action::Down) => Some(1),
        Some(Action::Up) => Some(-1),
        Some(Action::PageDown) => Some(page()),
        Some(Action::PageUp) => Some(-page()),
        Some(Action::Top) => Some(i64::MIN / 2),
        Some(Action::Bottom) => Some(i64::MAX / 2),
        _ => None,
    };
    if let Some(d) = moved {
        state.cursor = clamp_index(state.cursor, d, state.headlines.len().saturating_sub(1));
        return more_results(state);
    }
    match action {
        Some(Action::Quit) => {
            state.quit = true;
            return vec![];
        }
        Some(Action::Back) => return close_search(state),
        Some(Action::Open) => {
            search.editing = false;
            return open_current(state);
        }
        Some(Action::FocusNext) => {
            search.editing = false;
            state.focus = Focus::Headlines;
            return vec![];
        }
        _ => {}
    }
    match key.code {
        KeyCode::Backspace => {
            search.query.pop();
            search_cmd(state, SEARCH_PAGE)
        }
        KeyCode::Char(c) if !key.ctrl && !c.is_control() => {
            if search.query.chars().count() < 200 {
                search.query.push(c);
            }
            search_cmd(state, SEARCH_PAGE)
        }
        _ => vec![],
    }
}

/// Asks for `limit` results of the current query (with the current filter).
fn search_cmd(state: &mut State, limit: usize) -> Vec<Cmd> {
    let Some(s) = &mut state.search else {
        return vec![];
    };
    state.generation += 1;
    s.limit = limit;
    let query = s.query.trim().to_owned();
    if query.is_empty() {
        s.more = false;
        s.publications.clear();
        state.headlines.clear();
        state.cursor = 0;
        return vec![];
    }
    vec![
        CacheCmd::Search {
            query,
            filter: state.filter,
            limit,
            generation: state.generation,
        }
        .into(),
    ]
}

/// The next page of results, once the cursor is on the last one and there may be more.
fn more_results(state: &mut State) -> Vec<Cmd> {
    match &state.search {
        Some(s) if s.more && state.cursor + 1 >= state.headlines.len() => {
            let limit = s.limit + SEARCH_PAGE;
            if let Some(s) = &mut state.search {
                // Asked once: the answer says whether there is yet more.
                s.more = false;
            }
            search_cmd(state, limit)
        }
        _ => vec![],
    }
}

fn close_search(state: &mut State) -> Vec<Cmd> {
    state.search = None;
    state.headlines.clear();
    state.headlines_of = None;
    state.cursor = 0;
    load_headlines(state)
}

pub(super) fn select_pub(state: &mut State, i: usize) -> Vec<Cmd> {
    if i >= state.pubs.len() {
        return vec![];
    }
    state.pending = None;
    super::views::leave(state);
    if state.search.is_some() {
        state.search = None;
        state.headlines_of = None;
    }
    if state.focus == Focus::Article {
        state.focus = Focus::Headlines;
    }
    if i == state.selected && state.headlines_of.is_some() {
        return vec![];
    }
    state.selected = i;
    state.pubs[i].new = 0;
    state.cursor = 0;
    state.headlines.clear();
    state.headlines_of = None;
    load_headlines(state)
}

pub(super) fn load_headlines(state: &mut State) -> Vec<Cmd> {
    if state.view.is_some() {
        return super::views::load(state);
    }
    let Some(p) = state.pubs.get(state.selected) else {
        return vec![];
    };
    state.generation += 1;
    vec![
        CacheCmd::LoadHeadlines {
            url: p.url.clone(),
            filter: state.filter,
            generation: state.generation,
        }
        .into(),
    ]
}

pub(super) fn open_current(state: &mut State) -> Vec<Cmd> {
    let Some(h) = state.headlines.get_mut(state.cursor) else {
        return vec![];
    };
    let id = h.id;
    let first_read = !h.read;
    h.read = true;
    state.pending = None; // an article chosen: `n` waiting for a list is done
    state.requests.article = state.requests.fresh();
    let mut cmds = vec![
        CacheCmd::LoadArticle {
            id,
            request: state.requests.article,
        }
        .into(),
    ];
    if first_read {
        cmds.push(CacheCmd::SetRead { id, read: true }.into());
        if on_inbox(state) || super::views::current_is_inbox(state) {
            cmds.push(
                GithubCmd::MarkThread {
                    article: id,
                    done: false,
                }
                .into(),
            );
        }
        if state.search.is_some() {
            cmds.push(CacheCmd::LoadUnreadCounts.into());
        } else if let Some(p) = super::views::counted_pub(state) {
            p.unread = p.unread.saturating_sub(1);
        }
    }
    state.focus = Focus::Article;
    cmds
}

pub(super) fn refresh(state: &mut State, which: Vec<usize>, force: bool) -> Vec<Cmd> {
    let request = state.requests.fresh();
    // GitHub asks not to be polled sooner than it says: only `r` on that publication does.
    let github_force = force && which.len() == 1;
    let mut urls = Vec::new();
    let mut cmds: Vec<Cmd> = Vec::new();
    for i in which {
        if let Some(p) = state.pubs.get_mut(i)
            && p.status != FeedStatus::Loading
        {
            p.status = FeedStatus::Loading;
            p.refresh_request = request;
            if crate::model::Source::from_key(&p.url).is_github() {
                cmds.push(
                    GithubCmd::Refresh {
                        key: p.url.clone(),
                        force: github_force,
                        request,
                        attempt: state.requests.auth,
                    }
                    .into(),
                );
            } else {
                urls.push(p.url.clone());
            }
        }
    }
    if !urls.is_empty() {
        cmds.insert(
            0,
            FeedCmd::Refresh {
                urls,
                force,
                request,
            }
            .into(),
        );
    }
    cmds
}

/// Adds the GitHub publications (after the configured ones) if they are not shown yet.
fn add_github_pubs(state: &mut State) -> Vec<usize> {
    let mut added = Vec::new();
    for (name, key) in state.github_pubs.clone() {
        if !state.pubs.iter().any(|p| p.url == key) {
            state
                .pubs
                .push(super::state::PubState::new(name, key.clone()));
        }
        if let Some(i) = state.pubs.iter().position(|p| p.url == key) {
            added.push(i);
        }
    }
    added
}

/// Signed in: the GitHub publications appear and refresh (as politely as GitHub asks).
fn show_github_pubs(state: &mut State) -> Vec<Cmd> {
    let which = add_github_pubs(state);
    if which.is_empty() {
        return vec![];
    }
    let mut cmds = vec![CacheCmd::LoadUnreadCounts.into()];
    cmds.extend(refresh(state, which, false));
    cmds
}

/// The headlines shown are the "GitHub" publication's (not a search).
fn on_inbox(state: &State) -> bool {
    state.search.is_none()
        && state.view.is_none()
        && state
            .selected_pub()
            .is_some_and(|p| p.url == crate::model::GITHUB_INBOX)
}

/// `d` on a notification: done on GitHub, gone here.
fn mark_done(state: &mut State) -> Vec<Cmd> {
    if !on_inbox(state) {
        notice(
            state,
            NoticeKind::Error,
            format!(
                "{} marks a GitHub notification done: open the GitHub publication",
                state.keys.hint(Action::Done)
            ),
        );
        return vec![];
    }
    if state.cursor >= state.headlines.len() {
        return vec![];
    }
    let h = state.headlines.remove(state.cursor);
    state.cursor = state.cursor.min(state.headlines.len().saturating_sub(1));
    if !h.read
        && let Some(p) = state.pubs.get_mut(state.selected)
    {
        p.unread = p.unread.saturating_sub(1);
    }
    if state
        .article
        .as_ref()
        .is_some_and(|a| a.article.headline.id == h.id)
    {
        state.article = None;
        state.focus = Focus::Headlines;
    }
    notice(state, NoticeKind::Info, "Marked done on GitHub".into());
    vec![
        GithubCmd::MarkThread {
            article: h.id,
            done: true,
        }
        .into(),
    ]
}

/// A new sign-in attempt: answers of any earlier one are dropped from now on.
pub(super) fn start_sign_in(state: &mut State) -> Cmd {
    state.requests.auth = state.requests.fresh();
    GithubCmd::StartSignIn {
        attempt: state.requests.auth,
        scopes: state.missing_scopes.clone(),
    }
    .into()
}

/// The background check of the stored token at start-up.
pub fn check_session(state: &mut State) -> Cmd {
    state.session = Session::Checking;
    state.requests.auth = state.requests.fresh();
    GithubCmd::CheckSession {
        attempt: state.requests.auth,
    }
    .into()
}

fn on_mouse(state: &mut State, kind: MouseEventKind, at: Position) -> Vec<Cmd> {
    if state.signin.is_some() {
        return vec![];
    }
    let areas = state.areas();
    let inside = |r: Rect| r.contains(at);
    match kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if inside(areas.pubs) {
                state.focus = Focus::Publications;
                // Row 0 is the border; then the views, a rule, one publication a row.
                let row = usize::from(at.y.saturating_sub(areas.pubs.y + 1));
                return super::views::click_pub_pane(state, row);
            }
            if inside(areas.headlines) {
                state.focus = Focus::Headlines;
                let visible = usize::from(areas.headlines.height.saturating_sub(2)).max(1);
                let offset = crate::layout::list_offset(state.cursor, visible);
                let row = usize::from(at.y.saturating_sub(areas.headlines.y + 1)) + offset;
                if row < state.headlines.len() {
                    if row == state.cursor {
                        return open_current(state);
                    }
                    state.cursor = row;
                }
                return vec![];
            }
            if inside(areas.article) && state.article.is_some() {
                state.focus = Focus::Article;
            }
            vec![]
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let d = if kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if inside(areas.article) {
                scroll_article(state, d);
                vec![]
            } else if inside(areas.headlines) {
                let last = state.headlines.len().saturating_sub(1);
                state.cursor = clamp_index(state.cursor, i64::from(d.signum()), last);
                vec![]
            } else if inside(areas.pubs) {
                super::views::step_pub_pane(state, i64::from(d.signum()))
            } else {
                vec![]
            }
        }
        _ => vec![],
    }
}
