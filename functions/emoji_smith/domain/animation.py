"""Animated emoji from a finished one: each effect is a pure function of the 128×128 RGBA emoji
and a frame index; `animate` renders the frames and encodes a GIF Slack accepts (128×128,
≤ 128 KB, ≤ 50 frames, looping).

GIF has 1-bit transparency: a pixel is either fully there or not. Edges that were
half-transparent are composited over a neutral mid-grey matte before the cut, so the fringe
reads as a soft grey edge on both light and dark themes instead of a hard white or black halo.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from emoji_smith.domain.errors import UnusableImage
from emoji_smith.domain.motion import BY_NAME

SIZE = 128
MAX_GIF_BYTES = 128 * 1024
MAX_FRAMES = 50
#: The colour half-transparent edges are composited over (see the module docstring).
MATTE = (128, 128, 128)
#: Alpha at or above this is kept (drawn over the matte); below it, transparent.
ALPHA_CUT = 96
PALETTE_STEPS = (255, 128, 64, 32)

Frame = Callable[[Image.Image, int, int], Image.Image]


def _phase(index: int, count: int) -> float:
    return 2 * math.pi * index / count


def _shifted(image: Image.Image, dx: int, dy: int) -> Image.Image:
    """The image on an emoji-sized transparent canvas, its top left at (dx, dy)."""
    canvas = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    canvas.paste(image, (dx, dy), image)
    return canvas


def _party(image: Image.Image, index: int, count: int) -> Image.Image:
    """The hue turned a full circle over the loop, alpha untouched."""
    alpha = image.getchannel("A")
    hue, saturation, value = image.convert("RGB").convert("HSV").split()
    turn = round(256 * index / count)
    hue = hue.point(lambda h: (h + turn) % 256)
    # Greys have no hue to turn: give them some colour so they party too.
    saturation = saturation.point(lambda s: max(s, 140))
    turned = Image.merge("HSV", (hue, saturation, value)).convert("RGBA")
    turned.putalpha(alpha)
    return turned


def _shake(image: Image.Image, index: int, count: int) -> Image.Image:
    step = (-3, 3, -2, 2, -3, 1, 3, -1)[index % 8]
    return _shifted(image, step, 0)


def _spin(image: Image.Image, index: int, count: int) -> Image.Image:
    return image.rotate(-360 * index / count, Image.Resampling.BICUBIC)


def _bounce(image: Image.Image, index: int, count: int) -> Image.Image:
    """Up and down, stretched in the air and squashed on landing."""
    height = abs(math.sin(_phase(index, count) / 2))
    tall = SIZE - 14 + round(8 * height)
    body = image.resize((SIZE, tall), Image.Resampling.BILINEAR)
    return _shifted(body, 0, SIZE - tall - round(8 * height))


def _pulse(image: Image.Image, index: int, count: int) -> Image.Image:
    scale = 0.86 + 0.14 * (0.5 + 0.5 * math.cos(_phase(index, count)))
    side = round(SIZE * scale)
    smaller = image.resize((side, side), Image.Resampling.BILINEAR)
    offset = (SIZE - side) // 2
    return _shifted(smaller, offset, offset)


def _intensifies(image: Image.Image, index: int, count: int) -> Image.Image:
    """Jitter (the same every loop) with a ghost of the previous position: motion blur's feel."""
    jitter = np.random.default_rng(index).integers(-3, 4, size=4)
    ghost = _shifted(image, int(jitter[2]), int(jitter[3]))
    ghost.putalpha(ghost.getchannel("A").point(lambda a: a // 3))
    frame = _shifted(image, int(jitter[0]), int(jitter[1]))
    ghost.alpha_composite(frame)
    return ghost


def _rainbow_outline(image: Image.Image, index: int, count: int) -> Image.Image:
    alpha = image.getchannel("A")
    ring = ImageChops.subtract(alpha.filter(ImageFilter.MaxFilter(7)), alpha)
    hue = round(256 * index / count)
    colour = Image.new("HSV", image.size, (hue, 255, 255)).convert("RGBA")
    colour.putalpha(ring)
    colour.alpha_composite(image)
    return colour


def _wave(image: Image.Image, index: int, count: int) -> Image.Image:
    pixels = np.asarray(image)
    rows = np.arange(SIZE)
    shifts = np.rint(4 * np.sin(2 * np.pi * rows / 48 + _phase(index, count))).astype(int)
    columns = (np.arange(SIZE)[None, :] - shifts[:, None]) % SIZE
    return Image.fromarray(np.ascontiguousarray(pixels[rows[:, None], columns]), "RGBA")


#: How each effect draws a frame (its name, label and timing: `domain.motion.EFFECTS`).
RENDERERS: dict[str, Frame] = {
    "party": _party,
    "shake": _shake,
    "spin": _spin,
    "bounce": _bounce,
    "pulse": _pulse,
    "intensifies": _intensifies,
    "rainbow-outline": _rainbow_outline,
    "wave": _wave,
}


def animate(png: bytes, effect_name: str) -> bytes:
    """The emoji (a 128×128 PNG) animated with the effect, as a GIF Slack accepts."""
    effect, render = BY_NAME[effect_name], RENDERERS[effect_name]
    try:
        opened = Image.open(io.BytesIO(png))
        opened.load()
    except (OSError, ValueError) as error:
        raise UnusableImage("The emoji to animate is not an image.") from error
    emoji = opened.convert("RGBA").resize((SIZE, SIZE))
    frames = [render(emoji, index, effect.frames) for index in range(effect.frames)]
    return encode_gif(frames, effect.delay_ms)


def encode_gif(frames: list[Image.Image], delay_ms: int) -> bytes:
    """A looping GIF of the RGBA frames within Slack's limits: fewer colours first, then fewer
    frames (each shown longer, so the loop keeps its speed), until it is ≤ 128 KB."""
    frames = frames[:MAX_FRAMES]
    step = 1
    while True:
        kept = frames[::step]
        for colours in PALETTE_STEPS:
            data = _gif(kept, colours, delay_ms * step)
            if len(data) <= MAX_GIF_BYTES:
                return data
        if len(kept) == 1:
            return data
        step *= 2


def _gif(frames: list[Image.Image], colours: int, delay_ms: int) -> bytes:
    palette = _palette(frames, colours)
    indexed = [_indexed(frame, palette, colours) for frame in frames]
    buffer = io.BytesIO()
    indexed[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=delay_ms,
        loop=0,
        disposal=2,
        transparency=colours,
        optimize=False,
    )
    return buffer.getvalue()


def _matted(frame: Image.Image) -> Image.Image:
    matte = Image.new("RGBA", frame.size, (*MATTE, 255))
    matte.alpha_composite(frame)
    return matte.convert("RGB")


def _palette(frames: list[Image.Image], colours: int) -> Image.Image:
    """One palette for every frame (no flicker between frames), from a sample of them."""
    sample = frames[:: max(1, len(frames) // 4)][:4]
    strip = Image.new("RGB", (SIZE * len(sample), SIZE))
    for position, frame in enumerate(sample):
        strip.paste(_matted(frame), (SIZE * position, 0))
    return strip.quantize(colors=colours, method=Image.Quantize.MEDIANCUT)


def _indexed(frame: Image.Image, palette: Image.Image, transparent_index: int) -> Image.Image:
    indexed = _matted(frame).quantize(palette=palette, dither=Image.Dither.NONE)
    clear = frame.getchannel("A").point(lambda a: 255 if a < ALPHA_CUT else 0)
    indexed.paste(transparent_index, mask=clear)
    return indexed
