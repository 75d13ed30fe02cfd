"""The layering (README, Layout): thin handlers → pure domain → ports ← adapters. Only adapters
import the AWS, OpenAI and Slack SDKs; the domain imports no SDK, Powertools or `os`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from emoji_smith_local.template import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "functions" / "emoji_smith"
SDKS = ("boto3", "botocore", "openai", "slack_sdk")
NOT_IN_DOMAIN = (
    *SDKS,
    "os",
    "aws_lambda_powertools",
    "emoji_smith.adapters",
    "emoji_smith.settings",
)


def runtime_imports(path: Path) -> Iterator[str]:
    """Modules imported when the file runs (imports under `if TYPE_CHECKING:` excluded)."""

    def walk(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                yield from walk(node.orelse)
                continue
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield node.module
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from walk([child])

    yield from walk(ast.parse(path.read_text()).body)


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", modules(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_adapters_import_the_sdks(path: Path) -> None:
    if "adapters" in path.parts:
        return
    for module in runtime_imports(path):
        assert not module.startswith(SDKS), f"{path.name} imports {module}"


@pytest.mark.parametrize(
    "path", modules(PACKAGE / "domain"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_the_domain_is_pure(path: Path) -> None:
    for module in runtime_imports(path):
        assert not module.startswith(NOT_IN_DOMAIN), f"{path.name} imports {module}"


NOT_IN_APPLICATION = (
    *SDKS,
    "emoji_smith.adapters",
    "emoji_smith.bootstrap",
    "emoji_smith.dependencies",
    "emoji_smith.settings",
)


@pytest.mark.parametrize(
    "path", modules(PACKAGE / "application"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_use_cases_get_their_ports_passed_in(path: Path) -> None:
    """A use case neither wires adapters nor reads the configuration: `Ports` come in."""
    for module in runtime_imports(path):
        assert not module.startswith(NOT_IN_APPLICATION), f"{path.name} imports {module}"


def test_the_settings_import_no_adapter() -> None:
    for module in runtime_imports(PACKAGE / "settings.py"):
        assert not module.startswith("emoji_smith.adapters"), f"settings.py imports {module}"


def test_only_the_composition_root_and_adapters_import_adapters() -> None:
    """Handlers get adapters from `bootstrap`, never build one themselves."""
    for path in modules(PACKAGE):
        if "adapters" in path.parts or path.name == "bootstrap.py":
            continue
        for module in runtime_imports(path):
            assert not module.startswith("emoji_smith.adapters"), f"{path.name} imports {module}"
