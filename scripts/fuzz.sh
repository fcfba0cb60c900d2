#!/bin/sh
# Fuzzes the feed module: each cargo-fuzz target (fuzz/fuzz_targets) runs for a bounded time,
# seeded with the test fixtures. Needs the nightly toolchain and `cargo install cargo-fuzz`.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 600 feed   # 10 minutes, one target
#
# A crash, a timeout (over 10 s), an out-of-memory or a slow input (libFuzzer's slow-unit) is
# copied to tests/fixtures/fuzz/<target>/, where the `feed::fuzz_regressions` test replays it
# from then on; the script then exits non-zero.
set -eu

secs="${1:-60}"
targets="${2:-feed html}"
cd "$(dirname "$0")/.."

status=0
for target in $targets; do
    case "$target" in
        feed) seeds="tests/fixtures/feeds tests/fixtures/fuzz/feed tests/fixtures/corpus/feedparser" ;;
        html) seeds="tests/fixtures/fuzz/html tests/fixtures/corpus/feedparser/wellformed/sanitize" ;;
        *) echo "unknown target: $target" >&2; exit 2 ;;
    esac
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" "tests/fixtures/fuzz/$target"
    echo "== fuzzing $target for ${secs}s"
    # shellcheck disable=SC2086 # the seed list is meant to split into several directories
    if ! cargo +nightly fuzz run -O "$target" "fuzz/corpus/$target" $seeds -- \
        -max_total_time="$secs" -timeout=10 -report_slow_units=3 -rss_limit_mb=2048 \
        -max_len=65536 \
        -print_final_stats=1; then
        status=1
    fi
    for crash in fuzz/artifacts/"$target"/crash-* fuzz/artifacts/"$target"/timeout-* \
        fuzz/artifacts/"$target"/oom-* fuzz/artifacts/"$target"/slow-unit-*; do
        [ -e "$crash" ] || continue
        cp "$crash" "tests/fixtures/fuzz/$target/"
        echo "kept $crash as tests/fixtures/fuzz/$target/$(basename "$crash")"
        status=1
    done
done
exit "$status"
