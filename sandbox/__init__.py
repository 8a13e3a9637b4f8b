"""A local stand-in for Slack: the Web API over HTTP, and Slack's and people's side toward the app."""

from sandbox.core import Sandbox
from sandbox.driver import Reply
from sandbox.errors import SandboxError
from sandbox.signing import signature, signed_headers
from sandbox.workspace import Call, Seen

__all__ = ["Call", "Reply", "Sandbox", "SandboxError", "Seen", "signature", "signed_headers"]
