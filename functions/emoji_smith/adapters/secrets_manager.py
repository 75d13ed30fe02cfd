"""The app's secret from Secrets Manager: one `GetSecretValue` call, signed with AWS Signature
Version 4 by the standard library, cached per container.

Not boto3: importing boto3 and building a client costs ~200 ms of a cold webhook's budget, and the
webhook reads the signing secret before anything else. The signature is checked against
botocore's own signer in the tests. Credentials, region and endpoint come from the variables
Lambda sets (and `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`, as boto3 honours them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from emoji_smith.domain.errors import ConfigurationError

SERVICE = "secretsmanager"
TARGET = "secretsmanager.GetSecretValue"
CONTENT_TYPE = "application/x-amz-json-1.1"
TIMEOUT_SECONDS = 3.0

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Credentials:
        try:
            return cls(
                environ["AWS_ACCESS_KEY_ID"],
                environ["AWS_SECRET_ACCESS_KEY"],
                environ.get("AWS_SESSION_TOKEN") or None,
            )
        except KeyError as missing:
            raise ConfigurationError(
                f"{missing.args[0]} is not set: cannot read the secret."
            ) from None


def endpoint(environ: Mapping[str, str], region: str) -> str:
    return (
        environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        or environ.get("AWS_ENDPOINT_URL")
        or f"https://secretsmanager.{region}.amazonaws.com"
    ).rstrip("/") + "/"


def signed_headers(
    url: str, body: bytes, region: str, credentials: Credentials, now: datetime
) -> dict[str, str]:
    """The headers of a SigV4-signed JSON 1.1 POST (AWS's "Create a signed request" steps)."""
    host = urlsplit(url).netloc
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {
        "content-type": CONTENT_TYPE,
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": TARGET,
    }
    if credentials.session_token:
        headers["x-amz-security-token"] = credentials.session_token
    names = sorted(headers)
    canonical = "\n".join(
        [
            "POST",
            urlsplit(url).path or "/",
            "",
            "".join(f"{name}:{headers[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + credentials.secret_key).encode()
    for part in (day, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def get_secret_string(secret_id: str, environ: Mapping[str, str] = os.environ) -> str:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    url = endpoint(environ, region)
    body = json.dumps({"SecretId": secret_id}).encode()
    headers = signed_headers(
        url, body, region, Credentials.from_environ(environ), datetime.now(UTC)
    )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            document = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:300]
        raise ConfigurationError(
            f"Secrets Manager refused GetSecretValue({secret_id}): {error.code} {detail}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
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
