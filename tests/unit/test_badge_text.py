"""The offline badge draws any script a member types, from the fonts it ships with."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from emoji_smith.adapters.badge_image_generator import SIZE, _graphemes, layout, render_badge
from emoji_smith.adapters.badge_text import FACES, drawable, has_glyph, runs

SCRIPTS = {
    "latin with accents": ("CAFÉ CRÈME ÇÀ ŁÓDŹ", "fontpkg_noto_sans"),
    "greek": ("ΚΑΛΗΜΈΡΑ", "fontpkg_noto_sans"),
    "cyrillic": ("ПРИВЕТ МИР", "fontpkg_noto_sans"),
    "japanese": ("出荷しよう", "noto_cjk_sans_jp_bold"),
    "chinese": ("发货", "noto_cjk_sans_jp_bold"),
    "korean": ("배포", "noto_cjk_sans_jp_bold"),
    "emoji": ("🎉🥳🫠", ""),
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_every_character_of_each_script_has_a_real_glyph(name: str) -> None:
    # GIVEN text in the script
    text, package = SCRIPTS[name]
    # WHEN it is cut into runs by font
    pieces = runs(text)
    # THEN nothing is left out, each letter's font has it (no missing-glyph box), and it is the
    # font meant for the script
    assert drawable(text) == text
    for run in pieces:
        for character in run.text.replace(" ", ""):
            assert has_glyph(run.face, character), (character, FACES[run.face].package)
    assert {FACES[run.face].package for run in pieces if run.text.strip()} == {package}


def test_a_character_no_font_has_is_left_out_not_drawn_as_a_box() -> None:
    # GIVEN a private-use character between two words
    text = "OK \U0010fffd GO"
    # WHEN it is prepared for drawing
    # THEN the words stay and the character is dropped
    assert drawable(text) == "OK  GO"


def test_joined_emoji_sequences_stay_whole() -> None:
    # GIVEN a skin-toned thumb and a ZWJ sequence (woman technologist)
    thumb, technologist = "👍🏽", "👩\u200d💻"
    # WHEN the text is cut into runs and into breakable pieces
    # THEN each sequence stays in one emoji run and is never split across lines
    assert [run.text for run in runs(thumb + technologist)] == [thumb + technologist]
    assert _graphemes(thumb + technologist) == [thumb, technologist]


def test_emoji_are_drawn_in_their_own_colours() -> None:
    # GIVEN a badge of a party popper (OpenMoji's is yellow and red; no palette is yellow)
    image = Image.open(io.BytesIO(render_badge("🎉", transparent=True))).convert("RGB")
    pixels = np.asarray(image).astype(int)
    # WHEN its yellow pixels are counted
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    yellow = (red > 220) & (green > 190) & (blue < 110)
    # THEN the emoji is there, in colour
    assert image.size == (SIZE, SIZE)
    assert yellow.sum() > 500


def test_japanese_breaks_between_characters_to_stay_large() -> None:
    # GIVEN a long Japanese phrase (no spaces to break at)
    phrase = "ありがとうございます"
    # WHEN it is laid out on the badge
    lines, size = layout(phrase)
    # THEN it is broken into lines between characters, and drawn at twice the size one line of
    # ten characters would allow (about 40 px on the 512 px badge)
    assert len(lines) > 1
    assert "".join(lines) == phrase
    assert size >= 80


def test_a_long_phrase_stays_whole_words() -> None:
    # GIVEN a phrase of Latin words
    # WHEN it is laid out
    lines, _ = layout("SHIP IT NOW")
    # THEN lines break between words only
    assert " ".join(lines) == "SHIP IT NOW"
