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
        return self.page.locator(f'[data-field="{field}"]')

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
