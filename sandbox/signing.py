"""Slack request signing (v0): what Slack puts on every request it sends to an app."""

import hashlib
import hmac
import time


def signature(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """ "v0=" + hex(HMAC_SHA256(secret, "v0:{ts}:{raw body}"))."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str, body: bytes | str, *, timestamp: int | None = None, sign: bool = True
) -> dict[str, str]:
    """Headers Slack sends; `sign=False` leaves both signing headers out (an unsigned request)."""
    if not sign:
        return {}
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(signing_secret, ts, body),
    }
