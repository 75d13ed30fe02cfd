"""Any image → a Slack emoji: square, 128×128, ≤ 128 KB, trimmed, transparent where asked.
The image is already billed, so a drawing whose strokes would vanish is thickened, not refused;
only what cannot be made visible is refused.

Speed matters (budget: 15 ms median for a 1024² PNG), so analysis runs on a box-reduced copy of
at most ~256 px and the full-resolution pixels are touched once, by the final resize.
One module (over 250 lines): one pipeline whose steps share that reduced copy and its analysis.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from PIL import (
    Image,
    ImageChops,
    ImageFilter,
    ImageOps,
    ImageSequence,
    UnidentifiedImageError,
)

from emoji_smith.domain.background import (
    FLAT_TOLERANCE,
    Box,
    bounding_box,
    flat_background,
)
from emoji_smith.domain.errors import UnusableImage
from emoji_smith.domain.pictures import MAX_PICTURE_PIXELS, MAX_PICTURE_SIDE

EMOJI_SIZE = 128
MAX_EMOJI_BYTES = 128 * 1024
MAX_GIF_FRAMES = 50
#: Space left around a trimmed subject, in output pixels, on each side.
MARGIN = 4
ANALYSIS_SIZE = 256
MAX_INPUT_PIXELS = MAX_PICTURE_PIXELS  # the pictures members start from are held to it too
#: Quality gate: below these, what the service returned is not an emoji's worth of picture.
MIN_INPUT_SIDE = 8  # a 16 px pixel-art icon is fine; a 1 px "image" is not
MIN_SUBJECT_SHARE = 0.04  # of the image's longer side
MIN_VISIBLE_SHARE = 0.02  # of the finished emoji's pixels
#: Strokes thinner than this in the emoji (output px) vanish at 22 px: they are thickened
#: before scaling down, in drawings of strokes (ink under this share of the subject's box).
MIN_STROKE = 3.0
MAX_STROKE_FILL = 0.5
#: At most this much stronger: near-invisible noise (alpha ≤ 8, see `_VISIBLE`) stays unseen.
MAX_STROKE_GAIN = 4.0
ORIENTATION_TAG = 0x0112
#: Alpha above this counts as visible when trimming (ignores near-invisible model noise).
_VISIBLE = [0] * 9 + [255] * 247


@dataclass(frozen=True, slots=True)
class EmojiFile:
    data: bytes
    format: Literal["png", "gif"]
    width: int
    height: int


def make_emoji(data: bytes, transparent: bool) -> EmojiFile:
    """The emoji for one image, or UnusableImage when there is no emoji in it: not an image,
    too large or too small, one flat colour, a subject too small to see, nothing visible."""
    image = _open(data)
    if min(image.size) < MIN_INPUT_SIDE:
        raise UnusableImage(f"The image is only {image.width}×{image.height} pixels.")
    if getattr(image, "n_frames", 1) > 1:
        return _animated_emoji(image)
    frame = _to_rgb_or_rgba(image)
    _refuse_flat(frame)
    emoji = _static_emoji(frame, transparent)
    _refuse_invisible(emoji)
    return _encode_png(emoji)


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_INPUT_PIXELS:
            raise UnusableImage(
                f"The image is too large: {image.width}×{image.height} pixels (at most "
                f"{MAX_PICTURE_SIDE}×{MAX_PICTURE_SIDE})."
            )
        image.load()
    except Image.DecompressionBombError as error:
        raise UnusableImage(f"The image is too large: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UnusableImage(
            "The image service returned something that is not a picture (PNG, JPEG, GIF or WebP)."
        ) from None
    return image


def _refuse_flat(image: Image.Image) -> None:
    """One flat colour (alpha included) is no subject at all: fully transparent, or a plain
    square. A 64×64 sample answers "not flat" for almost every image at no cost; only a flat
    looking sample pays for the exact pass over every pixel (~3 ms for 1024²)."""
    if not _flat(image.resize((64, 64), Image.Resampling.NEAREST)) or not _flat(image):
        return
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[1] < 128:  # type: ignore[operator]
        raise UnusableImage("Almost nothing in the image is visible: it would be an empty emoji.")
    raise UnusableImage("The image is one flat colour: there is nothing to make an emoji of.")


def _flat(image: Image.Image) -> bool:
    # RGB or RGBA here: one (low, high) pair per band
    extrema = cast(tuple[tuple[float, float], ...], image.getextrema())
    return all(high - low <= 2 for low, high in extrema)


def _refuse_invisible(emoji: Image.Image) -> None:
    alpha = np.asarray(emoji.getchannel("A"))
    if np.count_nonzero(alpha >= 128) < MIN_VISIBLE_SHARE * alpha.size:
        raise UnusableImage("Almost nothing in the image is visible: it would be an empty emoji.")


def _refuse_tiny_subject(box: Box, size: tuple[int, int]) -> None:
    longest = max(box[2] - box[0], box[3] - box[1])
    if longest < MIN_SUBJECT_SHARE * max(size):
        raise UnusableImage(
            f"The subject is only {longest} pixels across in a {size[0]}×{size[1]} image: "
            "too small to make out."
        )


def _to_rgb_or_rgba(image: Image.Image) -> Image.Image:
    """RGB or RGBA, converting only when needed: a 1024² conversion costs several ms."""
    if image.getexif().get(ORIENTATION_TAG, 1) != 1:
        image = ImageOps.exif_transpose(image)
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    keeps_alpha = "A" in image.mode or "transparency" in image.info
    return image.convert("RGBA" if keeps_alpha else "RGB")


def _static_emoji(image: Image.Image, transparent: bool) -> Image.Image:
    if image.mode == "RGBA":
        factor = max(1, max(image.size) // ANALYSIS_SIZE)
        alpha = image.getchannel("A")
        small_alpha = alpha.reduce(factor) if factor > 1 else alpha
        lowest, _ = small_alpha.getextrema()
        if isinstance(lowest, int | float) and lowest < 255:
            return _cut_out_emoji(image, small_alpha, factor)
    return _opaque_emoji(image, transparent)


def _cut_out_emoji(image: Image.Image, small_alpha: Image.Image, factor: int) -> Image.Image:
    """An image that already has transparency: trim to what is visible, resize premultiplied
    (so the colour of invisible pixels cannot bleed into the edges as a dark halo)."""
    found = small_alpha.point(_VISIBLE).getbbox()
    box = (
        (
            found[0] * factor,
            found[1] * factor,
            min(image.width, found[2] * factor),
            min(image.height, found[3] * factor),
        )
        if found
        else (0, 0, *image.size)
    )
    _refuse_tiny_subject(box, image.size)
    target = _fit(box, EMOJI_SIZE - 2 * MARGIN)
    premultiplied = image.crop(box).convert("RGBa")
    growth = _stroke_growth(small_alpha.histogram(), factor, box, target)
    if growth is not None:
        ink = np.asarray(premultiplied.reduce(growth[0]))
        subject = _thickened(ink, growth, target)
    else:
        subject = premultiplied.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return _centre(subject.convert("RGBA"), (0, 0, 0, 0))


def _opaque_emoji(image: Image.Image, transparent: bool) -> Image.Image:
    """An opaque image: find a flat background connected to the edges; trim it, and cut it out
    when transparency was asked. A busy, full-bleed image is kept whole."""
    factor = max(1, max(image.size) // ANALYSIS_SIZE)
    small = np.asarray((image.reduce(factor) if factor > 1 else image).convert("RGB"))
    background, background_mask = flat_background(small)
    if background is None:
        subject = image.resize(
            _fit((0, 0, *image.size), EMOJI_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
        )
        return _centre(subject.convert("RGBA"), (0, 0, 0, 0))

    box = bounding_box(~background_mask, factor, image.size)
    _refuse_tiny_subject(box, image.size)
    target = _fit(box, EMOJI_SIZE - 2 * MARGIN)
    growth = _stroke_growth(_ink_levels(small, background), factor, box, target)
    if growth is None:
        subject = image.resize(target, Image.Resampling.LANCZOS, box, 2.0).convert("RGBA")
    else:
        rgb = np.asarray(image.crop(box).convert("RGB").reduce(growth[0])).astype(np.float32)
        subject = _thickened(_ink_layer(rgb, background), growth, target).convert("RGBA")
    if not transparent:
        return _centre(subject, (*background, 255))
    cut = Image.fromarray(np.where(background_mask, 0, 255).astype(np.uint8), "L")
    small_box = (box[0] / factor, box[1] / factor, box[2] / factor, box[3] / factor)
    coarse = np.asarray(cut.resize(target, Image.Resampling.BILINEAR, small_box))
    if growth is None:
        return _centre(_cut_out(subject, coarse, background), (0, 0, 0, 0))
    # Thickened ink over the background's colour inside the subject (holes stay filled).
    inside = Image.new("RGBA", target, (*background, 0))
    inside.putalpha(Image.fromarray(np.where(coarse >= 250, 255, 0).astype(np.uint8), "L"))
    inside.alpha_composite(subject)
    return _centre(inside, (0, 0, 0, 0))


def _cut_out(
    subject: Image.Image, coarse: npt.NDArray[np.uint8], background: tuple[int, int, int]
) -> Image.Image:
    """Alpha at output resolution: opaque inside the subject (holes included), and along its
    edge graded by distance to the background colour — anti-aliased, not blocky. Edge colours
    are un-mixed from the background so no light fringe shows on a dark theme."""
    rgb = np.asarray(subject)[..., :3].astype(np.float32)
    distance = np.abs(rgb - np.asarray(background, dtype=np.float32)).max(axis=2)
    # A pixel mixed from subject colour c and the background is a·|c - bg| away from it; the
    # nearby subject's own distance (a local maximum) stands in for |c - bg|.
    nearby = np.asarray(
        Image.fromarray(distance.astype(np.uint8), "L").filter(ImageFilter.MaxFilter(5))
    ).astype(np.float32)
    floor = FLAT_TOLERANCE / 2
    graded = np.clip((distance - floor) / np.maximum(nearby - floor, 1.0), 0, 1)
    alpha = np.where(coarse >= 250, 1.0, graded)
    visible = np.maximum(alpha, 1 / 255)[..., None]
    unmixed = (rgb - (1 - alpha[..., None]) * np.asarray(background, dtype=np.float32)) / visible
    pixels = np.dstack((np.clip(unmixed, 0, 255), alpha * 255)).round().astype(np.uint8)
    return Image.fromarray(pixels, "RGBA")


def _stroke_growth(
    levels: list[int], factor: int, box: Box, target: tuple[int, int]
) -> tuple[int, int, float] | None:
    """How to thicken a drawing of thin strokes so they stay visible in the emoji: (reduction
    before thickening, max-filter size, alpha gain); None when the strokes are thick enough or
    the ink is no drawing of strokes (a filled subject, a texture).

    `levels`: a histogram of the analysis copy's ink coverage (255: all ink). A stroke `w` px
    wide, box-reduced by `factor`, covers about w/(w + factor) of each analysis pixel it
    touches, so the mean over the touched pixels tells its width."""
    touched = sum(levels[13:])
    area = (box[2] - box[0]) * (box[3] - box[1]) / factor**2
    if not touched or touched > MAX_STROKE_FILL * area:
        return None
    full = max(level for level in range(13, 256) if levels[level])
    inked = sum(level * count for level, count in enumerate(levels) if level >= 13)
    mean = min(inked / touched / full, 0.99)
    width = factor * mean / (1 - mean)  # in input pixels
    scale = max(target) / max(box[2] - box[0], box[3] - box[1])
    if width * scale >= MIN_STROKE:
        return None
    reduce = max(1, int(1 / (2 * scale)))  # thickened at about twice the emoji's size
    missing = (MIN_STROKE / scale - width) / reduce  # in reduced pixels
    size = 2 * int(np.ceil(missing / 2)) + 1
    return reduce, size, min(MAX_STROKE_GAIN, 1.5 / min(1.0, width / reduce))


def _thickened(
    ink: npt.NDArray[np.uint8], growth: tuple[int, int, float], target: tuple[int, int]
) -> Image.Image:
    """Premultiplied RGBa ink (reduced) → each stroke widened by a max filter, faint strokes
    made opaque by one gain on every band (premultiplied colour stays ≤ alpha, so the colour
    is kept), scaled to `target`."""
    _, size, gain = growth
    stronger = [min(255, round(level * gain)) if level > 8 else 0 for level in range(256)]
    grown = Image.fromarray(_max_filter(ink, size), "RGBa").point(stronger * 4)
    return grown.resize(target, Image.Resampling.LANCZOS)


def _max_filter(values: npt.NDArray[np.uint8], size: int) -> npt.NDArray[np.uint8]:
    """A square max filter, as two passes of shifted maxima (the arrays are ~260 px)."""
    grown = values.copy()
    for axis in (0, 1):
        source = grown.copy()
        for shift in range(1, size // 2 + 1):
            ahead = [slice(None)] * 3
            behind = [slice(None)] * 3
            ahead[axis], behind[axis] = slice(shift, None), slice(None, -shift)
            np.maximum(grown[tuple(ahead)], source[tuple(behind)], out=grown[tuple(ahead)])
            np.maximum(grown[tuple(behind)], source[tuple(ahead)], out=grown[tuple(behind)])
    return grown


def _ink_levels(rgb: npt.NDArray[np.uint8], background: tuple[int, int, int]) -> list[int]:
    """A histogram of how far each pixel is from the background (its largest channel
    difference): ink coverage for `_stroke_growth`, counted by Pillow (C, ~0.2 ms at 256²)."""
    image = Image.fromarray(rgb, "RGB")
    difference = ImageChops.difference(image, Image.new("RGB", image.size, background))
    red, green, blue = difference.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue).histogram()


def _ink_layer(
    rgb: npt.NDArray[np.float32], background: tuple[int, int, int]
) -> npt.NDArray[np.uint8]:
    """Ink on a flat background as premultiplied RGBa: alpha is the ink's share of the pixel,
    the colour is what the pixel has beyond the background's share."""
    distance = np.abs(rgb - np.asarray(background, np.float32)).max(axis=2)
    alpha = (distance / max(float(distance.max()), 1.0))[..., None]
    ink = rgb - (1 - alpha) * np.asarray(background, np.float32)
    layer = np.dstack((np.clip(ink, 0, alpha * 255), alpha * 255))
    return layer.round().astype(np.uint8)


def _fit(box: Box, room: int) -> tuple[int, int]:
    """The size of `box` scaled so its longer side is `room`, aspect kept."""
    width, height = box[2] - box[0], box[3] - box[1]
    scale = room / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _centre(subject: Image.Image, fill: tuple[int, int, int, int]) -> Image.Image:
    canvas = Image.new("RGBA", (EMOJI_SIZE, EMOJI_SIZE), fill)
    offset = ((EMOJI_SIZE - subject.width) // 2, (EMOJI_SIZE - subject.height) // 2)
    canvas.alpha_composite(subject, offset)
    return canvas


def _encode_png(image: Image.Image) -> EmojiFile:
    """Fast deflate. A 128×128 RGBA PNG is at most ~66 KB even when nothing compresses (64 KB
    of pixels), so a static emoji is always under Slack's 128 KB: no quantizing is ever needed.
    Only animations can be too big (see `_animated_emoji`)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return EmojiFile(buffer.getvalue(), "png", *image.size)


def _animated_emoji(image: Image.Image) -> EmojiFile:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        frames.append(ImageOps.pad(frame.convert("RGBA"), (EMOJI_SIZE, EMOJI_SIZE)))
        durations.append(int(frame.info.get("duration", 100)))
    step = -(-len(frames) // MAX_GIF_FRAMES)
    while True:
        kept = frames[::step][:MAX_GIF_FRAMES]
        shown_for = [sum(durations[i : i + step]) for i in range(0, len(durations), step)]
        buffer = io.BytesIO()
        kept[0].save(
            buffer,
            "GIF",
            save_all=True,
            append_images=kept[1:],
            duration=shown_for[: len(kept)],
            loop=0,
            disposal=2,
            optimize=True,
        )
        if buffer.tell() <= MAX_EMOJI_BYTES or len(kept) == 1:
            return EmojiFile(buffer.getvalue(), "gif", EMOJI_SIZE, EMOJI_SIZE)
        step *= 2
