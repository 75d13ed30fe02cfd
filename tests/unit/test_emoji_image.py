from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import decode, rgba
from emoji_smith.domain.emoji_image import (
    EMOJI_SIZE,
    MARGIN,
    MAX_EMOJI_BYTES,
    MAX_GIF_FRAMES,
    make_emoji,
)
from emoji_smith.domain.errors import UnusableImage
from image_corpus import (
    CORPUS,
    LIGHT,
    OTHER_SIZES,
    STRESS,
    encode,
    full_bleed_photo,
    small_subject_on_light_background,
    thin_line_drawing,
)

ALL_IMAGES = CORPUS | OTHER_SIZES | STRESS


@pytest.mark.parametrize("name", list(ALL_IMAGES))
@pytest.mark.parametrize("transparent", [True, False])
def test_every_kind_of_image_becomes_a_slack_emoji(name: str, transparent: bool) -> None:
    emoji = make_emoji(encode(ALL_IMAGES[name]()), transparent)
    image = decode(emoji.data)
    assert (emoji.format, image.format, image.size) == ("png", "PNG", (EMOJI_SIZE, EMOJI_SIZE))
    assert len(emoji.data) <= MAX_EMOJI_BYTES


def test_a_small_subject_is_trimmed_to_fill_the_frame() -> None:
    # GIVEN a 200 px subject in the middle of a 1024 px light background
    emoji = decode(make_emoji(encode(small_subject_on_light_background()), transparent=True).data)
    # THEN it fills the frame but for the margin, and the background is gone
    assert emoji.getbbox() == (MARGIN, MARGIN, EMOJI_SIZE - MARGIN, EMOJI_SIZE - MARGIN)
    assert emoji.getpixel((1, 1)) == (0, 0, 0, 0)
    assert rgba(emoji, (64, 64))[3] == 255


def test_background_removal_keeps_holes_inside_the_subject() -> None:
    # GIVEN a ring whose hole shows the background colour
    image = Image.new("RGB", (1024, 1024), LIGHT)
    ImageDraw.Draw(image).ellipse((200, 200, 824, 824), fill=LIGHT, outline=(200, 0, 0), width=80)
    emoji = decode(make_emoji(encode(image), transparent=True).data)
    # THEN the outside is transparent but the inside (not connected to the edge) stays
    assert rgba(emoji, (1, 64))[3] == 0
    assert emoji.getpixel((64, 64)) == (*LIGHT, 255)


def test_an_opaque_request_keeps_the_background_colour() -> None:
    emoji = decode(make_emoji(encode(small_subject_on_light_background()), transparent=False).data)
    assert emoji.getpixel((1, 1)) == (*LIGHT, 255)


def test_a_full_bleed_photo_is_not_trimmed_or_cut_out() -> None:
    emoji = decode(make_emoji(encode(full_bleed_photo()), transparent=True).data)
    assert emoji.getbbox() == (0, 0, EMOJI_SIZE, EMOJI_SIZE)
    assert emoji.getchannel("A").getextrema() == (255, 255)


def test_transparent_edges_have_no_dark_halo() -> None:
    # GIVEN a white disc on a transparent background whose hidden colour is black
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 100, 924, 924), fill=(255, 255, 255, 255))
    emoji = decode(make_emoji(encode(image), transparent=True).data)
    # THEN half-transparent edge pixels are still white, not grey
    pixels = np.asarray(emoji)
    edge = pixels[(pixels[..., 3] > 0) & (pixels[..., 3] < 255)]
    assert len(edge) > 0
    assert edge[:, :3].min() >= 250


@pytest.mark.parametrize(
    ("background", "expected_width"),
    [((0, 0, 0, 0), EMOJI_SIZE - 2 * MARGIN), ((0, 90, 200, 255), EMOJI_SIZE)],
    ids=["trimmed-subject", "full-bleed"],
)
def test_a_non_square_image_is_fitted_not_stretched(
    background: tuple[int, int, int, int], expected_width: int
) -> None:
    # GIVEN a 4:1 image: a bar on a transparent canvas, or a busy gradient edge to edge
    image = Image.new("RGBA", (1000, 250), background)
    ImageDraw.Draw(image).rectangle((100, 50, 899, 249), fill=(0, 90, 200, 255))
    if background[3]:
        image = horizontal_gradient((1000, 250))
    emoji = decode(make_emoji(encode(image), transparent=True).data)
    box = emoji.getbbox()
    assert box is not None
    width, height = box[2] - box[0], box[3] - box[1]
    assert width == expected_width
    assert abs(width / height - 4) < 0.2


@pytest.mark.parametrize(
    ("mode", "image_format"),
    [("P", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("RGB", "JPEG"), ("I;16", "PNG"), ("CMYK", "JPEG")],
)
def test_other_modes_and_formats_are_handled(mode: str, image_format: str) -> None:
    image = small_subject_on_light_background().convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        image = image.point(lambda v: v * 256).convert("I;16")
    emoji = decode(make_emoji(encode(image, image_format), transparent=True).data)
    assert emoji.size == (EMOJI_SIZE, EMOJI_SIZE)


def horizontal_gradient(size: tuple[int, int]) -> Image.Image:
    """A busy, full-bleed picture: no flat background to trim, no single colour."""
    ramp = np.linspace(0, 255, size[0], dtype=np.uint8)
    pixels = np.zeros((size[1], size[0], 4), dtype=np.uint8)
    pixels[..., 0], pixels[..., 2], pixels[..., 3] = ramp, 255 - ramp, 255
    return Image.fromarray(pixels, "RGBA")


def test_exif_orientation_is_applied() -> None:
    # GIVEN a JPEG stored sideways with an orientation tag saying "rotate 90°"
    image = horizontal_gradient((400, 200)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    emoji = decode(make_emoji(encode(image, "JPEG", exif=exif), transparent=False).data)
    # THEN the emoji is upright (taller than wide)
    box = emoji.getbbox()
    assert box is not None
    assert (box[3] - box[1]) > (box[2] - box[0])


def test_an_animated_gif_keeps_its_frames_within_the_limits() -> None:
    # GIVEN a 60-frame animation (more than Slack's 50)
    frames = []
    for i in range(60):
        frame = Image.new("RGB", (300, 300), (255, 255, 255))
        ImageDraw.Draw(frame).ellipse((i * 3, 100, i * 3 + 100, 200), fill=(i * 4, 0, 200))
        frames.append(frame)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    emoji = make_emoji(data, transparent=True)
    result = decode(emoji.data)
    assert emoji.format == "gif"
    assert result.size == (EMOJI_SIZE, EMOJI_SIZE)
    assert 1 < getattr(result, "n_frames", 1) <= MAX_GIF_FRAMES
    assert len(emoji.data) <= MAX_EMOJI_BYTES


@pytest.mark.parametrize("data", [b"", b"not an image", encode(full_bleed_photo())[:500]])
def test_bytes_that_are_not_an_image_are_unusable(data: bytes) -> None:
    with pytest.raises(UnusableImage):
        make_emoji(data, transparent=True)


def test_a_tiny_image_is_scaled_up() -> None:
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((4, 4, 11, 11), fill=(255, 0, 0, 255))
    emoji = decode(make_emoji(encode(image), transparent=True).data)
    assert emoji.size == (EMOJI_SIZE, EMOJI_SIZE)
    assert emoji.getpixel((64, 64)) == (255, 0, 0, 255)


def test_a_cut_out_edge_is_soft_and_has_no_light_fringe() -> None:
    # GIVEN a red disc with anti-aliased edges on a white background (as a model draws it)
    big = Image.new("RGB", (4096, 4096), (255, 255, 255))
    ImageDraw.Draw(big).ellipse((1200, 1200, 2896, 2896), fill=(200, 30, 30))
    image = big.resize((1024, 1024), Image.Resampling.LANCZOS)
    # WHEN the background is removed
    pixels = np.asarray(decode(make_emoji(encode(image), transparent=True).data))
    edge = pixels[(pixels[..., 3] > 0) & (pixels[..., 3] < 255)]
    # THEN the edge is graded (several alpha levels) and its colour is the disc's, not pink
    assert len(np.unique(edge[:, 3])) >= 5
    assert edge[:, 1].mean() < 80  # green: 30 in the disc, 255 in the white it was mixed with


def test_even_an_incompressible_emoji_is_under_slacks_limit() -> None:
    # GIVEN 128×128 pixels of random colour and alpha: nothing for deflate to find
    noise = Image.frombytes("RGBA", (128, 128), np.random.default_rng(1).bytes(128 * 128 * 4))
    emoji = make_emoji(encode(noise), transparent=False)
    assert len(emoji.data) <= MAX_EMOJI_BYTES
    assert decode(emoji.data).size == (EMOJI_SIZE, EMOJI_SIZE)


@pytest.mark.slow
def test_an_animation_too_big_for_slack_drops_frames_until_it_fits() -> None:
    # GIVEN 40 frames of noise: ~16 KB each at 128×128, far over 128 KB together
    rng = np.random.default_rng(2)
    frames = [Image.frombytes("RGB", (256, 256), rng.bytes(256 * 256 * 3)) for _ in range(40)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    emoji = make_emoji(data, transparent=True)
    result = decode(emoji.data)
    assert len(emoji.data) <= MAX_EMOJI_BYTES
    assert 1 <= getattr(result, "n_frames", 1) < 40


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (Image.new("RGBA", (1024, 1024), (0, 0, 0, 0)), "nothing in the image is visible"),
        (Image.new("RGBA", (1024, 1024), (255, 255, 255, 3)), "nothing in the image is visible"),
        (Image.new("RGB", (1, 1), (255, 255, 255)), "only 1×1 pixels"),
        (Image.new("RGB", (1024, 1024), (40, 120, 200)), "one flat colour"),
    ],
    ids=["transparent", "almost-transparent", "one-pixel", "flat"],
)
def test_pictures_with_no_emoji_in_them_are_refused(image: Image.Image, reason: str) -> None:
    with pytest.raises(UnusableImage, match=reason):
        make_emoji(encode(image), transparent=True)


def test_a_faint_subject_on_transparency_is_refused_as_invisible() -> None:
    # GIVEN a large subject that is barely visible (alpha 40)
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((200, 200, 800, 800), fill=(255, 0, 0, 40))
    with pytest.raises(UnusableImage, match="nothing in the image is visible"):
        make_emoji(encode(image), transparent=True)


def test_a_small_flat_shape_is_still_an_emoji() -> None:
    # GIVEN a plain red disc on transparency (one colour, but a real subject)
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((400, 400, 600, 600), fill=(255, 0, 0, 255))
    emoji = decode(make_emoji(encode(image), transparent=True).data)
    assert emoji.getpixel((64, 64)) == (255, 0, 0, 255)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    header = Image.new("1", (8, 8))
    buffer = io.BytesIO()
    header.save(buffer, "PNG")
    png = buffer.getvalue()
    ihdr = png[12:16] + struct.pack(">II", 20_000, 20_000) + png[24:29]
    bomb = png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
    with pytest.raises(UnusableImage, match="too large"):
        make_emoji(bomb, transparent=True)


def dark_share(emoji: Image.Image, side: int) -> float:
    """The share of pixels that show ink (opaque and dark) when Slack shows it `side` px."""
    shown = np.asarray(emoji.convert("RGBA").resize((side, side), Image.Resampling.LANCZOS))
    return float(((shown[..., 3] >= 128) & (shown[..., :3].max(axis=2) < 128)).mean())


@pytest.mark.parametrize(
    "background", [(0, 0, 0, 0), (255, 255, 255, 255)], ids=["transparent", "white"]
)
def test_a_thin_line_drawing_is_thickened_to_stay_legible_from_128_to_22_px(
    background: tuple[int, int, int, int],
) -> None:
    # GIVEN a 1024² drawing in 2–3 px lines: at 128 px they would be a fifth of a pixel wide
    drawing = thin_line_drawing(background)
    pixels = np.asarray(drawing.convert("RGBA"))
    assert 0.01 < ((pixels[..., 3] >= 128) & (pixels[..., :3].max(axis=2) < 128)).mean() < 0.03
    # WHEN it becomes an emoji (the image is billed: refusing it loses what was paid for)
    emoji = decode(make_emoji(encode(drawing), transparent=True).data)
    # THEN its lines show as ink at every size Slack shows an emoji
    for side in (128, 64, 32, 22):
        assert dark_share(emoji, side) > 0.10, side


def test_a_thin_drawing_on_white_keeps_its_inside_filled_when_cut_out() -> None:
    # GIVEN the drawing on white, asked with transparency
    emoji = decode(make_emoji(encode(thin_line_drawing((255, 255, 255, 255))), True).data)
    # THEN the outside is transparent and the face (enclosed by its outline) stays white
    assert rgba(emoji, (1, 1))[3] == 0
    assert rgba(emoji, (64, 55)) == (255, 255, 255, 255)


def test_thickening_leaves_near_invisible_noise_unseen() -> None:
    # GIVEN the thin drawing over model noise: alpha 0–8 everywhere around it
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 9, (1024, 1024), dtype=np.uint8)
    noisy = Image.fromarray(np.dstack([np.full_like(noise, 90)] * 3 + [noise]), "RGBA")
    noisy.alpha_composite(thin_line_drawing())
    # WHEN it becomes an emoji THEN the lines show and the noise is still not seen
    emoji = decode(make_emoji(encode(noisy), transparent=True).data)
    assert dark_share(emoji, 22) > 0.10
    assert rgba(emoji, (64, 55))[3] <= 8  # inside the face, between its lines
