"""Running one measured command: wall time and the child's own peak RSS (wait4), bounded.

Shared by bench.py (newsroom and newsboat runs) and hostile.py (newsroom against hostile feeds).
"""

import os
import signal
import subprocess
import threading
import time


def run_measured(argv, env, out_path, timeout):
    """Run argv to completion (stdout and stderr to out_path); return (wall seconds, peak RSS
    KiB, exit code). Killed, and an error raised, past `timeout` seconds."""
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        result = {}

        def reap():  # wait4 gives the child's own peak RSS, no /usr/bin/time needed
            _, status, ru = os.wait4(p.pid, 0)
            result.update(t=time.perf_counter() - t0, status=status, rss=ru.ru_maxrss)

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        if waiter.is_alive():
            os.kill(p.pid, signal.SIGKILL)
            waiter.join(30)
            raise RuntimeError(f"{argv[0]} ran past {timeout} s")
        return result["t"], result["rss"], os.waitstatus_to_exitcode(result["status"])
