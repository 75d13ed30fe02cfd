"""Where a starting picture may be downloaded from, and what is accepted."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.pictures import (
    allowed_download,
    check_picture,
    message_pictures,
    still_png,
)

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


def claiming(side: int) -> bytes:
    """A PNG whose (valid) header claims side×side pixels: no pixel of it needs to exist."""
    png = bytearray(picture("PNG"))
    png[16:24] = side.to_bytes(4, "big") * 2
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    return bytes(png)


@pytest.mark.parametrize(
    ("side", "told"),
    [
        (16000, "That picture has 256 megapixels"),  # past Pillow's decompression-bomb limit
        (5000, "That picture is 5000×5000 pixels"),  # under it, over ours
    ],
)
def test_a_huge_picture_is_refused_for_its_pixels_not_its_bytes(side: int, told: str) -> None:
    # GIVEN a small file claiming more pixels than the emoji step opens
    with pytest.raises(InvalidRequest) as refused:
        check_picture(claiming(side))
    # THEN the refusal names the pixels and the pixel limit, not "up to 20 MB"
    assert str(refused.value) == (
        f"{told}; I accept pictures up to 4096×4096 pixels (16.8 megapixels)."
    )


def test_a_messages_unusable_pictures_are_left_out_saying_why() -> None:
    # GIVEN a message with an SVG, a HEIC photo, a 16000² PNG, a photo and a PDF
    found = message_pictures(
        [
            {"id": "F1", "name": "logo.svg", "mimetype": "image/svg+xml", "filetype": "svg"},
            {"id": "F2", "name": "IMG_1.HEIC", "mimetype": "image/heic", "filetype": "heic"},
            {
                "id": "F3",
                "name": "map.png",
                "mimetype": "image/png",
                "original_w": 16000,
                "original_h": 16000,
            },
            {"id": "F4", "name": "dog.jpg", "mimetype": "image/jpeg", "size": 120_000},
            {"id": "F5", "name": "spec.pdf", "mimetype": "application/pdf"},
        ]
    )
    # THEN only the photo is offered, by reference
    assert found.usable == [{"kind": "file", "id": "F4", "label": "dog.jpg"}]
    # AND each left-out picture says why (a PDF is no picture: nothing to explain)
    assert found.reasons == [
        "logo.svg is an SVG drawing, not a picture I can read "
        "(I accept PNG, JPEG, GIF or WebP, up to 20 MB).",
        "IMG_1.HEIC is a HEIC photo, which I cannot read: share it as JPEG or PNG "
        "(I accept PNG, JPEG, GIF or WebP, up to 20 MB).",
        "map.png is 16000×16000 pixels; I accept pictures up to 4096×4096 pixels "
        "(16.8 megapixels).",
    ]


def test_a_picture_over_20_mb_and_one_past_the_first_five_are_left_out_saying_why() -> None:
    photos = [{"id": f"F{i}", "name": f"{i}.png", "mimetype": "image/png"} for i in range(6)]
    big = {"id": "FB", "name": "big.jpg", "mimetype": "image/jpeg", "size": 25 * 2**20}
    found = message_pictures([big, *photos])
    assert [source["id"] for source in found.usable] == ["F0", "F1", "F2", "F3", "F4"]
    assert found.reasons == [
        "big.jpg is 25 MB; I accept PNG, JPEG, GIF or WebP, up to 20 MB.",
        "5.png is not offered: I offer the first 5.",
    ]
