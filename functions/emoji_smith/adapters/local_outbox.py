"""The offline Slack: what would be posted is written into a folder instead.

One folder per job: the emoji file as it would be uploaded, and `messages.jsonl` with every
message that would have been sent, in order.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from emoji_smith.domain.choices import Candidate
from emoji_smith.domain.models import Delivery, EmojiRequest


class LocalOutbox:
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def job_folder(self, job_id: str) -> Path:
        folder = self._folder / job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def deliver_emoji(
        self, job_id: str, request: EmojiRequest, image: bytes, filename: str, image_url: str
    ) -> Delivery:
        path = self.job_folder(job_id) / filename
        path.write_bytes(image)
        self._append(
            job_id, request, {"kind": "emoji", "file": filename, "emoji_name": request.name}
        )
        return Delivery(method="outbox", emoji_name=request.name, location=str(path))

    def notify(self, job_id: str, request: EmojiRequest, text: str) -> None:
        self._append(job_id, request, {"kind": "message", "text": text})

    def announce(
        self, job_id: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        entry = {"at": time.time(), "kind": "announcement", "channel": channel, "text": text}
        with (self.job_folder(job_id) / "messages.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def offer_choices(
        self, job_id: str, request: EmojiRequest, candidates: list[Candidate]
    ) -> None:
        folder = self.job_folder(job_id)
        files = []
        for candidate in candidates:
            path = folder / f"option-{candidate.index + 1}.png"
            path.write_bytes(candidate.image)
            files.append(path.name)
        self._append(job_id, request, {"kind": "choices", "files": files})

    def _append(self, job_id: str, request: EmojiRequest, entry: dict[str, object]) -> None:
        entry = {
            "at": time.time(),
            "channel": request.channel_id,
            "user": request.user_id,
            "share_to": request.share_to,
            **entry,
        }
        with (self.job_folder(job_id) / "messages.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
