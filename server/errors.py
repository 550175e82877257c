"""The refusal every command path raises: a wire code, a sentence, and what the client needs."""

from __future__ import annotations

from server.wire import FieldProblem


class CommandError(Exception):
    """A command refused; ``code`` is the wire's error code (docs/PROTOCOL.md, "Errors")."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: list[FieldProblem] | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.retry_after_s = retry_after_s
