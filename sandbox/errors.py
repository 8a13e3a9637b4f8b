"""Errors raised by the sandbox itself (not Slack API errors, which are answered over HTTP)."""


class SandboxError(AssertionError):
    """A test asked the sandbox for something a person could not do (e.g. click a button nobody sees).

    It subclasses AssertionError so pytest reports it as a failed expectation, not a crash.
    """


class ApiError(Exception):
    """A Slack Web API error: answered as HTTP `status` with {"ok": false, "error": code, **extra}."""

    def __init__(self, error: str, status: int = 200, **extra):
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra
