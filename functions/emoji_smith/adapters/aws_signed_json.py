"""AWS's JSON APIs (Secrets Manager, DynamoDB, Step Functions) called with the standard library:
one POST, signed with Signature Version 4, over a connection kept open (`http_connections`).
For the webhook: cold, importing boto3 and building a client (~200 ms) would eat Slack's 3 s;
warm, a call costs about half of boto3's (its per-call machinery, ~0.5 ms). No retries: the
member's 3 s leave no room for a backoff. The signature is checked against botocore's own signer
in the tests. Credentials, region and endpoint come from the variables Lambda sets (and
`AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`, as boto3 honours them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from emoji_smith.adapters.http_connections import post
from emoji_smith.domain.errors import ConfigurationError

TIMEOUT_SECONDS = 3.0
_aws_in_this_process = False


def aws_in_this_process(active: bool) -> None:
    """Set by the local runtime while AWS runs inside this process (moto's mock, which answers
    boto3's calls only): see `through_boto3`."""
    global _aws_in_this_process  # noqa: PLW0603 (one process-wide fact, set by the runtime)
    _aws_in_this_process = active


def through_boto3(environ: Mapping[str, str] = os.environ) -> bool:
    """The one rule for the adapters that can call AWS either way: boto3 where AWS runs inside
    this process (moto answers boto3 only) or where the environment lacks the credentials or
    the region (a developer's profile: `emoji-smith replay --stack`); otherwise, as in Lambda,
    which sets both, this signed client. It costs about half of boto3's per call, so it is used
    even where boto3 is loaded anyway, and a cold webhook never imports boto3."""
    return _aws_in_this_process or not (
        "AWS_ACCESS_KEY_ID" in environ
        and "AWS_SECRET_ACCESS_KEY" in environ
        and ("AWS_REGION" in environ or "AWS_DEFAULT_REGION" in environ)
    )


@dataclass(frozen=True)
class Service:
    name: str  # the signing name: secretsmanager, dynamodb
    endpoint_variable: str  # AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_DYNAMODB
    content_type: str  # application/x-amz-json-1.1 (Secrets Manager) or -1.0 (DynamoDB)
    target_prefix: str  # "secretsmanager.", "DynamoDB_20120810.", "AWSStepFunctions."


SECRETS_MANAGER = Service(
    "secretsmanager",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "application/x-amz-json-1.1",
    "secretsmanager.",
)
DYNAMODB = Service(
    "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "application/x-amz-json-1.0", "DynamoDB_20120810."
)
STEP_FUNCTIONS = Service(
    "states", "AWS_ENDPOINT_URL_SFN", "application/x-amz-json-1.0", "AWSStepFunctions."
)


class AwsCallFailed(Exception):
    def __init__(self, operation: str, status: int, detail: str, code: str = "") -> None:
        super().__init__(f"{operation} failed: {status} {detail}")
        self.status = status
        self.detail = detail
        #: AWS's error name (ExecutionAlreadyExists, ResourceNotFoundException...), as botocore
        #: reads it: the body's `__type` after any `#`, else the x-amzn-ErrorType header's.
        self.code = code


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
    key = _signing_key(credentials.secret_key, day, region, service.name)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


@lru_cache(maxsize=16)
def _signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """SigV4's derived key (4 HMACs): it depends on nothing else, so AWS lets it be cached for
    its day; another day or another key is another entry."""
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


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
    answer = post(url, body, headers, TIMEOUT_SECONDS)
    if not 200 <= answer.status < 300:
        raise AwsCallFailed(
            operation,
            answer.status,
            answer.body.decode("utf-8", "replace")[:300],
            _error_code(answer.body, answer.headers.get("x-amzn-ErrorType") or ""),
        )
    document = json.loads(answer.body or b"{}")
    return document if isinstance(document, dict) else {}


def _error_code(body: bytes, header: str) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    named = document.get("__type") if isinstance(document, dict) else None
    if isinstance(named, str) and named:
        return named.rsplit("#", 1)[-1]
    return header.split(":", 1)[0]
