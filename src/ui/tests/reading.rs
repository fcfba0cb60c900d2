//! The reading loop's screens at 80x24: the full-screen article, the links list, the views in
//! the publication pane, and a narrowed and a widened publication pane.

use super::*;
use crate::model::View;

/// Snapshots live with the others, in `src/ui/snapshots/`.
macro_rules! snapshot {
    ($name:expr, $screen:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots" }, {
            insta::assert_snapshot!($name, $screen);
        })
    };
}

/// `with_article`, with the layout the state asks for applied to the article's wrapping (as
/// `update` does after every message).
fn laid_out(mut s: State) -> State {
    let width = s.areas().article_text_width();
    if let Some(a) = &mut s.article {
        a.wrap(width);
    }
    s
}

#[test]
fn full_screen_article() {
    let mut s = with_article(WIDE);
    s.full_screen = true;
    let s = laid_out(s);
    let screen = render(&s);
    assert!(!screen.contains("Publications"), "{screen}");
    assert!(
        screen.contains(
            "Gales of up to 90mph are expected across northern areas on Tuesday, the Met"
        ),
        "the text uses the full width:\n{screen}"
    );
    snapshot!("full_screen_article_80x24", screen);
}

#[test]
fn full_screen_gives_way_when_the_focus_leaves_the_article() {
    let mut s = with_article(WIDE);
    s.full_screen = true;
    s.focus = Focus::Headlines;
    let s = laid_out(s);
    let screen = render(&s);
    assert!(
        screen.contains("Publications") && screen.contains("Storm warning"),
        "{screen}"
    );
}

fn with_links(size: (u16, u16)) -> State {
    let mut s = with_article(size);
    let html = "<p>Gales reached <a href=\"https://www.metoffice.gov.uk/warnings\">the warnings page</a> \
        by noon; see <a href=\"https://www.bbc.co.uk/weather\">the forecast</a>, the \
        <a href=\"mailto:desk@example.com\">weather desk</a> and \
        <a href=\"javascript:alert(1)\">this\u{1b}[31m trap</a>.</p>";
    if let Some(a) = &mut s.article {
        a.text = crate::feed::article_text(html);
        a.rewrap();
    }
    app::update(
        &mut s,
        Msg::Key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Char('#'),
        )),
    );
    s.links.as_mut().unwrap().cursor = 1;
    s
}

#[test]
fn links_list() {
    let s = with_links(WIDE);
    let screen = render(&s);
    assert!(screen.contains("Links · 4"), "{screen}");
    assert!(screen.contains("https://www.bbc.co.uk/weather"), "{screen}");
    assert!(screen.contains("(not a web link)"), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    snapshot!("links_80x24", screen);
}

fn in_view(size: (u16, u16), view: View) -> State {
    let mut s = with_headlines(size);
    s.starred = 2;
    s.view = Some(view);
    s.headlines_of = Some(app::views::loaded_key(view).into());
    s.view_pubs = vec![
        s.pubs[0].url.clone(),
        s.pubs[2].url.clone(),
        s.pubs[1].url.clone(),
        s.pubs[0].url.clone(),
        s.pubs[1].url.clone(),
    ];
    for h in &mut s.headlines {
        h.read = false;
    }
    s.focus = Focus::Publications;
    s
}

#[test]
fn publication_pane_with_the_views() {
    let s = in_view(WIDE, View::Unread);
    let screen = render(&s);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[1].contains("› ") && lines[1].contains("Unread") && lines[1].contains("15"),
        "{screen}"
    );
    assert!(
        lines[2].contains("Starred") && lines[2].contains('2'),
        "{screen}"
    );
    assert!(
        lines[3].contains("──────"),
        "a rule sets the views apart:\n{screen}"
    );
    assert!(
        lines[4].contains("BBC") && !lines[4].contains('›'),
        "{screen}"
    );
    assert!(
        lines[0].contains("Unread · 5 unread, every publication"),
        "{screen}"
    );
    assert!(
        lines[2].contains("Le Monde"),
        "each row says its publication:\n{screen}"
    );
    snapshot!("views_80x24", screen);
}

#[test]
fn an_empty_starred_view_says_how_to_star() {
    let mut s = in_view(WIDE, View::Starred);
    s.headlines.clear();
    s.view_pubs.clear();
    let screen = render(&s);
    assert!(screen.contains("No starred articles: s stars"), "{screen}");
}

#[test]
fn narrowed_and_widened_publication_pane() {
    let key = |s: &mut State, c: char| {
        app::update(
            s,
            Msg::Key(ratatui::crossterm::event::KeyEvent::from(
                ratatui::crossterm::event::KeyCode::Char(c),
            )),
        );
    };
    let mut s = with_article(WIDE);
    for _ in 0..10 {
        key(&mut s, '<');
    }
    assert_eq!(s.areas().pubs.width, crate::layout::MIN_PUBS_WIDTH);
    let narrow = render(&s);
    assert!(narrow.starts_with("\"┌ Publicati┐┌ BBC"), "{narrow}");
    snapshot!("pane_narrowed_80x24", narrow);
    for _ in 0..40 {
        key(&mut s, '>');
    }
    assert_eq!(s.areas().pubs.width, 40, "at most half the screen");
    let wide = render(&s);
    assert!(
        wide.contains("Le Monde — À la une"),
        "the whole name shows:\n{wide}"
    );
    snapshot!("pane_widened_80x24", wide);
}
