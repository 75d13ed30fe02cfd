"""The only code that touches moto's internals (everything outside uses moto's public
`mock_aws` and `ThreadedMotoServer`) and the one patch of botocore. moto is pinned exactly;
`check()` names every internal relied on — each method patched, each private member read — and
fails loudly, before anything runs, if an upgrade moved one. `install()` patches, `uninstall()`
puts every original back. The upgrade path: docs/adr/0005-in-process-moto.md.

- `hooks` — our handlers run in-process in place of moto's Docker invoke; the retrier's clock.
- `redrive` — `RedriveExecution` and "Execution Status Change" events, as AWS has them.
- `speedups` — per-step costs taken off (definition parse, Lambda client, JSONPath).
- `backend` — reading and adjusting Step Functions state where the API is slow or silent.
- `dynamodb` — conditional writes made atomic under concurrency, as DynamoDB's are.
- `botocore_loader` — botocore's model files parsed once per process, not once per session.
- `tables` — big tables for a benchmark, written and queried in moto's backend (not installed).
- `fence` — how `check()` asks about a class without running it.
"""

from __future__ import annotations

from typing import Any

from emoji_smith_local.moto_internals.hooks import (
    Invoke,
    RetryClock,
    lambda_hook_present,
    register_batch_lazily,
)

__all__ = [
    "Invoke",
    "MotoMoved",
    "RetryClock",
    "check",
    "install",
    "lambda_hook_present",
    "register_batch_lazily",
    "uninstall",
]

_MISSING = object()
_saved: list[tuple[Any, str, Any]] = []


class MotoMoved(RuntimeError):
    """A moto internal the embedded AWS relies on is gone: pin moto back, or port the patch."""


def check() -> None:
    # Imported here: they load moto's ASL interpreter (after `register_batch_lazily`).
    from emoji_smith_local.moto_internals import (
        backend,
        botocore_loader,
        dynamodb,
        hooks,
        redrive,
        speedups,
        tables,
    )

    needed = {
        **hooks.needed(),
        **redrive.needed(),
        **speedups.needed(),
        **backend.needed(),
        **dynamodb.needed(),
        **botocore_loader.needed(),
        **tables.needed(),
    }
    missing = [name for name, present in needed.items() if not present]
    if missing:
        raise MotoMoved(
            f"moto moved {', '.join(missing)}: the embedded AWS cannot run with this moto. "
            "Pin moto back in pyproject.toml, or port emoji_smith_local.moto_internals."
        )


def install(listener: Any, invoke: Invoke, clock: RetryClock) -> None:
    """Patch moto for one embedded AWS: `listener` gets each execution that ends, `invoke` runs
    each Lambda call, `clock` paces the ASL's retries."""
    from emoji_smith_local.moto_internals import botocore_loader, dynamodb, hooks, redrive, speedups

    check()
    redrive.HOOKS.listener = listener
    for owner, attribute, replacement in (
        *hooks.patches(invoke, clock),
        *redrive.patches(),
        *speedups.patches(),
        *dynamodb.patches(),
        *botocore_loader.patches(),
    ):
        _saved.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
        setattr(owner, attribute, replacement)


def uninstall() -> None:
    from emoji_smith_local.moto_internals import redrive, speedups

    redrive.HOOKS.listener = None
    speedups.reset()
    while _saved:
        owner, attribute, original = _saved.pop()
        if original is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)
