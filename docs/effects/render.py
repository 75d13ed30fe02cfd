"""Renders the README's effect gallery: docs/effects/<effect>.gif for each effect, and
on-light-and-dark.png (each effect's first frames over Slack's light and dark backgrounds, to
show the matte keeps edges clean on both).

    .venv/bin/python docs/effects/render.py
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageSequence

from emoji_smith.adapters.badge_image_generator import render_badge
from emoji_smith.domain.animation import animate
from emoji_smith.domain.emoji_image import make_emoji
from emoji_smith.domain.motion import EFFECTS

HERE = Path(__file__).resolve().parent
LIGHT, DARK = (255, 255, 255), (26, 29, 33)


def main() -> None:
    emoji = make_emoji(render_badge("SHIP IT", transparent=True), transparent=True).data
    sheet = Image.new("RGB", (128 * len(EFFECTS), 256), LIGHT)
    for column, effect in enumerate(EFFECTS):
        gif = animate(emoji, effect.name)
        (HERE / f"{effect.name}.gif").write_bytes(gif)
        frames = list(ImageSequence.Iterator(Image.open(io.BytesIO(gif))))
        frame = frames[len(frames) // 3].convert("RGBA")
        for row, background in enumerate((LIGHT, DARK)):
            tile = Image.new("RGBA", (128, 128), (*background, 255))
            tile.alpha_composite(frame)
            sheet.paste(tile.convert("RGB"), (128 * column, 128 * row))
    sheet.save(HERE / "on-light-and-dark.png", optimize=True)


if __name__ == "__main__":
    main()
