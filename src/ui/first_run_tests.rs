//! The first run without a client id, and the `--insecure-storage` warning on the sign-in
//! screen, rendered on ratatui's `TestBackend` and snapshotted.

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{self, KeyMap, Phase, SignIn, State};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn first_run(size: (u16, u16), scroll: u16) -> State {
    let mut s = State::new(
        [("BBC".to_owned(), "https://b/".to_owned())],
        KeyMap::default(),
        now(),
        size,
    );
    s.config_path = Some("/home/ada/.config/newsroom/config.toml".into());
    s.signin = Some(SignIn {
        phase: Phase::NeedsClientId {
            web_url: "https://github.com".into(),
            scroll,
        },
        progress: None,
        reason: None,
    });
    s
}

fn render(state: &State) -> String {
    let (w, h) = state.viewport;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, state)).unwrap();
    format!("{}", t.backend())
}

#[test]
fn first_run_fits_at_80x24_and_60x20_and_names_the_real_config_file() {
    for (label, size) in [("80x24", (80, 24)), ("60x20", (60, 20))] {
        let s = first_run(size, 0);
        let (_, max) = app::first_run::layout(&s, "https://github.com");
        assert_eq!(max, 0, "it fits at {label}: nothing to scroll");
        let screen = render(&s);
        // The path may wrap at 60 columns: look for it with the frame taken off.
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
            .collect();
        assert!(
            flat.contains("/home/ada/.config/newsroom/config.toml"),
            "{screen}"
        );
        assert!(screen.contains("Enter reads the config again"), "{screen}");
        assert!(!screen.contains("scroll"), "no scroll hint when it fits");
        insta::assert_snapshot!(format!("first_run_{label}"), screen);
    }
}

#[test]
fn first_run_scrolls_on_a_smaller_terminal() {
    let s = first_run((44, 12), 0);
    let (_, max) = app::first_run::layout(&s, "https://github.com");
    assert!(max > 0);
    let top = render(&s);
    assert!(
        top.contains("j k scroll") || top.contains("This build"),
        "{top}"
    );
    insta::assert_snapshot!("first_run_44x12_top", top);
    let end = render(&first_run((44, 12), max));
    assert!(
        end.contains("j k scroll"),
        "the last line is in view:\n{end}"
    );
    insta::assert_snapshot!("first_run_44x12_scrolled_to_the_end", end);
}

#[test]
fn first_run_says_a_keyring_problem_and_the_insecure_storage_warning() {
    let mut s = first_run((80, 24), 0);
    s.storage_warning = Some(
        "warning: --insecure-storage: the token will be kept unencrypted in \
         /home/ada/.local/share/newsroom/github-token-github.com.json"
            .into(),
    );
    let screen = render(&s);
    assert!(screen.contains("warning: --insecure-storage"), "{screen}");
    insta::assert_snapshot!("first_run_insecure_storage_80x24", screen);
}

#[test]
fn the_code_screen_shows_the_insecure_storage_warning() {
    let mut s = first_run((80, 24), 0);
    s.storage_warning = Some(
        "warning: --insecure-storage: the token will be kept unencrypted in \
         /home/ada/.local/share/newsroom/github-token-github.com.json"
            .into(),
    );
    if let Some(si) = &mut s.signin {
        si.phase = Phase::Code {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://github.com/login/device".into(),
            expires_at: now() + chrono::Duration::seconds(600),
            qr: app::signin::qr_lines("https://github.com/login/device"),
        };
    }
    let screen = render(&s);
    assert!(
        screen.contains("warning: --insecure-storage") && screen.contains("WDJB-MJHT"),
        "{screen}"
    );
    insta::assert_snapshot!("signin_code_insecure_storage_80x24", screen);
}
