//! The size of the sync gist for many read articles: `cargo run --release --example sync_size`
//! (or `SYNC=1 bench/run.sh`). Prints, for N read articles (default 50,000) spread over 1, 3 and
//! 12 months, the largest file and the whole gist, against GitHub's 1 MB per file.

use newsroom::sync::format::render;
use newsroom::sync::hlc::{Clock, DeviceId};
use newsroom::sync::merge::{Mark, Month, Reg, SyncState, article_key};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    println!("| read articles | months | files | largest file | whole gist | largest / 1 MB |");
    println!("|---|---|---|---|---|---|");
    for months in [1_usize, 3, 12] {
        let mut clock = Clock::new(DeviceId::from_entropy(b"bench"));
        let start_ms: u64 = 1_764_633_600_000;
        let mut state = SyncState::default();
        for i in 0..n {
            let feed = format!("https://feeds.example.com/{}/rss.xml", i % 200);
            let key = article_key(&feed, &format!("id:https://example.com/story/{i}"));
            let month_back = i64::try_from(i % months).unwrap_or(0);
            let secs = 1_764_633_600 - month_back * 30 * 86_400;
            // A real reading pace: a few seconds apart, so stamps differ in every digit.
            let at = clock.tick(start_ms + u64::try_from(i).unwrap_or(0) * 7_919);
            state.marks.insert(
                key,
                Mark {
                    month: Month::of(secs),
                    read: Some(Reg::new(true, at)),
                    starred: None,
                },
            );
        }
        let files = render(&state);
        let largest = files.values().map(String::len).max().unwrap_or(0);
        let total: usize = files.values().map(String::len).sum();
        println!(
            "| {n} | {months} | {} | {} KB | {} KB | {:.0} % |",
            files.len(),
            largest / 1024,
            total / 1024,
            largest as f64 * 100.0 / 1_048_576.0
        );
    }
}
