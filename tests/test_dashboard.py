"""The dashboard (app.py) served by Solara and driven in headless Chromium with Playwright.

One server (on a free port) and one browser serve both tests. The first page load compiles the
front-end assets, so waits are generous; no assertion is about speed (benchmarks/bench_dashboard.py
measures steps per second).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from bridges import cli
from tests.conftest import ROOT, in_one_worker

pytestmark = [pytest.mark.slow,  # a Solara server process and headless Chromium
              in_one_worker(__name__)]  # one server and one browser (module fixtures) for both tests

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
FIRST_LOAD_MS = 180_000
"""Waits for the first page (asset compilation, a 5,000-resident model) [ms]."""
UPDATE_MS = 90_000
"""Waits for one update of the page (a Reset builds a 5,000-resident model) [ms]."""
WEEK = re.compile(r"Week (\d+) of (\d+)")
IMAGE_DIGEST = """async img => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""
"""SHA-256 of the PNG an <img> shows (its src is a blob URL that changes with every update)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, log, page: str | None = None) -> subprocess.Popen:
    """The dashboard as a user starts it, `python run.py dashboard` (`bridges dashboard` once installed: Solara
    with app.py), on 127.0.0.1:port; or `solara run PAGE`, a page of one's own."""
    command = ([sys.executable, "run.py", "dashboard", "--port", str(port)] if page is None else
               [sys.executable, "-m", "solara", "run", page, "--host", "127.0.0.1", "--port", str(port), "--production",
                "--no-open", "--no-check-version"])
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_until_served(url: str, server: subprocess.Popen, log_path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard server exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the dashboard did not answer at {url} within {seconds:.0f} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    return tmp_path_factory.mktemp("dashboard")


@contextmanager
def served(output, name: str, page: str | None = None):
    """A served dashboard's address while the block runs (serve's arguments); the server stops after it."""
    port = free_port()
    log_path = output / f"{name}.log"
    with open(log_path, "w") as log:
        server = serve(port, log, page)
        try:
            address = f"http://127.0.0.1:{port}/"
            wait_until_served(address, server, log_path, FIRST_LOAD_MS / 1000)
            yield address
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def url(output):
    with served(output, "server") as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 2100})  # every view in the screenshot
    page = context.new_page()
    page.set_default_timeout(UPDATE_MS)
    yield page
    context.close()


def shown_value(page: Page, slider: str) -> str:
    """The value a slider shows next to its thumb, if it is visible ("" if not)."""
    thumb = page.get_by_role("slider", name=slider, exact=True)
    label = thumb.locator(".v-slider__thumb-label")
    return label.inner_text() if label.is_visible() else ""


def week(page: Page) -> int:
    return int(WEEK.search(page.get_by_text(WEEK).first.inner_text()).group(1))


def image_digests(page: Page, attempts: int = 5) -> list[str]:
    """Each image's digest. An image redrawn while it is read has its old blob URL revoked ("Failed to
    fetch"): then it is read again."""
    images = page.locator("img")
    for attempt in range(attempts):
        try:
            return [images.nth(i).evaluate(IMAGE_DIGEST) for i in range(images.count())]
        except PlaywrightError as error:
            if "Failed to fetch" not in str(error) or attempt == attempts - 1:
                raise
            page.wait_for_timeout(250)


def images_changed(page: Page, before: list[str]) -> list[bool]:
    """Which images differ from `before`, waiting (up to UPDATE_MS) for all of them to arrive."""
    deadline = time.monotonic() + UPDATE_MS / 1000
    while True:
        changed = [old != new for old, new in zip(before, image_digests(page))]
        if all(changed) or time.monotonic() > deadline:
            return changed
        page.wait_for_timeout(250)


def test_controls_step_and_plots_change_in_the_browser(page, url, output):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(url, timeout=FIRST_LOAD_MS)
    page.get_by_text(WEEK).first.wait_for(timeout=FIRST_LOAD_MS)
    assert shown_value(page, "Residents") == "5000"  # every slider shows its value, not only while dragged
    assert not page.get_by_role("tab", name="Page 0").is_visible()  # Mesa's lone tab is hidden

    # change controls: another city preset and a programme, then Reset builds this session's own model
    page.get_by_role("button", name=re.compile("^City preset")).click()
    page.get_by_role("option", name="sweden").click()
    page.get_by_text("Volunteering (buddy pairs)", exact=True).click()
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("City sweden").wait_for()
    page.get_by_text(re.compile(r"Interventions: Volunteering \(buddy pairs\): share volunteering 0.02")).wait_for()
    page.get_by_text("Week 0 of 52").wait_for()
    assert page.get_by_text(re.compile("too many to draw: the city view shows a sample of 400")).count() == 1
    before = image_digests(page)
    assert len(before) == 6  # city, attitude, contact, friendships, misperception, cost

    for expected in (1, 2, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(f"Week {expected} of 52").wait_for()
    changed = images_changed(page, before)
    assert changed[0], "the city view did not change"
    assert all(changed[1:]), f"plots unchanged after three weeks: {changed}"
    assert week(page) == 3
    page.screenshot(path=output / "dashboard.png", full_page=True)
    assert not failed, f"requests failed (the page must work offline): {failed}"


def test_a_finished_run_shows_no_greyed_pause_symbol(page, url):
    """At the last week Mesa disables Play/Pause (a greyed pause symbol if it was playing): the page hides it,
    and says the run has finished; a slider moved by keyboard shows its new value."""
    page.goto(url, timeout=FIRST_LOAD_MS)
    page.get_by_text(WEEK).first.wait_for(timeout=FIRST_LOAD_MS)
    for slider in ("Weeks", "Residents"):  # their least: 4 weeks, 200 residents
        page.get_by_role("slider", name=slider, exact=True).press("Home")
    deadline = time.monotonic() + UPDATE_MS / 1000  # the label follows the thumb after the page's next update
    while shown_value(page, "Weeks") != "4":
        assert time.monotonic() < deadline, f"the Weeks slider shows {shown_value(page, 'Weeks')!r}, not '4'"
        page.wait_for_timeout(250)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Week 0 of 4").wait_for()
    play = page.get_by_role("button", name="▶")
    assert play.is_visible()
    play.click()
    page.get_by_text("Week 4 of 4 (finished: Reset to run again)").wait_for()
    controls = page.locator(".v-navigation-drawer button")
    assert [controls.nth(i).is_visible() for i in range(controls.count())] == [True, False, True]  # Reset, Play, Step
    assert page.get_by_role("button", name="Step", exact=True).is_disabled()


def test_a_view_taller_than_its_cell_scrolls_inside_it(page, url, output):
    """The summary's text ran over the attitude plot below it (Mesa's grid cells have a fixed height): the
    cell now scrolls, and the plot's cell starts below the text's visible part."""
    page.goto(url, timeout=FIRST_LOAD_MS)
    text = page.get_by_text("Controls apply on Reset").first
    text.wait_for(timeout=FIRST_LOAD_MS)
    cell = text.locator("xpath=ancestor::div[contains(@class, 'vue-grid-item')][1]")
    assert cell.evaluate("e => getComputedStyle(e).overflowY") == "auto"
    plot = page.locator(".vue-grid-item").filter(has=page.locator("img")).nth(1)  # the city view, then attitude
    assert cell.bounding_box()["y"] + cell.bounding_box()["height"] <= plot.bounding_box()["y"] + 1
    page.screenshot(path=output / "home_cells.png", full_page=True)


@pytest.fixture
def comparison_folder():
    """A folder under the project's outputs/compare/ (the only place the planner reads), removed after."""
    folder = ROOT / "outputs" / "compare" / f"test-dashboard-{os.getpid()}" / "comparison"
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


def test_planner_page_shows_a_finished_comparison(page, url, output, comparison_folder):
    folder = comparison_folder
    assert cli.main(["--config-name", "compare", "compare.scenarios=[baseline,volunteering]", "compare.replicates=2",
                     "compare.jobs=1", "city.n_agents=300", "city.n_neighbourhoods=3", "steps=3",
                     f"run.output_dir={folder}", "run.progress=off"]) == 0
    page.goto(url + "planner", timeout=FIRST_LOAD_MS)
    box = page.get_by_label("Comparison folder")
    for elsewhere in (output, output / "nowhere"):  # existing or not, a folder outside is refused alike
        box.fill(str(elsewhere))
        box.press("Enter")
        page.get_by_text(re.compile(f"{re.escape(str(elsewhere))}: not a comparison folder under")).wait_for()
    box.fill(str(folder))
    box.press("Enter")
    page.get_by_text("Effects at the final week (week 3)").wait_for()
    table = page.locator("table.bridges-table").first
    assert "volunteering" in table.inner_text() and "95% interval" in table.inner_text()
    page.get_by_text("Cost-effectiveness (mean over replicates)").wait_for()
    costs = page.locator("table.bridges-table").nth(1).inner_text()
    assert "EUR" in costs and "cost per person-point: receiving members' attitude" in costs
    page.get_by_text(re.compile("cost per person-point: total cost / person-points")).wait_for()  # defined
    assert "effect on Receiving members' attitude [points, 0-100]" in table.inner_text()  # a title, not an id
    assert page.locator("img").count() == 2  # cost against effect, effects over time
    page.screenshot(path=output / "planner.png", full_page=True)


@pytest.fixture
def design_folder():
    """A design study folder under the project's outputs/design/ (the only place the Design page reads),
    holding what the page shows: a report's recommendation and a Pareto table; removed after."""
    folder = ROOT / "outputs" / "design" / f"test-dashboard-{os.getpid()}"
    folder.mkdir(parents=True)
    (folder / "report.md").write_text("# Design study\n\n## Recommendation\n\n- Recommended design: random "
                                      "targeting, 32 weeks\n\n## Pareto front\n")
    (folder / "pareto.csv").write_text("design,targeting,weeks,cost\n0,random,32,72450\n")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_design_page_chooses_a_study_folder_as_the_planner_does(page, url, output, design_folder):
    """The Design page's top is components.folder_chooser, as the Planner's: title, how-to line, folder box,
    recent folders, then a refusal line or the study."""
    page.goto(url + "design", timeout=FIRST_LOAD_MS)
    page.get_by_text("Design: a finished design study").wait_for()
    page.get_by_text(re.compile("Run one with python run.py --config-name design")).wait_for()
    assert page.get_by_label("Recent studies").count() == 1  # the study written above is offered
    box = page.get_by_label("Design study folder")
    for elsewhere in (output, output / "nowhere"):  # existing or not, a folder outside is refused alike
        box.fill(str(elsewhere))
        box.press("Enter")
        page.get_by_text(f"{elsewhere}: not a design study folder under outputs/design/ (the design page reads "
                         "only those)").wait_for()
    box.fill(str(design_folder))
    box.press("Enter")
    page.get_by_text("Recommended design: random targeting, 32 weeks").wait_for()
    page.get_by_text("Pareto front (mean over seeds in the study's own world)").wait_for()
    assert "72450" in page.locator("table.bridges-table").first.inner_text()
    page.screenshot(path=output / "design.png", full_page=True)


def settled_digests(page: Page) -> list[str]:
    """image_digests once no image is being replaced (a replaced image's old address can no longer be read)."""
    deadline = time.monotonic() + UPDATE_MS / 1000
    while True:
        try:
            return image_digests(page)
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(250)


def test_components_make_a_page_of_ones_own(page, output):
    """docs/examples/own_page.py (docs/dashboard.md): the city view, attitude and contact plots on a user's page."""
    with served(output, "own_page", "docs/examples/own_page.py") as address:
        page.goto(address, timeout=FIRST_LOAD_MS)
        page.get_by_text("My city: volunteering").first.wait_for(timeout=FIRST_LOAD_MS)
        page.locator("img").nth(2).wait_for(timeout=FIRST_LOAD_MS)
        before = settled_digests(page)
        assert len(before) == 3  # city, attitude, contact
        for _ in range(2):
            page.get_by_role("button", name="Step", exact=True).click()
        deadline = time.monotonic() + UPDATE_MS / 1000
        while not all(old != new for old, new in zip(before, settled_digests(page))):
            assert time.monotonic() < deadline, "the components did not redraw after two weeks"
            page.wait_for_timeout(250)
        page.screenshot(path=output / "own_page.png", full_page=True)
