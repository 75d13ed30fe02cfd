"""The offline image generator: the prompt's short text as a bold rounded badge (Pillow only),
in any script (see badge_text).

It lets the whole pipeline run with no image service and no key.
"""

from __future__ import annotations

import io
import unicodedata
import zlib
from dataclasses import dataclass
from itertools import combinations, pairwise

from PIL import Image, ImageDraw

from emoji_smith.adapters.badge_text import JOINERS, Run, drawable, font, runs
from emoji_smith.domain.errors import ConfigurationError
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


#: Up to this many words (or characters of a word in a script without spaces), every way to
#: put them on one to three lines is tried; beyond it, only balanced cuts.
EXHAUSTIVE_UNITS = 8
LINE_STEP = 1.2  # baseline to baseline, in font sizes
MIN_TEXT_SIZE, REFERENCE_SIZE, MAX_TEXT_SIZE = 12, 100, 400
SCALING_MARGIN = 0.98  # hinting makes extents not quite proportional


def _units(text: str) -> list[tuple[str, str]]:
    """(unit, separator before it): words, and the characters of a word written without spaces
    (Japanese, Chinese), so a long one can still break across lines."""
    units: list[tuple[str, str]] = []
    for word in text.split():
        separator = " " if units else ""
        if len(word) > 1 and any(unicodedata.east_asian_width(c) in "WF" for c in word):
            for index, run in enumerate(_graphemes(word)):
                units.append((run, separator if index == 0 else ""))
        else:
            units.append((word, separator))
    return units


def _graphemes(word: str) -> list[str]:
    """The word cut between characters, never inside a joined sequence (👍🏽, 👩‍💻)."""
    pieces: list[str] = []
    for run in runs(word):
        for character in run.text:
            joined = ord(character) in JOINERS or unicodedata.combining(character)
            if pieces and (joined or ord(pieces[-1][-1]) == 0x200D):
                pieces[-1] += character
            else:
                pieces.append(character)
    return pieces


def _line_splits(units: list[tuple[str, str]]) -> list[list[str]]:
    """Ways to put the units, in order, on one to three lines."""
    count = len(units)
    cut_sets: list[tuple[int, ...]] = []
    for lines in range(1, min(3, count) + 1):
        if count <= EXHAUSTIVE_UNITS:
            cut_sets.extend(combinations(range(1, count), lines - 1))
        else:
            cut_sets.append(tuple(round(i * count / lines) for i in range(1, lines)))
    splits: list[list[str]] = []
    for cuts in cut_sets:
        edges = (0, *cuts, count)
        splits.append(
            [
                "".join(sep + unit if k else unit for k, (unit, sep) in enumerate(units[i:j]))
                for i, j in pairwise(edges)
            ]
        )
    return splits


def _stroke(size: int) -> int:
    return max(1, size // 24)


@dataclass(frozen=True)
class _Line:
    runs: list[Run]
    width: float
    top: float  # ink above the baseline (negative)
    bottom: float  # ink below the baseline


def _measure(text: str, size: int) -> _Line:
    line_runs, stroke = runs(text), _stroke(size)
    width, top, bottom = 0.0, 0.0, 0.0
    for run in line_runs:
        face = font(run.face, size)
        box = face.getbbox(run.text, anchor="ls")  # the stroke added by hand: 10× faster
        grow = 0 if run.colour else stroke
        top, bottom = min(top, box[1] - grow), max(bottom, box[3] + grow)
        width += face.getlength(run.text)
    return _Line(line_runs, width + 2 * stroke, top, bottom)


def _block(lines: list[str], size: int) -> tuple[list[_Line], float, float, float]:
    """The measured lines and the block's width, top and bottom (first baseline at 0)."""
    measured = [_measure(line, size) for line in lines]
    step = size * LINE_STEP
    top = min(line.top + i * step for i, line in enumerate(measured))
    bottom = max(line.bottom + i * step for i, line in enumerate(measured))
    return measured, max(line.width for line in measured), top, bottom


def _fits(lines: list[str], size: int, room: int) -> bool:
    _, width, top, bottom = _block(lines, size)
    return width <= room and bottom - top <= room


def _scaled_size(lines: list[str], room: int) -> int:
    """Text extents grow in proportion to the size: measured once, at one size whose glyphs
    are cached (a new size costs FreeType a new face)."""
    _, width, top, bottom = _block(lines, REFERENCE_SIZE)
    size = int(REFERENCE_SIZE * room / max(width, bottom - top, 1) * SCALING_MARGIN)
    return max(MIN_TEXT_SIZE, min(MAX_TEXT_SIZE, size))


def _fitted(lines: list[str], size: int, room: int) -> int:
    while size > MIN_TEXT_SIZE and not _fits(lines, size, room):
        size -= max(1, size // 40)
    return size


def _draw_text(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    size: int,
    centre: tuple[float, float],
    fill: tuple[int, ...] | str,
    *,
    shadow: bool,
) -> None:
    measured, _, top, bottom = _block(lines, size)
    stroke = _stroke(size)
    baseline = centre[1] - (top + bottom) / 2
    for line in measured:
        x = centre[0] - line.width / 2 + stroke
        for run in line.runs:
            face = font(run.face, size)
            colour = run.colour and not shadow
            draw.text(
                (x, baseline),
                run.text,
                fill,
                face,
                "ls",
                stroke_width=0 if run.colour else stroke,
                stroke_fill=fill,
                embedded_color=colour,
            )
            x += face.getlength(run.text)
        baseline += size * LINE_STEP


def layout(text: str) -> tuple[list[str], int]:
    """The text's lines and font size: the split into one to three lines that draws largest."""
    units = _units(drawable(text)) or [("?", "")]
    room = SIZE - 2 * PADDING
    lines, size = max(
        ((split, _scaled_size(split, room)) for split in _line_splits(units)),
        key=lambda option: option[1],
    )
    return lines, _fitted(lines, size, room)


def render_badge(text: str, transparent: bool, variant: int = 0) -> bytes:
    lines, size = layout(text)
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
    shadow_at = (SIZE / 2 + SHADOW_OFFSET / 2, SIZE / 2 + SHADOW_OFFSET)
    _draw_text(draw, lines, size, shadow_at, (0, 0, 0, 70), shadow=True)
    _draw_text(draw, lines, size, (SIZE / 2, SIZE / 2), "white", shadow=False)
    buffer = io.BytesIO()
    badge.save(buffer, "PNG")
    return buffer.getvalue()


class BadgeImageGenerator:
    name = "badge"

    def edit(self, picture: bytes, prompt: ImagePrompt, count: int) -> list[bytes]:
        raise ConfigurationError(
            "The badge draws text, not pictures: choose As is or an image style."
        )

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
        # Variants differ by palette so several options are still a real choice.
        return [render_badge(prompt.badge_text, prompt.transparent, i) for i in range(count)]
