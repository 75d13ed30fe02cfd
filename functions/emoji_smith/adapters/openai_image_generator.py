"""Images from OpenAI's Images API (official SDK 3.x). Retries belong to the ASL: every image
request is billed, so the client never retries on its own (`max_retries=0`)."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

import openai
from openai import OpenAI

from emoji_smith.domain.costs import STILL_SIZE
from emoji_smith.domain.errors import (
    AnimationUnavailable,
    ConfigurationError,
    ContentRejected,
    ImageServiceUnavailable,
    RateLimited,
    UnusableImage,
)
from emoji_smith.domain.image_models import gif_size
from emoji_smith.domain.models import ImagePrompt
from emoji_smith.observability import metric

MODERATION_CODES = frozenset({"moderation_blocked", "content_policy_violation"})
#: AI animation: frames and delay asked of a model with GIF output (emoji-sized loops).
GIF_FRAMES = 8
GIF_FRAME_MS = 80
#: A refusal naming one of these means "no GIF output here", not a bad prompt.
GIF_PARAMETERS = frozenset({"output_format", "frame_count", "frame_duration_ms", "model", "size"})
Quality = Literal["low", "medium", "high", "auto"]
#: A 1024² PNG is a few MB; anything near this is not an emoji's source.
MAX_IMAGE_BYTES = 20 * 2**20
MAX_BASE64_CHARS = -(-MAX_IMAGE_BYTES // 3) * 4


def openai_client(api_key: str, timeout_seconds: float, base_url: str | None = None) -> OpenAI:
    """`base_url` None lets the SDK read OPENAI_BASE_URL itself, then use OpenAI's."""
    return OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_seconds)


class OpenAIImageGenerator:
    name = "openai"

    def __init__(self, client: OpenAI, model: str, quality: Quality = "medium") -> None:
        self._client = client
        self._model = model
        self._quality = quality
        #: Requests refused for a preview the account lacks and asked again, since this was made.
        self.refused_previews = 0

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
        return self._ask(prompt, count, None)

    def edit(self, picture: bytes, prompt: ImagePrompt, count: int) -> list[bytes]:
        """The picture changed as the prompt says (no `input_fidelity`: the SDK's spec says to
        omit it for gpt-image-2 and states it for none of the other supported models)."""
        return self._ask(prompt, count, picture)

    def arguments(
        self, prompt: ImagePrompt, count: int, background: str | None = None
    ) -> dict[str, object]:
        """The request's parameters (the contract tests check them against the SDK's spec);
        `background` None: as the prompt asks."""
        if background is None:
            background = "transparent" if prompt.transparent else "opaque"
        # A GIF's frames share one image's pixels; a transparent background needs PNG or WebP,
        # so a GIF asks for "auto" (the animation is cut out afterwards like any image).
        if prompt.animated:
            shape: dict[str, object] = {
                "size": gif_size(self._model),
                "output_format": "gif",
                "frame_count": GIF_FRAMES,
                "frame_duration_ms": GIF_FRAME_MS,
            }
            background = "auto" if background == "transparent" else background
        else:
            shape = {"size": STILL_SIZE, "output_format": "png"}
        return {
            "model": self._model,
            "prompt": prompt.text,
            "n": count,
            "quality": self._quality,
            "background": background,
            **shape,
            **({"safety_identifier": prompt.safety_identifier} if prompt.safety_identifier else {}),
        }

    def _ask(self, prompt: ImagePrompt, count: int, picture: bytes | None) -> list[bytes]:
        try:
            return self._send(self.arguments(prompt, count), picture)
        except _PreviewRefused:
            # Transparency is a preview on some models: an account without it gets a 400 (not
            # billed). Asked again once with "auto"; ResizeImage cuts the background out.
            self.refused_previews += 1
            metric("ImageRequestsRefused", dimension=("preview", "transparency"))
            return self._send(self.arguments(prompt, count, "auto"), picture)

    def _send(self, arguments: dict[str, object], picture: bytes | None) -> list[bytes]:
        try:
            if picture is None:
                # One set of arguments for both calls; the SDK's overloads want literals.
                response = self._client.images.generate(**arguments)  # type: ignore[call-overload]
            else:
                response = self._client.images.edit(  # type: ignore[call-overload]
                    image=("picture", picture, picture_type(picture)), **arguments
                )
        except openai.BadRequestError as error:
            animated = arguments.get("output_format") == "gif"
            if animated and error.param in GIF_PARAMETERS:
                raise AnimationUnavailable(error.message) from error
            if error.param == "background" and arguments.get("background") == "transparent":
                raise _PreviewRefused(error.message) from error
            if error.code in MODERATION_CODES:
                raise ContentRejected(
                    f"The image service refused the description: {error.message}"
                ) from error
            raise ConfigurationError(
                f"The image service refused the request: {error.message}"
            ) from error
        except openai.RateLimitError as error:
            wait = error.response.headers.get("retry-after")
            after = f" (retry after {wait} s)" if wait else ""
            raise RateLimited(f"The image service is rate limiting us{after}.") from error
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise ConfigurationError(
                f"The image service rejected the API key (HTTP {error.status_code}): check "
                "OPENAI_API_KEY."
            ) from error
        except openai.APITimeoutError as error:
            raise ImageServiceUnavailable("The image service timed out.") from error
        except openai.APIConnectionError as error:
            raise ImageServiceUnavailable(f"Cannot reach the image service: {error}") from error
        except openai.InternalServerError as error:
            raise ImageServiceUnavailable(
                f"The image service failed (HTTP {error.status_code})."
            ) from error
        except openai.APIStatusError as error:
            raise ConfigurationError(
                f"The image service answered HTTP {error.status_code}: {error.message}"
            ) from error

        return _images_in(response, int(str(arguments["n"])))


class _PreviewRefused(Exception):
    """The account has no access to a preview the request used (never leaves this module)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def picture_type(picture: bytes) -> str:
    """The MIME type the edits endpoint is told (it accepts PNG, JPEG and WebP)."""
    if picture.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if picture[:4] == b"RIFF" and picture[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


def _images_in(response: object, count: int) -> list[bytes]:
    """The answer's images; anything else is UnusableImage (billed already: not retried)."""
    data = getattr(response, "data", None)
    if not isinstance(data, list):
        raise UnusableImage(
            "The image service answered with something that is not an image response."
        )
    encoded = [
        item.b64_json
        for item in data
        if isinstance(getattr(item, "b64_json", None), str) and item.b64_json
    ]
    if len(encoded) < count:
        raise UnusableImage(f"The image service returned {len(encoded)} of {count} images.")
    return [_decode(b64) for b64 in encoded[:count]]


def _decode(b64: str) -> bytes:
    # Refused before decoding: a runaway answer must not be held twice in memory.
    if len(b64) > MAX_BASE64_CHARS:
        raise UnusableImage(
            f"The image service returned an image over {MAX_IMAGE_BYTES // 2**20} MB."
        )
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise UnusableImage("The image service returned damaged image data.") from error
