"""Configuration from the environment. Secrets (SECRET_KEYS) come from the environment locally;
in AWS from the Secrets Manager secret named by `EMOJI_SMITH_SECRET_NAME` (a JSON object with
those keys), read only by the functions that need one — the others need no access to it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEYS = ("OPENAI_API_KEY", "SLACK_BOT_TOKEN", "SLACK_ADMIN_TOKEN", "SLACK_SIGNING_SECRET")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    jobs_table_name: str = Field("emoji-smith-jobs", alias="JOBS_TABLE_NAME")
    images_bucket_name: str = Field("emoji-smith-images", alias="IMAGES_BUCKET_NAME")
    #: The local outbox, instead of Slack: an explicit local choice (the local runtime sets it),
    #: never a fallback in AWS, where a missing bot token is a ConfigurationError.
    outbox_dir: Path | None = Field(None, alias="EMOJI_SMITH_OUTBOX_DIR")
    secret_name: str | None = Field(None, alias="EMOJI_SMITH_SECRET_NAME")
    state_machine_arn: str = Field("", alias="STATE_MACHINE_ARN")
    circuit_table_name: str = Field("emoji-smith-circuit", alias="CIRCUIT_TABLE_NAME")
    retry_max_attempts: int = Field(3, alias="RETRY_MAX_ATTEMPTS")
    retry_lookback_hours: int = Field(24, alias="RETRY_LOOKBACK_HOURS")
    circuit_failure_threshold: int = Field(3, alias="CIRCUIT_FAILURE_THRESHOLD")
    circuit_window_seconds: int = Field(300, alias="CIRCUIT_WINDOW_SECONDS")
    circuit_cooldown_seconds: int = Field(600, alias="CIRCUIT_COOLDOWN_SECONDS")

    image_model: str = Field("gpt-image-2", alias="EMOJI_SMITH_IMAGE_MODEL")
    image_quality: Literal["low", "medium", "high", "auto"] = Field(
        "medium", alias="EMOJI_SMITH_IMAGE_QUALITY"
    )
    #: Text model that rewrites descriptions into better prompts; "" turns enhancement off.
    prompt_model: str = Field("gpt-5-mini", alias="EMOJI_SMITH_PROMPT_MODEL")
    prompt_timeout_seconds: float = Field(15.0, alias="EMOJI_SMITH_PROMPT_TIMEOUT_SECONDS")
    image_timeout_seconds: float = Field(120.0, alias="EMOJI_SMITH_IMAGE_TIMEOUT_SECONDS")
    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_admin_token: SecretStr | None = Field(None, alias="SLACK_ADMIN_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_api_base_url: str = Field("https://slack.com/api/", alias="SLACK_API_BASE_URL")

    #: How long a shared link to an emoji image lives (Slack fetches it right away).
    share_url_seconds: int = Field(900, alias="EMOJI_SMITH_SHARE_URL_SECONDS")


@cache
def get_settings() -> Settings:
    return Settings()


def secret(key: str) -> str | None:
    """A secret by its variable name: the environment first, then the app's secret in AWS."""
    if key not in SECRET_KEYS:
        raise KeyError(f"{key} is not a secret setting")
    settings = get_settings()
    local: SecretStr | None = getattr(settings, key.lower())
    if local is not None and local.get_secret_value():
        return local.get_secret_value()
    if settings.secret_name:
        value = _secret_values(settings.secret_name).get(key)
        return str(value) if value else None
    return None


def image_service_configured() -> bool:
    return bool(secret("OPENAI_API_KEY"))


def _secret_values(secret_name: str) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    # Cached for five minutes per container: a rotated token is picked up without a deploy.
    values = parameters.get_secret(secret_name, transform="json", max_age=300)
    if not isinstance(values, dict):
        raise TypeError(f"Secret {secret_name} must hold a JSON object")
    return values
