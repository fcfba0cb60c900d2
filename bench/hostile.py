#!/usr/bin/env python3
"""hostile.py - newsroom's peak memory against hostile feeds, each within the default 10 MiB cap.

    python3 bench/hostile.py --newsroom target/release/newsroom

Serves, on 127.0.0.1 only, feeds made of a huge number of tiny items (RSS `<item/>`, Atom
`<entry/>`, JSON Feed `{}`, and an RSS feed only the lenient reader takes), a gzip bomb, an
endless body, deep nesting and an HTML page; runs `newsroom fetch` on each alone, on four
item-bomb feeds at once, and on the whole set at once; reports peak RSS (ru_maxrss from
wait4). Also used by bench.py. Python 3.9+, stdlib only. Every run is bounded in time.
"""
import argparse
import gzip
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

CAP = 10 * 1024 * 1024
RUN_TIMEOUT = 300
# The targets: any single feed within the cap, four at once, the whole hostile set.
GOAL_SINGLE_MB, GOAL_FOUR_MB, GOAL_SET_MB = 64, 128, 128


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def bodies():
    """path -> (headers, body bytes or a callable that writes an endless body)."""
    n = 1_300_000
    rss = b"<rss version='2.0'><channel><title>items</title>" + b"<item/>" * n + b"</channel></rss>"
    atom = (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>entries</title>"
            + b"<entry/>" * 1_200_000 + b"</feed>")
    json = (b'{"version":"https://jsonfeed.org/version/1.1","title":"items","items":['
            + b"{}," * 3_300_000 + b"{}]}")
    lenient = (b"<rss><channel><title>AT&T &nbsp;items</title>" + b"<item/>" * n
               + b"</channel></rss>")
    deep = b"<rss><channel><item><title>deep</title>" + b"<x>" * 1_000_000 + b"</item></channel></rss>"
    bomb = gzip.compress(b"\0" * (256 * 1024 * 1024), compresslevel=9)
    html = b"<!DOCTYPE html><html><body>" + b"<p>not a feed</p>" * 100_000 + b"</body></html>"
    for name, b in [("rss", rss), ("atom", atom), ("json", json), ("lenient", lenient), ("deep", deep)]:
        assert len(b) < CAP, (name, len(b))
    xml = {"Content-Type": "application/rss+xml"}
    return {
        "/rss": (xml, rss),
        "/atom": ({"Content-Type": "application/atom+xml"}, atom),
        "/json": ({"Content-Type": "application/feed+json"}, json),
        "/lenient": (xml, lenient),
        "/deep": (xml, deep),
        "/bomb": ({**xml, "Content-Encoding": "gzip"}, bomb),
        "/html": ({"Content-Type": "text/html"}, html),
        "/endless": (xml, None),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        headers, body = self.routes.get(self.path.split("?")[0], ({}, b""))
        self.send_response(200 if headers else 404)
        for k, v in headers.items():
            self.send_header(k, v)
        try:
            if body is None:
                # Endless: until the client hangs up, bounded at 1 GiB.
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<item/>" * 10_000
                for _ in range((1 << 30) // len(chunk)):
                    self.wfile.write(chunk)
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def serve(port_file, max_seconds):
    """The server process: its memory must not be the measured child's (a fork before exec
    counts the parent's pages in the child's peak RSS), hence a process of its own."""
    Handler.routes = bodies()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    time.sleep(max_seconds)


def start_server(work):
    port_file = os.path.join(work, "hostile-port")
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", port_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1200):
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("hostile.py --serve did not start")


def run_fetch(newsroom, work, name, urls):
    home = os.path.join(work, name)
    os.makedirs(home, exist_ok=True)
    cfg = os.path.join(home, "config.toml")
    with open(cfg, "w") as f:
        for i, u in enumerate(urls):
            f.write(f'[[publications]]\nname = "P{i}"\nurl = "{u}"\n\n')
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=home, XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_STATE_HOME=os.path.join(home, "state"), no_proxy="127.0.0.1")
    argv = [newsroom, "--config", cfg, "--db", os.path.join(home, "c.db"), "fetch", "--json"]
    wall, rss, rc = measure.run_measured(argv, env, os.path.join(home, "out.txt"), RUN_TIMEOUT)
    lines = open(os.path.join(home, "out.txt"), errors="replace").read().splitlines()
    return dict(name=name, feeds=len(urls), rss_mb=rss / 1024, wall=wall, rc=rc, out=lines)


def run(newsroom, work):
    srv, port = start_server(work)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        singles = [("RSS, 1.3 M `<item/>`", "/rss"), ("Atom, 1.2 M `<entry/>`", "/atom"),
                   ("JSON Feed, 3.3 M `{}`", "/json"), ("lenient RSS, 1.3 M `<item/>`", "/lenient")]
        for label, path in singles:
            log(f"# hostile: {label}")
            rows.append((label, "single", run_fetch(newsroom, work, path.strip("/"), [base + path])))
        log("# hostile: four item bombs at once")
        rows.append(("four RSS item bombs at once", "four",
                     run_fetch(newsroom, work, "four", [f"{base}/rss?{i}" for i in range(4)])))
        log("# hostile: the whole hostile-server set at once")
        every = ["/rss", "/atom", "/json", "/lenient", "/deep", "/bomb", "/html", "/endless"]
        rows.append(("the hostile-server set (8 feeds) at once", "set",
                     run_fetch(newsroom, work, "set", [base + p for p in every])))
    finally:
        srv.kill()
        srv.wait(30)
    return rows


def report(rows):
    goals = {"single": GOAL_SINGLE_MB, "four": GOAL_FOUR_MB, "set": GOAL_SET_MB}
    print("\n### Hostile feeds: peak memory of `newsroom fetch`\n")
    print("| feeds | peak RSS | goal | met | wall | exit |")
    print("|---|---|---|---|---|---|")
    for label, kind, r in rows:
        goal = goals[kind]
        met = "met" if r["rss_mb"] <= goal else "**not met**"
        print(f"| {label} | {r['rss_mb']:.0f} MB | <= {goal} MB | {met} | {r['wall']:.1f} s | {r['rc']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--newsroom", default=os.path.join(os.path.dirname(__file__), "..", "target",
                                                       "release", "newsroom"))
    ap.add_argument("--show-output", action="store_true", help="print each run's --json lines")
    ap.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, RUN_TIMEOUT * 8)
        return
    work = tempfile.mkdtemp(prefix="newsroom-hostile.")
    try:
        rows = run(os.path.abspath(a.newsroom), work)
        report(rows)
        if a.show_output:
            for label, _, r in rows:
                print(f"\n{label}:\n" + "\n".join(r["out"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
