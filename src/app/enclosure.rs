//! `e`: the open article's enclosure (podcast episode, video) goes to the command the user
//! configured for its type (`[commands]`), else to the browser. Only the first enclosure: a
//! feed lists renditions of the same media far more often than several different ones.

use super::msg::{Cmd, SystemCmd};
use super::state::{Focus, NoticeKind, State};
use super::update::notice;
use crate::keys::Action;

pub(super) fn play(state: &mut State) -> Vec<Cmd> {
    let open = state.article.as_ref().filter(|a| {
        state.focus == Focus::Article
            || state.current_headline().map(|h| h.id) == Some(a.article.headline.id)
    });
    let Some(a) = open else {
        notice(
            state,
            NoticeKind::Error,
            format!(
                "Open an article first ({}), then {} plays its enclosure",
                state.keys.hint(Action::Open),
                state.keys.hint(Action::Enclosure)
            ),
        );
        return vec![];
    };
    let Some(e) = a.article.enclosures.first() else {
        notice(
            state,
            NoticeKind::Error,
            "This article has no enclosure (no podcast or video attached)".into(),
        );
        return vec![];
    };
    // Checked again here: what the cache holds passed the gate once, but a URL is only ever
    // handed on from the core after `safe_url`.
    let Some(url) = crate::gate::safe_url(&e.url) else {
        notice(
            state,
            NoticeKind::Error,
            "The enclosure's address is not an http(s) URL".into(),
        );
        return vec![];
    };
    let cmd = state
        .enclosure_commands
        .for_mime(e.mime.as_deref())
        .map(<[String]>::to_vec);
    if let Some(argv) = cmd {
        let program = argv.first().cloned().unwrap_or_default();
        notice(
            state,
            NoticeKind::Info,
            format!("Playing {url} with {program}"),
        );
        return vec![
            SystemCmd::Play {
                argv,
                url,
                terminal: state.enclosure_commands.terminal,
            }
            .into(),
        ];
    }
    notice(state, NoticeKind::Info, format!("Opening {url}"));
    vec![SystemCmd::OpenUrl(url).into()]
}
