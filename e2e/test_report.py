"""The outcome report page for integrators (/reports, issue 18): a server seeded by
``offer-room simulate`` with two variants, the page opened with the API key in its fragment.
Headline comparison, charts, empty range, wrong key, axe, and screenshots at desktop and phone
widths in artifacts/ (report-desktop.png, report-phone.png and its screen-sized pieces)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import violations
from conftest import DESKTOP, SERVER_ENV, start_server
from harness import API_KEY, ROOT, SECRET, ServerProcess
from playwright.sync_api import Browser, FloatRect, Page, ViewportSize, expect

VARIANTS = '{"control": {"weight": 50}, "assist": {"weight": 50}}'
PHONE_375: ViewportSize = {"width": 375, "height": 812}


def _seed(data_dir: Path) -> None:
    """400 simulated offers with planted effects, written before the server opens the store."""
    exe = ROOT / ".venv" / "bin" / "offer-room"
    env = {**os.environ, **SERVER_ENV, "OFFER_ROOM_API_KEY": API_KEY, "OFFER_ROOM_SECRET": SECRET,
           "OFFER_ROOM_VARIANTS": VARIANTS}
    cmd = [str(exe), "simulate", "--data-dir", str(data_dir), "--offers", "400", "--seed", "7"]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"offer-room simulate failed ({done.returncode}):\n{done.stderr[-3000:]}")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("report")
    (tmp / "data").mkdir()
    _seed(tmp / "data")
    srv = start_server(tmp, {"OFFER_ROOM_VARIANTS": VARIANTS})
    yield srv
    srv.stop()


def _open(browser: Browser, url: str, viewport: ViewportSize,
          errors: list[str] | None = None) -> Page:
    ctx = browser.new_context(viewport=viewport, locale="en-US")
    page = ctx.new_page()
    if errors is not None:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page


def _loaded(page: Page) -> None:
    expect(page.locator(".card").first).to_be_visible(timeout=20_000)


def _segments(page: Page, stem: Path) -> None:
    """A tall phone page as screen-sized pieces (-1.png, -2.png, …), readable at full size."""
    height = int(page.evaluate("() => document.documentElement.scrollHeight"))
    vp = page.viewport_size or PHONE_375
    for i, y in enumerate(range(0, height, vp["height"]), start=1):
        clip: FloatRect = {"x": 0, "y": y, "width": vp["width"],
                           "height": min(vp["height"], height - y)}
        page.screenshot(path=f"{stem}-{i}.png", full_page=True, clip=clip)


def test_report_shows_the_experiment(seeded: ServerProcess, browser: Browser,
                                     artifacts: Path) -> None:
    errors: list[str] = []
    page = _open(browser, f"{seeded.base_url}/reports#key={API_KEY}", DESKTOP, errors)
    _loaded(page)
    # The key left the address bar at once, and lives in this tab's session storage only.
    assert "key=" not in page.url
    assert page.evaluate("() => sessionStorage.getItem('offer-room.report-key')") == API_KEY
    assert page.evaluate("() => localStorage.length") == 0

    expect(page.locator("h1")).to_have_text("Offer outcomes")
    expect(page.locator("#meta")).to_contain_text("400 offers")
    # The headline: assist against control, accepted within 7 days, with an interval and a verdict.
    card = page.locator(".card").filter(has_text="assist compared with control")
    expect(card).to_have_count(1)
    accepted = card.locator('[data-metric="accepted_7d"]')
    expect(accepted).to_contain_text("Accepted within 7 days")
    expect(accepted.locator(".hl-values")).to_have_text(re.compile(r"^[\d.]+% vs [\d.]+%$"))
    expect(accepted.locator(".hl-detail")).to_have_text(
        re.compile(r"^[+-][\d.]+ pts, 95% CI [+-]?[\d.]+ to [+-]?[\d.]+, p [=<] [\d.]+$"))
    expect(accepted.locator(".verdict")).to_have_text(
        re.compile(r"Significantly better|Significantly worse|Not significant"))
    for metric in ("time_to_start_d", "nps"):
        expect(card.locator(f'[data-metric="{metric}"] .verdict')).to_be_visible()

    # The charts: one bar with whiskers per variant, boxes and medians, points, stacked reasons.
    accept = page.locator("#chart-accept svg")
    expect(accept.locator("rect.bar")).to_have_count(2)
    expect(accept.locator(".whisker")).to_have_count(2)
    label = accept.get_attribute("aria-label") or ""
    assert "control" in label and "assist" in label and "%" in label, label
    expect(page.locator("#chart-start svg circle.dot")).to_have_count(2)
    expect(page.locator("#chart-start svg rect.box")).to_have_count(2)
    assert page.locator("#chart-nps svg .mk").count() >= 4
    assert page.locator("#chart-reasons svg .seg").count() >= 4
    expect(page.locator("#chart-reasons .legend li").first).to_be_visible()
    widths = page.locator("#chart-accept rect.bar").evaluate_all(
        "els => els.map((e) => e.getBBox().width)")
    assert all(w > 1 for w in widths), widths
    # Each chart has its figures as a table, one keypress away.
    summary = page.locator("#chart-accept summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#chart-accept table tbody tr")).to_have_count(2)
    expect(page.locator("table.data.wide").first.locator("tbody tr")).to_have_count(2)
    text = page.locator("body").inner_text()
    assert "NaN" not in text and "undefined" not in text

    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    assert violations(page) == []
    page.screenshot(path=str(artifacts / "report-desktop.png"), full_page=True)
    assert errors == []

    phone = _open(browser, f"{seeded.base_url}/reports#key={API_KEY}", PHONE_375)
    _loaded(phone)
    expect(phone.locator("#chart-reasons svg .seg").first).to_be_visible()
    # Nothing wider than the phone: charts scale, tables scroll inside their own box.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_375["width"]
    assert violations(phone) == []
    phone.screenshot(path=str(artifacts / "report-phone.png"), full_page=True)
    _segments(phone, artifacts / "report-phone")
    page.context.close()
    phone.context.close()


def test_report_empty_range_and_bad_range(seeded: ServerProcess, browser: Browser) -> None:
    page = _open(browser, f"{seeded.base_url}/reports#key={API_KEY}", DESKTOP)
    _loaded(page)
    page.locator("#range-from").fill("2001-01-01")
    page.locator("#range-to").fill("2001-01-31")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".state-empty")).to_contain_text("No offers were created in this range")
    expect(page.locator("#meta")).to_contain_text("0 offers")
    # A start after the end is caught before asking the server.
    page.locator("#range-from").fill("2001-02-01")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#range-error")).to_contain_text("on or before the end date")
    page.context.close()


def test_report_wrong_key_asks_again(seeded: ServerProcess, browser: Browser) -> None:
    page = _open(browser, f"{seeded.base_url}/reports#key=not-the-key", DESKTOP)
    expect(page.get_by_role("alert")).to_contain_text("That API key was not accepted")
    key = page.get_by_label("API key")
    expect(key).to_be_focused()
    assert page.evaluate("() => sessionStorage.getItem('offer-room.report-key')") is None
    assert violations(page) == []
    key.fill(API_KEY)
    key.press("Enter")
    _loaded(page)
    # "Change key" forgets it and asks again.
    page.get_by_role("button", name="Change key").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('offer-room.report-key')") is None
    page.context.close()


def test_report_says_what_went_wrong(seeded: ServerProcess, browser: Browser) -> None:
    page = _open(browser, f"{seeded.base_url}/reports#key={API_KEY}", DESKTOP)
    _loaded(page)
    api = "**/api/reports/outcomes*"
    # The server refuses the range: its own words are shown.
    page.route(api, lambda route: route.fulfill(
        status=400, content_type="application/json",
        body='{"error": {"code": "bad_request", "message": "from must be before to"}}'))
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("alert")).to_contain_text("from must be before to")
    page.unroute(api)
    # No answer at all: a retry button, which works once the server answers again.
    page.route(api, lambda route: route.abort())
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("alert")).to_contain_text("the server did not answer")
    page.unroute(api)
    page.get_by_role("button", name="Try again").click()
    _loaded(page)
    page.context.close()
