"""Where a job's images live in the bucket. Keys are derived, so any step can find them.

Originals and emoji live under separate prefixes so the bucket's lifecycle can expire the large
originals early and keep the small emoji as long as the job record."""

from __future__ import annotations

from typing import Literal

ORIGINALS_PREFIX = "originals/"
EMOJI_PREFIX = "emoji/"
CONTENT_TYPES: dict[str, str] = {"png": "image/png", "gif": "image/gif"}


def original_key(job_id: str, option: int) -> str:
    return f"{ORIGINALS_PREFIX}{job_id}/option-{option}"


def emoji_key(job_id: str, option: int, extension: Literal["png", "gif"]) -> str:
    return f"{EMOJI_PREFIX}{job_id}/option-{option}.{extension}"


def job_folders(job_id: str) -> tuple[str, ...]:
    """The prefixes every image of the job is under (the '/' keeps `job-1` from `job-10`); the
    picture it started from is `pictures.input_key`."""
    return (f"{ORIGINALS_PREFIX}{job_id}/", f"{EMOJI_PREFIX}{job_id}/")
