"""Browser tests: a real server, Debian's Chromium, two browser contexts (client and freelancer)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, ServerProcess
from playwright.sync_api import Browser, BrowserContext, ViewportSize
from room import RoomPage

ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright's own browser downloads are unavailable here; Debian's Chromium is.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session", autouse=True)
def web_build() -> None:
    """Build web/dist once per run so the tests always drive the current sources."""
    web = ROOT / "web"
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to build the web app")
    if not (web / "node_modules" / "yjs").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=web, check=True)
    subprocess.run([node, "build.mjs"], cwd=web, check=True)


#: A quick expiry sweep, so an offer that runs out while its room is open closes within a second.
SERVER_ENV = {"OFFER_ROOM_EXPIRY_SWEEP_SECONDS": "1"}


def start_server(tmp: Path, env: dict[str, str] | None = None) -> ServerProcess:
    server = ServerProcess(tmp / "data", tmp / "server.log", {**SERVER_ENV, **(env or {})})
    server.data_dir.mkdir(parents=True, exist_ok=True)
    server.log_path.touch()
    server.start()
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server this test may stop and start again."""
    srv = start_server(tmp_path)
    yield srv
    srv.stop()


@pytest.fixture
def base_url(server: ServerProcess) -> str:
    return server.base_url


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


OpenRoom = Callable[..., RoomPage]


@pytest.fixture
def open_room(browser: Browser) -> Iterator[OpenRoom]:
    """Open a link in its own browser context (own cookies/storage: a separate person)."""
    contexts: list[BrowserContext] = []
    rooms: list[RoomPage] = []

    def _open(
        link: str,
        *,
        viewport: ViewportSize | None = None,
        locale: str = "en-US",
        wait: bool = True,
    ) -> RoomPage:
        ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        contexts.append(ctx)
        room = RoomPage(ctx.new_page())
        rooms.append(room)
        room.page.goto(link)
        if wait:
            room.wait_ready()
        return room

    yield _open
    for ctx in contexts:
        ctx.close()
    # An exception the page did not catch is a defect even where the test did not notice it.
    thrown = [e for room in rooms for e in room.errors]
    assert thrown == [], thrown
