"""What each supported image model accepts, as data: the rules OpenAI's SDK states in the
docstrings of its request types (generated from OpenAI's API spec), which are the contract.

Read from `openai` 3.57.0, files `openai/types/image_generate_params.py`,
`image_edit_params.py` and `image_model.py`. `DOCSTRINGS_READ` holds a hash of each parameter's
text as read: a test compares them with the installed SDK, so an upgrade that changes a rule fails
a test (re-read the text, update the rules and the hash) instead of a request in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SDK_VERSION = "3.57.0"
GENERATE_FILE = "openai/types/image_generate_params.py"
EDIT_FILE = "openai/types/image_edit_params.py"

#: sha256 (first 16 hex digits) of each parameter docstring the rules below were read from.
DOCSTRINGS_READ: dict[tuple[str, str], str] = {
    (GENERATE_FILE, "background"): "fee8bab7b8b6eab2",
    (GENERATE_FILE, "frame_count"): "2fe49792ae7b316e",
    (GENERATE_FILE, "frame_duration_ms"): "6b3b8c125c725de9",
    (GENERATE_FILE, "model"): "6429849e799b874f",
    (GENERATE_FILE, "n"): "97050a59cc1703a9",
    (GENERATE_FILE, "output_format"): "dcbec00b43885c38",
    (GENERATE_FILE, "quality"): "56b7bb45a698f763",
    (GENERATE_FILE, "size"): "e8eb53040035df18",
    (EDIT_FILE, "image"): "b628754798cae960",
    (EDIT_FILE, "background"): "fee8bab7b8b6eab2",
    (EDIT_FILE, "frame_count"): "2fe49792ae7b316e",
    (EDIT_FILE, "frame_duration_ms"): "6b3b8c125c725de9",
    (EDIT_FILE, "input_fidelity"): "38c23a51353a8735",
    (EDIT_FILE, "model"): "c33e588d875ba3a3",
    (EDIT_FILE, "n"): "97050a59cc1703a9",
    (EDIT_FILE, "output_format"): "299dbfdd07174dde",
    (EDIT_FILE, "quality"): "cfc189cf5e47ecfe",
    (EDIT_FILE, "size"): "0061acadad37753d",
}

#: "preview": allowed by the spec, but an account without the preview is refused (HTTP 400).
Support = Literal["yes", "preview"]

#: "`n` … Must be between 1 and 10."
IMAGES_PER_REQUEST = range(1, 11)
#: "frame_count … Accepts integers from 2 through 16. … Only supported with output_format=gif."
FRAME_COUNTS = range(2, 17)
#: "When using `transparent`, set the output format to `png` or `webp`."
TRANSPARENT_FORMATS = frozenset({"png", "webp"})
#: "The standard sizes `1024x1024`, `1536x1024`, and `1024x1536` are supported by the GPT image
#: models; `auto` is supported for models that allow automatic sizing."
STANDARD_SIZES = frozenset({"1024x1024", "1536x1024", "1024x1536"})
#: Arbitrary sizes: "divisible by 16 … aspect ratio … between 1:3 and 3:1 … the maximum
#: supported resolution is `3840x2160`".
MAX_PIXELS = 3840 * 2160
MAX_EDGE = 3840


@dataclass(frozen=True)
class ImageModelRules:
    name: str
    qualities: frozenset[str]
    #: `background="transparent"`.
    transparent: Support
    #: Values `input_fidelity` may take; empty: "omit this parameter".
    input_fidelity: frozenset[str]
    #: `WIDTHxHEIGHT` sizes beyond the standard ones.
    any_size: bool
    #: GIF output: "Requires access to the GIF preview for the selected model" (every model).
    gif: Support = "preview"


_GPT = frozenset({"low", "medium", "high"})
#: "`gpt-image-2.5-sunburst` and `gpt-image-2.5-flare` … also support `xhigh` and `max`."
_GPT_2_5 = _GPT | {"xhigh", "max"}

#: The line-up the SDK lists as current (gpt-image-1 is shut down; 1.5, 1-mini and
#: chatgpt-image-latest are not offered). Where the docstrings name no rule for a model (the
#: 2.6 models: no transparency, fidelity or size statement), the narrower reading is kept:
#: transparency as a preview, no `input_fidelity`, standard sizes only.
MODELS: dict[str, ImageModelRules] = {
    # "For `gpt-image-2` … this support is in preview"; "For `gpt-image-2`, omit this parameter."
    "gpt-image-2": ImageModelRules("gpt-image-2", _GPT, "preview", frozenset(), any_size=True),
    # "support `opaque` and `transparent` backgrounds"; input_fidelity is stated for none of them.
    "gpt-image-2.5-flare": ImageModelRules(
        "gpt-image-2.5-flare", _GPT_2_5, "yes", frozenset(), any_size=True
    ),
    "gpt-image-2.5-sunburst": ImageModelRules(
        "gpt-image-2.5-sunburst", _GPT_2_5, "yes", frozenset(), any_size=True
    ),
    "gpt-image-2.6-flare": ImageModelRules(
        "gpt-image-2.6-flare", _GPT, "preview", frozenset(), any_size=False
    ),
    "gpt-image-2.6-sunburst": ImageModelRules(
        "gpt-image-2.6-sunburst", _GPT, "preview", frozenset(), any_size=False
    ),
}
DEFAULT_MODEL = "gpt-image-2"


def gif_size(model: str) -> str:
    """512² frames where the model takes any size (8 of them fit one image's pixels; a 128 px
    emoji needs no more), else the smallest standard size."""
    rules = MODELS.get(model)
    return "512x512" if rules is not None and rules.any_size else "1024x1024"


def refusal(request: Mapping[str, object]) -> tuple[str, str] | None:
    """The parameter and reason the rules refuse a generate or edit request for, else None
    (preview features are allowed here: whether an account has them is not a rule)."""
    model = str(request.get("model"))
    rules = MODELS.get(model)
    if rules is None:
        return "model", f"The model '{model}' is not one of the supported image models."
    n = request.get("n", 1)
    if not isinstance(n, int) or n not in IMAGES_PER_REQUEST:
        return "n", f"n must be between 1 and 10, not {n!r}."
    quality = request.get("quality", "auto")
    if quality != "auto" and quality not in rules.qualities:
        return "quality", f"quality '{quality}' is not supported by {model}."
    if "input_fidelity" in request and request["input_fidelity"] not in rules.input_fidelity:
        return "input_fidelity", f"input_fidelity is not supported by {model}: omit it."
    output_format = request.get("output_format", "png")
    if request.get("background") == "transparent" and output_format not in TRANSPARENT_FORMATS:
        return "background", "A transparent background needs output_format png or webp."
    frames = request.get("frame_count")
    if output_format != "gif" and (frames is not None or "frame_duration_ms" in request):
        return "frame_count", "frame_count is only supported with output_format=gif."
    if frames is not None and (not isinstance(frames, int) or frames not in FRAME_COUNTS):
        return "frame_count", "frame_count must be an integer from 2 to 16."
    size = str(request.get("size", "auto"))
    if not _size_ok(size, rules):
        return "size", f"size '{size}' is not supported by {model}."
    return None


def _size_ok(size: str, rules: ImageModelRules) -> bool:
    if size == "auto" or size in STANDARD_SIZES:
        return True
    width, _, height = size.partition("x")
    if not (rules.any_size and width.isdigit() and height.isdigit()):
        return False
    w, h = int(width), int(height)
    return (
        w % 16 == 0
        and h % 16 == 0
        and w <= 3 * h
        and h <= 3 * w
        and w * h <= MAX_PIXELS
        and max(w, h) <= MAX_EDGE
    )
