"""Finding a picture's subject: the flat background connected to its edges (with the
anti-aliased fringe), and the box of what is left. Numpy on a box-reduced copy (≤ 256 px)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops

BoolArray = npt.NDArray[np.bool_]
Box = tuple[int, int, int, int]
#: How far (max channel difference) a pixel may be from the background colour and still be it.
BACKGROUND_TOLERANCE = 28
#: A background is flat when this share of the border is within FLAT_TOLERANCE of its median.
FLAT_BORDER_SHARE = 0.6
FLAT_TOLERANCE = 12


def flat_background(rgb: npt.NDArray[np.uint8]) -> tuple[tuple[int, int, int] | None, BoolArray]:
    """The background colour and the pixels of it connected to the edges, or (None, none)."""
    border = np.concatenate((rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]))
    r, g, b = (int(c) for c in np.median(border, axis=0))
    # Per-pixel max channel distance to the background colour, computed by Pillow in C.
    image = Image.fromarray(rgb, "RGB")
    red, green, blue = ImageChops.difference(image, Image.new("RGB", image.size, (r, g, b))).split()
    near = np.asarray(ImageChops.lighter(ImageChops.lighter(red, green), blue))
    flat = near <= FLAT_TOLERANCE
    border_flat = np.concatenate((flat[0], flat[-1], flat[:, 0], flat[:, -1]))
    if border_flat.mean() < FLAT_BORDER_SHARE:
        return None, np.zeros(near.shape, dtype=bool)
    background = edge_connected(near <= BACKGROUND_TOLERANCE)
    if background.all():
        return None, np.zeros(near.shape, dtype=bool)  # one colour edge to edge: no subject
    # Take the anti-aliased fringe too (pixels half-way to the background colour next to it), so
    # no light halo is left around the subject.
    fringe = near <= 2 * BACKGROUND_TOLERANCE
    grown = background.copy()
    grown[1:] |= background[:-1]
    grown[:-1] |= background[1:]
    grown[:, 1:] |= background[:, :-1]
    grown[:, :-1] |= background[:, 1:]
    background |= grown & fringe
    return (r, g, b), background


def edge_connected(mask: BoolArray) -> BoolArray:
    """The pixels of `mask` 4-connected to the image edge (a flood fill from every edge).

    Floods whole runs at a time, alternating rows and columns, so it needs as many passes as the
    background has turns, not as many as it has pixels.
    """
    reached = np.zeros_like(mask)
    reached[[0, -1], :] = mask[[0, -1], :]
    reached[:, [0, -1]] = mask[:, [0, -1]]
    count = -1
    while (new_count := int(reached.sum())) != count:
        count = new_count
        reached = flood_runs(mask, reached)
        reached = flood_runs(mask.T, reached.T).T
    return reached


def flood_runs(mask: BoolArray, seeds: BoolArray) -> BoolArray:
    """Every horizontal run of `mask` that holds a seed, whole."""
    starts = mask.copy()
    starts[:, 1:] &= ~mask[:, :-1]
    run_ids = np.cumsum(starts.ravel()).reshape(mask.shape) * mask
    seeded = np.zeros(int(run_ids.max()) + 1, dtype=bool)
    seeded[run_ids[seeds & mask]] = True
    seeded[0] = False
    result: BoolArray = seeded[run_ids]
    return result


def bounding_box(subject: BoolArray, factor: int, size: tuple[int, int]) -> Box:
    """The subject's box in full-resolution pixels (the whole image when nothing stands out)."""
    rows = np.flatnonzero(subject.any(axis=1))
    cols = np.flatnonzero(subject.any(axis=0))
    if rows.size == 0:
        return (0, 0, *size)
    return (
        int(cols[0]) * factor,
        int(rows[0]) * factor,
        min(size[0], (int(cols[-1]) + 1) * factor),
        min(size[1], (int(rows[-1]) + 1) * factor),
    )
