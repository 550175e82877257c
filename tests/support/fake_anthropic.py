"""A local fake of the Anthropic Messages API, speaking the real streaming SSE protocol.

Point the real SDK at it (``base_url=fake.url``) and the whole client path runs: HTTP, SSE
decoding, event accumulation, error mapping and timeouts. The server is a raw asyncio HTTP/1.1
server on 127.0.0.1, port 0, in a thread of its own, so it keeps answering while a test's event
loop is blocked or busy, and so it can misbehave in ways a framework would not let it (a body cut
off mid-stream, headers that never come).

Each ``POST /v1/messages`` takes the next queued ``Script`` (``normal()`` when none is queued) and
is recorded in ``requests`` with its headers and JSON body, so tests can assert what the model was
sent. The room asks once per reader language, concurrently, so the order of those requests is not
fixed: ``script_for("German", …)`` queues answers for requests whose user message asks for that
language ("…, in German."), taken before the shared queue. Behaviours:

- ``normal(text)``: the text in several ``text_delta`` events, then ``message_stop``;
- ``slow(text, delay_s)``: the same with a pause before every delta;
- ``error_mid_stream(text)``: some deltas, then ``event: error`` with an ``overloaded_error``
  (what the API sends when it is overloaded after the stream has started);
- ``dropped(text)``: some deltas, then the connection closes without ending the chunked body;
- ``cut(text)``: some deltas, then a well-formed end of the body with no ``message_stop``;
- ``status_error(529)``: an HTTP error before any stream, with the API's JSON error body;
- ``hang()``: no response headers at all for ``delay_s``;
- ``echo()``: streams back the request's system prompt and user message, as they were sent.

Wrong numbers and wrong languages need no special mode: ``normal("The rate doubles to $90.00.")``,
``script_for("German", normal("The hourly rate increases…"))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Ending = Literal["stop", "error", "drop", "cut"]
#: How the room's user message names the reader's language (server/explain/prompt.py).
_LANGUAGE = re.compile(r"^Explain this proposed change to the offer, in (\w+)\.")


@dataclass(frozen=True)
class Script:
    """How the fake answers one request."""

    text: str = "The hourly rate increases from $45.00 to $50.00."
    #: How many ``text_delta`` events the text is split into (at word boundaries where possible).
    pieces: int = 4
    #: Pause before each delta.
    delay_s: float = 0.0
    #: Pause before the response headers (the SDK is still waiting for the response).
    headers_delay_s: float = 0.0
    #: After the deltas: a normal end, an ``event: error``, a dropped connection, or a clean end
    #: of the HTTP body without ``message_delta`` / ``message_stop`` ("cut").
    ending: Ending = "stop"
    #: Deltas sent before an error or a drop (the rest of the text is never sent).
    deltas_before_end: int = 2
    error_type: str = "overloaded_error"
    error_message: str = "Overloaded"
    #: Non-200: answer with the API's JSON error body instead of a stream.
    status: int = 200
    stop_reason: str = "end_turn"
    #: Stream back what the request carried instead of ``text``.
    echo: bool = False


def normal(text: str, pieces: int = 4) -> Script:
    return Script(text=text, pieces=pieces)


def slow(text: str, delay_s: float, pieces: int = 4) -> Script:
    return Script(text=text, pieces=pieces, delay_s=delay_s)


def hang(delay_s: float) -> Script:
    return Script(headers_delay_s=delay_s)


def error_mid_stream(
    text: str, deltas_before: int = 2, error_type: str = "overloaded_error"
) -> Script:
    return Script(text=text, ending="error", deltas_before_end=deltas_before,
                  error_type=error_type)  # fmt: skip


def dropped(text: str, deltas_before: int = 2) -> Script:
    return Script(text=text, ending="drop", deltas_before_end=deltas_before)


def cut(text: str, deltas_before: int = 2) -> Script:
    return Script(text=text, ending="cut", deltas_before_end=deltas_before)


def status_error(status: int = 529, error_type: str = "overloaded_error") -> Script:
    return Script(status=status, error_type=error_type)


def echo() -> Script:
    return Script(echo=True, pieces=6)


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def system(self) -> str:
        system = self.body.get("system", "")
        if isinstance(system, list):  # a list of text blocks
            return "".join(str(block.get("text", "")) for block in system)
        return str(system)

    @property
    def language(self) -> str | None:
        """The language the request asks for ("German"), from its user message."""
        match = _LANGUAGE.search(self.user_text)
        return match.group(1) if match else None

    @property
    def user_text(self) -> str:
        """The text of the last user message."""
        content = self.body["messages"][-1]["content"]
        if isinstance(content, list):
            return "".join(str(block.get("text", "")) for block in content)
        return str(content)


def split_text(text: str, pieces: int) -> list[str]:
    """``text`` in about ``pieces`` non-empty parts that concatenate back to it exactly."""
    words = text.split(" ")
    if pieces <= 1 or len(words) < 2:
        return [text] if text else []
    size = -(-len(words) // pieces)
    parts = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [p if i == len(parts) - 1 else p + " " for i, p in enumerate(parts)]


class FakeAnthropic:
    """The fake server. Use as a context manager, or call ``start()`` and ``stop()``."""

    def __init__(self, model: str = "claude-fake-1") -> None:
        self.model = model
        self.port = 0
        self.requests: list[Recorded] = []
        self._scripts: deque[Script] = deque()
        self._by_language: dict[str, deque[Script]] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_exceptions)
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-anthropic",
                                        daemon=True)  # fmt: skip
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    @property
    def url(self) -> str:
        """The ``base_url`` to give the SDK."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, *scripts: Script) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._scripts.extend(scripts)

    def script_for(self, language: str, *scripts: Script) -> None:
        """Queue answers for the next requests asking for ``language`` ("German"), in order."""
        with self._lock:
            self._by_language.setdefault(language, deque()).extend(scripts)

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=5)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> FakeAnthropic:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _shutdown(self) -> None:
        # Handlers are woken from their pauses rather than cancelled: asyncio's stream server
        # logs a cancelled handler as an error (Python 3.11).
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    async def _pause(self, delay_s: float) -> None:
        """Sleep, unless the server is stopping (then give up on the answer)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay_s)
        if self._stopping.is_set():
            raise _Stopping

    def _next_script(self, request: Recorded) -> Script:
        with self._lock:
            own = self._by_language.get(request.language or "")
            if own:
                return own.popleft()
            return self._scripts.popleft() if self._scripts else Script()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            if request.method != "POST" or request.path.split("?")[0] != "/v1/messages":
                await _send_json(writer, 404, _error_body("not_found_error", "Not found"))
                return
            await self._answer(request, self._next_script(request), writer)
        except (ConnectionError, asyncio.IncompleteReadError, _Stopping):
            pass  # the client went away (a timeout on its side, most likely), or we are stopping
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(
        self, request: Recorded, script: Script, writer: asyncio.StreamWriter
    ) -> None:
        if script.headers_delay_s:
            await self._pause(script.headers_delay_s)
        if script.status != 200:
            await _send_json(
                writer, script.status, _error_body(script.error_type, script.error_message)
            )
            return
        text = script.text
        if script.echo:
            text = f"<system>{request.system}</system>\n<user>{request.user_text}</user>"
        writer.write(
            b"HTTP/1.1 200 OK\r\n"
            b"content-type: text/event-stream; charset=utf-8\r\n"
            b"cache-control: no-cache\r\n"
            b"transfer-encoding: chunked\r\n"
            b"request-id: req_fake\r\n"
            b"connection: close\r\n\r\n"
        )
        model = str(request.body.get("model", self.model))
        await _event(writer, "message_start", {
            "type": "message_start",
            "message": {
                "id": f"msg_fake_{len(self.requests)}", "type": "message", "role": "assistant",
                "model": model, "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": len(request.user_text.split()), "output_tokens": 1},
            },
        })  # fmt: skip
        await _event(writer, "content_block_start", {
            "type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""},
        })  # fmt: skip
        await _event(writer, "ping", {"type": "ping"})
        parts = split_text(text, script.pieces)
        if script.ending != "stop":
            parts = parts[: script.deltas_before_end]
        for part in parts:
            if script.delay_s:
                await self._pause(script.delay_s)
            await _event(writer, "content_block_delta", {
                "type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": part},
            })  # fmt: skip
        if script.ending == "error":
            await _event(writer, "error", _error_body(script.error_type, script.error_message))
            await _end_chunks(writer)
            return
        if script.ending == "drop":
            return  # closes the socket without the final zero-length chunk
        if script.ending == "cut":
            await _end_chunks(writer)
            return
        await _event(writer, "content_block_stop", {"type": "content_block_stop", "index": 0})
        await _event(writer, "message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": script.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": max(1, len(text.split()))},
        })  # fmt: skip
        await _event(writer, "message_stop", {"type": "message_stop"})
        await _end_chunks(writer)


class _Stopping(Exception):
    """Raised inside a handler when the server stops during one of its pauses."""


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


async def _read_request(reader: asyncio.StreamReader) -> Recorded | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    raw = await reader.readexactly(length) if length else b""
    body: dict[str, Any] = json.loads(raw) if raw else {}
    return Recorded(method=parts[0], path=parts[1], headers=headers, body=body)


async def _send_json(writer: asyncio.StreamWriter, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    writer.write(
        f"HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\nrequest-id: req_fake\r\nconnection: close\r\n\r\n".encode()
        + data
    )
    await writer.drain()


async def _event(writer: asyncio.StreamWriter, name: str, data: dict[str, Any]) -> None:
    payload = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
    writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
    await writer.drain()


async def _end_chunks(writer: asyncio.StreamWriter) -> None:
    writer.write(b"0\r\n\r\n")
    await writer.drain()


def _quiet_exceptions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Clients hanging up mid-answer are expected here; anything else is reported as usual."""
    if isinstance(context.get("exception"), ConnectionError):
        return
    loop.default_exception_handler(context)


@contextlib.contextmanager
def running(model: str = "claude-fake-1") -> Iterator[FakeAnthropic]:
    with FakeAnthropic(model) as fake:
        yield fake
