"""Measure the dashboard in headless Chromium: page load time, and weeks per second while playing.

    python benchmarks/bench_dashboard.py [--seconds 8]

Starts `solara run app.py` on a free port, times the first page load (navigation until the week
counter shows) and a reload, presses Play on the page's model (the default city: 5,000 residents), and reads
the page's week counter before and after --seconds of playing. Each week is drawn before the next
(Render Interval 1). Asserts nothing.
"""

import argparse
import os
import platform
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_dashboard import CHROMIUM, CHROMIUM_ARGS, WEEK, free_port, serve  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def week(page) -> int:
    return int(WEEK.search(page.get_by_text(WEEK).first.inner_text()).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    port = free_port()
    log = open(Path("/tmp") / f"bench_dashboard_{port}.log", "w")
    started = time.perf_counter()
    server = serve(port, log)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 2100})
            page.set_default_timeout(180_000)
            while True:
                try:
                    urllib.request.urlopen(url, timeout=5).close()
                    break
                except OSError:  # not listening yet
                    time.sleep(0.5)
            print(f"server answering after {time.perf_counter() - started:.1f} s")
            for label in ("first page load", "reload"):
                start = time.perf_counter()
                page.goto(url)
                page.get_by_text(WEEK).first.wait_for()
                print(f"{label}: {time.perf_counter() - start:.2f} s")
            page.get_by_role("button", name="▶", exact=True).click()
            first, t0, cpu0 = week(page), time.perf_counter(), cpu_seconds(server.pid)
            page.wait_for_timeout(args.seconds * 1000)
            last, t1, cpu1 = week(page), time.perf_counter(), cpu_seconds(server.pid)
            rate = (last - first) / (t1 - t0)
            print(f"played weeks {first} -> {last} in {t1 - t0:.1f} s: {rate:.1f} weeks per second "
                  f"(5,000 residents; {platform.machine()}, load average {os.getloadavg()[0]:.1f})")
            per_week = (cpu1 - cpu0) / max(last - first, 1)
            print(f"server CPU per week (step, drawing, sending): {per_week * 1000:.0f} ms, "
                  f"so about {1 / per_week:.1f} weeks per second on a free core")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
