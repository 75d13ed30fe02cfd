from __future__ import annotations

import hmac
import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from emoji_smith.adapters.aws_signed_json import (
    DYNAMODB,
    SECRETS_MANAGER,
    Credentials,
    Service,
    signed_headers,
)
from emoji_smith.adapters.local_outbox import LocalOutbox
from emoji_smith.bootstrap import SECRET_CACHE_SECONDS, bootstrap
from emoji_smith.ports import Ports
from emoji_smith.settings import SECRET_KEYS, Settings, function_environment, get_settings


def wired(clock: Callable[[], float] = lambda: 0.0) -> Ports:
    """The Ports a function in this environment gets."""
    return bootstrap(Settings.from_environ(os.environ), clock)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in (*SECRET_KEYS, "EMOJI_SMITH_SECRET_NAME", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_secrets_come_from_the_environment_locally(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("OPENAI_API_KEY", "sk-local")
    ports = wired()
    assert ports.secret("OPENAI_API_KEY") == "sk-local"
    assert ports.image_service_configured()
    assert ports.secret("SLACK_BOT_TOKEN") is None


def test_in_aws_secrets_come_from_secrets_manager_by_name(
    app_secret: Callable[[dict[str, str]], Any],
) -> None:
    app_secret({"SLACK_BOT_TOKEN": "xoxb-from-aws", "OPENAI_API_KEY": ""})
    ports = wired()
    assert ports.secret("SLACK_BOT_TOKEN") == "xoxb-from-aws"
    assert not ports.image_service_configured()  # an empty value is not a key


def test_a_changed_environment_is_read_again_and_an_unchanged_one_is_not(
    clean: pytest.MonkeyPatch,
) -> None:
    # GIVEN the process's settings, read once
    clean.setenv("JOBS_TABLE_NAME", "jobs-before")
    first = get_settings()
    read: list[object] = []

    def counted(items: Any) -> frozenset[Any]:
        read.append(items)
        return frozenset(items)

    clean.setattr("emoji_smith.settings.frozenset", counted, raising=False)
    # WHEN they are asked for again with nothing changed
    # THEN they are the same object, and the environment was not read again
    assert get_settings() is first
    assert read == []
    # AND WHEN a variable changes, the next read sees it at once
    clean.setenv("JOBS_TABLE_NAME", "jobs-after")
    assert get_settings().jobs_table_name == "jobs-after"
    # AND a function's own environment (the local runtime's) is never the process's
    with function_environment({"JOBS_TABLE_NAME": "jobs-of-a-function"}):
        assert get_settings().jobs_table_name == "jobs-of-a-function"
    assert get_settings().jobs_table_name == "jobs-after"


def test_only_secret_settings_can_be_read_as_secrets(clean: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        wired().secret("JOBS_TABLE_NAME")


@pytest.fixture
def app_secret(clean: pytest.MonkeyPatch, moto_server: str) -> Callable[[dict[str, str]], Any]:
    """The app's secret, as a deployed function reads it; returns a setter that writes a new
    value."""
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_server,
        "EMOJI_SMITH_SECRET_NAME": f"app-{uuid.uuid4().hex[:8]}",
    }.items():
        clean.setenv(key, value)
    clean.delenv("EMOJI_SMITH_OUTBOX_DIR", raising=False)
    name = os.environ["EMOJI_SMITH_SECRET_NAME"]
    client = boto3.client("secretsmanager", endpoint_url=moto_server)
    client.create_secret(Name=name, SecretString="{}")

    def put(values: dict[str, str]) -> None:
        client.put_secret_value(SecretId=name, SecretString=json.dumps(values))

    return put


@pytest.mark.parametrize(
    ("service", "operation", "body"),
    [
        (SECRETS_MANAGER, "GetSecretValue", b'{"SecretId": "app"}'),
        (DYNAMODB, "GetItem", b'{"TableName": "t", "Key": {"team_id": {"S": "T1"}}}'),
    ],
    ids=["secretsmanager", "dynamodb"],
)
def test_a_request_is_signed_exactly_as_botocore_signs_it(
    service: Service, operation: str, body: bytes
) -> None:
    # GIVEN one request with a session token, signed by botocore's SigV4 signer
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    url = f"https://{service.name}.eu-west-1.amazonaws.com/"
    headers = {
        "Content-Type": service.content_type,
        "X-Amz-Target": service.target_prefix + operation,
    }
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    signer = SigV4Auth(BotocoreCredentials("AKID", "SECRET", "TOKEN"), service.name, "eu-west-1")
    signer.add_auth(request)
    moment = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    # WHEN ours signs the same request at the same moment
    ours = signed_headers(
        service,
        operation,
        url,
        body,
        region="eu-west-1",
        credentials=Credentials("AKID", "SECRET", "TOKEN"),
        now=moment,
    )
    # THEN the signatures are the same
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-security-token"] == request.headers["X-Amz-Security-Token"]


def test_the_signing_key_is_derived_once_a_day_and_the_signature_stays_botocores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore import auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    from emoji_smith.adapters import aws_signed_json

    hmacs: list[bytes] = []

    def counted(key: bytes, message: bytes, digestmod: Any) -> Any:
        hmacs.append(message)
        return hmac.new(key, message, digestmod)

    monkeypatch.setattr(aws_signed_json, "hmac", SimpleNamespace(new=counted))
    secret = f"SECRET-{uuid.uuid4()}"  # a key no earlier signature derived
    url, body = "https://dynamodb.eu-west-1.amazonaws.com/", b'{"TableName": "t"}'
    target = DYNAMODB.target_prefix + "GetItem"
    # GIVEN one request signed twice before midnight UTC and once after
    for moment, derived in [
        (datetime(2026, 12, 4, 23, 59, 58), True),  # the day's first: its key derived
        (datetime(2026, 12, 4, 23, 59, 59), False),  # the same day: the key reused
        (datetime(2026, 12, 5, 0, 0, 0), True),  # the next day: a new key
    ]:
        hmacs.clear()
        monkeypatch.setattr(auth, "get_current_datetime", lambda moment=moment: moment)
        request = AWSRequest(
            method="POST",
            url=url,
            data=body,
            headers={"Content-Type": DYNAMODB.content_type, "X-Amz-Target": target},
        )
        auth.SigV4Auth(BotocoreCredentials("AKID", secret), "dynamodb", "eu-west-1").add_auth(
            request
        )
        # WHEN ours signs it at the same moment
        ours = signed_headers(
            DYNAMODB,
            "GetItem",
            url,
            body,
            region="eu-west-1",
            credentials=Credentials("AKID", secret),
            now=moment.replace(tzinfo=UTC),
        )
        # THEN it signs as botocore does, deriving the key (4 HMACs) once per day only
        assert ours["authorization"] == request.headers["Authorization"]
        assert len(hmacs) == (5 if derived else 1)


def test_a_rotated_slack_token_is_used_once_the_secret_cache_expires(
    app_secret: Callable[[dict[str, str]], Any],
) -> None:
    # GIVEN the bot token in the app's secret, and the Slack clients built from it
    app_secret({"SLACK_BOT_TOKEN": "xoxb-old"})
    now = [0.0]
    ports = wired(lambda: now[0])
    before = ports.slack_gateway()
    assert before._bot.token == "xoxb-old"  # type: ignore[attr-defined]
    # WHEN the token is rotated
    app_secret({"SLACK_BOT_TOKEN": "xoxb-new"})
    # THEN the old one is used while the secret cache holds it (the clients are not rebuilt)
    now[0] = SECRET_CACHE_SECONDS - 1
    assert ports.slack_gateway() is before
    # AND once it has expired the container's Slack clients use the new token
    now[0] = SECRET_CACHE_SECONDS + 1
    assert ports.slack_gateway()._bot.token == "xoxb-new"  # type: ignore[attr-defined]
    assert ports.slack_interactions()._token == "xoxb-new"  # type: ignore[attr-defined]


def test_in_aws_a_missing_bot_token_is_a_configuration_error_not_a_local_folder(
    app_secret: Callable[[dict[str, str]], Any],
) -> None:
    from emoji_smith.domain.errors import ConfigurationError

    # GIVEN a function in AWS whose secret has no bot token (no outbox was chosen)
    app_secret({})
    # THEN delivering says what is missing and where to put it
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN is not set"):
        wired().slack_gateway()


def test_the_local_outbox_is_an_explicit_choice(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean.setenv("EMOJI_SMITH_OUTBOX_DIR", str(tmp_path))
    assert isinstance(wired().slack_gateway(), LocalOutbox)
