#!/usr/bin/env bash
# newsroom vs newsboat, side by side on the same generated feeds, from a fresh clone:
#
#   bench/run.sh                 # the full run: 500 x 50 feeds at 50 and 0 ms, 50,000-article start-up
#   QUICK=1 bench/run.sh         # a smaller run (100 x 20 feeds, 10,000 articles), about a minute
#   FULL=1 bench/run.sh          # every newsboat variant and run (adds several minutes)
#   REPS=3 bench/run.sh          # repeat each refresh on a fresh cache; medians are shown
#   HOSTILE=1 bench/run.sh       # only newsroom's peak memory against hostile feeds (hostile.py)
#   SEARCH=1 bench/run.sh        # the search benchmark instead (bench/search.py)
#   SYNC=1 bench/run.sh          # the size of the sync gist for 50,000 read articles
#
# Other knobs: PER_HOST (newsroom's per_host for the run; default = its concurrency, see
# bench/README.md), CONCURRENCY (default 20, the shipped default), STARTUP_REPS (default 3),
# BENCH_ARGS (passed on to bench.py). TMPDIR=/dev/shm takes the disk out of the figures.
# The tables go to stdout, progress to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

need() { command -v "$1" >/dev/null 2>&1; }

# SYNC=1: the sync gist's size (examples/sync_size.rs; sizes, not times, so one run does).
if [ "${SYNC:-0}" = 1 ]; then
  exec cargo run --release --locked --manifest-path "$repo/Cargo.toml" --example sync_size -- \
    ${SYNC_ARTICLES:-50000}
fi

# SEARCH=1: the search benchmark alone (bench/search.py; no newsboat needed). QUICK=1 makes its
# large cache 10,000 articles instead of 100,000; REPS sets the refresh repetitions (default 3).
if [ "${SEARCH:-0}" = 1 ]; then
  need python3 || { echo "bench: python3 (3.9 or later) is needed" >&2; exit 2; }
  echo "# building newsroom and the search latency driver (release)" >&2
  cargo build --release --locked --manifest-path "$repo/Cargo.toml" --bin newsroom \
    --example search_latency >&2
  target=${CARGO_TARGET_DIR:-$repo/target}
  args=(--newsroom "$target/release/newsroom" --latency-bin "$target/release/examples/search_latency")
  [ "${QUICK:-0}" = 1 ] && args+=(--quick)
  [ -n "${REPS:-}" ] && args+=(--reps "$REPS")
  # shellcheck disable=SC2086 # BENCH_ARGS is split on purpose
  exec python3 "$here/search.py" "${args[@]}" ${BENCH_ARGS:-}
fi

if [ "${HOSTILE:-0}" != 1 ] && { ! need newsboat || ! need sqlite3; }; then
  echo "# installing newsboat and sqlite3 (Debian packages)" >&2
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq newsboat sqlite3 >&2
fi
need python3 || { echo "bench: python3 (3.9 or later) is needed" >&2; exit 2; }

echo "# building newsroom (release)" >&2
cargo build --release --locked --manifest-path "$repo/Cargo.toml" >&2

if [ "${HOSTILE:-0}" = 1 ]; then
  exec python3 "$here/hostile.py" --newsroom "$repo/target/release/newsroom"
fi

args=(--newsroom "$repo/target/release/newsroom")
[ "${QUICK:-0}" = 1 ] && args+=(--quick)
[ "${FULL:-0}" = 1 ] && args+=(--full)
[ -n "${REPS:-}" ] && args+=(--reps "$REPS")
[ -n "${STARTUP_REPS:-}" ] && args+=(--startup-reps "$STARTUP_REPS")
[ -n "${PER_HOST:-}" ] && args+=(--per-host "$PER_HOST")
[ -n "${CONCURRENCY:-}" ] && args+=(--concurrency "$CONCURRENCY")

echo "# $(newsboat --version 2>/dev/null | head -n 1); $(nproc) cores; $(uname -sr)" >&2
# shellcheck disable=SC2086 # BENCH_ARGS is split on purpose
exec python3 "$here/bench.py" "${args[@]}" ${BENCH_ARGS:-}
