//! The order in which a refresh starts its fetches: each host's feeds spread evenly over the
//! whole run instead of in the order of the subscription list.
//!
//! Why: the fetcher caps requests per host (`[fetch] per_host`), and a refresh keeps a bounded
//! window of feeds in progress. A list that starts with many feeds of one publisher (an OPML
//! import, a big site with a feed per section) filled that window with feeds waiting for the
//! busy host's few slots, so the other hosts sat idle until it drained: with a quarter of 240
//! feeds on one origin, a cold refresh at 50 ms took 2.6x the network floor. Spread, a window
//! holds about as many of a host's feeds as its share of the list, and every slot works.

use url::Url;

/// Indexes into `urls`, in the order to fetch them. A host with `n` of the feeds has its `k`-th
/// feed at about `(k + o) / n` of the way through the run, where `o` in [0, 1) differs from
/// host to host (the golden ratio's multiples: offsets that never line up), so that the many
/// hosts with one feed each do not all land together. A host's own feeds keep their order, and
/// so do ties. A URL that does not parse is a host of its own (the fetch says what is wrong).
pub(crate) fn fetch_order<'a>(urls: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    let hosts: Vec<String> = urls
        .into_iter()
        .map(|u| {
            Url::parse(u.trim()).map_or_else(|_| format!("?{u}"), |u| crate::fetch::host_key(&u))
        })
        .collect();
    // Per host: (how many feeds, its number in order of first appearance).
    let mut seen: std::collections::HashMap<&str, (u32, u32)> = std::collections::HashMap::new();
    let mut rank = Vec::with_capacity(hosts.len());
    for h in &hosts {
        let next = u32::try_from(seen.len()).unwrap_or(u32::MAX);
        let entry = seen.entry(h.as_str()).or_insert((0, next));
        rank.push(entry.0);
        entry.0 += 1;
    }
    const PHI: f64 = 0.618_033_988_749_894_8;
    let key: Vec<f64> = hosts
        .iter()
        .zip(&rank)
        .map(|(h, &k)| {
            let (n, j) = seen[h.as_str()];
            (f64::from(k) + (f64::from(j) * PHI).fract()) / f64::from(n)
        })
        .collect();
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    order.sort_by(|&a, &b| key[a].total_cmp(&key[b]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::fetch_order;

    #[test]
    fn a_busy_host_is_spread_over_the_run() {
        // The first 6 of 12 feeds on one host, the rest on six others.
        let urls: Vec<String> = (0..12)
            .map(|i| {
                if i < 6 {
                    format!("http://busy.example/{i}")
                } else {
                    format!("http://site{i}.example/feed")
                }
            })
            .collect();
        let order = fetch_order(urls.iter().map(String::as_str));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..12).collect::<Vec<_>>(), "every feed once");
        // Any window of 4 consecutive fetches holds at most 2 of the busy host's (its share is
        // half), where the list's own order holds 4.
        for w in order.windows(4) {
            let busy = w.iter().filter(|&&i| i < 6).count();
            assert!(busy <= 2, "{order:?}");
        }
        // A host's own feeds keep their order.
        let busy: Vec<usize> = order.iter().copied().filter(|&i| i < 6).collect();
        assert_eq!(busy, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn the_benchmarks_busy_origin_fills_its_share_of_the_window() {
        // bench/bench.py's many-origin shape: the first quarter of 240 feeds on one origin, the
        // rest round-robin over 23 others; the refresh keeps 24 feeds in progress, the busy
        // origin may serve 6 at once. In list order a window held 24 of its feeds.
        let urls: Vec<String> = (0..240)
            .map(|i| {
                let port = if i < 60 { 0 } else { 1 + (i - 60) % 23 };
                format!("http://127.0.0.1:{}/{i}.xml", 8000 + port)
            })
            .collect();
        let order = fetch_order(urls.iter().map(String::as_str));
        let most = order
            .windows(24)
            .map(|w| w.iter().filter(|&&i| i < 60).count())
            .max();
        assert_eq!(most, Some(7), "{order:?}");
    }

    #[test]
    fn one_host_keeps_the_list_order() {
        let urls = [
            "http://a.example/1",
            "http://a.example/2",
            "http://A.example:80/3",
        ];
        assert_eq!(fetch_order(urls), vec![0, 1, 2]);
        assert!(fetch_order([]).is_empty());
    }
}
