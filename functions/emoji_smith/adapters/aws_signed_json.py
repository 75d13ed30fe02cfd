"""AWS's JSON APIs (Secrets Manager, DynamoDB) called with the standard library: one POST,
signed with Signature Version 4. For the cold webhook only, where importing boto3 and building a
client (~200 ms) would eat Slack's 3 s; the signature is checked against botocore's own signer in
the tests. Credentials, region and endpoint come from the variables Lambda sets (and
`AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`, as boto3 honours them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from emoji_smith.domain.errors import ConfigurationError

TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Service:
    name: str  # the signing name: secretsmanager, dynamodb
    endpoint_variable: str  # AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_DYNAMODB
    content_type: str  # application/x-amz-json-1.1 (Secrets Manager) or -1.0 (DynamoDB)
    target_prefix: str  # "secretsmanager." or "DynamoDB_20120810."


SECRETS_MANAGER = Service(
    "secretsmanager",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "application/x-amz-json-1.1",
    "secretsmanager.",
)
DYNAMODB = Service(
    "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "application/x-amz-json-1.0", "DynamoDB_20120810."
)


class AwsCallFailed(Exception):
    def __init__(self, operation: str, status: int, detail: str) -> None:
        super().__init__(f"{operation} failed: {status} {detail}")
        self.status = status
        self.detail = detail


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
            raise ConfigurationError(f"{missing.args[0]} is not set: cannot call AWS.") from None


def endpoint(service: Service, environ: Mapping[str, str], region: str) -> str:
    return (
        environ.get(service.endpoint_variable)
        or environ.get("AWS_ENDPOINT_URL")
        or f"https://{service.name}.{region}.amazonaws.com"
    ).rstrip("/") + "/"


def signed_headers(
    service: Service,
    operation: str,
    url: str,
    body: bytes,
    *,
    region: str,
    credentials: Credentials,
    now: datetime,
) -> dict[str, str]:
    """The headers of a SigV4-signed JSON POST (AWS's "Create a signed request" steps)."""
    host = urlsplit(url).netloc
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {
        "content-type": service.content_type,
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": service.target_prefix + operation,
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
    scope = f"{day}/{region}/{service.name}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + credentials.secret_key).encode()
    for part in (day, region, service.name, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def call(
    service: Service,
    operation: str,
    payload: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    """One operation; its JSON answer, or AwsCallFailed (HTTP error) / OSError (no answer)."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    url = endpoint(service, environ, region)
    body = json.dumps(payload).encode()
    credentials = Credentials.from_environ(environ)
    headers = signed_headers(
        service, operation, url, body, region=region, credentials=credentials, now=datetime.now(UTC)
    )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            document = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:300]
        raise AwsCallFailed(operation, error.code, detail) from None
    return document if isinstance(document, dict) else {}
