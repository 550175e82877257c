"""The room embedded in a marketplace's page on another origin: the helper script, the events the
host gets, the commands it sends, origin checks both ways, the host's theme, axe in the frame; and
the dark scheme axe-clean in every main view."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from axe import violations
from conftest import DESKTOP, PHONE, OpenRoom, start_server
from harness import ServerProcess
from playwright.sync_api import Browser, Frame, FrameLocator, Page, expect
from room import RoomPage

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Marketplace</title>
<style>body { margin: 0; font-family: sans-serif; background: #0b0d12; color: #eee; }
header { padding: 12px 24px; }</style></head>
<body><header><h1>Bike shop marketplace</h1></header><main id="room"></main>
<script type="module">
  const params = new URLSearchParams(location.search)
  const { mount } = await import(params.get('helper'))
  window.events = []
  window.room = mount(document.getElementById('room'), {
    url: params.get('room'),
    theme: { brand: '#ffd400', accent: '#ff00aa', font: 'Georgia, serif', radius: 3,
             scheme: 'dark' },
    onEvent: (e) => window.events.push(e)
  })
  window.addForeign = (src) => {
    const f = document.createElement('iframe')
    f.src = src
    f.title = 'Advert'
    document.body.append(f)
  }
</script></body></html>"""

# A page on an origin the room does not allow: it tries to command the room frame and to forge
# the room's events to the host.
FOREIGN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ad</title></head><body><p>Advert</p><script>
  parent.frames[0].postMessage({ offerRoom: 1, type: 'set_language', lang: 'es' }, '*')
  parent.frames[0].postMessage({ offerRoom: 1, type: 'theme', theme: { scheme: 'light' } }, '*')
  parent.postMessage({ offerRoom: 1, type: 'offer_closed', status: 'declined' }, '*')
  document.title = 'sent'
</script></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = {"/host.html": HOST_PAGE, "/foreign.html": FOREIGN_PAGE}.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host_port() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def embed_server(
    tmp_path_factory: pytest.TempPathFactory, host_port: int
) -> Iterator[ServerProcess]:
    # The marketplace at 127.0.0.1:<host_port> may frame the room; localhost:<host_port> is
    # another origin, and not allowed.
    env = {"OFFER_ROOM_FRAME_ANCESTORS": f"'self',http://127.0.0.1:{host_port}"}
    srv = start_server(tmp_path_factory.mktemp("embed"), env)
    yield srv
    srv.stop()


def _events(page: Page, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "(t) => window.events.filter((e) => e.type === t)", kind
    )
    return found


def _wait_event(page: Page, kind: str, **match: Any) -> dict[str, Any]:
    page.wait_for_function(
        "([t, m]) => (window.events || []).some((e) => e.type === t && "
        "Object.entries(m).every(([k, v]) => e[k] === v))",
        arg=[kind, match],
        timeout=20_000,
    )
    return next(e for e in _events(page, kind) if all(e.get(k) == v for k, v in match.items()))


def _host(browser: Browser, port: int, room_link: str, base_url: str) -> Page:
    ctx = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    helper = f"{base_url}/assets/offer-room-embed.js"
    page.goto(f"http://127.0.0.1:{port}/host.html?room={quote(room_link, safe='')}"
              f"&helper={quote(helper, safe='')}")
    _wait_event(page, "ready")
    assert errors == []
    return page


def _frame(page: Page) -> Frame:
    frame = page.frames[1]
    assert frame.url.startswith("http://127.0.0.1:") and "/offers/" in frame.url
    return frame


def _room(page: Page) -> FrameLocator:
    return page.frame_locator("#room iframe")


def test_embedded_room_talks_to_its_host_only(
    browser: Browser, embed_server: ServerProcess, host_port: int, artifacts: Path
) -> None:
    offer = embed_server.create_offer()
    client = _host(browser, host_port, offer["links"]["client"], embed_server.base_url)
    freelancer = _host(browser, host_port, offer["links"]["freelancer"], embed_server.base_url)
    for host in (client, freelancer):
        ready = _events(host, "ready")[0]
        assert ready["status"] == "open" and ready["version"] == 1
        _wait_event(host, "connection", state="connected")
        _wait_event(host, "unread", count=0)
        # Auto-height: the frame follows the room's height.
        resize = _wait_event(host, "resize")
        assert resize["height"] > 600
        box = host.locator("#room iframe").bounding_box()
        assert box is not None and box["height"] >= 600

    # The freelancer edits and proposes in the frame; the client's host hears of it.
    f_room, c_room = _room(freelancer), _room(client)
    rate = f_room.get_by_label("Hourly rate", exact=True)
    rate.fill("55")
    rate.blur()
    f_room.locator(".card-negotiation").get_by_role("button", name="Propose changes").click()
    received = _wait_event(client, "proposal_received")
    assert received["by"] == "freelancer"
    _wait_event(client, "explanation_done", proposal_id=received["proposal_id"])
    assert _events(freelancer, "proposal_received") == []  # one's own proposal is no news

    # The client accepts it: version 2 committed, in both hosts.
    c_panel = c_room.locator(".card-negotiation")
    expect(c_panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false", timeout=15_000)
    c_panel.get_by_role("button", name="Accept", exact=True).click()
    for host in (client, freelancer):
        _wait_event(host, "version_committed", version=2)

    # Commands from the host: focus a field, open the history, switch the language.
    client.evaluate("() => window.room.focusField('weekly_limit')")
    expect(c_room.get_by_label("Weekly limit", exact=True)).to_be_focused()
    client.evaluate("() => window.room.openHistory()")
    expect(c_room.locator(".card-history")).to_be_focused()
    client.evaluate("() => window.room.setLanguage('de')")
    frame = _frame(client)
    expect(c_room.locator("html")).to_have_attribute("lang", "de")

    # A page on another origin can neither command the room nor speak for it to the host.
    before = len(client.evaluate("() => window.events"))
    client.evaluate(f"() => window.addForeign('http://localhost:{host_port}/foreign.html')")
    foreign = client.frames[-1]
    foreign.wait_for_function("() => document.title === 'sent'")
    client.wait_for_timeout(500)
    assert frame.evaluate("() => document.documentElement.lang") == "de"
    assert frame.evaluate("() => document.documentElement.dataset.scheme") == "dark"
    assert [e for e in client.evaluate("() => window.events")[before:]
            if e["type"] == "offer_closed"] == []

    # The host's theme: dark, its yellow brand kept (light enough on the dark page) with dark ink
    # on it, its font and radius; and axe finds nothing in the frame.
    styles = frame.evaluate("""() => {
      const s = getComputedStyle(document.documentElement)
      const v = (name) => s.getPropertyValue(name).trim()
      return { accent: v('--accent'), onAccent: v('--on-accent'), radius: v('--radius'),
               font: s.fontFamily, bg: s.backgroundColor }
    }""")
    assert styles["font"].startswith("Georgia, serif")
    assert styles["radius"] == "3px"
    assert styles["bg"] == "rgb(15, 18, 23)"
    assert styles["accent"] == "#ffd400"  # light enough on the dark page: kept
    assert styles["onAccent"] == "#0b0d12"  # with dark ink on it
    client.evaluate("() => window.scrollTo(0, 0)")
    client.screenshot(path=str(artifacts / "embed-dark.png"))
    assert violations(frame) == []

    # The freelancer accepts the offer: both hosts hear it is agreed.
    f_panel = f_room.locator(".card-negotiation")
    f_panel.get_by_role("button", name="Accept offer").click()
    f_panel.get_by_role("button", name="Confirm and accept").click()
    for host in (client, freelancer):
        _wait_event(host, "offer_closed", status="agreed")

    # setTheme: back to light with another brand, applied at once.
    freelancer.evaluate(
        "() => window.room.setTheme({ scheme: 'light', brand: '#7fd1ff', radius: 16 })")
    f_frame = _frame(freelancer)
    f_frame.wait_for_function("() => document.documentElement.dataset.scheme === 'light'")
    accent = f_frame.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent != "#7fd1ff"  # too light for white text: darkened
    freelancer.evaluate("() => window.scrollTo(0, 0)")
    freelancer.screenshot(path=str(artifacts / "embed-light.png"))
    assert violations(f_frame) == []
    for page in (client, freelancer):
        page.context.close()


def test_room_refuses_to_talk_to_an_origin_not_allowed(
    browser: Browser, embed_server: ServerProcess, host_port: int
) -> None:
    """Framed by a page the CSP does not allow, the room is not shown, and no event leaves it."""
    offer = embed_server.create_offer()
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    helper = f"{embed_server.base_url}/assets/offer-room-embed.js"
    room = quote(offer["links"]["client"], safe="")
    page.goto(f"http://localhost:{host_port}/host.html?room={room}"
              f"&helper={quote(helper, safe='')}")
    page.wait_for_timeout(2000)
    assert page.evaluate("() => window.events") == []
    ctx.close()


def _dark_check(room: RoomPage, name: str, artifacts: Path, found: dict[str, list[str]]) -> None:
    room.top()
    room.page.wait_for_timeout(250)
    found[name] = violations(room.page)
    room.page.screenshot(path=str(artifacts / f"dark-{name}.png"), full_page=True)


def test_the_dark_scheme_stays_axe_clean_in_every_main_view(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    """The theme from the query alone (a page on its own): dark, a pale brand, in each view."""
    offer = server.create_offer()
    theme = "&theme_scheme=dark&theme_brand=%23b8f2e6&theme_radius=6"
    client = open_room(offer["links"]["client"] + theme, viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"] + theme, viewport=PHONE)
    found: dict[str, list[str]] = {}
    client.commit("Hourly rate", "55")
    chip = client.highlight("hourly_rate").locator(".chg-chip")
    expect(chip).to_be_visible()
    chip.click()
    _dark_check(client, "open-desktop", artifacts, found)
    _dark_check(freelancer, "open-phone", artifacts, found)

    client.propose("Stripe work needs a senior rate.")
    expect(freelancer.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    _dark_check(client, "pending-desktop", artifacts, found)
    _dark_check(freelancer, "pending-phone", artifacts, found)

    # The conversation, with a question and an answer in it.
    client.page.get_by_role("button", name=re.compile(r"^Conversation")).first.click()
    region = client.page.get_by_role("region", name="Conversation")
    region.get_by_role("textbox", name="Message").fill("Hello Linus.")
    region.get_by_role("button", name="Send").click()
    region.get_by_role("button", name="Ask a question").click()
    region.get_by_role("combobox", name="Question about").select_option(label="Hourly rate")
    region.get_by_role("textbox", name="Message").fill("Does the rate include the webhooks?")
    region.get_by_role("button", name="Send").click()
    expect(region.get_by_role("log", name="Messages")).to_contain_text("include the webhooks")
    _dark_check(client, "conversation-desktop", artifacts, found)
    client.page.get_by_role("button", name="Close conversation").click()

    freelancer.panel.get_by_role("button", name="Accept", exact=True).click()
    for room in (client, freelancer):
        expect(room.compare_table.locator("caption")).to_contain_text("1 row differs")
    _dark_check(client, "compare-desktop", artifacts, found)
    _dark_check(freelancer, "compare-phone", artifacts, found)

    freelancer.ask_accept_offer().get_by_role("button", name="Confirm and accept").click()
    expect(client.page.locator(".badge")).to_have_text("Agreed")
    _dark_check(client, "agreed-desktop", artifacts, found)
    assert {k: v for k, v in found.items() if v} == {}
