"""The composition root of every function: which adapter serves each port. Handlers ask it for
ports and pass them to a use case (`application/`), which never builds one itself. Adapters are
built once per container and per set of settings — the local runtime runs every function in one
process, each with its own settings, so each gets its own adapters and none needs resetting."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.styles import PRESETS, image_service_needed
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import (
    CircuitStore,
    ImageGenerator,
    ImageStore,
    JobRepository,
    PictureSource,
    PromptEnhancer,
    SettingsStore,
    SlackGateway,
    SlackInteractions,
    UsageLedger,
    Workflow,
)
from emoji_smith.settings import (
    IMAGE_QUALITIES,
    clear_settings_cache,
    get_settings,
    image_service_configured,
    secret,
)

if TYPE_CHECKING:
    from openai import OpenAI
    from slack_sdk import WebClient


def image_store() -> ImageStore:
    return _image_store(get_settings().images_bucket_name)


@cache
def _image_store(bucket: str) -> ImageStore:
    from emoji_smith.adapters.s3_image_store import S3ImageStore

    return S3ImageStore(bucket)


def job_repository() -> JobRepository:
    return _job_repository(get_settings().jobs_table_name)


@cache
def _job_repository(table: str) -> JobRepository:
    from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository

    return DynamoDBJobRepository(table)


def circuit_store() -> CircuitStore:
    return _circuit_store(get_settings().circuit_table_name)


@cache
def _circuit_store(table: str) -> CircuitStore:
    from emoji_smith.adapters.dynamodb_circuit_store import DynamoDBCircuitStore

    return DynamoDBCircuitStore(table)


def openai() -> OpenAI:
    settings = get_settings()
    key = secret("OPENAI_API_KEY")
    if not key:
        raise ConfigurationError("OPENAI_API_KEY is not set.")
    return _openai(key, settings.image_timeout_seconds, settings.openai_base_url)


@cache
def _openai(key: str, timeout_seconds: float, base_url: str | None) -> OpenAI:
    from emoji_smith.adapters.openai_image_generator import openai_client

    return openai_client(key, timeout_seconds, base_url)


def image_generator(style: str, quality: str) -> ImageGenerator:
    """The badge renderer for the offline style; the image service (at `quality`) for the
    rest."""
    if not PRESETS[style].needs_image_service:
        from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator

        return BadgeImageGenerator()
    settings = get_settings()
    if not image_service_configured():
        raise ConfigurationError(image_service_needed(style))
    from emoji_smith.adapters.openai_image_generator import OpenAIImageGenerator

    if quality not in IMAGE_QUALITIES:
        raise ConfigurationError(f"Unknown image quality {quality!r}.")
    return OpenAIImageGenerator(openai(), settings.image_model, quality)


def picture_source() -> PictureSource:
    """Slack's files and emoji with the bot token (uploads need none: they are in the bucket)."""
    settings = get_settings()
    return _picture_source(
        secret("SLACK_BOT_TOKEN") or "", settings.slack_api_base_url, settings.images_bucket_name
    )


@cache
def _picture_source(token: str, base_url: str, bucket: str) -> PictureSource:
    from emoji_smith.adapters.slack_pictures import SlackPictures

    return SlackPictures(token, base_url, _image_store(bucket))


def usage_ledger() -> UsageLedger:
    return _usage_ledger(get_settings().usage_table_name, 0.0)


def advisory_usage_ledger() -> UsageLedger:
    """For the modal's check only (Validate counts atomically): a member's figures read in the
    last half minute are used again, so a member's burst of submissions is not slowed by a
    read each (a stale figure only moves the refusal from the modal to the workflow)."""
    return _usage_ledger(get_settings().usage_table_name, ADVISORY_SECONDS)


#: How long the modal trusts figures it read (see `advisory_usage_ledger`).
ADVISORY_SECONDS = 30.0


@cache
def _usage_ledger(table: str, spent_cache_seconds: float) -> UsageLedger:
    from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger

    return DynamoDBUsageLedger(table, spent_cache_seconds)


def settings_store() -> SettingsStore:
    return _settings_store(get_settings().settings_table_name)


@cache
def _settings_store(table: str) -> SettingsStore:
    from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore

    return DynamoDBSettingsStore(table)


def default_workspace_settings() -> WorkspaceSettings:
    """The install's defaults (the template's parameters): every style, no saved changes."""
    settings = get_settings()
    return WorkspaceSettings(
        member_daily_images=settings.member_daily_images,
        workspace_monthly_budget_usd=settings.workspace_monthly_budget_usd,
        image_quality=settings.image_quality,
        styles=tuple(PRESETS),
        announcement_channel=settings.announcement_channel,
    )


def workspace_settings(team: str) -> WorkspaceSettings:
    """The defaults with what the workspace's admins saved on top, read for every request (a
    change applies to the next one, in every container). No team (a local run): the defaults."""
    defaults = default_workspace_settings()
    return defaults.overridden_by(settings_store().saved(team)) if team else defaults


def prompt_enhancer() -> PromptEnhancer | None:
    """None when there is no key or enhancement is switched off."""
    settings = get_settings()
    if not (settings.prompt_model and image_service_configured()):
        return None
    from emoji_smith.adapters.openai_prompt_enhancer import OpenAIPromptEnhancer

    client = openai().with_options(timeout=settings.prompt_timeout_seconds)
    return OpenAIPromptEnhancer(client, settings.prompt_model)


@cache
def _web_client(token: str, base_url: str) -> WebClient:
    from emoji_smith.adapters.slack_gateway import web_client

    return web_client(token, base_url)


def slack_gateway() -> SlackGateway:
    """Slack with the bot token; the local outbox only where it was chosen explicitly. Built
    anew when a token changes, so a rotated token is used within the secret cache's 5 minutes."""
    settings = get_settings()
    bot_token = secret("SLACK_BOT_TOKEN")
    if not bot_token:
        if settings.outbox_dir is None:
            raise ConfigurationError(
                "SLACK_BOT_TOKEN is not set: put the app's bot token in its secret "
                "(EMOJI_SMITH_SECRET_NAME), or set EMOJI_SMITH_OUTBOX_DIR to deliver locally."
            )
        return _local_outbox(settings.outbox_dir)
    return _slack_gateway(bot_token, secret("SLACK_ADMIN_TOKEN") or "", settings.slack_api_base_url)


@cache
def _local_outbox(folder: Path) -> SlackGateway:
    from emoji_smith.adapters.local_outbox import LocalOutbox

    return LocalOutbox(folder)


@cache
def _slack_gateway(bot_token: str, admin_token: str, base_url: str) -> SlackGateway:
    from emoji_smith.adapters.slack_gateway import SlackWebGateway

    admin = _web_client(admin_token, base_url) if admin_token else None
    return SlackWebGateway(_web_client(bot_token, base_url), admin, base_url)


def slack_interactions() -> SlackInteractions:
    token = secret("SLACK_BOT_TOKEN")
    if not token:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set: the webhook cannot open the modal.")
    return _slack_interactions(token, get_settings().slack_api_base_url)


@cache
def _slack_interactions(token: str, base_url: str) -> SlackInteractions:
    from emoji_smith.adapters.slack_interactions import SlackWebApiInteractions

    return SlackWebApiInteractions(token, base_url)


def workflow() -> Workflow:
    arn = get_settings().state_machine_arn
    if not arn:
        raise ConfigurationError("STATE_MACHINE_ARN is not set: cannot start or list jobs.")
    return _workflow(arn)


@cache
def _workflow(state_machine_arn: str) -> Workflow:
    from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow

    return StepFunctionsWorkflow(state_machine_arn)


def cold_start() -> None:
    """Drop every adapter and setting built so far, as a new Lambda container starts with none
    (the local runtime at each deployment; tests of cold-start behaviour). Functions never need
    it between each other: each cache is keyed by the settings it was built from, so a function
    never gets an adapter built for another's settings."""
    for factory in (
        _image_store,
        _job_repository,
        _circuit_store,
        _openai,
        _picture_source,
        _usage_ledger,
        _settings_store,
        _web_client,
        _local_outbox,
        _slack_gateway,
        _slack_interactions,
        _workflow,
    ):
        factory.cache_clear()
    clear_settings_cache()
