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
