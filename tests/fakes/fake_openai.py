"""A local OpenAI: `POST /v1/images/generations` and `POST /v1/responses`, in the real wire
format, with scripted faults. Images are real PNGs drawn with Pillow."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from collections import deque
from collections.abc import Callable

from PIL import Image, ImageOps

from fakes.http_fake import HTTPFake, Recorded, Reply
from image_corpus import encode, small_subject_on_light_background

ENHANCED_SUBJECT = "a round smiling orange cat face with big green eyes"


def _error(status: int, message: str, kind: str, code: str | None) -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


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
            return self._image_reply(request, self._images.popleft() if self._images else "ok")
        if request.path == "/v1/images/edits":
            refusal = self._edit_refusal(request)
            if refusal:
                return refusal
            request.json = {**request.form}  # the same reply logic reads the fields
            for name in ("n", "frame_count", "frame_duration_ms"):
                if name in request.json:
                    request.json[name] = int(request.json[name])
            return self._image_reply(request, self._images.popleft() if self._images else "ok")
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
        images = [self._picture if i == 0 else self._variant(i) for i in range(count)]
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

    def _edit_refusal(self, request: Recorded) -> Reply | None:
        """What the edits endpoint refuses: no image part, no prompt, an image that is not a
        PNG, JPEG or WebP (or over 50 MB), an unknown input_fidelity."""

        def refused(param: str, message: str) -> Reply:
            error = _error(400, message, "invalid_request_error", "invalid_value")
            error["error"]["param"] = param  # type: ignore[index]
            return Reply(400, error)

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
        if request.form.get("input_fidelity", "low") not in ("high", "low"):
            return refused("input_fidelity", "input_fidelity must be high or low.")
        return None

    def _gif_refusal(self, body: dict[str, object]) -> Reply | None:
        """OpenAI's answers to GIF requests it cannot serve (nothing billed): no preview for
        the model, frame parameters without `output_format=gif`, or out of range."""
        animated = body.get("output_format") == "gif"
        frame_count = body.get("frame_count")
        duration = body.get("frame_duration_ms")

        def refused(param: str, message: str) -> Reply:
            error = _error(400, message, "invalid_request_error", "unsupported_value")
            error["error"]["param"] = param  # type: ignore[index]
            return Reply(400, error)

        if not animated and (frame_count is not None or duration is not None):
            return refused("frame_count", "frame_count is only supported with output_format=gif.")
        if not animated:
            return None
        if body.get("model") not in self.gif_models:
            return refused(
                "output_format", f"GIF output is not available for model '{body.get('model')}'."
            )
        if frame_count is not None and not (
            isinstance(frame_count, int) and 2 <= frame_count <= 16
        ):
            return refused("frame_count", "frame_count must be an integer from 2 to 16.")
        if duration is not None and not (
            isinstance(duration, int) and 20 <= duration <= 2000 and duration % 10 == 0
        ):
            return refused(
                "frame_duration_ms", "frame_duration_ms must be 20-2000, in steps of 10."
            )
        return None

    def _gifs(self, body: dict[str, object], count: int) -> Reply:
        frames = int(str(body.get("frame_count") or 9))
        duration = int(str(body.get("frame_duration_ms") or 200))
        side = int(str(body.get("size") or "512x512").split("x")[0])
        still = Image.open(io.BytesIO(self._picture)).convert("RGB").resize((side, side))
        sequence = [ImageOps.expand(still, border=0).rotate(8 * i) for i in range(frames)]
        buffer = io.BytesIO()
        sequence[0].save(
            buffer, "GIF", save_all=True, append_images=sequence[1:], duration=duration, loop=0
        )
        data = [{"b64_json": base64.b64encode(buffer.getvalue()).decode()}] * count
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

    def _variant(self, index: int) -> bytes:
        mirrored = ImageOps.mirror(Image.open(io.BytesIO(self._picture)))
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
