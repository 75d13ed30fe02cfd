"""Pictures an emoji starts from: where they may come from and what is accepted.

A picture is downloaded only from Slack's own hosts — files from `files.slack.com`, custom emoji
from `emoji.slack-edge.com` — or, for local runs, the host of the configured Slack API (the
fake). Never from any other URL found in a payload. At most 20 MB and 4096×4096 pixels (what
the emoji step opens); PNG, JPEG, GIF or WebP. A message's other pictures are not offered, and
the member is told why (`message_pictures`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from emoji_smith.domain.errors import InvalidRequest

MAX_PICTURE_BYTES = 20 * 2**20
MAX_PICTURE_SIDE = 4096
MAX_PICTURE_PIXELS = MAX_PICTURE_SIDE * MAX_PICTURE_SIDE
ACCEPTED_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
ACCEPTED = "PNG, JPEG, GIF or WebP, up to 20 MB"
PIXEL_LIMIT = (
    f"I accept pictures up to {MAX_PICTURE_SIDE}×{MAX_PICTURE_SIDE} pixels "
    f"({MAX_PICTURE_PIXELS / 1e6:.1f} megapixels)"
)
#: Slack's mimetypes of the pictures accepted (a message's files are offered by these).
PICTURE_TYPES = frozenset(ACCEPTED_FORMATS.values())
#: Pictures people share that are not accepted, and what to do about them.
_NOT_ACCEPTED = {
    "image/svg+xml": "is an SVG drawing, not a picture I can read",
    "image/heic": "is a HEIC photo, which I cannot read: share it as JPEG or PNG",
    "image/heif": "is a HEIF photo, which I cannot read: share it as JPEG or PNG",
}
MAX_OFFERED = 5
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
#: Where the picture lives while its job runs (same lifecycle as the originals).
INPUTS_PREFIX = "inputs/"
SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
SLACK_EMOJI_HOSTS = frozenset({"emoji.slack-edge.com"})
CANNOT_OPEN = (
    "I can't open that file: add the app to the channel, or share the file with it, then try again."
)


def input_key(job_id: str) -> str:
    return f"{INPUTS_PREFIX}{job_id}"


def allowed_download(url: str, kind: str, api_base_url: str) -> bool:
    """Only https from Slack's hosts for that kind; a local run's fake Slack host too."""
    parts = urlsplit(url)
    local = urlsplit(api_base_url)
    if local.hostname not in (None, "slack.com") and parts.netloc == local.netloc:
        return parts.scheme == local.scheme
    hosts = SLACK_FILE_HOSTS if kind == "file" else SLACK_EMOJI_HOSTS
    return parts.scheme == "https" and parts.hostname in hosts


def still_png(data: bytes) -> bytes:
    """A GIF's first frame as PNG (the edits endpoint takes PNG, JPEG and WebP); others as
    they are."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.format != "GIF":
            return data
        buffer = io.BytesIO()
        image.convert("RGBA").save(buffer, "PNG")
        return buffer.getvalue()


def check_picture(data: bytes) -> str:
    """The picture's format, or InvalidRequest saying what is accepted. Pillow's decompression
    bomb limit stays on: a small file claiming a huge picture is refused too."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_PICTURE_BYTES:
        raise InvalidRequest(f"That picture is {len(data) / 2**20:.0f} MB; I accept {ACCEPTED}.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = str(image.format), image.size
            if width * height > MAX_PICTURE_PIXELS:  # before reading any pixel
                raise InvalidRequest(f"That picture is {width}×{height} pixels; {PIXEL_LIMIT}.")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidRequest(f"That is not a picture I can read; I accept {ACCEPTED}.") from error
    except Image.DecompressionBombError as error:
        # Pillow refuses it before we see its size; its message gives the pixel count.
        found = _BOMB_PIXELS.search(str(error))
        size = f"{int(found[1]) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise InvalidRequest(f"That picture has {size}; {PIXEL_LIMIT}.") from error
    if kind not in ACCEPTED_FORMATS:
        raise InvalidRequest(f"That picture is {kind}; I accept {ACCEPTED}.")
    return kind


@dataclass(frozen=True)
class MessagePictures:
    """A message's files as the modal offers them: the usable pictures (references, never a
    URL) and, for each picture left out, why, in words for the member."""

    usable: list[dict[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def message_pictures(files: object) -> MessagePictures:
    """From a message's `files` (Slack file objects): pictures in an accepted format, size and
    pixel count are usable; other pictures are left out with the reason. Files that are no
    picture (a PDF) are neither."""
    found = MessagePictures()
    for file in files if isinstance(files, list) else []:
        if not (isinstance(file, dict) and file.get("id")):
            continue
        label = str(file.get("name") or file["id"])[:60]
        reason = why_unusable(file)
        if reason:
            found.reasons.append(f"{label} {reason}.")
        elif str(file.get("mimetype")) not in PICTURE_TYPES:
            continue
        elif len(found.usable) == MAX_OFFERED:
            found.reasons.append(f"{label} is not offered: I offer the first {MAX_OFFERED}.")
        else:
            found.usable.append({"kind": "file", "id": str(file["id"]), "label": label})
    return found


def why_unusable(file: dict[str, Any]) -> str | None:
    """Why a Slack file (as `files.info` or a message gives it) is a picture that cannot be
    used, after its name (None: usable, or no picture at all)."""
    mimetype = str(file.get("mimetype") or "")
    if mimetype in _NOT_ACCEPTED:
        return f"{_NOT_ACCEPTED[mimetype]} (I accept {ACCEPTED})"
    if not mimetype.startswith("image/"):
        return None
    if mimetype not in PICTURE_TYPES:
        kind = str(file.get("filetype") or mimetype.removeprefix("image/")).upper()
        return f"is {kind}; I accept {ACCEPTED}"
    size = _number(file.get("size"))
    if size > MAX_PICTURE_BYTES:
        return f"is {size / 2**20:.0f} MB; I accept {ACCEPTED}"
    width, height = _number(file.get("original_w")), _number(file.get("original_h"))
    if width * height > MAX_PICTURE_PIXELS:
        return f"is {width}×{height} pixels; {PIXEL_LIMIT}"
    return None


def _number(value: object) -> int:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0
