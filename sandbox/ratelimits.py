"""Slack Web API rate limits: per method per workspace, plus chat.postMessage's per-channel limit.

Token buckets on a monotonic clock. A bucket holds at most `burst` calls and refills at `per_minute`.
The defaults follow Slack's tiers, with a whole minute's allowance as burst so that ordinary tests
never meet them; tests that want 429s lower them or inject a storm.
"""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

TIER2, TIER3, TIER4 = 20, 50, 100

DEFAULT_PER_MINUTE: dict[str, int] = {
    "auth.test": 600,  # "special": hundreds per minute
    "chat.postMessage": 600,  # "special": several hundred per minute per workspace
    "chat.update": TIER3,
    "chat.delete": TIER3,
    "chat.postEphemeral": TIER4,
    "chat.scheduleMessage": TIER3,
    "conversations.open": TIER3,
    "conversations.info": TIER3,
    "conversations.history": TIER3,
    "conversations.members": TIER4,
    "views.open": TIER4,
    "views.update": TIER4,
    "views.push": TIER4,
    "views.publish": TIER4,
    "users.info": TIER4,
    "users.list": TIER2,
    "users.lookupByEmail": TIER3,
    "files.getUploadURLExternal": TIER4,
    "files.completeUploadExternal": TIER4,
    "files.info": TIER4,
}
DEFAULT_OTHER_PER_MINUTE = TIER3
# chat.postMessage: about one message per second per channel, with a short burst allowed.
DEFAULT_CHANNEL_PER_SECOND = 1.0
DEFAULT_CHANNEL_BURST = 30  # Slack: "generous burst behavior is also granted"


class TokenBucket:
    def __init__(self, rate_per_second: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate_per_second
        self.burst = burst
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one call is allowed (0 if allowed now)."""
        self._refill()
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else math.inf

    def take(self) -> None:
        self._refill()
        self.tokens -= 1


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds, at least 1 when refused


class RateLimiter:
    """Decides, per call, whether Slack would answer 429. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.enabled = True
        self._lock = threading.Lock()
        self._limits: dict[str, tuple[float, float]] = {}  # method -> (per_minute, burst)
        self._buckets: dict[str, TokenBucket] = {}
        self._channel_limit = (DEFAULT_CHANNEL_PER_SECOND, DEFAULT_CHANNEL_BURST)
        self._channel_buckets: dict[str, TokenBucket] = {}
        # method -> [remaining, retry_after, channel or None]: the next calls (to that channel) get 429
        self._injected: dict[str, list] = {}

    def set_rate_limit(self, method: str, per_minute: float, burst: float | None = None) -> None:
        with self._lock:
            self._limits[method] = (per_minute, per_minute if burst is None else burst)
            self._buckets.pop(method, None)

    def set_channel_rate_limit(self, per_second: float, burst: float | None = None) -> None:
        with self._lock:
            self._channel_limit = (per_second, max(1.0, per_second) if burst is None else burst)
            self._channel_buckets.clear()

    def inject(self, method: str, count: int, retry_after: int = 1, channel: str | None = None) -> None:
        """The next `count` calls of `method` (to `channel`, if given) get 429 whatever the buckets say (a
        "429 storm")."""
        with self._lock:
            self._injected[method] = [count, max(1, int(retry_after)), channel]

    def _bucket(self, method: str) -> TokenBucket:
        if method not in self._buckets:
            per_minute, burst = self._limits.get(
                method, (DEFAULT_PER_MINUTE.get(method, DEFAULT_OTHER_PER_MINUTE), None)
            )
            self._buckets[method] = TokenBucket(per_minute / 60.0, burst or per_minute, self.clock)
        return self._buckets[method]

    def _channel_bucket(self, channel: str) -> TokenBucket:
        if channel not in self._channel_buckets:
            per_second, burst = self._channel_limit
            self._channel_buckets[channel] = TokenBucket(per_second, burst, self.clock)
        return self._channel_buckets[channel]

    def check(self, method: str, channel: str | None = None) -> Verdict:
        """Count one call of `method` (to `channel`, for chat.postMessage) unless it must be refused."""
        with self._lock:
            injected = self._injected.get(method)
            if injected and injected[0] > 0 and injected[2] in (None, channel):
                injected[0] -= 1
                return Verdict(False, injected[1])
            if not self.enabled:
                return Verdict(True)
            buckets = [self._bucket(method)]
            if method == "chat.postMessage" and channel:
                buckets.append(self._channel_bucket(channel))
            # Refuse without spending anything when either bucket is empty.
            wait = max(b.wait_time() for b in buckets)
            if wait > 0:
                return Verdict(False, max(1, math.ceil(wait)) if math.isfinite(wait) else 60)
            for b in buckets:
                b.take()
            return Verdict(True)
