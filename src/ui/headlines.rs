//! The top right pane: the selected publication's headlines with read/star marks and age, or why
//! there are none (loading, failed, empty).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, HighlightSpacing, List, ListItem, ListState, Paragraph, Wrap};

use super::text::{age, fit, spinner};
use crate::app::{FeedStatus, Filter, Focus, State};
use crate::keys::{Action, Mode};
use crate::model::View;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let focused = state.focus == Focus::Headlines;
    let Some(p) = state.selected_pub() else {
        let block = Block::bordered().title(" Headlines ");
        frame.render_widget(
            Paragraph::new("No publications: add one with `newsroom add URL`, or list them in the config file (newsroom man shows where).")
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    let view = state.view.filter(|_| state.search.is_none());
    let mut title = format!(" {} ", fit(&p.name, 30).trim_end());
    if let Some(v) = view {
        title = format!(" {} ", v.label());
        if state.headlines_of.is_some() {
            let shown = state.headlines.len();
            let what = match v {
                View::Unread => "unread",
                View::Starred => "starred",
            };
            title.push_str(&format!("· {shown} {what}, every publication "));
        }
    } else if let Some(search) = &state.search {
        let caret = if search.editing { "▏" } else { "" };
        // A full page may have more behind it: they load as the cursor reaches the end.
        let more = if search.more { "+" } else { "" };
        title = format!(
            " / {}{caret} · {}{more} found ",
            fit(&search.query, 40).trim_end(),
            state.headlines.len()
        );
    } else if state.headlines_of.is_some() {
        // Say what the number counts: the list shown, and the unread beside it.
        let shown = state.headlines.len();
        match state.filter {
            Filter::All if p.unread > 0 => {
                title.push_str(&format!("· {shown} articles, {} unread ", p.unread));
            }
            Filter::All => title.push_str(&format!("· {shown} articles ")),
            Filter::Unread => title.push_str(&format!("· {} unread ", p.unread)),
            Filter::Starred => title.push_str(&format!("· {shown} starred ")),
        }
    }
    if state.search.is_some() && state.filter != Filter::All {
        title.push_str(&format!("· {} ", state.filter.label()));
    }
    let block = Block::bordered()
        .title(title)
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut rows = inner;
    if let Some(search) = &state.search {
        if state.headlines.is_empty() {
            let msg = if search.query.trim().is_empty() {
                format!(
                    "Type to search every publication: words (as prefixes), \"a phrase\", -word \
                     to leave out. Case and accents do not matter. {}: to the results; {} closes.",
                    state.keys.hint_in(Mode::Search, Action::FocusNext),
                    state.keys.hint_in(Mode::Search, Action::Back)
                )
            } else {
                format!("Nothing matches \"{}\".", fit(&search.query, 60).trim_end())
            };
            frame.render_widget(
                Paragraph::new(msg)
                    .style(theme.dim())
                    .wrap(Wrap { trim: true }),
                rows,
            );
            return;
        }
    } else if let Some(v) = view {
        if state.headlines.is_empty() {
            let msg = match (state.headlines_of.is_some(), v) {
                (false, _) => format!("{} Loading…", spinner(state.frame)),
                (true, View::Unread) => format!(
                    "No unread articles in any publication. {} refreshes them all.",
                    state.keys.hint(Action::RefreshAll)
                ),
                (true, View::Starred) => format!(
                    "No starred articles: {} stars the one under the cursor.",
                    state.keys.hint(Action::ToggleStar)
                ),
            };
            frame.render_widget(
                Paragraph::new(msg)
                    .style(theme.dim())
                    .wrap(Wrap { trim: true }),
                rows,
            );
            return;
        }
    } else if let FeedStatus::Failed(_) | FeedStatus::NeedsScope(_) = &p.status {
        let text = match &p.status {
            // Already says what to grant and which key signs in again for it.
            FeedStatus::NeedsScope(what) => what.clone(),
            FeedStatus::Failed(why) => format!(
                "{}: {why} — {} to retry",
                p.name,
                state.keys.hint(Action::Refresh)
            ),
            _ => String::new(),
        };
        let line = Line::styled(fit(&text, usize::from(rows.width)), theme.error());
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                height: 1.min(rows.height),
                ..rows
            },
        );
        rows.y += 1;
        rows.height = rows.height.saturating_sub(1);
    }
    if state.headlines.is_empty() {
        let msg = match (&p.status, state.headlines_of.is_some()) {
            (FeedStatus::Loading, _) | (FeedStatus::Idle, false) => {
                format!("{} Loading {}…", spinner(state.frame), p.name)
            }
            (FeedStatus::Failed(_) | FeedStatus::NeedsScope(_), _) => String::new(),
            (FeedStatus::Idle, true) if state.filter != Filter::All => {
                format!("No {} articles. f shows all.", state.filter.label())
            }
            (FeedStatus::Idle, true) => "No articles yet. r refreshes.".to_owned(),
        };
        frame.render_widget(
            Paragraph::new(msg)
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            rows,
        );
        return;
    }
    let width = usize::from(rows.width);
    let visible = usize::from(rows.height).max(1);
    let first = crate::layout::list_offset(state.cursor, visible);
    let items: Vec<ListItem> = state
        .headlines
        .iter()
        .skip(first)
        .take(visible)
        .enumerate()
        .map(|(i, h)| {
            let a = age(h.published, state.now);
            // Search results and views come from every publication: say which.
            let source = match &state.search {
                Some(s) => s.publications.get(first + i).map(String::as_str),
                None if view.is_some() => crate::app::views::source_of(state, first + i),
                None => None,
            };
            let source_w = if source.is_some() {
                (width / 5).clamp(4, 14)
            } else {
                0
            };
            let mark = match (h.starred, h.read) {
                (true, _) => Span::styled("★", theme.accent()),
                (false, false) => Span::styled("●", theme.accent()),
                (false, true) => Span::raw(" "),
            };
            // A future date ("in 3h") takes a little more room than an age.
            let age_w = a.chars().count().max(4);
            let title_w = width.saturating_sub(2 + 2 + age_w + source_w);
            let style = if h.read { Style::new() } else { theme.unread() };
            ListItem::new(Line::from(vec![
                mark,
                Span::raw(" "),
                Span::styled(
                    source
                        .map(|s| fit(s, source_w.saturating_sub(1)) + " ")
                        .unwrap_or_default(),
                    theme.dim(),
                ),
                Span::styled(fit(&h.title, title_w), style),
                Span::styled(format!("{a:>4}"), theme.dim()),
            ]))
        })
        .collect();
    let list = List::new(items)
        .highlight_style(theme.selected(focused))
        .highlight_symbol("› ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut ls = ListState::default().with_selected(Some(state.cursor - first));
    frame.render_stateful_widget(list, rows, &mut ls);
}
