"""The offline image generator: the prompt's short text as a bold rounded badge (Pillow only).

It lets the whole pipeline run with no image service and no key.
"""

from __future__ import annotations

import io
import zlib
from functools import cache
from itertools import combinations, pairwise

from PIL import Image, ImageDraw, ImageFont

from emoji_smith.domain.models import ImagePrompt

SIZE = 512
CORNER_RADIUS = 112
PADDING = 56
SHADOW_OFFSET = 8
#: Pairs of (top, bottom) gradient colours, all dark enough for white text.
PALETTES: tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...] = (
    ((255, 94, 98), (214, 40, 80)),
    ((255, 159, 67), (230, 92, 0)),
    ((46, 204, 113), (22, 140, 76)),
    ((52, 152, 219), (31, 90, 170)),
    ((155, 89, 182), (100, 46, 140)),
    ((26, 188, 156), (14, 120, 110)),
    ((241, 90, 170), (170, 40, 120)),
    ((72, 84, 96), (30, 39, 46)),
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled scalable font: present wherever Pillow is, Lambda included.
    return ImageFont.load_default(size=size)


def _line_splits(words: list[str]) -> list[list[str]]:
    """Every way to put the words, in order, on one to three lines."""
    splits: list[list[str]] = []
    for lines in range(1, min(3, len(words)) + 1):
        for cuts in combinations(range(1, len(words)), lines - 1):
            edges = (0, *cuts, len(words))
            splits.append([" ".join(words[i:j]) for i, j in pairwise(edges)])
    return splits


def _stroke(size: int) -> int:
    return max(1, size // 18)


def _fits(lines: list[str], size: int, room: int) -> bool:
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    box = draw.multiline_textbbox(
        (0, 0),
        "\n".join(lines),
        font=_font(size),
        stroke_width=_stroke(size),
        align="center",
        spacing=size // 8,
    )
    return box[2] - box[0] <= room and box[3] - box[1] <= room


def _largest_size(lines: list[str], room: int) -> int:
    low, high = 12, 400
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(lines, middle, room):
            low = middle
        else:
            high = middle - 1
    return low


def render_badge(text: str, transparent: bool, variant: int = 0) -> bytes:
    words = text.split() or ["?"]
    room = SIZE - 2 * PADDING
    lines, size = max(
        ((split, _largest_size(split, room)) for split in _line_splits(words)),
        key=lambda option: option[1],
    )
    top, bottom = PALETTES[(zlib.crc32(text.encode()) + variant) % len(PALETTES)]

    gradient = Image.linear_gradient("L").resize((SIZE, SIZE))
    face = Image.composite(
        Image.new("RGB", (SIZE, SIZE), bottom), Image.new("RGB", (SIZE, SIZE), top), gradient
    )
    shape = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(shape).rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), CORNER_RADIUS, fill=255)
    badge = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0) if transparent else (255, 255, 255, 255))
    badge.paste(face, (0, 0), shape)

    draw = ImageDraw.Draw(badge)
    text, font, spacing, stroke = "\n".join(lines), _font(size), size // 8, _stroke(size)
    shadow = (0, 0, 0, 70)
    shadow_at = (SIZE / 2 + SHADOW_OFFSET / 2, SIZE / 2 + SHADOW_OFFSET)
    draw.multiline_text(
        shadow_at,
        text,
        shadow,
        font,
        "mm",
        spacing,
        "center",
        stroke_width=stroke,
        stroke_fill=shadow,
    )
    # A white stroke in the text colour makes the bundled regular font read as bold.
    draw.multiline_text(
        (SIZE / 2, SIZE / 2),
        text,
        "white",
        font,
        "mm",
        spacing,
        "center",
        stroke_width=stroke,
        stroke_fill="white",
    )
    buffer = io.BytesIO()
    badge.save(buffer, "PNG")
    return buffer.getvalue()


class BadgeImageGenerator:
    name = "badge"

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
        # Variants differ by palette so several options are still a real choice.
        return [render_badge(prompt.badge_text, prompt.transparent, i) for i in range(count)]
