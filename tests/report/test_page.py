"""The report page in a real browser: a replayed clip's page loads in headless Chromium, its
H.264 video reaches a playable state, and it shows the timeline and the event table."""

from __future__ import annotations

import pytest

from tests.report.browser import Browser, find_chromium

CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def page(report_dir):
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    pytest.importorskip("websocket", reason="websocket-client (dev extra) drives chromium")
    browser = Browser(CHROMIUM)
    try:
        browser.call("Page.enable")
        # opened as a file, as a page copied to a phone or mailed would be
        browser.call("Page.navigate", url=(report_dir / "report.html").as_uri())
        assert browser.wait_for("document.readyState === 'complete'")
        yield browser
    finally:
        browser.close()


def test_the_video_becomes_playable_in_chromium(page):
    ready = page.wait_for("document.getElementById('video').readyState >= 3 && "
                          "document.getElementById('video').readyState")
    assert ready >= 3, "the <video> never reached HAVE_FUTURE_DATA"
    assert page.evaluate("document.getElementById('video').error") is None
    duration = page.evaluate("document.getElementById('video').duration")
    assert duration == pytest.approx(7.8, abs=0.3)  # 188 frames over the clip's 7.8 s


def test_the_page_shows_the_timeline_figures_and_events(page):
    assert page.wait_for("document.getElementById('timeline').complete && "
                         "document.getElementById('timeline').naturalWidth") > 800
    rows = page.evaluate("document.querySelectorAll('#events a.seek').length")
    assert rows >= 2  # this clip's alerts: a warning, then a danger (at least)
    events = page.evaluate("document.getElementById('events').innerText")
    assert all(level in events for level in ("WARNING", "DANGER"))
    summary = page.evaluate("document.getElementById('summary').innerText")
    assert "closest pass" in summary and "frames dropped" in summary


def test_a_time_in_the_event_table_seeks_the_video(page):
    target = page.evaluate("(() => { const a = document.querySelectorAll('#events a.seek');"
                           " const last = a[a.length - 1]; last.click();"
                           " return parseFloat(last.dataset.videoS); })()")
    assert target > 1.0
    now = page.wait_for(f"Math.abs(document.getElementById('video').currentTime - {target}) "
                        f"< 0.5 && document.getElementById('video').currentTime")
    assert now == pytest.approx(target, abs=0.5)
