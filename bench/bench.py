#!/usr/bin/env python3
"""bench.py - newsroom and newsboat side by side, in one run, on the same generated feeds.

    python3 bench/bench.py --newsroom target/release/newsroom [--quick] [--full]
                           [--reps 1] [--startup-reps 3] [--per-host N] [--workdir DIR]

Measures (see bench/README.md for what each figure means and why):
  1. cold refresh of FEEDS x ITEMS feeds at each latency (default 500 x 50 at 50 and 0 ms);
  2. warm refresh of the same (every answer a 304);
  3. time from exec to the first headlines on screen with about 50,000 cached articles
     (500 feeds x 100 items), on a 120x40 pseudo-terminal; newsboat as shipped and after ANALYZE;
  4. peak memory (ru_maxrss from wait4) of every run above;
  5. peak memory of `newsroom fetch` against hostile feeds (hostile.py; newsroom only).
Prints markdown tables on stdout (progress on stderr), then the ratios newsroom/newsboat.

Feeds come from feedgen.py and are served by feedserver.py (gzip, ETag/Last-Modified, 304s,
simulated latency) on 127.0.0.1 only. Every wait is bounded, and only processes this script
started are ended, by PID. Python 3.9+, stdlib only.
"""
import argparse
import concurrent.futures
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request
import fcntl
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
import measure  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_TIMEOUT = 600  # seconds for any one reader run; newsboat's slowest is ~65 s
CONFIRM = (b"really want to quit", b"(y:Yes n:No)")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes -----------------------------------------------------------------------------

def reader_env(home):
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=home, LANG="C.UTF-8", no_proxy="127.0.0.1,localhost",
               XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local/share"),
               XDG_STATE_HOME=os.path.join(home, ".local/state"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               # The TUI starts signed in and offline: cached news, no GitHub round trip.
               NEWSROOM_GITHUB_TOKEN="x")
    for k in ("COLUMNS", "LINES", "NEWSROOM_CONFIG", "NEWSROOM_DB", "RUST_LOG"):
        env.pop(k, None)
    return env


def run_measured(argv, env, out_path):
    """Run argv to completion; return (wall seconds, peak RSS KiB, exit code)."""
    return measure.run_measured(argv, env, out_path, RUN_TIMEOUT)


class Server:
    """feedserver.py on 127.0.0.1; restartable on the same port with another latency."""

    def __init__(self, feeds, workdir, latency_ms, port=0):
        self.feeds, self.workdir = feeds, workdir
        port_file = os.path.join(workdir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "feedserver.py"), feeds, "--gzip",
             "--latency-ms", str(latency_ms), "--port", str(port), "--port-file", port_file,
             "--max-seconds", "1800"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if self.proc.poll() is not None:
                raise RuntimeError("feedserver.py exited at start (port taken?)")
            time.sleep(0.05)
        else:
            raise RuntimeError("feedserver.py did not start")
        self.port = int(open(port_file).read().strip())
        self.prev = self.stats()

    def warm(self, manifest):
        """Fetches every feed once, gzipped, untimed: the server compresses each file on its
        first request and keeps it, so without this the first reader timed (newsroom) would
        also pay for the server's gzip, in the same two cores, and the later ones would not."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def get(name):
            req = urllib.request.Request(f"http://127.0.0.1:{self.port}/{name}",
                                         headers={"Accept-Encoding": "gzip"})
            with opener.open(req, timeout=60) as r:
                r.read()

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            list(pool.map(get, [row[0] for row in manifest]))
        self.prev = self.stats()

    def stats(self):
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"http://127.0.0.1:{self.port}/__stats", timeout=10) as r:
            return json.load(r)

    def delta(self):
        """Requests, 200s, 304s and connections since the last call."""
        now = self.stats()
        d = lambda k: now[k] - self.prev[k]
        s = lambda st, k: int(st["status"].get(k, 0))
        out = {"requests": d("requests"), "200": s(now, "200") - s(self.prev, "200"),
               "304": s(now, "304") - s(self.prev, "304"), "conns": d("connections"),
               "mb": (now["bytes"] - self.prev["bytes"]) / 1e6}
        self.prev = now
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Origins:
    """Several feedservers on 127.0.0.1, one port (one origin) each, serving the same folder.

    Feed i of the manifest lives on origin `origin_of[i]`: the first `busy` feeds on origin 0
    (one big publisher), the rest spread round-robin over the others, as a real subscription
    list spreads over many sites with one or two that host many feeds."""

    def __init__(self, feeds, workdir, latency_ms, n, busy, count):
        self.servers = []
        try:
            for i in range(n):
                d = os.path.join(workdir, f"origin-{i}")
                os.makedirs(d, exist_ok=True)
                self.servers.append(Server(feeds, d, latency_ms))
        except Exception:
            self.stop()
            raise
        rest = max(1, n - 1)
        self.origin_of = [0 if i < busy else 1 + (i - busy) % rest if n > 1 else 0 for i in range(count)]
        self.busy = min(busy, count) if n > 1 else count

    def url(self, i, name):
        return f"http://127.0.0.1:{self.servers[self.origin_of[i]].port}/{name}"

    def delta(self):
        out = {"requests": 0, "200": 0, "304": 0, "conns": 0, "mb": 0.0}
        for srv in self.servers:
            for k, v in srv.delta().items():
                out[k] += v
        return out

    def warm(self, manifest):
        for srv in self.servers:
            srv.warm(manifest)

    def stop(self):
        for srv in self.servers:
            srv.stop()


# ---- feeds and reader configs --------------------------------------------------------------

def generate(out, feeds, items):
    if not os.path.exists(os.path.join(out, "manifest.tsv")):
        subprocess.run([sys.executable, os.path.join(HERE, "feedgen.py"), out, "--feeds", str(feeds),
                        "--items", str(items), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "manifest.tsv"), encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def port_urls(port):
    return lambda i, name: f"http://127.0.0.1:{port}/{name}"


def newsroom_config(path, manifest, urls, concurrency, per_host):
    with open(path, "w", encoding="utf-8") as f:
        for i, row in enumerate(manifest):
            f.write(f"[[publications]]\nname = {toml_str(row[3])}\n"
                    f"url = {toml_str(urls(i, row[0]))}\n\n")
        f.write(f"[fetch]\ntimeout_secs = 60\nconcurrency = {concurrency}\nper_host = {per_host}\n"
                "refresh_minutes = 0\n\n"
                # The generated articles are dated 2024: keep them whatever today's date is.
                "[cache]\nmax_articles_per_feed = 1000\nmax_age_days = 0\n\n"
                '[github]\napi_url = "http://127.0.0.1:1"\n')


def newsboat_files(d, manifest, url_of, threads):
    urls, conf = os.path.join(d, "urls"), os.path.join(d, f"config-{threads}")
    with open(urls, "w") as f:
        f.writelines(url_of(i, row[0]) + "\n" for i, row in enumerate(manifest))
    with open(conf, "w") as f:
        f.write(f"reload-threads {threads}\n")
    return urls, conf


def json_status(out_path):
    """Counts of newsroom fetch --json statuses, and the sum of new articles."""
    counts, new = {}, 0
    with open(out_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if isinstance(o, dict) and "status" in o:
                counts[o["status"]] = counts.get(o["status"], 0) + 1
                new += int(o.get("new") or 0)
    return counts, new


def copy_db(src, dst):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.remove(dst + suffix)
        if os.path.exists(src + suffix):
            shutil.copyfile(src + suffix, dst + suffix)
    # A user's cache is not 100 MB of dirty pages: flush the copy (untimed) so that a reader's
    # first fsync does not pay for writing it back.
    os.sync()


# ---- 1 + 2: refresh ------------------------------------------------------------------------

def reload_bench(a, work, manifest, feeds_dir, latency, rows):
    d = os.path.join(work, f"reload-{latency}ms")
    home = os.path.join(d, "home")
    os.makedirs(home, exist_ok=True)
    env = reader_env(home)
    server = Server(feeds_dir, d, latency)
    port = server.port
    server.warm(manifest)

    def record(reader, variant, run, argv, out, note=""):
        wall, rss, rc = run_measured(argv, env, out)
        st = server.delta()
        extra = note
        if reader == "newsroom":
            counts, new = json_status(out)
            extra = " ".join(f"{k} {v}" for k, v in sorted(counts.items())) + (f"; {new} new" if new else "")
        rows.append(dict(reader=reader, variant=variant, latency=latency, run=run, wall=wall,
                         rss=rss / 1024, rc=rc, note=extra, **st))
        log(f"  {reader} {variant} {latency} ms {run}: {wall:.2f} s, {rss / 1024:.0f} MB, "
            f"{st['requests']} req ({st['200']} x200, {st['304']} x304, {st['conns']} conns), rc {rc} {extra}")
        if rc != 0:
            with open(out, errors="replace") as f:
                log("    output tail: " + " | ".join(f.read().splitlines()[-3:]))

    try:
        # newsroom: cold into a fresh cache, then warm (--force: revalidate although the server's
        # max-age=60 says fresh; conditional GET makes that all 304s).
        variants = [(f"per_host {a.per_host}", a.per_host)]
        if a.per_host != 6 and latency > 0:
            variants.append(("per_host 6 (shipped)", 6))
        for label, per_host in variants:
            for rep in range(a.reps):
                conf = os.path.join(d, f"newsroom-{per_host}.toml")
                newsroom_config(conf, manifest, port_urls(port), a.concurrency, per_host)
                db = os.path.join(d, f"newsroom-{per_host}-{rep}.db")
                base = [a.newsroom, "--config", conf, "--db", db, "fetch", "--json"]
                record("newsroom", label, "cold", base, os.path.join(d, "out.txt"))
                record("newsroom", label, "warm", base + ["--force"], os.path.join(d, "out.txt"))

        # newsboat: cold; its validators are stored only by its 2nd fetch (BASELINE.md finding
        # 1), so the warm (all 304) run is its 3rd. The 2nd only primes the cache and runs at
        # 0 ms on the same port to save time unless --full.
        variants = [1, 8] if latency > 0 else [1]
        warm_for = {1} if latency > 0 else set()
        if a.full:
            variants, warm_for = [1, 8], {1, 8}
        for threads in variants:
            label = "default (reload-threads 1)" if threads == 1 else f"reload-threads {threads}"
            for rep in range(a.reps):
                urls, conf = newsboat_files(d, manifest, port_urls(port), threads)
                cache = os.path.join(d, f"newsboat-{threads}-{rep}.db")
                argv = ["newsboat", "-q", "-u", urls, "-c", cache, "-C", conf, "-x", "reload"]
                record("newsboat", label, "cold", argv, os.path.join(d, "out.txt"))
                if threads in warm_for:
                    if not a.full and latency > 0:
                        server.stop()
                        server = Server(feeds_dir, d, 0, port=port)
                    record("newsboat", label, "2nd (primes validators)", argv, os.path.join(d, "out.txt"),
                           "" if a.full or latency == 0 else "served at 0 ms")
                    if not a.full and latency > 0:
                        server.stop()
                        server = Server(feeds_dir, d, latency, port=port)
                    record("newsboat", label, "warm", argv, os.path.join(d, "out.txt"))
    finally:
        server.stop()


def origins_bench(a, work, manifest, feeds_dir, latency, rows):
    """Cold refresh with the feeds spread over many origins, newsroom with its shipped defaults
    (per_host 6), newsboat with its defaults."""
    d = os.path.join(work, f"origins-{latency}ms")
    home = os.path.join(d, "home")
    os.makedirs(home, exist_ok=True)
    env = reader_env(home)
    busy = max(1, len(manifest) // 4)
    group = Origins(feeds_dir, d, latency, a.origins, busy, len(manifest))
    group.warm(manifest)
    variant = f"{a.origins} origins"
    try:
        def record(reader, argv, out):
            wall, rss, rc = run_measured(argv, env, out)
            st = group.delta()
            extra = ""
            if reader == "newsroom":
                counts, new = json_status(out)
                extra = " ".join(f"{k} {v}" for k, v in sorted(counts.items())) + (f"; {new} new" if new else "")
            rows.append(dict(reader=reader, variant=variant, latency=latency, run="cold", wall=wall,
                             rss=rss / 1024, rc=rc, note=extra, **st))
            log(f"  {reader} {variant} {latency} ms cold: {wall:.2f} s, {rss / 1024:.0f} MB, "
                f"{st['requests']} req ({st['conns']} conns), rc {rc} {extra}")

        for rep in range(a.reps):
            conf = os.path.join(d, "newsroom.toml")
            newsroom_config(conf, manifest, group.url, a.concurrency, 6)
            db = os.path.join(d, f"newsroom-{rep}.db")
            record("newsroom", [a.newsroom, "--config", conf, "--db", db, "fetch", "--json"],
                   os.path.join(d, "out.txt"))
        for rep in range(a.reps):
            urls, conf = newsboat_files(d, manifest, group.url, 1)
            cache = os.path.join(d, f"newsboat-{rep}.db")
            record("newsboat", ["newsboat", "-q", "-u", urls, "-c", cache, "-C", conf, "-x", "reload"],
                   os.path.join(d, "out.txt"))
    finally:
        group.stop()
    # What no reader can beat: the global cap, and the busiest origin's share of its own cap.
    waves = max(-(-len(manifest) // a.concurrency), -(-group.busy // 6))
    return dict(latency=latency, origins=a.origins, busy=group.busy, floor=waves * latency / 1000)


# ---- 3: start-up ---------------------------------------------------------------------------

def run_tui(argv, env, markers, rows, cols, timeout):
    """Time from fork+exec to the first marker on screen; return (s, peak RSS KiB)."""
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is our terminal
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    buf, t_seen, quit_at, confirmed, status = bytearray(), None, None, False, None
    longest = max(len(m) for m in markers)
    try:
        while time.perf_counter() - t0 < timeout:
            done, st, ru = os.wait4(pid, os.WNOHANG)
            if done:
                status = (st, ru)
                break
            if quit_at and time.perf_counter() - quit_at > 10:
                break
            ready, _, _ = select.select([fd], [], [], 0.01)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its terminal
                data = b""
            if not data:
                continue
            start = max(0, len(buf) - longest)
            buf += data
            if t_seen is None and any(m in buf[start:] for m in markers):
                t_seen = time.perf_counter() - t0
                quit_at = time.perf_counter()
                os.write(fd, b"q")
            if t_seen is not None and not confirmed and any(c in buf[-300:] for c in CONFIRM):
                os.write(fd, b"y")
                confirmed = True
    finally:
        if status is None:  # still running: end our own child, by PID
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                done, st, ru = os.wait4(pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
                _, st, ru = os.wait4(pid, 0)
            status = (st, ru)
        os.close(fd)
    if t_seen is None:
        tail = bytes(buf[-400:])
        raise RuntimeError(f"{argv[0]}: no marker on screen within {timeout} s; output tail {tail!r}")
    return t_seen, status[1].ru_maxrss


def first_titles(path, n=5, prefix=16):
    """Prefixes of the first item titles of a generated feed: text the headline list shows."""
    local = lambda e: e.tag.split("}")[-1]
    titles = []
    for e in ET.parse(path).getroot().iter():
        if local(e) in ("item", "entry"):
            titles += [t.text or "" for t in e if local(t) == "title"][:1]
    return [t.strip()[:prefix].encode() for t in titles[:n] if t.strip()]


def startup_bench(a, work, rows):
    d = os.path.join(work, "startup")
    home = os.path.join(d, "home")
    os.makedirs(home, exist_ok=True)
    env = reader_env(home)
    feeds_dir = os.path.join(d, "feeds")
    manifest = generate(feeds_dir, a.startup_feeds, a.startup_items)
    server = Server(feeds_dir, d, 0)
    try:
        conf = os.path.join(d, "newsroom.toml")
        newsroom_config(conf, manifest, port_urls(server.port), a.concurrency, a.per_host)
        db = os.path.join(d, "newsroom.db")
        wall, _, rc = run_measured([a.newsroom, "--config", conf, "--db", db, "fetch", "--json"], env,
                                   os.path.join(d, "fill.txt"))
        counts, newsroom_articles = json_status(os.path.join(d, "fill.txt"))
        log(f"  newsroom cache filled in {wall:.1f} s: {counts}, {newsroom_articles} articles, rc {rc}")
        urls, nb_conf = newsboat_files(d, manifest, port_urls(server.port), 8)
        cache = os.path.join(d, "newsboat.db")
        wall, _, rc = run_measured(["newsboat", "-q", "-u", urls, "-c", cache, "-C", nb_conf, "-x", "reload"],
                                   env, os.path.join(d, "fill.txt"))
        nb_articles = subprocess.run(["sqlite3", cache, "select count(*) from rss_item"], capture_output=True,
                                     text=True, timeout=60).stdout.strip()
        log(f"  newsboat cache filled in {wall:.1f} s: {nb_articles} articles, rc {rc}")
    finally:
        server.stop()  # the TUIs start offline: what they show comes from the cache

    first = os.path.join(feeds_dir, manifest[0][0])
    headline_markers = first_titles(first)
    name_marker = [manifest[0][3].encode()]
    # newsroom's publication pane may be narrower than the whole name.
    name_prefix = [manifest[0][3][:12].encode()]
    run_db, run_cache = db + ".run", cache + ".run"
    cases = [
        ("newsroom", "first headlines", newsroom_articles, a.startup_reps,
         lambda: copy_db(db, run_db), [a.newsroom, "--config", conf, "--db", run_db], headline_markers),
        ("newsroom", "publication list", newsroom_articles, a.startup_reps,
         lambda: copy_db(db, run_db), [a.newsroom, "--config", conf, "--db", run_db], name_prefix),
        ("newsboat", "as shipped, feed list", nb_articles, a.startup_reps if a.full else 1,
         lambda: copy_db(cache, run_cache),
         ["newsboat", "-u", urls, "-c", run_cache, "-C", nb_conf], name_marker),
        ("newsboat", "+ANALYZE, feed list", nb_articles, a.startup_reps,
         lambda: (copy_db(cache, run_cache),
                  subprocess.run(["sqlite3", run_cache, "ANALYZE"], check=True, timeout=120)),
         ["newsboat", "-u", urls, "-c", run_cache, "-C", nb_conf], name_marker),
    ]
    for reader, what, articles, reps, prepare, argv, markers in cases:
        times, rss = [], []
        for i in range(reps):
            prepare()
            try:
                t, kb = run_tui(argv, dict(env, TERM="xterm-256color"), markers, 40, 120, a.tui_timeout)
            except RuntimeError as e:  # one reader failing must not lose the other's figures
                log(f"  {reader} {what}: FAILED: {e}")
                break
            times.append(t)
            rss.append(kb / 1024)
            log(f"  {reader} {what}: rep {i + 1}: {t * 1000:.0f} ms, {kb / 1024:.0f} MB")
        if times:
            rows.append(dict(reader=reader, what=what, articles=articles, reps=reps, times=times, rss=rss))


# ---- report --------------------------------------------------------------------------------

def med(xs):
    return statistics.median(xs)


def spread(xs, fmt):
    return (fmt % med(xs)) + (f" ({fmt % min(xs)}-{fmt % max(xs)})" if len(xs) > 1 else "")


def report(a, reload_rows, startup_rows, floors):
    print(f"## Refresh: {a.feeds} feeds x {a.items} items, gzip, on 127.0.0.1: one host:port, and (rows \"N origins\") N ports\n")
    print("| reader | variant | latency ms | run | wall s | peak RSS MB | requests | 200 | 304 | conns | MB sent | rc | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    groups = {}
    for r in reload_rows:
        groups.setdefault((r["reader"], r["variant"], r["latency"], r["run"]), []).append(r)
    for (reader, variant, lat, run), rs in groups.items():
        last = rs[-1]
        print(f"| {reader} | {variant} | {lat} | {run} | {spread([r['wall'] for r in rs], '%.2f')} | "
              f"{spread([r['rss'] for r in rs], '%.0f')} | {last['requests']} | {last['200']} | {last['304']} | "
              f"{last['conns']} | {last['mb']:.1f} | {last['rc']} | {last['note']} |")

    print("\n## Start-up: exec to first screen, 120x40 pseudo-terminal, offline\n")
    print("| reader | marker | articles in cache | reps | time ms | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for r in startup_rows:
        print(f"| {r['reader']} | {r['what']} | {r['articles']} | {r['reps']} | "
              f"{spread([t * 1000 for t in r['times']], '%.0f')} | {spread(r['rss'], '%.0f')} |")

    def wall(reader, variant_prefix, lat, run):
        xs = [r["wall"] for r in reload_rows if r["reader"] == reader and r["variant"].startswith(variant_prefix)
              and r["latency"] == lat and r["run"] == run]
        return med(xs) if xs else None

    def rss(reader, variant_prefix, lat, run):
        xs = [r["rss"] for r in reload_rows if r["reader"] == reader and r["variant"].startswith(variant_prefix)
              and r["latency"] == lat and r["run"] == run]
        return max(xs) if xs else None

    def tui(reader, what):
        xs = [t for r in startup_rows if r["reader"] == reader and r["what"] == what for t in r["times"]]
        return med(xs) if xs else None

    def tui_rss(reader, prefix):
        xs = [m for r in startup_rows if r["reader"] == reader and r["what"].startswith(prefix) for m in r["rss"]]
        return max(xs) if xs else None

    ours = f"per_host {a.per_host}"
    lats = a.latencies
    hi = max(lats)
    lines = []
    for lat in lats:
        lines.append((f"cold refresh, {lat} ms", wall("newsroom", ours, lat, "cold"),
                      wall("newsboat", "default", lat, "cold"), "newsboat default", 20 if lat in (50, 0) else None))
    lines.append((f"cold refresh, {hi} ms", wall("newsroom", ours, hi, "cold"),
                  wall("newsboat", "reload-threads 8", hi, "cold"), "newsboat reload-threads 8", 3 if hi == 50 else None))
    if a.per_host != 6:
        lines.append((f"cold refresh, {hi} ms, newsroom per_host 6", wall("newsroom", "per_host 6", hi, "cold"),
                      wall("newsboat", "default", hi, "cold"), "newsboat default", None))
    for fl in floors:
        lab = f"{fl['origins']} origins"
        lines.append((f"cold refresh, {fl['latency']} ms, {lab}, newsroom shipped defaults",
                      wall("newsroom", lab, fl["latency"], "cold"), wall("newsboat", lab, fl["latency"], "cold"),
                      "newsboat default", 30 if fl["latency"] == 50 else None))
    lines.append((f"warm refresh (all 304), {hi} ms", wall("newsroom", ours, hi, "warm"),
                  wall("newsboat", "default", hi, "warm"), "newsboat default", 20 if hi == 50 else None))
    lines.append(("start-up to first headlines", tui("newsroom", "first headlines"),
                  tui("newsboat", "as shipped, feed list"), "newsboat as shipped", 10))
    lines.append(("start-up to first headlines", tui("newsroom", "first headlines"),
                  tui("newsboat", "+ANALYZE, feed list"), "newsboat + ANALYZE", 10))
    print("\n## Ratios (newsroom / newsboat; lower is better for newsroom)\n")
    print("| measure | newsroom | newsboat | against | newsroom/newsboat | newsboat is x slower | target |")
    print("|---|---|---|---|---|---|---|")
    for what, n, b, against, target in lines:
        if n is None or b is None:
            continue
        unit = "ms" if "start-up" in what else "s"
        k = 1000 if unit == "ms" else 1
        ok = "" if target is None else (f">= {target}x: " + ("met" if b / n >= target else "**not met**"))
        print(f"| {what} | {n * k:.{0 if k > 1 else 2}f} {unit} | {b * k:.{0 if k > 1 else 2}f} {unit} | {against} | "
              f"{n / b:.3f} | {b / n:.1f}x | {ok} |")
    for fl in floors:
        n = wall("newsroom", f"{fl['origins']} origins", fl["latency"], "cold")
        if n is not None:
            print(f"\n{fl['origins']} origins, busiest {fl['busy']} feeds: network floor "
                  f"max(feeds / concurrency, busiest / per_host 6) x {fl['latency']} ms = {fl['floor']:.2f} s; "
                  f"newsroom {n:.2f} s = {n / fl['floor']:.2f}x the floor (target <= 1.3x: "
                  f"{'met' if n / fl['floor'] <= 1.3 else '**not met**'}).\n")
    mem = []
    for lat in lats:
        mem.append((f"peak RSS, cold refresh, {lat} ms", rss("newsroom", ours, lat, "cold"),
                    rss("newsboat", "default", lat, "cold"), "newsboat default"))
    mem.append((f"peak RSS, cold refresh, {hi} ms", rss("newsroom", ours, hi, "cold"),
                rss("newsboat", "reload-threads 8", hi, "cold"), "newsboat reload-threads 8"))
    mem.append((f"peak RSS, warm refresh, {hi} ms", rss("newsroom", ours, hi, "warm"),
                rss("newsboat", "default", hi, "warm"), "newsboat default"))
    mem.append(("peak RSS, TUI start-up", tui_rss("newsroom", "first"), tui_rss("newsboat", "as shipped"),
                "newsboat as shipped"))
    for what, n, b, against in mem:
        if n is not None and b is not None:
            ok = "<= 0.5: " + ("met" if n / b <= 0.5 else "**not met**")
            print(f"| {what} | {n:.0f} MB | {b:.0f} MB | {against} | {n / b:.3f} | {b / n:.1f}x | {ok} |")
    if startup_rows:
        t = tui("newsroom", "first headlines")
        if t is not None:
            print(f"\nnewsroom start-up to first headlines: {t * 1000:.0f} ms (target < 50 ms: "
                  f"{'met' if t < 0.05 else 'not met'}).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--newsroom", default=os.path.join(HERE, "..", "target", "release", "newsroom"))
    ap.add_argument("--quick", action="store_true", help="100 x 20 feeds, 100 x 100 for start-up")
    ap.add_argument("--full", action="store_true", help="every newsboat variant, every run, every rep")
    ap.add_argument("--feeds", type=int)
    ap.add_argument("--items", type=int)
    ap.add_argument("--startup-feeds", type=int)
    ap.add_argument("--startup-items", type=int)
    ap.add_argument("--latencies", default="50,0")
    ap.add_argument("--reps", type=int, default=1, help="refresh reps (fresh cache each)")
    ap.add_argument("--startup-reps", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=20, help="newsroom [fetch] concurrency")
    ap.add_argument("--per-host", type=int, help="newsroom [fetch] per_host (default: = concurrency)")
    ap.add_argument("--tui-timeout", type=float, default=90)
    ap.add_argument("--origins", type=int, default=0,
                    help="origins for the many-origin refresh (default feeds/10; 0 or 1 skips it)")
    ap.add_argument("--skip", default="", help="comma list: reload,origins,startup,hostile")
    ap.add_argument("--workdir", help="keep feeds and caches here (default: a temp dir, removed)")
    a = ap.parse_args()
    a.feeds = a.feeds or (100 if a.quick else 500)
    a.items = a.items or (20 if a.quick else 50)
    a.startup_feeds = a.startup_feeds or (100 if a.quick else 500)
    a.startup_items = a.startup_items or 100
    a.per_host = a.per_host or a.concurrency
    a.origins = a.origins or max(2, a.feeds // 10)
    a.latencies = [int(x) for x in a.latencies.split(",") if x.strip()]
    a.newsroom = os.path.abspath(a.newsroom)
    skip = set(a.skip.split(","))
    for tool in ("newsboat", "sqlite3"):
        if not shutil.which(tool):
            sys.exit(f"bench.py: {tool} not found (bench/run.sh installs it)")
    if not os.access(a.newsroom, os.X_OK):
        sys.exit(f"bench.py: no newsroom binary at {a.newsroom} (cargo build --release)")

    work = a.workdir or tempfile.mkdtemp(prefix="newsroom-bench.")
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    load_start = os.getloadavg()
    reload_rows, startup_rows, floors = [], [], []
    try:
        log(f"# bench: {os.cpu_count()} cores, work dir {work}")
        if "reload" not in skip:
            feeds_dir = os.path.join(work, f"feeds-{a.feeds}x{a.items}")
            manifest = generate(feeds_dir, a.feeds, a.items)
            for lat in a.latencies:
                log(f"# refresh at {lat} ms")
                reload_bench(a, work, manifest, feeds_dir, lat, reload_rows)
            if a.origins > 1 and "origins" not in skip:
                lat = max(a.latencies)
                log(f"# refresh at {lat} ms over {a.origins} origins")
                floors.append(origins_bench(a, work, manifest, feeds_dir, lat, reload_rows))
        if "startup" not in skip:
            log(f"# start-up with {a.startup_feeds} x {a.startup_items} cached")
            startup_bench(a, work, startup_rows)
        hostile_rows = []
        if "hostile" not in skip:
            hostile_rows = hostile.run(a.newsroom, work)
        load0 = os.getloadavg()
        report(a, reload_rows, startup_rows, floors)
        if hostile_rows:
            hostile.report(hostile_rows)
        # Other work on the machine inflates every figure: say how busy it was.
        print(f"\nRun: {time.time() - t0:.0f} s on {os.cpu_count()} cores; load average at the start "
              f"{load_start[0]:.1f}, at the end {load0[0]:.1f} (1 min).")
        log(f"# done in {time.time() - t0:.0f} s")
    finally:
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
