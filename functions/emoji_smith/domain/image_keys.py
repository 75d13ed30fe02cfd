"""Where a job's images live in the bucket. Keys are derived, so any step can find them."""

from __future__ import annotations

from typing import Literal


def original_key(job_id: str, option: int) -> str:
    return f"jobs/{job_id}/original-{option}"


def emoji_key(job_id: str, option: int, extension: Literal["png", "gif"]) -> str:
    return f"jobs/{job_id}/emoji-{option}.{extension}"
