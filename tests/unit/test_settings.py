from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emoji_smith import dependencies
from emoji_smith.settings import SECRET_KEYS, image_service_configured, secret


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key in (*SECRET_KEYS, "EMOJI_SMITH_SECRET_NAME"):
        monkeypatch.delenv(key, raising=False)
    dependencies.forget()
    yield monkeypatch
    dependencies.forget()


def test_secrets_come_from_the_environment_locally(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("OPENAI_API_KEY", "sk-local")
    assert secret("OPENAI_API_KEY") == "sk-local"
    assert image_service_configured()
    assert secret("SLACK_BOT_TOKEN") is None


def test_in_aws_secrets_come_from_secrets_manager_by_name(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("secretsmanager").create_secret(
            Name="emoji-smith/prod",
            SecretString=json.dumps({"SLACK_BOT_TOKEN": "xoxb-from-aws", "OPENAI_API_KEY": ""}),
        )
        clean.setenv("EMOJI_SMITH_SECRET_NAME", "emoji-smith/prod")
        dependencies.forget()
        assert secret("SLACK_BOT_TOKEN") == "xoxb-from-aws"
        assert not image_service_configured()  # an empty value is not a key


def test_only_secret_settings_can_be_read_as_secrets(clean: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        secret("JOBS_TABLE_NAME")


@pytest.fixture
def app_secret(clean: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, str]], Any]]:
    """The app's secret in (moto's) Secrets Manager, as a deployed function reads it; returns a
    setter that writes a new value and expires the five-minute secret cache."""
    from aws_lambda_powertools.utilities import parameters

    clean.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clean.delenv("EMOJI_SMITH_OUTBOX_DIR", raising=False)
    with mock_aws():
        client = boto3.client("secretsmanager")
        client.create_secret(Name="app", SecretString="{}")
        clean.setenv("EMOJI_SMITH_SECRET_NAME", "app")

        def put(values: dict[str, str]) -> None:
            client.put_secret_value(SecretId="app", SecretString=json.dumps(values))
            parameters.clear_caches()

        parameters.clear_caches()
        dependencies.forget()
        yield put
        parameters.clear_caches()


def test_a_rotated_slack_token_is_used_once_the_secret_cache_expires(
    app_secret: Callable[[dict[str, str]], Any],
) -> None:
    # GIVEN the bot token in the app's secret, and the Slack clients built from it
    app_secret({"SLACK_BOT_TOKEN": "xoxb-old"})
    before = dependencies.slack_gateway()
    assert before._bot.token == "xoxb-old"  # type: ignore[attr-defined]
    assert dependencies.slack_gateway() is before  # cached while the token is the same
    # WHEN the token is rotated and the five-minute secret cache has expired
    app_secret({"SLACK_BOT_TOKEN": "xoxb-new"})
    # THEN the container's Slack clients use the new token
    assert dependencies.slack_gateway()._bot.token == "xoxb-new"  # type: ignore[attr-defined]
    assert dependencies.slack_interactions()._bot.token == "xoxb-new"  # type: ignore[attr-defined]


def test_in_aws_a_missing_bot_token_is_a_configuration_error_not_a_local_folder(
    app_secret: Callable[[dict[str, str]], Any],
) -> None:
    from emoji_smith.domain.errors import ConfigurationError

    # GIVEN a function in AWS whose secret has no bot token (no outbox was chosen)
    app_secret({})
    # THEN delivering says what is missing and where to put it
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN is not set"):
        dependencies.slack_gateway()


def test_the_local_outbox_is_an_explicit_choice(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from emoji_smith.adapters.local_outbox import LocalOutbox

    clean.setenv("EMOJI_SMITH_OUTBOX_DIR", str(tmp_path))
    dependencies.forget()
    assert isinstance(dependencies.slack_gateway(), LocalOutbox)
