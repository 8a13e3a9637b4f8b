import time
import urllib.request

from slack_sdk.signature import SignatureVerifier

from sandbox import signature, signed_headers

SECRET = "test-signing-secret"  # the one conftest gives the sandbox

# slack_sdk's own test vector (tests/slack_sdk/signature/test_signature_verifier.py).
VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TS = "1531420618"
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signer_reproduces_slack_sdk_test_vector():
    assert signature(VECTOR_SECRET, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE
    assert signature(VECTOR_SECRET, int(VECTOR_TS), VECTOR_BODY.encode()) == VECTOR_SIGNATURE
    assert signature(VECTOR_SECRET, VECTOR_TS, VECTOR_BODY + "x") != VECTOR_SIGNATURE


def test_signed_headers_verify_with_slack_sdk():
    body = b"payload=%7B%7D"
    headers = signed_headers(SECRET, body)
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)


def test_stale_timestamp_is_signed_but_rejected_by_verifier():
    body = b"x=1"
    headers = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert headers["X-Slack-Signature"] == signature(SECRET, headers["X-Slack-Request-Timestamp"], body)
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_unsigned_requests_have_no_signing_headers():
    assert signed_headers(SECRET, b"x=1", sign=False) == {}


def test_every_driver_request_verifies_at_the_app(sb, app, ana):
    sb.slash_command(ana, "/goals", "list")
    sb.send_dm(ana, "hello")
    assert [r.kind for r in app.requests] == ["command", "event"]
    for received in app.requests:
        assert SignatureVerifier(SECRET).is_valid_request(received.raw, received.headers)


def test_unsigned_and_stale_requests_are_refused_by_a_verifying_app(sb, app, ana):
    unsigned = sb.slash_command(ana, "/goals", "", sign=False)
    stale = sb.send_dm(ana, "hi", timestamp=int(time.time()) - 301)
    assert unsigned.status == 401
    assert stale.status == 401
    assert [r.kind for r in app.requests].count("rejected") >= 2
    assert "X-Slack-Signature" not in app.requests[0].headers


def test_request_goes_to_app_over_real_http(sb, app):
    # The receiver is reachable at the URL the sandbox uses: a sanity check of the harness itself.
    request = urllib.request.Request(app.url, data=b"x=1", method="POST")
    try:
        urllib.request.urlopen(request, timeout=2)
        raise AssertionError("an unsigned request must be refused")
    except urllib.error.HTTPError as exc:
        assert exc.code == 401
