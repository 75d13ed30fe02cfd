"""The app's secret from Secrets Manager: one `GetSecretValue` call, signed by the standard
library (`aws_signed_json`: the webhook reads the signing secret before anything else, and
boto3 would cost ~200 ms of a cold start). How long a container trusts what it read is
the composition root's cache policy (`bootstrap`), not this adapter's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from emoji_smith.adapters.aws_signed_json import SECRETS_MANAGER, AwsCallFailed, call
from emoji_smith.domain.errors import ConfigurationError


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


def secret_values(secret_id: str) -> dict[str, Any]:
    """The secret's JSON object."""
    try:
        values = json.loads(get_secret_string(secret_id) or "{}")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise ConfigurationError(f"The secret {secret_id} must hold a JSON object.")
    return values
