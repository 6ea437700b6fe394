"""Typed domain errors.

Domain code raises these; one handler in `copilot.api.errors` maps them to the API error shape
`{"error": {"code", "message", "details"}}` and the CLI maps them to one line and an exit code.
"""

from __future__ import annotations

from typing import Any


class CopilotError(Exception):
    """Base of every error a user may see. `code` is stable snake_case, `message` a sentence."""

    code = "error"
    status = 400
    exit_code = 1

    def __init__(
        self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(CopilotError):
    """Input that cannot be accepted; details name the field(s) and the problem."""

    code = "invalid_input"
    status = 422
    exit_code = 2


class NotFound(CopilotError):
    code = "not_found"
    status = 404
    exit_code = 3


class Unauthorized(CopilotError):
    code = "unauthorized"
    status = 401
    exit_code = 4


class Forbidden(CopilotError):
    code = "forbidden"
    status = 403
    exit_code = 4


class Conflict(CopilotError):
    code = "conflict"
    status = 409
    exit_code = 5


class PayloadTooLarge(CopilotError):
    code = "payload_too_large"
    status = 413
    exit_code = 2


class Unavailable(CopilotError):
    """A dependency (model, index, endpoint) is not usable right now; the message says what to do."""

    code = "unavailable"
    status = 503
    exit_code = 6
