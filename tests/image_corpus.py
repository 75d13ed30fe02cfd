"""Real images of the kinds an image model returns, drawn with Pillow (shared by tests and the
benchmark): transparent and opaque, small subjects, full-bleed, off-centre, line art, noise."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw

SIZE = 1024
LIGHT = (246, 244, 240)


def encode(image: Image.Image, image_format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _face(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    w = x1 - x0
    draw.ellipse(box, fill=(255, 200, 40), outline=(40, 30, 20), width=max(2, w // 40))
    eye = w // 10
    for cx in (x0 + w * 0.33, x0 + w * 0.67):
        draw.ellipse((cx - eye, y0 + w * 0.3, cx + eye, y0 + w * 0.3 + 2 * eye), fill="white")
        draw.ellipse((cx - eye / 2, y0 + w * 0.35, cx + eye / 2, y0 + w * 0.35 + eye), fill="black")
    draw.arc(
        (x0 + w * 0.25, y0 + w * 0.4, x1 - w * 0.25, y1 - w * 0.2),
        20,
        160,
        fill=(40, 30, 20),
        width=max(2, w // 30),
    )


def transparent_subject() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    _face(ImageDraw.Draw(image), (160, 160, 864, 864))
    return image


def small_subject_on_light_background() -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), LIGHT)
    _face(ImageDraw.Draw(image), (420, 420, 620, 620))
    return image


def off_centre_subject() -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    _face(ImageDraw.Draw(image), (40, 600, 380, 940))
    return image


def full_bleed_photo() -> Image.Image:
    """Photo-like: soft shapes across the frame plus sensor grain (~1.5 MB as PNG, like a
    generated photo)."""
    rng = random.Random(7)
    coarse = Image.frombytes("RGB", (32, 32), rng.randbytes(32 * 32 * 3))
    image = coarse.resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (SIZE, SIZE), rng.randbytes(SIZE * SIZE)).point(
        lambda v: 120 + v // 16
    )
    return Image.merge("RGB", [ImageChops.add(band, grain, offset=-128) for band in image.split()])


def white_noise() -> Image.Image:
    """The worst case for PNG: random pixels everywhere (≈ 3 MB); not a realistic output."""
    rng = random.Random(7)
    return Image.frombytes("RGB", (SIZE, SIZE), rng.randbytes(SIZE * SIZE * 3))


def line_art() -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 200, 824, 824), outline="black", width=24)
    draw.line((300, 512, 724, 512), fill="black", width=24)
    draw.line((512, 300, 512, 724), fill="black", width=24)
    return image


def thin_line_drawing(background: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Image.Image:
    """A cat's face drawn in 2–3 px lines (about 2 % of the pixels are ink), as a model returns
    when asked for line art: at 128 px its lines would be a fifth of a pixel wide."""
    image = Image.new("RGBA", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    ink = (30, 30, 30, 255)
    draw.ellipse((192, 262, 832, 902), outline=ink, width=3)
    draw.line((232, 420, 262, 122, 432, 282), fill=ink, width=3, joint="curve")
    draw.line((592, 282, 762, 122, 792, 420), fill=ink, width=3, joint="curve")
    for cx in (392, 632):
        draw.ellipse((cx - 40, 480, cx + 40, 560), outline=ink, width=2)
    draw.polygon([(492, 640), (532, 640), (512, 664)], outline=ink, width=2)
    draw.arc((432, 640, 512, 720), 0, 180, fill=ink, width=2)
    draw.arc((512, 640, 592, 720), 0, 180, fill=ink, width=2)
    for dy in (-30, 0, 30):
        draw.line((172, 660 + dy, 432, 680 + dy // 2), fill=ink, width=2)
        draw.line((592, 680 + dy // 2, 852, 660 + dy), fill=ink, width=2)
    return image


def noisy_subject_on_flat_background() -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), LIGHT)
    rng = random.Random(3)
    texture = Image.frombytes("RGB", (600, 600), rng.randbytes(600 * 600 * 3))
    mask = Image.new("L", (600, 600), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 599, 599), fill=255)
    image.paste(texture, (212, 212), mask)
    return image


def non_square() -> Image.Image:
    image = Image.new("RGB", (1536, 1024), LIGHT)
    _face(ImageDraw.Draw(image), (300, 200, 900, 800))
    draw = ImageDraw.Draw(image)
    draw.rectangle((950, 300, 1300, 700), fill=(60, 120, 220), outline="black", width=12)
    return image


CORPUS: dict[str, Callable[[], Image.Image]] = {
    "transparent_subject": transparent_subject,
    "small_subject_on_light_background": small_subject_on_light_background,
    "off_centre_subject": off_centre_subject,
    "full_bleed_photo": full_bleed_photo,
    "line_art": line_art,
    "noisy_subject_on_flat_background": noisy_subject_on_flat_background,
    "thin_line_drawing": thin_line_drawing,
}
#: Not 1024² (the budget's size), but what models also return (1536×1024): tested, timed apart.
OTHER_SIZES: dict[str, Callable[[], Image.Image]] = {"non_square": non_square}

#: Not realistic outputs, but inputs the pipeline must still survive.
STRESS: dict[str, Callable[[], Image.Image]] = {"white_noise": white_noise}
