"""DynamoDB's conditional writes are atomic: two requests cannot both pass a condition that only
one of them may. moto checks a condition and writes in separate steps without a lock, so
concurrent requests (the embedded AWS runs functions in threads) could both pass — thirty jobs
against a limit of ten ran eleven. Each write runs under one lock here, as DynamoDB serializes
writes to an item."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_LOCK = threading.RLock()


def needed() -> dict[str, bool]:
    return {
        f"DynamoDBBackend.{name}": callable(getattr(DynamoDBBackend, name, None)) for name in WRITES
    }


def _serialized(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return write(*args, **kwargs)

    return locked


def patches() -> list[tuple[Any, str, Any]]:
    return [(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name))) for name in WRITES]
