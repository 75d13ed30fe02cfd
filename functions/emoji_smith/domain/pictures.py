"""Pictures an emoji starts from: where they may come from and what is accepted.

A picture is downloaded only from Slack's own hosts — files from `files.slack.com`, custom emoji
from `emoji.slack-edge.com` — or, for local runs, the host of the configured Slack API (the
fake). Never from any other URL found in a payload. At most 20 MB; PNG, JPEG, GIF or WebP.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from emoji_smith.domain.errors import InvalidRequest

MAX_PICTURE_BYTES = 20 * 2**20
ACCEPTED_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
ACCEPTED = "PNG, JPEG, GIF or WebP, up to 20 MB"
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
            kind = str(image.format)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidRequest(f"That is not a picture I can read; I accept {ACCEPTED}.") from error
    except Image.DecompressionBombError as error:
        raise InvalidRequest(f"That picture is too large; I accept {ACCEPTED}.") from error
    if kind not in ACCEPTED_FORMATS:
        raise InvalidRequest(f"That picture is {kind}; I accept {ACCEPTED}.")
    return kind
