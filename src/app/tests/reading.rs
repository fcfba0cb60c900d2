//! `n`/`p`, `J`/`K`, Enter reading on, `z`, `<`/`>`, `#` and the views, without IO.

use super::*;
use crate::model::{View, ViewRow};

/// Three publications: BBC (the shared fixture's three unread), CNN with none, Le Monde with
/// two.
fn three() -> State {
    let mut s = state();
    s.pubs.push(PubState {
        name: "Le Monde".into(),
        url: "https://l/".into(),
        status: FeedStatus::Idle,
        unread: 2,
        new: 0,
        refresh_request: 0,
    });
    s
}

/// The id of the article a command list loads, if any.
fn loads(cmds: &[Cmd]) -> Option<i64> {
    cmds.iter().find_map(|c| match c {
        Cmd::Cache(CacheCmd::LoadArticle { id, .. }) => Some(*id),
        _ => None,
    })
}

fn marks_read(cmds: &[Cmd], want: i64) -> bool {
    cmds.iter()
        .any(|c| matches!(c, Cmd::Cache(CacheCmd::SetRead { id, read: true }) if *id == want))
}

fn loads_headlines_of(cmds: &[Cmd]) -> Option<String> {
    cmds.iter().find_map(|c| match c {
        Cmd::Cache(CacheCmd::LoadHeadlines { url, .. }) => Some(url.clone()),
        _ => None,
    })
}

/// The headlines of `url` arrive for the latest request.
fn arrive(s: &mut State, url: &str, headlines: Vec<Headline>) -> Vec<Cmd> {
    let generation = s.generation;
    update(
        s,
        Msg::Headlines {
            generation,
            url: url.into(),
            headlines,
        },
    )
}

fn read(mut x: Headline) -> Headline {
    x.read = true;
    x
}

#[test]
fn n_opens_each_unread_in_turn_and_marks_it_read() {
    let mut s = three();
    s.headlines[1].read = true;
    let cmds = ch(&mut s, 'n');
    assert_eq!(loads(&cmds), Some(1), "the unread under the cursor first");
    assert!(marks_read(&cmds, 1));
    assert_eq!((s.focus, s.pubs[0].unread), (Focus::Article, 2));
    let cmds = ch(&mut s, 'n');
    assert_eq!(loads(&cmds), Some(3), "the read one is skipped");
    assert_eq!((s.cursor, s.pubs[0].unread), (2, 1));
}

#[test]
fn n_goes_on_to_the_next_publication_with_unread_and_says_when_none_is_left() {
    let mut s = three();
    for x in &mut s.headlines {
        x.read = true;
    }
    s.pubs[0].unread = 0;
    let cmds = ch(&mut s, 'n');
    assert_eq!(
        loads_headlines_of(&cmds).as_deref(),
        Some("https://l/"),
        "CNN has no unread: skipped"
    );
    assert_eq!(s.selected, 2);
    assert!(
        loads(&cmds).is_none(),
        "nothing opens before the list arrives"
    );
    let cmds = arrive(
        &mut s,
        "https://l/",
        vec![read(h(7, "old")), h(8, "fresh"), h(9, "more")],
    );
    assert_eq!(loads(&cmds), Some(8), "its first unread opens");
    assert_eq!(
        (s.cursor, s.focus, s.pubs[2].unread),
        (1, Focus::Article, 1)
    );
    assert_eq!(loads(&ch(&mut s, 'n')), Some(9));
    // Le Monde is read now, and so are the others: round to nothing, said so.
    s.pubs[2].unread = 0;
    let cmds = ch(&mut s, 'n');
    assert!(cmds.is_empty(), "{cmds:?}");
    let n = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(n.contains("No unread articles left"), "{n}");
}

#[test]
fn p_goes_back_to_the_last_unread_of_the_previous_publication() {
    let mut s = three();
    s.selected = 2;
    s.headlines = vec![read(h(7, "a"))];
    s.headlines_of = Some("https://l/".into());
    let cmds = ch(&mut s, 'p');
    assert_eq!(loads_headlines_of(&cmds).as_deref(), Some("https://b/"));
    let cmds = arrive(
        &mut s,
        "https://b/",
        vec![h(1, "one"), h(2, "two"), read(h(3, "three"))],
    );
    assert_eq!(loads(&cmds), Some(2), "the last unread, going back");
    assert_eq!(loads(&ch(&mut s, 'p')), Some(1));
}

#[test]
fn a_stale_count_moves_on_instead_of_stopping() {
    let mut s = three();
    for x in &mut s.headlines {
        x.read = true;
    }
    s.pubs[0].unread = 0;
    s.pubs[1].unread = 4; // says so, but its list has none
    let cmds = ch(&mut s, 'n');
    assert_eq!(loads_headlines_of(&cmds).as_deref(), Some("https://c/"));
    let cmds = arrive(&mut s, "https://c/", vec![read(h(4, "x"))]);
    assert_eq!(loads_headlines_of(&cmds).as_deref(), Some("https://l/"));
    let cmds = arrive(&mut s, "https://l/", vec![h(8, "fresh")]);
    assert_eq!(loads(&cmds), Some(8));
}

#[test]
fn n_before_the_first_list_arrives_opens_from_it_when_it_comes() {
    let mut s = three();
    s.headlines.clear();
    s.headlines_of = None;
    assert!(ch(&mut s, 'n').is_empty());
    let cmds = arrive(&mut s, "https://b/", vec![read(h(1, "a")), h(2, "b")]);
    assert_eq!(loads(&cmds), Some(2));
}

#[test]
fn n_still_opens_when_a_refresh_reloads_the_list_it_waits_for() {
    let mut s = three();
    s.headlines.clear();
    s.headlines_of = None;
    refresh_all(&mut s);
    let asked = s.generation;
    ch(&mut s, 'n');
    // The refresh of BBC ends meanwhile and loads its list again: the first answer is stale.
    refreshed(
        &mut s,
        "https://b/",
        FeedOutcome::Updated {
            new: 2,
            items: 3,
            first: true,
        },
    );
    assert!(s.generation > asked);
    let stale = update(
        &mut s,
        Msg::Headlines {
            generation: asked,
            url: "https://b/".into(),
            headlines: vec![h(2, "b")],
        },
    );
    assert!(stale.is_empty());
    let cmds = arrive(&mut s, "https://b/", vec![read(h(1, "a")), h(2, "b")]);
    assert_eq!(loads(&cmds), Some(2));
}

#[test]
fn an_older_answer_does_not_open_anything() {
    let mut s = three();
    for x in &mut s.headlines {
        x.read = true;
    }
    s.pubs[0].unread = 0;
    ch(&mut s, 'n');
    ch(&mut s, '1'); // changed her mind: BBC again
    let stale = s.generation - 1;
    let cmds = update(
        &mut s,
        Msg::Headlines {
            generation: stale,
            url: "https://l/".into(),
            headlines: vec![h(8, "fresh")],
        },
    );
    assert!(cmds.is_empty() && s.pending.is_none(), "{cmds:?}");
}

#[test]
fn enter_in_the_article_reads_on_and_j_k_step_through_read_ones_too() {
    let mut s = three();
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.focus, Focus::Article);
    s.headlines[1].read = true;
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(loads(&cmds), Some(3), "Enter in the article is n");
    let cmds = ch(&mut s, 'K');
    assert_eq!(
        loads(&cmds),
        Some(2),
        "K opens the previous one, read or not"
    );
    assert!(!marks_read(&cmds, 2), "already read");
    assert_eq!(loads(&ch(&mut s, 'K')), Some(1));
    assert!(ch(&mut s, 'K').is_empty());
    let n = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(n.contains("first article"), "{n}");
    assert_eq!(loads(&ch(&mut s, 'J')), Some(2));
}

#[test]
fn an_article_marked_unread_again_is_not_the_next_unread() {
    let mut s = three();
    ch(&mut s, 'n');
    open_article(&mut s, 1);
    ch(&mut s, 'u'); // unread again, still open
    assert_eq!(loads(&ch(&mut s, 'n')), Some(2));
}

/// The article `id` arrives for the open request.
fn open_article(s: &mut State, id: i64) {
    let request = s.requests.article;
    let headline = s.headlines.iter().find(|x| x.id == id).cloned().unwrap();
    update(
        s,
        Msg::Article {
            request,
            article: Box::new(crate::model::Article {
                headline,
                publication: "BBC".into(),
                author: None,
                content_html: String::new(),
                full_text: None,
                full_text_error: None,
                enclosures: Vec::new(),
            }),
            text: "Text with a link[1] and another[2].\n\n[1]: https://a.example/one\n[2]: mailto:x@example.com".into(),
        },
    );
}

#[test]
fn z_fills_the_screen_with_the_article_while_it_is_read() {
    let mut s = three();
    ch(&mut s, 'n');
    open_article(&mut s, 1);
    let split = s.article.as_ref().unwrap().width;
    ch(&mut s, 'z');
    let areas = s.areas();
    assert!(
        areas.pubs.is_empty() && areas.headlines.is_empty(),
        "{areas:?}"
    );
    assert_eq!(areas.article.width, 80);
    assert_eq!(
        s.article.as_ref().unwrap().width,
        76,
        "wrapped again to the full width"
    );
    assert!(split < 76);
    // The next article opens full screen too; Esc brings the panes back.
    ch(&mut s, 'n');
    assert!(s.areas().pubs.is_empty());
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::Headlines);
    assert!(!s.areas().pubs.is_empty());
    assert_eq!(s.article.as_ref().unwrap().width, split);
    ch(&mut s, 'z');
    assert!(!s.full_screen);
}

#[test]
fn the_publication_pane_narrows_and_widens_within_bounds_and_clicks_follow() {
    let mut s = three();
    let before = s.areas().pubs.width;
    ch(&mut s, '>');
    assert_eq!(s.areas().pubs.width, before + 2);
    for _ in 0..50 {
        ch(&mut s, '>');
    }
    assert_eq!(s.areas().pubs.width, 40, "half of 80 columns");
    let n = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(n.contains("as wide as it goes"), "{n}");
    // A click at column 30 is in the (wide) publication pane now: it selects CNN.
    let row = s.areas().pubs.y + 2 + crate::layout::VIEW_ROWS;
    click(&mut s, MouseEventKind::Down(MouseButton::Left), 30, row);
    assert_eq!((s.selected, s.focus), (1, Focus::Publications));
    for _ in 0..50 {
        ch(&mut s, '<');
    }
    assert_eq!(s.areas().pubs.width, crate::layout::MIN_PUBS_WIDTH);
    // ... and in the headlines once the pane is narrow.
    let y = s.areas().headlines.y + 1;
    click(&mut s, MouseEventKind::Down(MouseButton::Left), 30, y);
    assert_eq!(s.focus, Focus::Headlines);
    // A smaller terminal keeps the chosen width within its own bounds.
    ch(&mut s, '>');
    update(&mut s, Msg::Resize(40, 20));
    assert!(s.areas().pubs.width <= 20);
}

#[test]
fn links_list_opens_copies_and_closes() {
    let mut s = three();
    ch(&mut s, 'n');
    open_article(&mut s, 1);
    ch(&mut s, '#');
    let v = s.links.as_ref().expect("the list is open");
    assert_eq!(v.links.len(), 2);
    assert_eq!(v.links[0].target, "https://a.example/one");
    assert_eq!(v.links[0].context, "Text with a link");
    assert_eq!(v.links[1].context, "and another");
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Cmd::System(SystemCmd::OpenUrl(
            "https://a.example/one".into()
        ))]
    );
    ch(&mut s, '2');
    assert_eq!(s.links.as_ref().unwrap().cursor, 1);
    assert!(ch(&mut s, 'o').is_empty(), "a mailto: is not opened");
    let n = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(n.contains("not a web link"), "{n}");
    assert_eq!(
        ch(&mut s, 'y'),
        vec![Cmd::System(SystemCmd::Copy("mailto:x@example.com".into()))]
    );
    ch(&mut s, 'k');
    assert_eq!(s.links.as_ref().unwrap().cursor, 0);
    assert!(
        ch(&mut s, 'n').is_empty(),
        "keys go to the list while it is open"
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.links.is_none());
    assert_eq!(s.focus, Focus::Article, "Esc closed only the list");
}

#[test]
fn link_numbers_are_typed_digit_by_digit() {
    let text: String = (1..=12).map(|i| format!("w{i}[{i}] ")).collect::<String>()
        + "\n\n"
        + &(1..=12)
            .map(|i| format!("[{i}]: https://e.example/{i}"))
            .collect::<Vec<_>>()
            .join("\n");
    let links = links::parse(&text);
    assert_eq!(links.len(), 12);
    assert_eq!(links[11].context, "w12");
    let mut v = links::LinksView {
        links,
        cursor: 0,
        typed: 0,
    };
    let mut s = three();
    s.links = Some(v.clone());
    ch(&mut s, '1');
    ch(&mut s, '2');
    assert_eq!(s.links.as_ref().unwrap().cursor, 11, "1 then 2 is link 12");
    ch(&mut s, '3');
    assert_eq!(
        s.links.as_ref().unwrap().cursor,
        2,
        "123 is none: 3 starts again"
    );
    v.cursor = 0;
    s.links = Some(v);
    ch(&mut s, '9');
    assert_eq!(s.links.as_ref().unwrap().cursor, 8);
}

#[test]
fn link_text_is_made_inert_and_an_article_without_links_says_so() {
    let links =
        links::parse("Evil\u{1b}]52;c;eA==\u{7} here[1]\n\n[1]: https://e.example/\u{1b}[2Jx");
    assert_eq!(links.len(), 1);
    assert!(!links[0].context.contains('\u{1b}') && !links[0].target.contains('\u{1b}'));
    let mut s = three();
    ch(&mut s, 'n');
    let request = s.requests.article;
    update(
        &mut s,
        Msg::Article {
            request,
            article: Box::new(crate::model::Article {
                headline: h(1, "one"),
                publication: "BBC".into(),
                author: None,
                content_html: String::new(),
                full_text: None,
                full_text_error: None,
                enclosures: Vec::new(),
            }),
            text: "No links [here].".into(),
        },
    );
    ch(&mut s, '#');
    assert!(s.links.is_none());
    let n = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(n.contains("no links"), "{n}");
}

fn view_rows(s: &mut State, view: View, rows: Vec<(Headline, &str)>) -> Vec<Cmd> {
    let generation = s.generation;
    update(
        s,
        Msg::ViewHeadlines {
            generation,
            view,
            rows: rows
                .into_iter()
                .map(|(headline, publication)| ViewRow {
                    headline,
                    publication: publication.into(),
                })
                .collect(),
        },
    )
}

#[test]
fn the_unread_view_lists_every_publication_and_counts_go_to_each() {
    let mut s = three();
    let cmds = ch(&mut s, '!');
    assert_eq!(s.view, Some(View::Unread));
    assert!(
        cmds.iter().any(
            |c| matches!(c, Cmd::Cache(CacheCmd::LoadView { view: View::Unread, publications, .. })
            if publications == &["https://b/", "https://c/", "https://l/"])
        ),
        "{cmds:?}"
    );
    view_rows(
        &mut s,
        View::Unread,
        vec![(h(8, "le"), "https://l/"), (h(1, "bbc"), "https://b/")],
    );
    assert_eq!(s.headlines.len(), 2);
    assert_eq!(views::source_of(&s, 0), Some("Le Monde"));
    assert_eq!(views::count(&s, View::Unread), 5);
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(loads(&cmds), Some(8));
    assert_eq!(
        (s.pubs[2].unread, s.pubs[0].unread),
        (1, 3),
        "Le Monde's count, not BBC's"
    );
    assert_eq!(loads(&ch(&mut s, 'n')), Some(1), "n goes down the view");
    assert_eq!(s.pubs[0].unread, 2);
    // A refresh of any publication reloads the view.
    let refreshing = refresh_all(&mut s);
    let cmds = refreshed(
        &mut s,
        "https://c/",
        FeedOutcome::Updated {
            new: 1,
            items: 1,
            first: false,
        },
    );
    assert!(
        refreshing
            && cmds
                .iter()
                .any(|c| matches!(c, Cmd::Cache(CacheCmd::LoadView { .. }))),
        "{cmds:?}"
    );
    // A marks one publication read, not everything; f does not narrow a view.
    let cmds = ch(&mut s, 'A');
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(ch(&mut s, 'f').is_empty());
    assert_eq!(s.filter, Filter::All);
    // 1-9 still select publications by position.
    let cmds = ch(&mut s, '2');
    assert_eq!((s.view, s.selected), (None, 1));
    assert_eq!(loads_headlines_of(&cmds).as_deref(), Some("https://c/"));
}

fn refresh_all(s: &mut State) -> bool {
    !ch(s, 'R').is_empty()
}

#[test]
fn moving_up_from_the_first_publication_goes_onto_the_views() {
    let mut s = three();
    s.focus = Focus::Publications;
    ch(&mut s, 'k');
    assert_eq!(s.view, Some(View::Starred));
    ch(&mut s, 'k');
    assert_eq!(s.view, Some(View::Unread));
    assert!(ch(&mut s, 'k').is_empty(), "the top");
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    assert_eq!((s.view, s.selected), (None, 0));
    assert_eq!(s.focus, Focus::Publications);
    // The rows as drawn: Unread, Starred, the rule, then the publications.
    let top = s.areas().pubs.y + 1;
    click(&mut s, MouseEventKind::Down(MouseButton::Left), 2, top + 1);
    assert_eq!(s.view, Some(View::Starred));
    assert!(click(&mut s, MouseEventKind::Down(MouseButton::Left), 2, top + 2).is_empty());
    click(&mut s, MouseEventKind::Down(MouseButton::Left), 2, top + 5);
    assert_eq!((s.view, s.selected), (None, 2));
}

#[test]
fn stars_count_in_the_starred_view_and_stale_rows_are_dropped() {
    let mut s = three();
    update(&mut s, Msg::StarredCount(4));
    ch(&mut s, 's');
    assert_eq!(views::count(&s, View::Starred), 5);
    ch(&mut s, 's');
    assert_eq!(s.starred, 4);
    ch(&mut s, '*');
    let old = s.generation;
    ch(&mut s, '*'); // asked again: the first answer is stale
    let cmds = update(
        &mut s,
        Msg::ViewHeadlines {
            generation: old,
            view: View::Starred,
            rows: vec![ViewRow {
                headline: h(5, "old"),
                publication: "https://b/".into(),
            }],
        },
    );
    assert!(cmds.is_empty() && s.headlines.is_empty());
    // Rows of a view left meanwhile are dropped too.
    ch(&mut s, '1');
    view_rows(&mut s, View::Starred, vec![(h(5, "x"), "https://b/")]);
    assert_eq!(s.view, None);
    assert!(s.headlines.is_empty());
}

#[test]
fn reading_a_github_notification_in_a_view_marks_it_read_on_github() {
    let mut s = three();
    s.pubs.push(PubState {
        name: "GitHub".into(),
        url: crate::model::GITHUB_INBOX.into(),
        status: FeedStatus::Idle,
        unread: 1,
        new: 0,
        refresh_request: 0,
    });
    ch(&mut s, '!');
    view_rows(
        &mut s,
        View::Unread,
        vec![(h(40, "PR"), crate::model::GITHUB_INBOX)],
    );
    let cmds = key(&mut s, KeyCode::Enter);
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Cmd::Github(GithubCmd::MarkThread {
                article: 40,
                done: false
            })
        )),
        "{cmds:?}"
    );
    assert_eq!(s.pubs[3].unread, 0);
}
