"""Badge text in any script a member types: each character is drawn with the first font that has
it (Noto Sans for Latin, Greek and Cyrillic; Noto Sans CJK for Japanese, Chinese and Korean;
OpenMoji for emoji, in colour), and a character no font has is left out rather than drawn as an
empty box. Noto comes from packages in the lock, OpenMoji ships in ./fonts: Lambda has both."""

from __future__ import annotations

import importlib.util
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class _Face:
    package: str  # "" = shipped in ./fonts
    file: str
    #: A variable font's named instance (the badge wants bold).
    weight: bytes | None = None
    #: Colour glyphs (COLR): drawn in their own colours, not the text colour.
    colour: bool = False


#: In order of preference. Pillow's bundled font is the last resort (ASCII only).
FACES = (
    _Face("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf", weight=b"ExtraBold"),
    _Face("noto_cjk_sans_jp_bold", "NotoSansCJKjp-Bold.otf"),
    _Face("", "OpenMoji-Color.ttf", colour=True),
)
#: Characters that only modify the one before them: they stay in its font's run, so the shaper
#: can form the sequence (👍🏽, 👩‍💻, keycaps, flags).
JOINERS = {0x200D, 0x20E3} | set(range(0xFE00, 0xFE10)) | set(range(0x1F3FB, 0x1F400))
_PROBE_SIZE = 48
_MISSING = "\uffff"  # a noncharacter: every font draws its "missing glyph" box for it


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font."""

    text: str
    face: int  # index into the fonts; len(FACES) = Pillow's bundled font

    @property
    def colour(self) -> bool:
        return self.face < len(FACES) and FACES[self.face].colour


SHIPPED_FONTS = Path(__file__).with_name("fonts")


@cache
def _path(face: int) -> Path | None:
    folder = SHIPPED_FONTS
    if FACES[face].package:
        spec = importlib.util.find_spec(FACES[face].package)  # finds, does not import
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / FACES[face].file
    return path if path.is_file() else None


@cache
def font(face: int, size: int) -> Font:
    path = _path(face) if face < len(FACES) else None
    if path is None:
        return ImageFont.load_default(size=size)
    loaded = ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    weight = FACES[face].weight
    if weight:
        loaded.set_variation_by_name(weight)
    return loaded


def _ink(face: int, text: str) -> bytes:
    colour = face < len(FACES) and FACES[face].colour
    canvas = Image.new("RGBA" if colour else "L", (2 * _PROBE_SIZE, 2 * _PROBE_SIZE))
    ImageDraw.Draw(canvas).text(
        (_PROBE_SIZE // 4, _PROBE_SIZE // 4),
        text,
        fill="white",
        font=font(face, _PROBE_SIZE),
        embedded_color=colour,
    )
    return canvas.tobytes()


@cache
def has_glyph(face: int, character: str) -> bool:
    if face >= len(FACES):
        return character.isascii()
    if _path(face) is None:
        return False
    return _ink(face, character) != _ink(face, _MISSING)


def runs(text: str) -> list[Run]:
    """The text cut into runs of one font each; characters no font has are left out."""
    text = unicodedata.normalize("NFC", text)
    pieces: list[Run] = []
    for character in text:
        if pieces and (ord(character) in JOINERS or unicodedata.combining(character)):
            last = pieces[-1]
            pieces[-1] = Run(last.text + character, last.face)
            continue
        face = _first_face(character)
        if face is None:
            continue
        if pieces and pieces[-1].face == face:
            pieces[-1] = Run(pieces[-1].text + character, face)
        else:
            pieces.append(Run(character, face))
    return pieces


def _first_face(character: str) -> int | None:
    if character.isspace():
        return 0 if _path(0) else len(FACES)
    for face in range(len(FACES) + 1):
        if has_glyph(face, character):
            return face
    return None


def drawable(text: str) -> str:
    """The text as it will be drawn (what no font has, left out)."""
    return "".join(run.text for run in runs(text)).strip()
