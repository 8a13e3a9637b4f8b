"""Rate limits: HTTP 429 + Retry-After, per method, per channel for chat.postMessage, storms on demand."""

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.ratelimits import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_with_time():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=1.0, burst=2, clock=clock)
    assert bucket.wait_time() == 0
    bucket.take()
    bucket.take()
    assert bucket.wait_time() == pytest.approx(1.0)
    clock.now += 0.5
    assert bucket.wait_time() == pytest.approx(0.5)
    clock.now += 10
    bucket.take()
    bucket.take()
    assert bucket.wait_time() > 0  # never more than `burst` saved up


def test_limiter_per_method_and_retry_after_in_whole_seconds():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.set_rate_limit("users.list", per_minute=6, burst=2)
    assert [limiter.check("users.list").allowed for _ in range(3)] == [True, True, False]
    refused = limiter.check("users.list")
    assert refused.retry_after == 10  # one call per 10 s
    assert limiter.check("users.info").allowed  # other methods are not blocked
    clock.now += 10
    assert limiter.check("users.list").allowed


def test_limiter_channel_limit_for_post_message():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.set_channel_rate_limit(per_second=1, burst=3)
    assert [limiter.check("chat.postMessage", "D1").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.check("chat.postMessage", "D2").allowed  # another channel has its own allowance
    assert limiter.check("chat.postMessage", "D1").retry_after == 1


def test_workspace_limit_on_post_message_spans_channels():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.set_rate_limit("chat.postMessage", per_minute=60, burst=3)
    results = [limiter.check("chat.postMessage", f"D{i}").allowed for i in range(4)]
    assert results == [True, True, True, False]


def test_429_over_http_with_retry_after(sb, client, ana):
    sb.set_rate_limit("users.info", per_minute=2, burst=2)
    client.users_info(user=ana)
    client.users_info(user=ana)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user=ana)
    response = info.value.response
    assert response.status_code == 429
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert int(response.headers["Retry-After"]) >= 1
    assert client.users_lookupByEmail(email="ana@example.com")["ok"]  # only that method is blocked
    assert [(c.method, c.status) for c in sb.calls][-2:] == [
        ("users.info", 429),
        ("users.lookupByEmail", 200),
    ]


def test_post_message_channel_limit_over_http(sb, client, ana, bob):
    sb.set_channel_rate_limit(per_second=1, burst=2)
    client.chat_postMessage(channel=ana, text="1")
    client.chat_postMessage(channel=ana, text="2")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=ana, text="3")
    assert info.value.response.status_code == 429
    assert client.chat_postMessage(channel=bob, text="other DM")["ok"]
    assert [m["text"] for m in sb.dm_messages(ana)] == ["1", "2"]


def test_injected_storm_then_recovery(sb, client, ana):
    sb.inject_ratelimit("chat.postMessage", count=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel=ana, text="x")
        assert info.value.response.headers["Retry-After"] == "3"
    assert client.chat_postMessage(channel=ana, text="through")["ok"]
    assert [c.status for c in sb.calls_to("chat.postMessage")] == [429, 429, 200]


def test_storm_applies_even_with_limits_disabled(sb, client, ana):
    sb.rate_limits_enabled = False
    sb.set_rate_limit("users.info", per_minute=1, burst=1)
    for _ in range(5):
        client.users_info(user=ana)
    sb.inject_ratelimit("users.info", count=1)
    with pytest.raises(SlackApiError):
        client.users_info(user=ana)


def test_slack_sdk_retry_handler_rides_out_a_storm(sb, ana):
    sb.inject_ratelimit("chat.postMessage", count=1, retry_after=1)
    patient = WebClient(
        base_url=sb.api_url,
        token="xoxb-sandbox-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    assert patient.chat_postMessage(channel=ana, text="eventually")["ok"]
    assert [c.status for c in sb.calls_to("chat.postMessage")] == [429, 200]


def test_default_limits_leave_ordinary_tests_alone(sb, client, ana):
    for i in range(25):
        client.chat_postMessage(channel=ana, text=str(i))
    assert all(c.status == 200 for c in sb.calls)
