"""A signing secret stored after the webhook read it works on Slack's next try (#21 §3), and
forged requests cannot make the webhook hammer Secrets Manager."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from emoji_smith.adapters import secrets_manager
from emoji_smith.bootstrap import SECRET_REREAD_SECONDS, bootstrap
from emoji_smith.handlers import webhook
from emoji_smith.settings import SECRET_KEYS, Settings
from fakes.slack_payloads import function_url_event

REAL = "the-signing-secret-slack-shows-0123"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch, moto_server: str) -> dict[str, Any]:
    """A deployed webhook's container (its clock in our hands) reading the app's secret from
    Secrets Manager; `put` stores a new value, `reads` counts the reads of the secret."""
    for key in (*SECRET_KEYS, "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    name = f"app-{uuid.uuid4().hex[:8]}"
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_server,
        "EMOJI_SMITH_SECRET_NAME": name,
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("secretsmanager", endpoint_url=moto_server)
    client.create_secret(Name=name, SecretString=json.dumps({"SLACK_SIGNING_SECRET": "todo"}))
    reads = [0]
    real_read = secrets_manager.secret_values

    def counted(secret_id: str) -> dict[str, Any]:
        reads[0] += 1
        return real_read(secret_id)

    monkeypatch.setattr(secrets_manager, "secret_values", counted)
    now = [1000.0]
    container = bootstrap(Settings.from_environ(os.environ), lambda: now[0])
    monkeypatch.setattr(webhook, "ports", lambda: container)

    def put(secret: str) -> None:
        client.put_secret_value(
            SecretId=name, SecretString=json.dumps({"SLACK_SIGNING_SECRET": secret})
        )

    return {"put": put, "reads": reads, "now": now}


def url_verification(secret: str) -> dict[str, Any]:
    body = json.dumps({"type": "url_verification", "challenge": "c-1"}).encode()
    return function_url_event(body, "application/json", secret=secret)


def test_a_secret_stored_after_it_was_read_is_accepted_on_the_next_request(
    deployed: dict[str, Any],
) -> None:
    put: Callable[[str], None] = deployed["put"]
    # GIVEN a webhook that read a placeholder secret (Slack was pointed at it too early)
    assert webhook.handler(url_verification(REAL), None)["statusCode"] == 401
    deployed["now"][0] += SECRET_REREAD_SECONDS
    # WHEN the member stores the app's signing secret and presses Retry in Slack
    put(REAL)
    answer = webhook.handler(url_verification(REAL), None)
    # THEN the URL is verified at once, not 5 minutes later
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"challenge": "c-1"}
    # AND the secret read again is the one used from now on
    reads = deployed["reads"][0]
    assert webhook.handler(url_verification(REAL), None)["statusCode"] == 200
    assert deployed["reads"][0] == reads


def test_forged_requests_within_the_interval_read_the_secret_once(
    deployed: dict[str, Any],
) -> None:
    # GIVEN the right secret stored, and read by the container
    deployed["put"](REAL)
    assert webhook.handler(url_verification(REAL), None)["statusCode"] == 200
    before = deployed["reads"][0]
    # WHEN 50 forged requests arrive within the interval
    answers = [webhook.handler(url_verification("forged"), None) for _ in range(50)]
    # THEN all are refused, and the secret was read again once, not 50 times
    assert {answer["statusCode"] for answer in answers} == {401}
    assert deployed["reads"][0] - before == 1
    # AND after the interval a forged request may read it once more
    deployed["now"][0] += SECRET_REREAD_SECONDS
    assert webhook.handler(url_verification("forged"), None)["statusCode"] == 401
    assert deployed["reads"][0] - before == 2


def test_an_unsigned_or_stale_request_reads_nothing_again(deployed: dict[str, Any]) -> None:
    # GIVEN a container that read the secret
    deployed["put"](REAL)
    assert webhook.handler(url_verification(REAL), None)["statusCode"] == 200
    before = deployed["reads"][0]
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    # WHEN a request comes unsigned, or signed an hour ago
    unsigned = function_url_event(body, "application/json", signed=False)
    stale = function_url_event(body, "application/json", timestamp=0, secret=REAL)
    # THEN both are refused without reading the secret again (a new secret would not help)
    assert webhook.handler(unsigned, None)["statusCode"] == 401
    assert webhook.handler(stale, None)["statusCode"] == 401
    assert deployed["reads"][0] == before
