"""app_manifest.yml: valid against Slack's schema, and asking for exactly the scopes the app uses."""

import ast
import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Slack's published schema lives beside the repository on our machines and in CI, not in a bare clone.
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"

# Bot scope each Web API method needs (Slack's method reference); views.* and auth.test need none.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.delete": "chat:write",
    "conversations.open": "im:write",
    "conversations.history": "im:history",  # only the app's DMs
    "conversations.info": (
        "channels:read",
        "groups:read",
    ),  # is the app in a chosen channel (public, private)
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files_upload_v2": "files:write",
}
NO_SCOPE = {"views.open", "views.update", "views.push", "views.publish", "auth.test"}
EVENT_SCOPES = {"message.im": "im:history", "app_home_opened": None, "user_change": "users:read"}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "app_manifest.yml").read_text())


def test_manifest_is_valid_against_slacks_schema():
    if not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Slack's manifest schema at {SCHEMA}")
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA}: only the schema step is skipped")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(manifest(), schema)


def test_manifest_keeps_slacks_rules_that_need_no_schema():
    """What Slack's schema would refuse first, checked even where the schema is absent."""
    m = manifest()
    known = {"_metadata", "display_information", "features", "oauth_config", "settings", "app_directory"}
    known |= {"functions", "workflows", "datastores", "outgoing_domains", "types", "external_auth_providers"}
    assert set(m) <= known, set(m) - known
    assert 1 <= len(m["display_information"]["name"]) <= 35
    assert 1 <= len(m["features"]["bot_user"]["display_name"]) <= 80
    for command in m["features"]["slash_commands"]:
        assert command["command"].startswith("/") and 2 <= len(command["command"]) <= 32
        assert command["description"]
    assert m["_metadata"]["major_version"] == 1
    assert all(isinstance(scope, str) and scope for scope in m["oauth_config"]["scopes"]["bot"])


def test_manifest_declares_the_surfaces():
    m = manifest()
    assert {c["command"] for c in m["features"]["slash_commands"]} == {"/goals", "/feedback", "/checkins"}
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["features"]["app_home"]["messages_tab_enabled"] is True
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "message.im",
        "app_home_opened",
        "user_change",
    }
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True


def _methods_called_by_the_gateway() -> set[str]:
    """Every Web API method name that appears as a string constant in the gateway (its only door to Slack)."""
    tree = ast.parse((ROOT / "bot" / "slack.py").read_text())
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {name for name in names if name in METHOD_SCOPES or name in NO_SCOPE}


def test_bot_scopes_are_exactly_those_the_app_uses():
    methods = _methods_called_by_the_gateway()
    assert "chat.postMessage" in methods  # the scan itself works
    needed = {
        scope
        for m in methods
        if m in METHOD_SCOPES
        for scope in (METHOD_SCOPES[m] if isinstance(METHOD_SCOPES[m], tuple) else (METHOD_SCOPES[m],))
    }
    needed |= {
        EVENT_SCOPES[e]
        for e in manifest()["settings"]["event_subscriptions"]["bot_events"]
        if EVENT_SCOPES[e]
    }
    needed.add("commands")  # slash commands
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed
