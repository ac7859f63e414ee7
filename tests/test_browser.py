"""The demo's HTML report in a real browser (headless Chromium): no console errors, the verdict chart visible and the
claims table readable at 1280 px and 390 px, screenshots kept as test artefacts.

The report is the demo's: the bundled corpus built into a mirror, fetched, and verified for the demo question (with
the test-double encoder and verifier, so it takes seconds). Screenshots go to `test-artifacts/browser/` in the
repository (git-ignored; SYNTH_TEST_ARTIFACTS names another folder). Without Chromium the test is skipped, unless
SYNTH_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import corpus_builder as cb
from synth.config import Settings
from synth.index.encoders.base import HashingEncoder
from synth.ingest.collect import fetch_papers
from synth.report.render import render
from synth.store import Store
from synth.judge.run import RunParams
from synth.judge.question import verify_question

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (1280, 390)
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def artifacts() -> Path:
    """Where the screenshots are kept (created)."""
    folder = Path(os.environ.get("SYNTH_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium() -> str | None:
    """A Chromium binary on this machine (SYNTH_CHROMIUM, then Debian's chromium and the usual names)."""
    named = os.environ.get("SYNTH_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("SYNTH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SYNTH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def demo_question() -> str:
    """The question `make demo` asks (read from the Makefile, so the two stay the same)."""
    m = re.search(r"^QUESTION\s*\?=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert m, "QUESTION not found in the Makefile"
    return m.group(1).strip()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    """The demo's HTML report, written into the artefact folder."""
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "scripts" / "build_demo.py")
    build_demo = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = build_demo
    spec.loader.exec_module(build_demo)
    tmp = tmp_path_factory.mktemp("demo")
    build_demo.build_mirror(build_demo.load_digests(), tmp / "mirror")
    settings = Settings.from_env(db=tmp / "demo.db", quiet=True)
    with Store(settings.db) as store:
        outcome = fetch_papers(store, settings, mirror=tmp / "mirror", progress=False)
        assert outcome.fetched >= 18 and not outcome.failures
        verify_question(store, demo_question(), HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
        html = render(store, fmt="html")
    path = artifacts() / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    binary = chromium()
    if binary is None:
        _unavailable("no Chromium on this machine (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install '.[test]')")
    profile = Path(os.environ.get("TMPDIR", "/tmp"))
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile / f"synth-chromium-{os.getpid()}"), executable_path=binary, headless=True, args=LAUNCH_ARGS
        )  # a fresh profile of its own
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile / f"synth-chromium-{os.getpid()}", ignore_errors=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_report_reads_well_in_chromium(browser, demo_report, width):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(demo_report.as_uri())
    page.wait_for_load_state("load")
    shot = artifacts() / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert errors == [], f"{errors} (screenshot {shot})"

    # nothing runs off the side of the page: no horizontal scrolling
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px window (screenshot {shot})"

    # the verdict chart is on screen, inside the window, with a visible bar and full label per verdict
    chart = page.locator('svg[aria-label="Verdict counts"]')
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box and box["width"] >= 200 and box["height"] >= 100 and box["x"] >= 0 and box["x"] + box["width"] <= width
    labels = [t.strip() for t in chart.locator("text").all_text_contents()]
    for verdict in ("SUPPORTED", "REFUTED", "NOT ENOUGH INFO"):
        assert verdict in labels, labels
    bars = [b for b in chart.locator("rect").all() if float(b.get_attribute("height") or 0) > 0]
    assert bars and all((b.bounding_box() or {}).get("height", 0) > 0 for b in bars)

    # the claims table: every claim, verdict and confidence on screen, claims in lines long enough to read
    rows = page.locator("table.claims tbody tr")
    assert rows.count() >= 5
    for i in range(rows.count()):
        row = rows.nth(i)
        claim, verdict, confidence = (row.locator(f"td.{c}") for c in ("claim", "verdict", "confidence"))
        for cell in (claim, verdict, confidence):
            cbox = cell.bounding_box()
            assert cbox and cbox["x"] >= 0 and cbox["x"] + cbox["width"] <= width + 0.5, (i, cbox)
        # the label on the cell's first line; a NOT_ENOUGH_INFO verdict's reason below it, inside the window
        assert verdict.inner_text().strip().splitlines()[0].split()[-1] in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")
        why = verdict.locator(".reason")
        if why.count():
            rbox = why.bounding_box()
            assert rbox and rbox["x"] >= 0 and rbox["x"] + rbox["width"] <= width + 0.5, (i, rbox)
        font = float(claim.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert font >= 12
        assert claim.bounding_box()["width"] >= 18 * font, f"claim column {claim.bounding_box()['width']} px wide at {width} px"
    page.close()
