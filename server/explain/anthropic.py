"""The Anthropic explainer: the Messages streaming API, fed the facts only (docs/RULES.md).

One request per reader language (``stream(facts, note, lang)``): the prompt asks for that language
and gives every figure in its formats (``prompt.py``).

The ``anthropic`` SDK costs 1-2 s and ~70 MB to import, so it is imported in the constructor
(which runs only when ``ANTHROPIC_API_KEY`` is set) and never at module level: importing this
module is cheap, and ``import server.app`` does not load the SDK.

Failures end the stream with one of two exceptions, so a caller can fall back to the offline text
without knowing the SDK:

- ``ExplainerTimeout`` (a ``TimeoutError``): no answer within ``timeout_s``. The SDK itself raises
  ``anthropic.APITimeoutError`` when the response headers are late, but a plain
  ``httpx2.ReadTimeout`` when the stream stalls between events; an overall deadline of
  ``timeout_s`` on the whole answer is enforced here as well, since the SDK's timeout applies to
  each read, not to the total.
- ``ExplainerError`` (a ``RuntimeError``): anything else. An ``event: error`` in the stream (e.g.
  ``overloaded_error``) arrives as ``anthropic.APIStatusError`` with status 200; an HTTP error
  before the stream as its status class (529: ``anthropic.OverloadedError``); a dropped connection
  as ``httpx2.RemoteProtocolError``; an answer cut short (``max_tokens``, a refusal, no
  ``message_stop``) as ``ExplainerError`` itself, since half an explanation is not one.

The SDK's own exception is kept as ``__cause__``. Retries are off (``max_retries=0``): the room
falls back to the offline text at once rather than making both parties wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncGenerator, Iterator
from typing import TYPE_CHECKING

from server.explain.facts import Facts
from server.explain.prompt import PROMPT_VERSION, system_prompt, user_message
from server.i18n import DEFAULT, Lang

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

log = logging.getLogger("offer_room.explain")

#: Stop reasons of a complete answer; any other ends the stream with ``ExplainerError``.
COMPLETE = frozenset({"end_turn", "stop_sequence"})


class ExplainerTimeout(TimeoutError):
    """The model did not answer in time (the SDK's exception is the ``__cause__``)."""


class ExplainerError(RuntimeError):
    """The model's answer failed or is incomplete (the SDK's exception, if any, is the cause)."""


class AnthropicExplainer:
    """Streams the model's explanation of the facts in one reader language; the same request
    for every reader of that language."""

    name: str = "anthropic"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        max_tokens: int,
        timeout_s: float,
        base_url: str | None = None,
    ) -> None:
        import anthropic  # here, not at module level: see the module docstring

        self.model: str | None = model
        self.prompt_version = PROMPT_VERSION
        self._model = model
        self._max_tokens = max_tokens
        self._timeout_s = timeout_s
        self._warned: set[str] = set()
        # base_url None: the SDK reads ANTHROPIC_BASE_URL, then uses the public API.
        self._client: AsyncAnthropic = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0
        )

    async def stream(
        self, facts: Facts, note: str | None, lang: Lang = DEFAULT
    ) -> AsyncGenerator[str, None]:
        """Yield the text deltas (in ``lang``) as they arrive; raise ``ExplainerTimeout`` /
        ``ExplainerError``. The deltas are unchecked: the room passes them through the sentence
        gate (``sentences.py``) before any reaches a screen."""
        import anthropic
        import httpx2

        deadline = asyncio.get_running_loop().time() + self._timeout_s
        stop_reason: str | None = None
        try:
            # The SDK warns (DeprecationWarning) on every request to a model it lists as old.
            with _warnings_logged(self._warned):
                manager = self._client.messages.stream(
                    model=self._model,
                    max_tokens=self._max_tokens,
                    system=system_prompt(lang),
                    messages=[{"role": "user", "content": user_message(facts, note, lang)}],
                )
            async with contextlib.AsyncExitStack() as stack:
                # The deadline covers each wait for the network, never a yield: a timeout
                # spanning a yield would cancel the consumer's code instead of this stream.
                async with asyncio.timeout_at(deadline):
                    stream = await stack.enter_async_context(manager)
                texts = stream.text_stream
                while True:
                    async with asyncio.timeout_at(deadline):
                        try:
                            text = await anext(texts)
                        except StopAsyncIteration:
                            break
                    if text:
                        yield text
                with contextlib.suppress(AssertionError):  # no message_start: no snapshot
                    stop_reason = stream.current_message_snapshot.stop_reason
        except (TimeoutError, anthropic.APITimeoutError, httpx2.TimeoutException) as exc:
            raise ExplainerTimeout(f"no answer from {self._model} within "
                                   f"{self._timeout_s:g} s") from exc  # fmt: skip
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise ExplainerError(f"{self._model} failed: {exc}") from exc
        except Exception as exc:  # a malformed stream the SDK could not parse, say
            raise ExplainerError(f"{self._model} failed: {exc!r}") from exc
        if stop_reason not in COMPLETE:
            raise ExplainerError(f"{self._model} stopped early (stop reason {stop_reason})")

    async def aclose(self) -> None:
        """Close the HTTP connection pool (at shutdown)."""
        await self._client.close()


@contextlib.contextmanager
def _warnings_logged(seen: set[str]) -> Iterator[None]:
    """Log each SDK warning once instead of raising or printing it (nothing awaits inside)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        message = str(w.message)
        if message not in seen:
            seen.add(message)
            log.warning("anthropic SDK: %s", message)
