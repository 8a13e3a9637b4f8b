"""The layers import only downward (ARCHITECTURE.md): read from the source, so a wrong arrow fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# layer -> top-level packages it must never import
FORBIDDEN = {
    "domain": {"slack_sdk", "slack_bolt", "bot", "handlers", "schedules", "sandbox"},
    "storage": {"domain", "handlers", "bot", "schedules", "message_templates", "slack_sdk", "slack_bolt"},
    "message_templates": {"domain", "handlers", "bot", "schedules", "storage", "slack_sdk", "slack_bolt"},
    "handlers": {"storage", "slack_sdk", "schedules", "sandbox"},
    "schedules": {"handlers", "slack_bolt", "sandbox"},
    "bot": {"sandbox"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every import in a module, at any depth (imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in modules(layer)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from slack_sdk.errors import SlackApiError\nimport bot.settings\n")
    assert imported_packages(module) == {"slack_sdk", "bot"}


def test_features_reach_other_features_only_through_their_packages() -> None:
    """The flat feature modules are gone: every feature lives in domain/<feature>/ beside domain/core/."""
    flat = sorted(p.name for p in (ROOT / "domain").glob("*.py") if p.name != "__init__.py")
    assert flat == []
