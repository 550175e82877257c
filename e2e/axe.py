"""axe-core in the page: the accessibility violations a screen shows (web devDependency)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Frame, Page

AXE_JS = Path(__file__).resolve().parent.parent / "web" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page: Page | Frame) -> list[str]:
    """Each violation as "rule (impact): up to four offending selectors"; [] when clean (a page,
    or an embedded room's frame)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())  # `make install` installs it (web/package.json)
    found: list[str] = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
          .map((v) => `${v.id} (${v.impact}): ` +
            v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', '))"""
    )
    return found
