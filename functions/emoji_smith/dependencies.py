"""The composition root: which adapter serves each port, built once per container."""

from __future__ import annotations

from functools import cache

from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.styles import PRESETS, image_service_needed
from emoji_smith.ports import ImageGenerator, ImageStore, JobRepository, SlackGateway
from emoji_smith.settings import get_settings


@cache
def image_store() -> ImageStore:
    from emoji_smith.adapters.s3_image_store import S3ImageStore

    return S3ImageStore(get_settings().images_bucket_name)


@cache
def job_repository() -> JobRepository:
    from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository

    return DynamoDBJobRepository(get_settings().jobs_table_name)


@cache
def image_generator(style: str) -> ImageGenerator:
    """The badge renderer for the offline style; the image service for the rest."""
    if not PRESETS[style].needs_image_service:
        from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator

        return BadgeImageGenerator()
    raise ConfigurationError(image_service_needed(style))


@cache
def slack_gateway() -> SlackGateway:
    from emoji_smith.adapters.local_outbox import LocalOutbox

    return LocalOutbox(get_settings().outbox_dir)


def forget() -> None:
    """Drop every cached setting and adapter (the local runtime changes the environment)."""
    for factory in (image_store, job_repository, image_generator, slack_gateway, get_settings):
        factory.cache_clear()
