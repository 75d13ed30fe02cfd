"""The fence around moto's internals: `moto_internals.check()` names every one the embedded AWS
relies on (patched or read), `uninstall()` puts every patched one back, and no module outside
`moto_internals` reaches into moto past its public `mock_aws` and `ThreadedMotoServer`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import pytest

from emoji_smith_local import moto_internals
from emoji_smith_local.template import PROJECT_ROOT

#: moto's public names: what code outside `moto_internals` may import.
PUBLIC = {"moto": {"mock_aws", "__version__"}, "moto.server": {"ThreadedMotoServer"}}


def reaching_into_moto(source: str) -> set[str]:
    """Each import of moto in the source that goes past its public names: `from moto.x import
    y`, `import moto.x`, `from moto import x` and `importlib.import_module("moto.x")`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            module = node.module or ""
            found |= {
                f"from {module} import {alias.name}"
                for alias in node.names
                if alias.name not in PUBLIC.get(module, set())
            }
        elif isinstance(node, ast.Import):
            found |= {
                f"import {alias.name}" for alias in node.names if alias.name.startswith("moto.")
            }
        elif isinstance(node, ast.Call) and node.args:
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            first = node.args[0]
            if (
                name in ("import_module", "__import__", "find_spec")
                and isinstance(first, ast.Constant)
                and str(first.value).startswith("moto.")
            ):
                found.add(f"{name}({first.value!r})")
    return found


@pytest.fixture(autouse=True)
def batch_registered() -> None:
    moto_internals.register_batch_lazily()  # as the runtime does before moto's ASL loads


def test_every_moto_internal_the_embedded_aws_relies_on_is_there() -> None:
    moto_internals.check()  # raises MotoMoved naming each one an upgrade moved


def test_a_moved_moto_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.utils import json_path

    monkeypatch.delattr(json_path, "parse")
    with pytest.raises(moto_internals.MotoMoved, match=r"json_path\.parse.*Pin moto back"):
        moto_internals.check()


@pytest.mark.parametrize("member", ["_evaluation_details", "_execution_communication", "env"])
def test_a_moved_private_member_of_the_execution_worker_is_named(
    monkeypatch: pytest.MonkeyPatch, member: str
) -> None:
    # GIVEN a moto whose ExecutionWorker no longer has a member redrive.py reads
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    monkeypatch.delitem(ExecutionWorker.__annotations__, member)
    # WHEN the fence is checked
    # THEN it names that member
    with pytest.raises(moto_internals.MotoMoved, match=rf"ExecutionWorker\.{member}\b"):
        moto_internals.check()


def test_a_moved_method_the_redrive_worker_overrides_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a moto whose worker no longer runs `_execution_logic` (the redrive would not run)
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    monkeypatch.delattr(ExecutionWorker, "_execution_logic")
    # THEN the fence names it
    with pytest.raises(moto_internals.MotoMoved, match=r"ExecutionWorker\._execution_logic"):
        moto_internals.check()


def test_a_moved_botocore_loader_method_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.loaders import Loader

    monkeypatch.delattr(Loader, "load_data_with_path")
    with pytest.raises(moto_internals.MotoMoved, match=r"Loader\.load_data_with_path"):
        moto_internals.check()


@pytest.fixture
def patched_originals() -> Iterator[dict[tuple[Any, str], Any]]:
    """What each patched attribute was before `install()` (and `uninstall()` afterwards)."""
    from emoji_smith_local.moto_internals import (
        botocore_loader,
        dynamodb,
        hooks,
        redrive,
        speedups,
    )

    clock = moto_internals.RetryClock(instant=True)
    owners = [
        (owner, attribute)
        for owner, attribute, _ in (
            *hooks.patches(lambda function, event: ("", False, ""), clock),
            *redrive.patches(),
            *speedups.patches(),
            *dynamodb.patches(),
            *botocore_loader.patches(),
        )
    ]
    yield {(owner, attribute): vars(owner).get(attribute) for owner, attribute in owners}
    moto_internals.uninstall()


def test_uninstall_puts_back_every_patched_attribute_botocores_loader_too(
    patched_originals: dict[tuple[Any, str], Any],
) -> None:
    from botocore.loaders import Loader

    # GIVEN moto and botocore patched for an embedded AWS
    clock = moto_internals.RetryClock(instant=True)
    moto_internals.install(None, lambda function, event: ("", False, ""), clock)
    during = {key: vars(key[0]).get(key[1]) for key in patched_originals}
    # WHEN it is torn down
    moto_internals.uninstall()
    after = {key: vars(key[0]).get(key[1]) for key in patched_originals}
    # THEN each was replaced while it ran (botocore's Loader among them), and is its own again
    assert (Loader, "load_service_model") in patched_originals
    assert [key for key, value in during.items() if value is patched_originals[key]] == []
    assert [key for key, value in after.items() if value is not patched_originals[key]] == []


def test_only_the_moto_internals_package_reaches_into_moto() -> None:
    # GIVEN every module of ours outside emoji_smith_local/moto_internals
    ours = [
        path
        for folder in ("functions", "local", "benchmarks")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "moto_internals" not in path.parts
    ]
    # WHEN their imports of moto are listed
    reaching_in = {
        f"{path.relative_to(PROJECT_ROOT)}: {found}"
        for path in ours
        for found in reaching_into_moto(path.read_text())
    }
    # THEN none: outside it, only moto's public mock_aws and ThreadedMotoServer are used
    assert reaching_in == set()


@pytest.mark.parametrize(
    "source",
    [
        "from moto.stepfunctions.models import StateMachine",
        "import moto.stepfunctions.models",
        "import moto.stepfunctions.models as models",
        "from moto import stepfunctions",
        "import importlib\nimportlib.import_module('moto.dynamodb.models')",
    ],
)
def test_each_way_of_reaching_in_is_caught(source: str) -> None:
    assert reaching_into_moto(source) != set()


@pytest.mark.parametrize(
    "source",
    ["from moto import mock_aws", "from moto.server import ThreadedMotoServer", "import moto"],
)
def test_the_public_names_pass(source: str) -> None:
    assert reaching_into_moto(source) == set()
