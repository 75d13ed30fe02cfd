"""A local OpenAI: `POST /v1/images/generations`, `/v1/images/edits` and `/v1/responses`, in
the real wire format, with scripted faults. Images are real PNGs drawn with Pillow.

As strict as the SDK's spec: an image request with a parameter the SDK's request type does not
have, or one the per-model rules refuse (`domain.image_models`), gets OpenAI's 400."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from collections import deque
from collections.abc import Callable
from functools import cache
from typing import get_type_hints

from openai.types.image_edit_params import ImageEditParamsNonStreaming
from openai.types.image_generate_params import ImageGenerateParamsNonStreaming
from PIL import Image, ImageOps

from emoji_smith.domain.image_models import MODELS, refusal
from fakes.http_fake import HTTPFake, Recorded, Reply
from image_corpus import encode, small_subject_on_light_background

ENHANCED_SUBJECT = "a round smiling orange cat face with big green eyes"


def _error(status: int, message: str, kind: str, code: str | None) -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def refused(param: str, message: str, code: str = "invalid_value") -> Reply:
    """OpenAI's answer to a request it will not serve (nothing billed)."""
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return Reply(400, {"error": error})


#: The parameters each endpoint's SDK request type has (an unknown one is refused by name).
GENERATE_PARAMETERS = frozenset(get_type_hints(ImageGenerateParamsNonStreaming))
EDIT_PARAMETERS = frozenset(get_type_hints(ImageEditParamsNonStreaming))
#: Multipart fields that arrive as text but are integers in the spec.
INTEGER_FIELDS = ("n", "frame_count", "frame_duration_ms", "output_compression", "partial_images")


class FakeOpenAI(HTTPFake):
    """`images_then(...)` / `text_then(...)` queue behaviours; when empty, requests succeed.

    Behaviours: ok, moderation, rate_limit, server_error, hang, unauthorized, not_found, and
    answers that are billed but unusable (GARBAGE): broken (damaged base64), empty_data, html
    (HTTP 200 with a web page), not_image, transparent, tiny (1×1), flat (one colour), speck
    (a 4-pixel subject), bomb (a PNG that claims 20000×20000), oversized (a 30 MB answer).
    """

    def __init__(self, hang_seconds: float = 3.0) -> None:
        super().__init__()
        self.hang_seconds = hang_seconds
        #: How long a successful image takes (the real service: tens of seconds).
        self.image_seconds = 0.0
        self._images: deque[str] = deque()
        self._texts: deque[str] = deque()
        self._picture = encode(small_subject_on_light_background())
        #: Prompts of the requests answered with images: what would have been billed.
        self.billed: list[str] = []
        #: Models this account may ask GIF output of (the preview); others are refused (400).
        self.gif_models: set[str] = set()
        #: Whether this account has the transparent-background preview (gpt-image-2, 2.6).
        self.transparency_preview = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def app_environment(self) -> dict[str, str]:
        """The variables that point the app's image steps at this fake (a key it accepts;
        prompt enhancement off, so each job makes image requests only)."""
        return {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": self.base_url,
            "EMOJI_SMITH_PROMPT_MODEL": "",
        }

    def images_then(self, *behaviours: str) -> None:
        self._images.extend(behaviours)

    def text_then(self, *behaviours: str) -> None:
        self._texts.extend(behaviours)

    def reset(self) -> None:
        self.requests.clear()
        self.billed.clear()
        self._images.clear()
        self._texts.clear()
        self.gif_models.clear()
        self.transparency_preview = True

    def image_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/images/generations"]

    def edit_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/images/edits"]

    def reply(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != "Bearer sk-test":
            return Reply(
                401,
                _error(
                    401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
                ),
            )
        if request.path == "/v1/images/generations":
            behaviour = self._images.popleft() if self._images else "ok"
            return self._spec_refusal(request.json, GENERATE_PARAMETERS) or self._image_reply(
                request, behaviour
            )
        if request.path == "/v1/images/edits":
            behaviour = self._images.popleft() if self._images else "ok"
            edit_refusal = self._edit_refusal(request)
            if edit_refusal:
                return edit_refusal
            request.json = {**request.form}  # the same reply logic reads the fields
            for name in INTEGER_FIELDS:
                if name in request.json:
                    request.json[name] = int(request.json[name])
            fields = {**{name: "<file>" for name in request.parts}, **request.json}
            return self._spec_refusal(fields, EDIT_PARAMETERS) or self._image_reply(
                request, behaviour
            )
        if request.path == "/v1/responses":
            return self._text_reply(self._texts.popleft() if self._texts else "ok")
        return Reply(
            404, _error(404, f"Unknown path {request.path}", "invalid_request_error", None)
        )

    def _image_reply(self, request: Recorded, behaviour: str) -> Reply:
        failure = self._failure(behaviour) or self._gif_refusal(request.json)
        if failure:
            return failure
        count = int(request.json.get("n") or 1)
        if request.json.get("output_format") == "gif":
            self.billed.append(str(request.json.get("prompt")))
            return self._gifs(request.json, count)
        self.billed.append(str(request.json.get("prompt")))
        if behaviour in GARBAGE:
            return GARBAGE[behaviour](count)
        images = [_variant(self._picture, i) for i in range(count)]
        data = [{"b64_json": base64.b64encode(image).decode()} for image in images]
        usage = {"input_tokens": 50, "output_tokens": 4160 * count, "total_tokens": 4210}
        return Reply(
            200,
            delay_seconds=self.image_seconds,
            body={
                "created": int(time.time()),
                "data": data,
                "usage": usage,
                "background": "opaque",
                "output_format": "png",
                "size": "1024x1024",
            },
        )

    def _spec_refusal(self, body: dict[str, object], parameters: frozenset[str]) -> Reply | None:
        """What the SDK's spec refuses: a parameter its request type lacks, a value the per-model
        rules refuse, a preview this account does not have."""
        for name in body:
            if name not in parameters:
                return refused(name, f"Unknown parameter: '{name}'.", "unknown_parameter")
        rule = refusal(body)
        if rule is not None:
            return refused(*rule)
        model = MODELS[str(body["model"])]
        if (
            body.get("background") == "transparent"
            and model.transparent == "preview"
            and not self.transparency_preview
        ):
            return refused(
                "background",
                f"Transparent backgrounds are not available for model '{model.name}'.",
                "unsupported_value",
            )
        return None

    def _edit_refusal(self, request: Recorded) -> Reply | None:
        """What the edits endpoint refuses: no image part, no prompt, an image that is not a
        PNG, JPEG or WebP (or over 50 MB)."""
        images = request.parts.get("image") or request.parts.get("image[]") or []
        if not images:
            return refused("image", "image is required.")
        for _filename, content_type, data in images:
            if (
                content_type not in ("image/png", "image/jpeg", "image/webp")
                or len(data) > 50 * 2**20
            ):
                return refused("image", f"Invalid image: {content_type} is not supported.")
            try:
                Image.open(io.BytesIO(data)).verify()
            except Exception:  # any decoding failure is the same refusal
                return refused("image", "Invalid image file.")
        if not request.form.get("prompt"):
            return refused("prompt", "prompt is required.")
        return None

    def _gif_refusal(self, body: dict[str, object]) -> Reply | None:
        """GIF output without the preview for the model (nothing billed). The frame rules are
        the spec's (`_spec_refusal`); a frame duration is rounded and capped, never refused."""
        if body.get("output_format") == "gif" and body.get("model") not in self.gif_models:
            return refused(
                "output_format",
                f"GIF output is not available for model '{body.get('model')}'.",
                "unsupported_value",
            )
        return None

    def _gifs(self, body: dict[str, object], count: int) -> Reply:
        frames = int(str(body.get("frame_count") or 9))
        duration = int(str(body.get("frame_duration_ms") or 200))
        side = int(str(body.get("size") or "512x512").split("x")[0])
        gif = _gif(self._picture, frames, duration, side)
        data = [{"b64_json": base64.b64encode(gif).decode()}] * count
        return Reply(
            200,
            body={"created": int(time.time()), "data": data, "output_format": "gif"},
        )

    def _text_reply(self, behaviour: str) -> Reply:
        failure = self._failure(behaviour)
        if failure:
            return failure
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": ENHANCED_SUBJECT, "annotations": []}],
        }
        return Reply(
            200,
            {
                "id": "resp_1",
                "object": "response",
                "created_at": int(time.time()),
                "status": "completed",
                "model": "gpt-5-mini",
                "output": [message],
                "parallel_tool_calls": False,
                "tool_choice": "auto",
                "tools": [],
            },
        )

    def _failure(self, behaviour: str) -> Reply | None:
        if behaviour == "moderation":
            return Reply(
                400,
                _error(
                    400,
                    "Your request was rejected by the safety system.",
                    "image_generation_user_error",
                    "moderation_blocked",
                ),
            )
        if behaviour == "rate_limit":
            return Reply(
                429,
                _error(429, "Rate limit reached.", "requests", "rate_limit_exceeded"),
                {"retry-after": "7"},
            )
        if behaviour == "server_error":
            return Reply(500, _error(500, "The server had an error.", "server_error", None))
        if behaviour == "unauthorized":
            return Reply(
                401,
                _error(
                    401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
                ),
            )
        if behaviour == "not_found":
            return Reply(
                404,
                _error(
                    404, "The model does not exist.", "invalid_request_error", "model_not_found"
                ),
            )
        if behaviour == "hang":
            return Reply(500, {}, delay_seconds=self.hang_seconds)
        return None


@cache
def _gif(picture: bytes, frames: int, duration: int, side: int) -> bytes:
    still = Image.open(io.BytesIO(picture)).convert("RGB").resize((side, side))
    sequence = [ImageOps.expand(still, border=0).rotate(8 * i) for i in range(frames)]
    buffer = io.BytesIO()
    sequence[0].save(
        buffer, "GIF", save_all=True, append_images=sequence[1:], duration=duration, loop=0
    )
    return buffer.getvalue()


@cache
def _variant(picture: bytes, index: int) -> bytes:
    """Option `index` of the picture (drawn once: the contract tests send hundreds of requests)."""
    if index == 0:
        return picture
    mirrored = ImageOps.mirror(Image.open(io.BytesIO(picture)))
    return encode(mirrored.rotate(index * 15, fillcolor=(246, 244, 240)))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _claims_size(png: bytes, width: int, height: int) -> bytes:
    """The same PNG with its header claiming another size (and a valid header CRC)."""
    header = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]


def _images(payload: bytes) -> Callable[[int], Reply]:
    def reply(count: int) -> Reply:
        item = {"b64_json": base64.b64encode(payload).decode()}
        return Reply(200, {"created": int(time.time()), "data": [item] * count})

    return reply


def _speck() -> bytes:
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (510, 510, 512, 512))
    return _png(image)


GARBAGE: dict[str, Callable[[int], Reply]] = {
    "broken": lambda count: Reply(200, {"created": 1, "data": [{"b64_json": "***"}] * count}),
    "empty_data": lambda count: Reply(200, {"created": 1, "data": []}),
    "html": lambda count: Reply(
        200, b"<html><body>Service maintenance</body></html>", {"Content-Type": "text/html"}
    ),
    "not_image": _images(b"%PDF-1.7 this is not a picture" * 10),
    "transparent": _images(_png(Image.new("RGBA", (1024, 1024), (0, 0, 0, 0)))),
    "tiny": _images(_png(Image.new("RGB", (1, 1), (255, 255, 255)))),
    "flat": _images(_png(Image.new("RGB", (1024, 1024), (40, 120, 200)))),
    "speck": _images(_speck()),
    "bomb": _images(_claims_size(_png(Image.new("1", (8, 8))), 20_000, 20_000)),
    "oversized": lambda count: Reply(200, {"created": 1, "data": [{"b64_json": "A" * 30_000_000}]}),
}
