"""Style presets: what a member picks in the modal, and how each becomes a prompt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StylePreset:
    key: str
    label: str
    #: How the subject is drawn; joined with the shared emoji guidance by `prompts`.
    look: str
    #: False for the offline styles (the badge, a picture as is), which need no image service.
    needs_image_service: bool = True
    #: Made from a picture (the message's, an emoji, a file), not from words.
    needs_picture: bool = False


OFFLINE_STYLE = "badge"
AS_IS_STYLE = "as-is"

PRESETS: dict[str, StylePreset] = {
    preset.key: preset
    for preset in (
        StylePreset(
            "badge", "Badge (text, works offline)", "a bold text badge", needs_image_service=False
        ),
        StylePreset(
            AS_IS_STYLE,
            "As is (the picture, cut out; offline)",
            "the picture itself",
            needs_image_service=False,
            needs_picture=True,
        ),
        StylePreset(
            "cartoon",
            "Cartoon",
            "a cute cartoon illustration with thick dark outlines and "
            "flat cel shading, friendly expression",
        ),
        StylePreset(
            "flat",
            "Flat",
            "a flat vector icon, solid colours, no gradients, simple geometric "
            "shapes, like a modern emoji set",
        ),
        StylePreset(
            "pixel-art",
            "Pixel art",
            "32x32 pixel art, crisp square pixels, limited palette, no anti-aliasing",
        ),
        StylePreset(
            "3d", "3D", "a glossy 3D render, soft studio lighting, rounded clay-like shapes"
        ),
        StylePreset(
            "sticker",
            "Sticker",
            "a die-cut sticker with a thick white border and a subtle drop shadow",
        ),
        StylePreset(
            "line-art",
            "Line art",
            "bold black line art, uniform stroke width, no fill, minimal detail",
        ),
    )
}


def image_service_needed(style: str) -> str:
    return (
        f"The {style} style needs an image service: set OPENAI_API_KEY. "
        f"The {OFFLINE_STYLE} style works offline."
    )


def style_not_offered(style: str) -> str:
    label = PRESETS[style].label.split(" (")[0] if style in PRESETS else style
    return f"This workspace does not offer the {label} style any more: pick another one."
