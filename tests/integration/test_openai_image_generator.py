"""The real OpenAI SDK against a local server speaking the Images and Responses APIs."""

from __future__ import annotations

import json

import pytest

from conftest import decode
from emoji_smith.adapters.openai_image_generator import OpenAIImageGenerator, openai_client
from emoji_smith.adapters.openai_prompt_enhancer import OpenAIPromptEnhancer
from emoji_smith.domain.errors import (
    ConfigurationError,
    ContentRejected,
    EmojiSmithError,
    ImageServiceUnavailable,
    RateLimited,
    UnusableImage,
)
from emoji_smith.domain.models import ImagePrompt
from fakes.fake_openai import ENHANCED_SUBJECT, FakeOpenAI
from image_corpus import encode, small_subject_on_light_background

PROMPT = ImagePrompt(
    text="A Slack custom emoji of a cat.", style="cartoon", transparent=True, badge_text="CAT"
)
PICTURE = encode(small_subject_on_light_background())


def generator(fake: FakeOpenAI, key: str = "sk-test", timeout: float = 0.5) -> OpenAIImageGenerator:
    return OpenAIImageGenerator(openai_client(key, timeout, fake.base_url), "gpt-image-2", "medium")


def test_images_are_requested_as_asked_and_decoded(openai_service: FakeOpenAI) -> None:
    # WHEN three transparent options are asked for
    images = generator(openai_service).generate(PROMPT, 3)
    # THEN one request carried the model, n, square size, PNG and transparency
    (request,) = openai_service.image_requests()
    assert request.json == {
        "model": "gpt-image-2",
        "prompt": PROMPT.text,
        "n": 3,
        "size": "1024x1024",
        "quality": "medium",
        "output_format": "png",
        "background": "transparent",
    }
    # AND three real images came back
    assert [decode(image).size for image in images] == [(1024, 1024)] * 3


def test_an_opaque_request_asks_for_an_opaque_background(openai_service: FakeOpenAI) -> None:
    generator(openai_service).generate(PROMPT.model_copy(update={"transparent": False}), 1)
    assert openai_service.image_requests()[0].json["background"] == "opaque"


@pytest.mark.parametrize(
    ("behaviour", "error", "message"),
    [
        ("moderation", ContentRejected, "refused the description"),
        ("rate_limit", RateLimited, "retry after 7 s"),
        ("server_error", ImageServiceUnavailable, "HTTP 500"),
        ("hang", ImageServiceUnavailable, "timed out"),
        ("not_found", ConfigurationError, "HTTP 404"),
        ("broken", UnusableImage, "damaged image data"),
        ("empty_data", UnusableImage, "returned 0 of 1 images"),
        ("html", UnusableImage, "not an image response"),
        ("oversized", UnusableImage, "an image over 20 MB"),
    ],
)
def test_service_failures_become_domain_errors_without_sdk_retries(
    openai_service: FakeOpenAI, behaviour: str, error: type[EmojiSmithError], message: str
) -> None:
    openai_service.images_then(behaviour)
    with pytest.raises(error, match=message):
        generator(openai_service).generate(PROMPT, 1)
    # exactly one request: the ASL owns retries, because every image request is billed
    assert len(openai_service.image_requests()) == 1


def test_a_wrong_key_is_a_configuration_error(openai_service: FakeOpenAI) -> None:
    with pytest.raises(ConfigurationError, match="check OPENAI_API_KEY"):
        generator(openai_service, key="sk-wrong").generate(PROMPT, 1)


def test_an_unreachable_service_is_unavailable() -> None:
    dead = OpenAIImageGenerator(openai_client("sk-test", 0.5, "http://127.0.0.1:9/v1"), "m")
    with pytest.raises(ImageServiceUnavailable, match="Cannot reach"):
        dead.generate(PROMPT, 1)


def test_the_prompt_enhancer_returns_the_models_text(openai_service: FakeOpenAI) -> None:
    enhancer = OpenAIPromptEnhancer(
        openai_client("sk-test", 2, openai_service.base_url), "gpt-5-mini"
    )
    assert enhancer.enhance("a happy cat", "we shipped!") == ENHANCED_SUBJECT
    (request,) = openai_service.requests
    assert request.path == "/v1/responses"
    assert request.json["model"] == "gpt-5-mini"
    assert "a happy cat" in request.json["input"]
    assert "we shipped!" in request.json["input"]


def test_a_refused_transparency_preview_is_asked_again_once_with_auto(
    openai_service: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an account without the transparent-background preview of gpt-image-2
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    openai_service.transparency_preview = False
    image_generator = generator(openai_service)
    # WHEN two transparent options are asked for
    images = image_generator.generate(PROMPT, 2)
    # THEN the refusal (not billed) was followed by one request with background auto
    first, second = openai_service.image_requests()
    assert (first.json["background"], second.json["background"]) == ("transparent", "auto")
    assert {**first.json, "background": "auto"} == second.json
    assert len(images) == 2
    assert len(openai_service.billed) == 1
    assert image_generator.refused_previews == 1
    # AND the extra request is counted as a metric, next to ImagesBilled
    (line,) = [json.loads(out) for out in capsys.readouterr().out.splitlines()]
    assert (line["ImageRequestsRefused"], line["preview"]) == (1, "transparency")


def test_a_model_that_supports_transparency_is_asked_once(openai_service: FakeOpenAI) -> None:
    # GIVEN the same account, and a model whose transparency is no preview
    openai_service.transparency_preview = False
    client = openai_client("sk-test", 0.5, openai_service.base_url)
    # WHEN a transparent option is asked of it
    OpenAIImageGenerator(client, "gpt-image-2.5-flare", "low").generate(PROMPT, 1)
    # THEN one request asked for the transparent background
    (request,) = openai_service.image_requests()
    assert request.json["background"] == "transparent"


def test_an_edit_omits_input_fidelity_as_the_sdks_spec_says(openai_service: FakeOpenAI) -> None:
    # WHEN a picture is edited with gpt-image-2
    generator(openai_service).edit(PICTURE, PROMPT, 1)
    # THEN input_fidelity was not sent ("For `gpt-image-2`, omit this parameter")
    (request,) = openai_service.edit_requests()
    assert "input_fidelity" not in request.form
    assert request.form["model"] == "gpt-image-2"
