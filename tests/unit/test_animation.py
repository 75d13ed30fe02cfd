"""Every effect makes a GIF Slack accepts, with the subject in every frame."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from emoji_smith.adapters.badge_image_generator import render_badge
from emoji_smith.domain.animation import (
    MAX_FRAMES,
    MAX_GIF_BYTES,
    RENDERERS,
    SIZE,
    animate,
    encode_gif,
)
from emoji_smith.domain.emoji_image import make_emoji
from emoji_smith.domain.errors import UnusableImage
from emoji_smith.domain.motion import EFFECTS, Effect

EMOJI = make_emoji(render_badge("SHIP IT", transparent=True), transparent=True).data


def frames_of(gif: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(gif))
    return [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]


@pytest.mark.parametrize("effect", EFFECTS, ids=[effect.name for effect in EFFECTS])
def test_each_effect_is_a_looping_gif_slack_accepts(effect: Effect) -> None:
    # GIVEN a finished transparent emoji
    # WHEN it is animated
    gif = animate(EMOJI, effect.name)
    image = Image.open(io.BytesIO(gif))
    frames = frames_of(gif)
    # THEN a looping 128×128 GIF under Slack's limits, each frame unlike the one before,
    assert (image.format, image.size, image.info.get("loop")) == ("GIF", (SIZE, SIZE), 0)
    assert len(gif) <= MAX_GIF_BYTES
    assert 6 <= len(frames) <= MAX_FRAMES
    assert 40 <= image.info["duration"] <= 80
    for before, after in zip(frames, [*frames[1:], frames[0]], strict=True):
        assert before.tobytes() != after.tobytes()
    # with the corners see-through, and the subject visible in every frame
    for frame in frames:
        alpha = np.asarray(frame.getchannel("A"))
        assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
        assert (alpha > 0).mean() > 0.4, "most of the badge is visible"


def test_half_transparent_edges_become_a_grey_edge_not_a_white_or_black_halo() -> None:
    # GIVEN a disc whose edge fades out
    disc = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pixels = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
    y, x = np.mgrid[:SIZE, :SIZE]
    distance = np.hypot(x - 64, y - 64)
    pixels[..., 0] = 230
    pixels[..., 3] = np.clip((50 - distance) * 20, 0, 255).astype(np.uint8)
    disc = Image.fromarray(pixels, "RGBA")
    # WHEN it is encoded as a GIF
    (frame,) = frames_of(encode_gif([disc], 60))
    # THEN the kept edge pixels sit between the colour and the matte: no pure white or black
    rgb = np.asarray(frame.convert("RGB")).astype(int)
    kept = np.asarray(frame.getchannel("A")) > 0
    edge = kept & (distance > 39)  # where the disc was half-transparent
    assert edge.any()
    assert (rgb[edge].max(axis=1) < 250).all()
    assert (rgb[edge].max(axis=1) > 100).all()


@pytest.mark.slow
def test_a_noisy_fifty_frame_animation_still_fits() -> None:
    # GIVEN the worst case for GIF: 50 frames of random noise
    rng = np.random.default_rng(7)
    noise = [
        Image.fromarray(rng.integers(0, 256, (SIZE, SIZE, 4), dtype=np.uint8), "RGBA")
        for _ in range(MAX_FRAMES)
    ]
    # WHEN encoded
    gif = encode_gif(noise, 40)
    # THEN colours, then frames, were given up until it fits, and it still loops
    image = Image.open(io.BytesIO(gif))
    assert len(gif) <= MAX_GIF_BYTES
    assert 1 <= len(frames_of(gif)) <= MAX_FRAMES
    assert image.info.get("loop") == 0


def test_what_is_not_an_image_cannot_be_animated() -> None:
    with pytest.raises(UnusableImage):
        animate(b"not a png", "party")


def test_every_effect_in_the_list_has_a_renderer_and_no_other() -> None:
    assert set(RENDERERS) == {effect.name for effect in EFFECTS}
