"""Configuration from the environment (the standard library and the domain's constants only: the
webhook's cold start pays for every import). Secrets (SECRET_KEYS) come from the environment
locally; in AWS from the Secrets Manager secret named by `EMOJI_SMITH_SECRET_NAME` (a JSON object
with those keys), read by the composition root (`bootstrap`) only for the functions that need
one — the others need no access to it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.image_models import DEFAULT_MODEL, MODELS
from emoji_smith.domain.retries import DEFAULT_LOOKBACK_HOURS, DEFAULT_MAX_ATTEMPTS

SECRET_KEYS = (
    "OPENAI_API_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_ADMIN_TOKEN",
    "SLACK_SIGNING_SECRET",
    # Both set: distribution mode (each workspace installs from the link; its token is stored)
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)
ImageQuality = Literal["low", "medium", "high", "auto"]
IMAGE_QUALITIES: tuple[ImageQuality, ...] = get_args(ImageQuality)


def _setting(variable: str, default: Any) -> Any:
    return field(default=default, metadata={"variable": variable})


@dataclass(frozen=True)
class Settings:
    jobs_table_name: str = _setting("JOBS_TABLE_NAME", "emoji-smith-jobs")
    images_bucket_name: str = _setting("IMAGES_BUCKET_NAME", "emoji-smith-images")
    #: The local outbox, instead of Slack: an explicit local choice (the local runtime sets it),
    #: never a fallback in AWS, where a missing bot token is a ConfigurationError.
    outbox_dir: Path | None = _setting("EMOJI_SMITH_OUTBOX_DIR", None)
    secret_name: str | None = _setting("EMOJI_SMITH_SECRET_NAME", None)
    state_machine_arn: str = _setting("STATE_MACHINE_ARN", "")
    circuit_table_name: str = _setting("CIRCUIT_TABLE_NAME", "emoji-smith-circuit")
    retry_max_attempts: int = _setting("RETRY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    retry_lookback_hours: int = _setting("RETRY_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS)
    circuit_failure_threshold: int = _setting("CIRCUIT_FAILURE_THRESHOLD", 3)
    circuit_window_seconds: int = _setting("CIRCUIT_WINDOW_SECONDS", 300)
    circuit_cooldown_seconds: int = _setting("CIRCUIT_COOLDOWN_SECONDS", 600)

    image_model: str = _setting("EMOJI_SMITH_IMAGE_MODEL", "gpt-image-2")
    image_quality: ImageQuality = _setting("EMOJI_SMITH_IMAGE_QUALITY", "low")
    #: Days a job record is kept after its last change (DynamoDB's TTL; template JobRetentionDays).
    job_retention_days: int = _setting("JOB_RETENTION_DAYS", 90)
    #: The function the webhook hands a workspace's deletion to (an uninstall).
    forget_workspace_function: str = _setting("FORGET_WORKSPACE_FUNCTION", "")
    usage_table_name: str = _setting("USAGE_TABLE_NAME", "emoji-smith-usage")
    #: What each workspace's admins saved from the Home tab, over the defaults below.
    settings_table_name: str = _setting("SETTINGS_TABLE_NAME", "emoji-smith-settings")
    #: Distribution mode: each workspace's installation, and the install links' states.
    installations_table_name: str = _setting(
        "INSTALLATIONS_TABLE_NAME", "emoji-smith-installations"
    )
    oauth_state_table_name: str = _setting("OAUTH_STATE_TABLE_NAME", "emoji-smith-oauth-state")
    #: Distribution mode: the app's public base URL (Slack's redirect goes to its
    #: /slack/oauth_redirect); "" for the Function URL's own (template parameter PublicUrl).
    public_url: str = _setting("EMOJI_SMITH_PUBLIC_URL", "")
    #: single-workspace, distribution, or auto (distribution when the client id and secret are
    #: set): template parameter InstallMode.
    install_mode: str = _setting("EMOJI_SMITH_INSTALL_MODE", "auto")
    #: Slack events acted on (by event_id, a day), and the function the Home is handed to.
    events_table_name: str = _setting("EVENTS_TABLE_NAME", "emoji-smith-events")
    publish_home_function: str = _setting("PUBLISH_HOME_FUNCTION", "")
    #: A channel id where each new emoji is announced once ("" for none).
    announcement_channel: str = _setting("EMOJI_SMITH_ANNOUNCEMENT_CHANNEL", "")
    member_daily_images: int = _setting("EMOJI_SMITH_MEMBER_DAILY_IMAGES", 20)
    workspace_monthly_budget_usd: float = _setting("EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD", 25.0)
    #: Text model that rewrites descriptions into better prompts; "" turns enhancement off.
    prompt_model: str = _setting("EMOJI_SMITH_PROMPT_MODEL", "gpt-5-mini")
    prompt_timeout_seconds: float = _setting("EMOJI_SMITH_PROMPT_TIMEOUT_SECONDS", 15.0)
    image_timeout_seconds: float = _setting("EMOJI_SMITH_IMAGE_TIMEOUT_SECONDS", 120.0)
    openai_base_url: str | None = _setting("OPENAI_BASE_URL", None)
    slack_api_base_url: str = _setting("SLACK_API_BASE_URL", "https://slack.com/api/")
    #: How long a shared link to an emoji image lives (Slack fetches it right away).
    share_url_seconds: int = _setting("EMOJI_SMITH_SHARE_URL_SECONDS", 900)
    #: Secrets given in the environment (local runs); never printed.
    local_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings a function sees in this environment; a malformed value is named."""
        values: dict[str, Any] = {}
        for setting in fields(cls):
            variable = setting.metadata.get("variable")
            if variable is None or variable not in environ:
                continue
            values[setting.name] = _parse(variable, environ[variable], setting.default)
        if values.get("image_quality", "low") not in IMAGE_QUALITIES:
            raise ConfigurationError(
                f"EMOJI_SMITH_IMAGE_QUALITY must be one of {', '.join(IMAGE_QUALITIES)}."
            )
        if values.get("image_model", DEFAULT_MODEL) not in MODELS:
            raise ConfigurationError(
                f"EMOJI_SMITH_IMAGE_MODEL must be one of {', '.join(MODELS)} (the models whose "
                "request rules domain/image_models.py holds)."
            )
        secrets = {key: environ[key] for key in SECRET_KEYS if environ.get(key)}
        return cls(**values, local_secrets=secrets)

    @staticmethod
    def variables() -> set[str]:
        """Every environment variable a setting reads (secrets included)."""
        names = {str(f.metadata["variable"]) for f in fields(Settings) if "variable" in f.metadata}
        return names | set(SECRET_KEYS)


def _parse(variable: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool) or default is None:
        return Path(raw) if variable == "EMOJI_SMITH_OUTBOX_DIR" else (raw or None)
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"{variable} must be a number, not {raw!r}.") from None
    return raw


#: The environment of the function running in this thread: set by the local runtime, which
#: runs many functions in one process; unset in Lambda, where it is the process's own.
_FUNCTION_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar(
    "function_environment", default=None
)


def environment() -> Mapping[str, str]:
    """This function's environment variables (never another function's)."""
    return _FUNCTION_ENVIRONMENT.get() or os.environ


@contextmanager
def function_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Run code as a function with these variables sees them, in this thread only."""
    token = _FUNCTION_ENVIRONMENT.set(dict(variables))
    try:
        yield
    finally:
        _FUNCTION_ENVIRONMENT.reset(token)


def get_settings() -> Settings:
    scoped = _FUNCTION_ENVIRONMENT.get()
    if scoped:
        return _settings_for(frozenset(scoped.items()))
    return _process_settings()


#: os.environ as last read (CPython's raw mapping, copied) and the settings read from it.
_last_read: list[tuple[dict[Any, Any], Settings]] = []


def _process_settings() -> Settings:
    """The process's settings, read again only when its environment changed: its raw mapping is
    compared (in C, ~0.5 µs) instead of its decoded items hashed (~25 µs, once the largest
    fixed cost of a warm webhook request)."""
    raw = getattr(os.environ, "_data", None)  # CPython's os._Environ; elsewhere: read each time
    last = _last_read[-1] if _last_read else None
    if isinstance(raw, dict) and last is not None and last[0] == raw:
        return last[1]
    found = _settings_for(frozenset(os.environ.items()))
    if isinstance(raw, dict):
        _last_read[:] = [(dict(raw), found)]
    return found


@lru_cache(maxsize=64)
def _settings_for(variables: frozenset[tuple[str, str]]) -> Settings:
    return Settings.from_environ(dict(variables))
