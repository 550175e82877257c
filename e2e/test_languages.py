"""The room in the reader's language: a German or Spanish browser reads it in German or Spanish
(words, figures, dates, the countdown), the switch in the header changes it live and is remembered,
the server is told (the socket's `lang` and `set_language`), and nothing overflows on a phone."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe import violations
from conftest import DESKTOP, PHONE
from harness import ServerProcess
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FloatRect,
    Page,
    ViewportSize,
    WebSocket,
    expect,
)
from room import RoomPage

MILESTONES = [
    {"title": "Wireframes and clickable prototype", "amount": 150000, "due_date": "2026-12-18"},
    {"title": "Checkout build and payment integration", "amount": 300000, "due_date": "2027-01-15"},
]


def _offer(server: ServerProcess) -> dict[str, Any]:
    """A fixed-price offer of $4,500.00 that expires in 30 days (and a few minutes)."""
    expires = datetime.now(UTC) + timedelta(days=30, minutes=5)
    return server.create_offer(
        expires_at=expires.isoformat().replace("+00:00", "Z"),
        contract_type="fixed",
        hourly_rate=None,
        weekly_limit=None,
        fixed_price=450000,
        milestones=MILESTONES,
    )


class Reader:
    """A browser context in one locale, with every app message its socket sends and receives."""

    def __init__(self, ctx: BrowserContext, link: str) -> None:
        self.ctx = ctx
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.urls: list[str] = []
        self.page: Page = ctx.new_page()
        self.page.on("websocket", self._socket)
        self.room = RoomPage(self.page)
        self.page.goto(link)
        self.room.wait_ready()

    def _socket(self, ws: WebSocket) -> None:
        self.urls.append(ws.url)
        ws.on("framesent", lambda payload: self._frame(self.sent, payload))
        ws.on("framereceived", lambda payload: self._frame(self.received, payload))

    @staticmethod
    def _frame(into: list[dict[str, Any]], payload: bytes | str) -> None:
        # An app message is [100, varString(json)]: the JSON starts at the first "{".
        data = payload if isinstance(payload, bytes) else payload.encode()
        if not data or data[0] != 100:
            return
        with contextlib.suppress(ValueError):
            into.append(json.loads(data[data.find(b"{") :].decode()))


@pytest.fixture
def reader(browser: Browser) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def _open(link: str, locale: str, viewport: ViewportSize = DESKTOP) -> Reader:
        ctx = browser.new_context(locale=locale, viewport=viewport)
        contexts.append(ctx)
        return Reader(ctx, link)

    yield _open
    for ctx in contexts:
        ctx.close()


def _until(page: Page, probe: Callable[[], Any], want: Any, timeout_ms: int = 10_000) -> None:
    """Wait until `probe()` (Python-side state, such as the frames seen) equals `want`."""
    got = probe()
    for _ in range(timeout_ms // 100):
        if got == want:
            return
        page.wait_for_timeout(100)
        got = probe()
    assert got == want


def _no_overflow(page: Page) -> None:
    """Nothing wider than the screen, and no label or button cut short (ellipsis or clipping)."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    cut = page.evaluate(
        """() => [...document.querySelectorAll(
              'label, button, .badge, .turn, .conn, .meta-item, h1, h2, dt, dd, .chg-chip, .party')]
          .filter((el) => el.getClientRects().length > 0 && !el.closest('[hidden], .sr-only'))
          .filter((el) => getComputedStyle(el).display !== 'inline')
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.textContent.trim().slice(0, 60))"""
    )
    assert cut == [], f"cut short: {cut}"


def _shots(room: RoomPage, artifacts: Path, stem: str) -> None:
    """The whole page; on a phone also screen-sized pieces (-1.png, -2.png, …) to read."""
    room.top()
    room.page.screenshot(path=str(artifacts / f"{stem}.png"), full_page=True)
    vp = room.page.viewport_size or DESKTOP
    if vp["width"] > 600:
        return
    height = int(room.page.evaluate("() => document.documentElement.scrollHeight"))
    for i, y in enumerate(range(0, height, vp["height"]), start=1):
        clip: FloatRect = {
            "x": 0,
            "y": y,
            "width": vp["width"],
            "height": min(vp["height"], height - y),
        }
        room.page.screenshot(path=str(artifacts / f"{stem}-{i}.png"), full_page=True, clip=clip)


def test_german_browser_reads_german(server: ServerProcess, reader: Any, artifacts: Path) -> None:
    offer = _offer(server)
    de = reader(offer["links"]["freelancer"], "de-DE")
    page, room = de.page, de.room
    expect(page.locator("html")).to_have_attribute("lang", "de")
    # The header: the room, its status, whose turn, the countdown; the switch shows German.
    expect(page.locator(".eyebrow")).to_have_text("Angebotsraum")
    expect(page.locator(".topbar .badge")).to_have_text("Offen")
    expect(room.turn).to_have_text("Sie sind am Zug")
    expect(page.locator(".expiry")).to_have_text(re.compile(r"^Läuft in 30 Tagen ab$"))
    expect(page.locator(".conn")).to_have_text("Live")
    switch = page.get_by_label("Sprache", exact=True)
    expect(switch).to_have_value("de")
    expect(switch.locator("option")).to_have_text(["English", "Deutsch", "Español"])
    # Fields by their German labels, figures in German.
    expect(room.field("Festpreis")).to_have_value("4.500,00")
    expect(room.field("Vertragsart")).to_have_value("fixed")
    expect(room.field("Vertragsart").locator("option:checked")).to_have_text("Festpreis")
    expect(room.field("Betrag", 1)).to_have_value("3.000,00")
    summary = page.locator(".card-summary")
    expect(summary).to_contain_text(re.compile(r"4\.500,00\s\$"))
    expect(summary).to_contain_text("2 Meilensteine")
    expect(summary).to_contain_text("7. Dezember 2026")
    # 7 Dec 2026 to 29 Jan 2027: 54 days, both counted, so 8 weeks (the server's rule too).
    expect(summary.locator("dd").filter(has_text="Wochen")).to_have_text("8 Wochen")
    expect(page.get_by_role("button", name="Angebot annehmen")).to_be_visible()
    expect(page.get_by_role("heading", name="Leistungsumfang")).to_be_visible()
    # The socket asked for German from the start.
    assert any("lang=de" in url for url in de.urls), de.urls
    # A German number typed is read as German.
    room.commit("Festpreis", "4.800,50")
    expect(room.field("Festpreis")).to_have_value("4.800,50")
    assert room.terms()["fixed_price"] == 480050
    expect(page.locator(".ms-total")).to_contain_text("entspricht nicht dem Festpreis")
    expect(room.highlight("fixed_price").locator(".chg-chip")).to_have_text("Von Ihnen geändert")
    _no_overflow(page)
    _shots(room, artifacts, "lang-de-desktop")
    page.set_viewport_size(PHONE)
    expect(page.locator(".convo-fab")).to_be_visible()
    _no_overflow(page)
    _shots(room, artifacts, "lang-de-phone")
    # The conversation, a full-screen sheet on a phone, in German too; a question about a field.
    page.locator(".convo-fab").click()
    sheet = page.get_by_role("dialog", name="Unterhaltung")
    expect(sheet).to_be_visible()
    sheet.get_by_role("button", name="Frage stellen").click()
    sheet.get_by_label("Frage zu").select_option("fixed_price")
    sheet.get_by_label("Nachricht", exact=True).fill("Ist der Festpreis inklusive Hosting?")
    sheet.get_by_role("button", name="Senden").click()
    expect(sheet.locator(".msg-question")).to_contain_text("Ist der Festpreis inklusive Hosting?")
    expect(sheet.get_by_role("button", name="Zu Festpreis")).to_be_visible()
    expect(sheet.locator(".q-status")).to_have_text("Offen")
    _no_overflow(page)
    page.screenshot(path=str(artifacts / "lang-de-phone-conversation.png"))
    sheet.get_by_role("button", name="Unterhaltung schließen").click()
    expect(page.get_by_role("button", name="1 offene Frage zu Festpreis")).to_be_visible()
    assert room.errors == []


def test_spanish_browser_reads_spanish(server: ServerProcess, reader: Any, artifacts: Path) -> None:
    offer = _offer(server)
    es = reader(offer["links"]["client"], "es-ES", PHONE)
    page, room = es.page, es.room
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".eyebrow")).to_have_text("Sala de la oferta")
    expect(page.locator(".topbar .badge")).to_have_text("Abierta")
    expect(room.turn).to_have_text("Turno de Linus")
    expect(page.locator(".expiry")).to_have_text(re.compile(r"^Vence en 30 días$"))
    expect(page.get_by_label("Idioma", exact=True)).to_have_value("es")
    expect(room.field("Precio fijo")).to_have_value("4500,00")
    expect(room.field("Título del hito", 0)).to_have_value(MILESTONES[0]["title"])
    summary = page.locator(".card-summary")
    expect(summary).to_contain_text(re.compile(r"4500,00\sUS\$"))
    expect(summary).to_contain_text("8 semanas")
    expect(page.get_by_role("button", name="Retirar la oferta")).to_be_visible()
    expect(page.get_by_role("button", name="Conversación")).to_be_visible()
    assert any("lang=es" in url for url in es.urls), es.urls
    _no_overflow(page)
    _shots(room, artifacts, "lang-es-phone")
    page.set_viewport_size(DESKTOP)
    _no_overflow(page)
    _shots(room, artifacts, "lang-es-desktop")
    assert room.errors == []


def test_the_switch_changes_the_language_live_and_is_remembered(
    server: ServerProcess, reader: Any, artifacts: Path
) -> None:
    offer = _offer(server)
    en = reader(offer["links"]["client"], "en-US")
    other = reader(offer["links"]["freelancer"], "en-US")
    page, room = en.page, en.room
    expect(room.field("Fixed price")).to_have_value("4,500.00")
    expect(page.locator(".expiry")).to_have_text("Expires in 30 days")
    assert any("lang=en" in url for url in en.urls), en.urls
    # A value being typed survives the switch.
    room.field("Title").fill("Checkout redesign")
    page.get_by_label("Language", exact=True).select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(room.field("Festpreis")).to_have_value("4.500,00")
    expect(page.locator(".expiry")).to_have_text("Läuft in 30 Tagen ab")
    expect(room.turn).to_have_text("Sie sind am Zug")  # the title typed is a draft change of hers
    expect(page.get_by_role("heading", name="Zusammenfassung")).to_be_visible()
    expect(page.get_by_role("button", name="Angebot zurückziehen")).to_be_visible()
    expect(page.get_by_role("link", name="Version 1")).to_have_attribute("title", "Versionsverlauf")
    expect(room.field("Titel")).to_have_value("Checkout redesign")
    # The server is told, and answers in German from now on.
    _until(
        page,
        lambda: [m for m in en.sent if m.get("type") == "set_language"],
        [{"type": "set_language", "lang": "de"}],
    )
    # The other party still reads English.
    expect(other.room.field("Fixed price")).to_have_value("4,500.00")
    expect(other.page.locator("html")).to_have_attribute("lang", "en")
    # A proposal's explanation reaches each reader in their own language.
    other.room.field("End date").fill("2027-02-12")
    other.room.field("End date").blur()
    other.room.propose()
    expect(room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    expect(room.explanation.locator(".neg-explain-head")).to_have_text("Was das bedeutet")

    def langs(r: Reader) -> list[Any]:
        return sorted({m.get("lang", "en") for m in r.received if m.get("type") == "explain_done"})

    _until(page, lambda: langs(en), ["de"])
    _until(page, lambda: langs(other), ["en"])
    _no_overflow(page)
    room.shot(room.panel, str(artifacts / "lang-de-proposal.png"))

    # Remembered on this device: a reload opens in German, and asks the server for German.
    page.reload()
    room.wait_ready()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_label("Sprache", exact=True)).to_have_value("de")
    expect(page.get_by_role("button", name="Annehmen", exact=True)).to_be_visible()
    assert "lang=de" in en.urls[-1], en.urls
    # And on to Spanish, by keyboard.
    switch = page.get_by_label("Sprache", exact=True)
    switch.focus()
    switch.select_option("es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Aceptar", exact=True)).to_be_visible()
    expect(page.locator(".banner-accent")).to_contain_text("es su turno")
    assert room.errors == [] and other.room.errors == []


def test_german_states_on_a_small_phone(
    server: ServerProcess, reader: Any, browser: Browser, artifacts: Path
) -> None:
    """A viewer at 360 px, a proposal waiting on the client, and a dead link: all in German."""
    offer = _offer(server)
    small: ViewportSize = {"width": 360, "height": 780}
    viewer = reader(server.viewer_link(offer["id"]), "de-DE", small)
    expect(viewer.page.locator(".banner-info")).to_contain_text(
        "Nur Lesen: Sie sehen dieses Angebot als Grace Hopper."
    )
    expect(viewer.room.field("Festpreis")).to_be_disabled()
    freelancer = reader(offer["links"]["freelancer"], "en-US")
    client = reader(offer["links"]["client"], "de-DE", small)
    freelancer.room.field("End date").fill("2027-02-12")
    freelancer.room.field("End date").blur()
    freelancer.room.propose("Two more weeks for testing.")
    banner = client.page.locator(".banner-accent")
    expect(banner).to_contain_text("Linus Torvalds hat Änderungen an Version 1 vorgeschlagen.")
    expect(banner).to_contain_text("— Sie sind am Zug.")
    expect(viewer.page.locator(".card-negotiation .neg-headline")).to_have_text(
        "Linus Torvalds hat Änderungen vorgeschlagen; die andere Partei ist am Zug."
    )
    for room in (viewer, client):
        _no_overflow(room.page)
    viewer.room.top()
    viewer.page.screenshot(path=str(artifacts / "lang-de-viewer-360.png"))
    client.room.top()
    client.page.screenshot(path=str(artifacts / "lang-de-proposal-360.png"))
    client.room.shot(client.room.panel, str(artifacts / "lang-de-proposal-360-drawer.png"))

    ctx = browser.new_context(locale="de-DE", viewport=small)
    try:
        page = ctx.new_page()
        page.goto(f"{server.base_url}/offers/{offer['id']}?token=expired")
        expect(page.locator(".conn")).to_have_attribute("data-state", "fatal", timeout=10_000)
        expect(page.locator(".banner-error")).to_contain_text(
            "Dieser Link ist abgelaufen oder ungültig"
        )
        expect(page.locator(".conn")).to_have_text("Getrennt")
        page.screenshot(path=str(artifacts / "lang-de-bad-link.png"))
    finally:
        ctx.close()


def test_server_notices_in_each_readers_language(
    server: ServerProcess, reader: Any, artifacts: Path
) -> None:
    """The server sends notices in English with their figures; each page words them in its
    reader's language: a German freelancer and viewer, an English client; a reminder too."""
    # An offer a day and a few seconds from its expiry: its 24 h reminder comes due at once.
    soon = server.create_offer(
        expires_at=(datetime.now(UTC) + timedelta(hours=24, seconds=4)).isoformat()
    )
    reminded = reader(soon["links"]["freelancer"], "de-DE")
    offer = _offer(server)
    freelancer = reader(offer["links"]["freelancer"], "de-DE")
    viewer = reader(server.viewer_link(offer["id"]), "de-DE")
    client = reader(offer["links"]["client"], "en-US")
    # A German viewer's read-only banner is German (the app's words, not the server's reason).
    expect(viewer.page.locator(".banner-info")).to_have_text(
        "Nur Lesen: Sie sehen dieses Angebot als Grace Hopper. Nur der Auftraggeber und der "
        "Freelancer können die Bedingungen bearbeiten."
    )
    # The client proposes a later end date.
    client.room.commit("End date", "2027-02-12")
    client.room.propose()
    expect(client.page.locator(".toast-text").first).to_have_text("Proposal sent.")
    toast = freelancer.page.locator(".toast").filter(has_text="hat Änderungen vorgeschlagen")
    expect(toast.locator(".toast-text")).to_have_text("Ada Lovelace hat Änderungen vorgeschlagen.")
    expect(toast.get_by_role("button", name="Ansehen", exact=True)).to_be_visible()
    expect(viewer.page.locator(".toast-text")).to_have_text(
        "Ada Lovelace hat Änderungen vorgeschlagen."
    )
    freelancer.page.evaluate("() => window.scrollTo(0, 0)")
    toast.screenshot(path=str(artifacts / "lang-de-notice-toast.png"))
    # What arrived was the English sentence: the German is the page's own.
    notices = [m for m in freelancer.received if m.get("type") == "notice"]
    assert [(m["kind"], m["text"]) for m in notices] == [
        ("proposed", "Ada Lovelace proposed changes.")
    ], notices

    # The German freelancer rejects it with a reason: the English client reads English.
    panel = freelancer.room.panel
    expect(freelancer.room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    panel.get_by_role("button", name="Ablehnen", exact=True).click()
    freelancer.page.get_by_label("Begründung (optional)").fill("Zu wenig Zeit für Tests.")
    freelancer.room.choose_reason("Zeitplan")  # the category, read in each reader's language
    panel.get_by_role("button", name="Vorschlag ablehnen").click()
    expect(
        client.page.locator(".toast-text").filter(has_text="rejected the proposal")
    ).to_have_text("Linus Torvalds rejected the proposal — Timeline: “Zu wenig Zeit für Tests.”")
    expect(viewer.page.locator(".toast-text").filter(has_text="abgelehnt")).to_have_text(
        "Linus Torvalds hat den Vorschlag abgelehnt — Zeitplan: „Zu wenig Zeit für Tests.“"
    )
    expect(client.page.locator("html")).to_have_attribute("lang", "en")

    # The reminder banner: "This offer expires tomorrow" arrives, German is shown.
    expect(reminded.page.locator(".banner-reminder")).to_contain_text(
        "Dieses Angebot läuft morgen ab", timeout=20_000
    )
    assert [
        (m["text"], m.get("params"))
        for m in reminded.received
        if m.get("type") == "notice" and m.get("kind") == "reminder"
    ] == [("This offer expires tomorrow", {"reminder": "expires_24h", "days": 1})]
    for r in (freelancer, viewer, client, reminded):
        assert r.room.errors == []


def test_axe_finds_nothing_in_any_language(server: ServerProcess, reader: Any) -> None:
    offer = _offer(server)
    for locale, viewport in (("en-US", DESKTOP), ("de-DE", PHONE), ("es-ES", DESKTOP)):
        r = reader(offer["links"]["freelancer"], locale, viewport)
        assert violations(r.page) == [], locale
        # The conversation open (a sheet on a phone, a side panel otherwise), then switched live.
        r.page.locator(".convo-fab, .convo-toggle").locator("visible=true").click()
        expect(r.page.locator("#conversation")).to_be_visible()
        assert violations(r.page) == [], f"{locale}, conversation open"
    r.page.keyboard.press("Escape")
    r.page.locator("#lang-select").select_option("de")
    expect(r.page.locator("html")).to_have_attribute("lang", "de")
    assert violations(r.page) == [], "switched from es to de"
