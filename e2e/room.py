"""A page object for the offer room: find fields by their labels, read the room's state."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect


class RoomPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def wait_ready(self) -> None:
        expect(self.conn).to_have_attribute("data-state", "connected", timeout=15_000)
        expect(self.page.locator("#app")).not_to_have_class(
            re.compile(r"\bis-loading\b"), timeout=15_000
        )

    # --- controls (by accessible name = visible label) -------------------------------------------

    def field(self, label: str, nth: int = 0) -> Locator:
        return self.page.get_by_label(label, exact=True).nth(nth)

    def wrapper(self, lock_field: str) -> Locator:
        return self.page.locator(f'[data-lock-field="{lock_field}"]')

    def highlight(self, field: str) -> Locator:
        return self.page.locator(f'.field[data-field="{field}"]')

    def commit(self, label: str, value: str, nth: int = 0) -> None:
        """Type a value and leave the field (numbers and money commit on change)."""
        loc = self.field(label, nth)
        loc.fill(value)
        loc.blur()

    @property
    def conn(self) -> Locator:
        return self.page.locator(".conn")

    @property
    def avatars(self) -> Locator:
        return self.page.locator(".avatars .avatar")

    def milestone_rows(self) -> Locator:
        return self.page.locator(".ms-row")

    # --- negotiation, history, banners -------------------------------------------------------

    @property
    def panel(self) -> Locator:
        """The negotiation panel (the proposal drawer lives in it)."""
        return self.page.locator(".card-negotiation")

    @property
    def explanation(self) -> Locator:
        return self.panel.locator(".neg-explain")

    @property
    def history(self) -> Locator:
        return self.page.locator(".card-history")

    @property
    def compare_table(self) -> Locator:
        return self.history.locator(".cmp-table")

    @property
    def turn(self) -> Locator:
        return self.page.locator(".topbar .turn")

    @property
    def closed_banner(self) -> Locator:
        return self.page.locator(".banner-closed")

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def ask_accept_offer(self) -> Locator:
        """Press "Accept offer" and return its confirmation (open, not yet confirmed).

        The press waits for the button to be enabled first, and the confirmation must then
        show: when it does not, the failure says what the panel and the connection showed and
        what the page threw, instead of a timeout on a button that never appeared.
        """
        button = self.panel.get_by_role("button", name="Accept offer")
        expect(button).to_be_enabled()
        button.click()
        confirm = self.panel.locator(".neg-confirm")
        try:
            expect(confirm).to_be_visible(timeout=10_000)
        except AssertionError as e:
            panel = self.panel.inner_text()
            state = self.conn.get_attribute("data-state")
            raise AssertionError(
                f"no confirmation after Accept offer; connection {state}; page errors "
                f"{self.errors}; panel:\n{panel}") from e
        return confirm

    def choose_reason(self, label: str) -> None:
        """Pick the required reason category of a withdraw, decline or reject being confirmed."""
        self.panel.locator(".neg-confirm").get_by_role("radio", name=label, exact=True).check()

    def propose(self, note: str | None = None) -> None:
        if note is not None:
            self.page.get_by_label("Note (optional)").fill(note)
        self.panel.get_by_role("button", name="Propose changes").click()

    def top(self) -> None:
        """Scroll up: full-page shots of a scrolled page draw the sticky header mid-page."""
        self.page.evaluate("() => window.scrollTo(0, 0)")

    def shot(self, part: Locator, path: str) -> None:
        """A picture of one part of the page, taken from the top so no sticky header covers it,
        without the toasts that float over it."""
        self.top()
        box = part.bounding_box()
        assert box is not None, "not visible"
        self.page.screenshot(
            path=path, full_page=True, clip=box, style=".toasts{visibility:hidden}"
        )

    # --- the page's own Y.Doc (window.offerRoom) ---------------------------------------------

    def terms(self) -> dict[str, Any]:
        return dict(self.page.evaluate("() => window.offerRoom.doc.getMap('terms').toJSON()"))

    def description(self) -> str:
        return str(
            self.page.evaluate("() => window.offerRoom.doc.getText('description').toString()")
        )

    def milestones(self) -> list[dict[str, Any]]:
        return list(
            self.page.evaluate("() => window.offerRoom.doc.getArray('milestones').toJSON()")
        )
