"""The per-model request rules (read from the OpenAI SDK's docstrings) and the model choice."""

from __future__ import annotations

import pytest

from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.image_models import MODELS, gif_size, refusal
from emoji_smith.settings import Settings


def test_a_model_without_rules_is_refused_at_configuration() -> None:
    # GIVEN a model the SDK lists as shut down
    # WHEN it is configured
    # THEN the settings name the variable and the supported models
    with pytest.raises(ConfigurationError, match="EMOJI_SMITH_IMAGE_MODEL must be one of"):
        Settings.from_environ({"EMOJI_SMITH_IMAGE_MODEL": "gpt-image-1"})


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_supported_model_can_be_configured(model: str) -> None:
    assert Settings.from_environ({"EMOJI_SMITH_IMAGE_MODEL": model}).image_model == model


def test_gif_frames_are_512_where_any_size_is_allowed_else_a_standard_size() -> None:
    assert gif_size("gpt-image-2") == "512x512"
    assert gif_size("gpt-image-2.5-flare") == "512x512"
    assert gif_size("gpt-image-2.6-sunburst") == "1024x1024"


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        ({"model": "gpt-image-2", "input_fidelity": "high"}, "input_fidelity"),
        ({"model": "gpt-image-2", "input_fidelity": "low"}, "input_fidelity"),
        ({"model": "gpt-image-2", "n": 0}, "n"),
        ({"model": "gpt-image-2", "quality": "xhigh"}, "quality"),
        (
            {"model": "gpt-image-2", "background": "transparent", "output_format": "gif"},
            "background",
        ),
        ({"model": "gpt-image-2", "output_format": "gif", "frame_count": 1}, "frame_count"),
        ({"model": "gpt-image-2", "size": "4096x4096"}, "size"),
        ({"model": "gpt-image-2", "size": "1536x432"}, "size"),  # wider than 3:1
        ({"model": "gpt-image-2.6-flare", "size": "1536x864"}, "size"),
    ],
)
def test_the_rules_refuse_what_the_sdk_says_is_refused(
    request_: dict[str, object], param: str
) -> None:
    rule = refusal(request_)
    assert rule is not None
    assert rule[0] == param


@pytest.mark.parametrize(
    "request_",
    [
        {"model": "gpt-image-2.5-sunburst", "quality": "max", "n": 10},
        {"model": "gpt-image-2", "background": "transparent", "output_format": "webp"},
        {"model": "gpt-image-2", "output_format": "gif", "frame_count": 16, "size": "512x512"},
        {"model": "gpt-image-2", "size": "1536x864"},
        {"model": "gpt-image-2.6-flare", "size": "1024x1536"},
    ],
)
def test_the_rules_allow_what_the_sdk_allows(request_: dict[str, object]) -> None:
    assert refusal(request_) is None
