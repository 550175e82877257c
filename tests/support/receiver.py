"""A local webhook receiver: records each POST and checks its signature like a host would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    def __init__(self, secret: str, port: int = 0, fail_first: int = 0) -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.failures_left = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ts = self.headers["X-Offer-Room-Timestamp"]
                expected = "sha256=" + hmac.new(receiver.secret.encode(), f"{ts}.".encode() + body,
                                                hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-Offer-Room-Signature"]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(503)
                else:
                    receiver.received.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.received]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)
