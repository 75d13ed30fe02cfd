"""Where a starting picture may be downloaded from, and what is accepted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.pictures import allowed_download, check_picture, still_png

SLACK = "https://slack.com/api/"
FAKE = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    ("url", "kind", "api", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/a.png", "file", SLACK, True),
        ("https://emoji.slack-edge.com/T1/parrot/abc.png", "emoji", SLACK, True),
        ("http://files.slack.com/files-pri/T1-F1/a.png", "file", SLACK, False),  # not https
        ("https://emoji.slack-edge.com/T1/parrot.png", "file", SLACK, False),  # wrong kind
        ("https://files.slack.com.evil.example/a.png", "file", SLACK, False),
        ("https://evil.example/a.png", "emoji", SLACK, False),
        ("http://127.0.0.1:8123/files-pri/T1-F1/a.png", "file", FAKE, True),  # a local run
        ("http://127.0.0.1:9999/files-pri/T1-F1/a.png", "file", FAKE, False),  # another port
        ("http://127.0.0.1:8123/x.png", "file", SLACK, False),  # not configured: refused
    ],
)
def test_pictures_come_only_from_slacks_hosts(url: str, kind: str, api: str, allowed: bool) -> None:
    assert allowed_download(url, kind, api) is allowed


def picture(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_accepted_formats_are_accepted(image_format: str) -> None:
    assert check_picture(picture(image_format)) == image_format


def test_other_formats_and_bombs_are_refused_saying_what_is_accepted() -> None:
    with pytest.raises(InvalidRequest, match="BMP; I accept PNG, JPEG, GIF or WebP"):
        check_picture(picture("BMP"))
    # a PNG header claiming 40000×40000 pixels (Pillow's decompression-bomb limit is ~179 M)
    bomb = bytearray(picture("PNG"))
    bomb[16:24] = (40000).to_bytes(4, "big") * 2
    with pytest.raises(InvalidRequest, match="I accept"):
        check_picture(bytes(bomb))


def test_a_gif_is_sent_for_editing_as_its_first_frame() -> None:
    still = still_png(picture("GIF"))
    assert Image.open(io.BytesIO(still)).format == "PNG"
    assert still_png(picture("JPEG")).startswith(b"\xff\xd8")
