"""`make example`: offer-room and the sample marketplace side by side, wired to each other.

offer-room runs on PORT (8000) with its data in ./data/example, may be framed by the marketplace
(OFFER_ROOM_FRAME_ANCESTORS) and sends its webhooks to it; the
marketplace runs on MARKETPLACE_PORT (8100). The API key and the webhook secret are made up for
this run and handed to both. Ctrl+C stops both.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8000"))
MARKET_PORT = int(os.environ.get("MARKETPLACE_PORT", "8100"))


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def main() -> None:
    room, market = f"http://{HOST}:{PORT}", f"http://{HOST}:{MARKET_PORT}"
    api_key, webhook_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    room_env = {**os.environ, "OFFER_ROOM_API_KEY": api_key,
                "OFFER_ROOM_WEBHOOK_URL": f"{market}/webhooks",
                "OFFER_ROOM_WEBHOOK_SECRET": webhook_secret,
                "OFFER_ROOM_FRAME_ANCESTORS": market}
    market_env = {**os.environ, "OFFER_ROOM_URL": room, "OFFER_ROOM_API_KEY": api_key,
                  "MARKETPLACE_WEBHOOK_SECRET": webhook_secret}
    venv = ROOT / ".venv" / "bin"
    procs = [
        subprocess.Popen([str(venv / "offer-room"), "serve", "--host", HOST, "--port", str(PORT),
                          "--data-dir", str(ROOT / "data" / "example")], env=room_env, cwd=ROOT),
        subprocess.Popen([str(venv / "uvicorn"), "examples.marketplace.app:app", "--host", HOST,
                          "--port", str(MARKET_PORT), "--log-level", "warning"],
                         env=market_env, cwd=ROOT),
    ]
    try:
        wait_until_up(f"{room}/healthz")
        wait_until_up(market)
        print(f"\n  The sample marketplace: {market}\n  offer-room: {room} "
              f"(API reference: {room}/docs/api)\n", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


if __name__ == "__main__":
    main()
