from __future__ import annotations

import json
from collections.abc import Iterator

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
