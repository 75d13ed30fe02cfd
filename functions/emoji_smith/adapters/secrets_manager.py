"""The app's secret from Secrets Manager: one `GetSecretValue` call, signed by the standard
library (`aws_signed_json`: the webhook reads the signing secret before anything else, and
boto3 would cost ~200 ms of a cold start), cached per container.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from emoji_smith.adapters.aws_signed_json import SECRETS_MANAGER, AwsCallFailed, call
from emoji_smith.domain.errors import ConfigurationError

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def get_secret_string(secret_id: str, environ: Mapping[str, str] = os.environ) -> str:
    try:
        document = call(SECRETS_MANAGER, "GetSecretValue", {"SecretId": secret_id}, environ)
    except AwsCallFailed as error:
        raise ConfigurationError(
            f"Secrets Manager refused GetSecretValue({secret_id}): {error.status} {error.detail}"
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"Cannot read the secret {secret_id}: {error}") from None
    return str(document.get("SecretString") or "")


def secret_values(secret_id: str, max_age_seconds: float) -> dict[str, Any]:
    """The secret's JSON object, read at most once per `max_age_seconds` per container."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(secret_id)
        if cached is not None and now - cached[0] < max_age_seconds:
            return cached[1]
    try:
        values = json.loads(get_secret_string(secret_id) or "{}")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise ConfigurationError(f"The secret {secret_id} must hold a JSON object.")
    with _lock:
        _cache[secret_id] = (now, values)
    return values


def forget() -> None:
    """Drop the cached secrets (as after the cache time)."""
    with _lock:
        _cache.clear()
