"""Every request the OpenAI adapter can send, judged by the installed SDK's own spec: its request
types (keys, required keys, Literal values) and the per-model rules its docstrings state
(`domain.image_models`, with the hash of each docstring they were read from)."""

from __future__ import annotations

import ast
import functools
import hashlib
import itertools
import types
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

import openai
import pytest
from openai.types.image_edit_params import ImageEditParamsNonStreaming
from openai.types.image_generate_params import ImageGenerateParamsNonStreaming
from openai.types.image_model import ImageModel

from emoji_smith.adapters.openai_image_generator import OpenAIImageGenerator, openai_client
from emoji_smith.domain.image_models import (
    DOCSTRINGS_READ,
    EDIT_FILE,
    GENERATE_FILE,
    MODELS,
    SDK_VERSION,
    refusal,
)
from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.prompts import build_prompt
from emoji_smith.domain.styles import PRESETS
from fakes.fake_openai import INTEGER_FIELDS, FakeOpenAI
from image_corpus import encode, small_subject_on_light_background

SDK_TYPES = Path(openai.__file__).parent.parent
IMAGE_STYLES = [key for key, preset in PRESETS.items() if preset.needs_image_service]
QUALITIES = ("low", "medium", "high", "auto")
OPTIONS = (1, 2, 3, 4)
PICTURE = encode(small_subject_on_light_background())


def prompts() -> list[EmojiRequest]:
    """A request per image style × transparency × still or AI animation."""
    return [
        EmojiRequest(
            description="a happy cat", style=style, transparent=transparent, animation=animation
        )
        for style, transparent, animation in itertools.product(
            IMAGE_STYLES, (True, False), ("", "ai")
        )
    ]


def allows(annotation: Any, value: object) -> bool:
    """Whether a request type's annotation admits `value` (Literal values exactly)."""
    origin = get_origin(annotation)
    if origin in (Required, NotRequired):
        return allows(get_args(annotation)[0], value)
    if origin in (Union, types.UnionType):
        return any(allows(arg, value) for arg in get_args(annotation))
    if origin is Literal:
        return value in get_args(annotation)
    if annotation is type(None):
        return value is None
    if annotation in (str, int):
        return type(value) is annotation
    return True  # file types: the fake checks the image part itself


@functools.cache
def type_hints(params: type) -> dict[str, Any]:
    """A request type's annotations, resolved once (each resolution takes ~0.5 ms)."""
    return get_type_hints(params, include_extras=True)


def spec_problems(params: type, request: dict[str, object]) -> list[str]:
    hints = type_hints(params)
    required: frozenset[str] = getattr(params, "__required_keys__", frozenset())
    problems = [f"missing {name}" for name in sorted(required - request.keys())]
    problems += [f"unknown {name}" for name in request if name not in hints]
    problems += [
        f"{name}={value!r}"
        for name, value in request.items()
        if name in hints and not allows(hints[name], value)
    ]
    rule = refusal(request)
    return problems + ([f"rule: {rule}"] if rule else [])


def test_the_rules_were_read_from_the_installed_sdks_text() -> None:
    # GIVEN each parameter docstring the per-model rules were read from
    read = {}
    for file, class_name in (
        (GENERATE_FILE, "ImageGenerateParamsBase"),
        (EDIT_FILE, "ImageEditParamsBase"),
    ):
        (body,) = [
            node.body
            for node in ast.parse((SDK_TYPES / file).read_text()).body
            if isinstance(node, ast.ClassDef) and node.name == class_name
        ]
        for field, doc in itertools.pairwise(body):
            if not (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)):
                continue
            if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                text = str(doc.value.value).encode()
                read[(file, field.target.id)] = hashlib.sha256(text).hexdigest()[:16]
    # THEN the installed SDK says the same, word for word (else re-read it and update the rules)
    changed = {key for key, digest in DOCSTRINGS_READ.items() if read.get(key) != digest}
    assert not changed, f"the SDK's text changed since {SDK_VERSION}: {sorted(changed)}"


def test_every_supported_model_is_one_the_sdk_lists() -> None:
    assert set(MODELS) <= set(get_args(ImageModel))


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_request_the_adapter_can_build_meets_the_sdks_spec(model: str) -> None:
    # GIVEN every style, transparency, still or AI animation, quality and number of options
    client = openai_client("sk-test", 1)
    problems = []
    for request, quality, count in itertools.product(prompts(), QUALITIES, OPTIONS):
        generator = OpenAIImageGenerator(client, model, quality)  # type: ignore[arg-type]
        prompt = build_prompt(request.model_copy(update={"options": count}))
        arguments = generator.arguments(prompt, count)
        # WHEN it is a generation, an edit of a picture, or the retry without transparency
        for params, sent in (
            (ImageGenerateParamsNonStreaming, arguments),
            (
                ImageEditParamsNonStreaming,
                {**arguments, "image": ("picture", PICTURE, "image/png")},
            ),
            (ImageGenerateParamsNonStreaming, generator.arguments(prompt, count, "auto")),
        ):
            problems += [f"{sent}: {problem}" for problem in spec_problems(params, sent)]
    # THEN the SDK's request type and the model's rules allow every one of them
    assert problems == []


@pytest.mark.parametrize("model", sorted(MODELS))
def test_what_the_real_client_sends_meets_the_sdks_spec(
    openai_service: FakeOpenAI, model: str
) -> None:
    # GIVEN an account with every preview, and the real SDK client pointed at the fake
    openai_service.gif_models.add(model)
    client = openai_client("sk-test", 5, openai_service.base_url)
    # WHEN each style's still and AI animation is generated and edited, through every quality
    cases = zip(prompts(), itertools.cycle(QUALITIES), itertools.cycle(OPTIONS), strict=False)
    for request, quality, count in cases:
        generator = OpenAIImageGenerator(client, model, quality)  # type: ignore[arg-type]
        prompt = build_prompt(request)
        assert len(generator.generate(prompt, count)) == count
        assert len(generator.edit(PICTURE, prompt, count)) == count
    # THEN every request on the wire had only parameters the SDK's types allow, within the rules
    problems = []
    for sent in openai_service.requests:
        if sent.path == "/v1/images/edits":
            fields: dict[str, object] = dict(sent.form)
            for name in INTEGER_FIELDS:
                if name in fields:
                    fields[name] = int(str(fields[name]))
            fields["image"] = sent.parts["image"][0]
            problems += spec_problems(ImageEditParamsNonStreaming, fields)
        else:
            problems += spec_problems(ImageGenerateParamsNonStreaming, sent.json)
    assert len(openai_service.requests) == 2 * len(prompts())
    assert problems == []


def test_the_fake_refuses_the_old_edit_request_as_openai_would(
    openai_service: FakeOpenAI,
) -> None:
    # GIVEN the edit every "Start from a picture" job used to send: input_fidelity with gpt-image-2
    client = openai_client("sk-test", 5, openai_service.base_url)
    # WHEN the real SDK sends it
    with pytest.raises(openai.BadRequestError) as refused:
        client.images.edit(
            model="gpt-image-2",
            image=("picture", PICTURE, "image/png"),
            prompt="Turn this picture into a Slack custom emoji",
            input_fidelity="high",
            n=1,
            size="1024x1024",
            output_format="png",
        )
    # THEN OpenAI's 400 shape names the parameter, and nothing was billed
    assert refused.value.status_code == 400
    error = typing.cast(dict[str, Any], refused.value.body)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "input_fidelity"
    assert openai_service.billed == []


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        ({"model": "gpt-image-2", "prompt": "p", "colour": "red"}, "colour"),
        ({"model": "gpt-image-2", "prompt": "p", "n": 11}, "n"),
        ({"model": "gpt-image-2", "prompt": "p", "quality": "max"}, "quality"),
        (
            {
                "model": "gpt-image-2",
                "prompt": "p",
                "background": "transparent",
                "output_format": "jpeg",
            },
            "background",
        ),
        (
            {"model": "gpt-image-2", "prompt": "p", "output_format": "gif", "frame_count": 17},
            "frame_count",
        ),
        ({"model": "gpt-image-2", "prompt": "p", "frame_count": 4}, "frame_count"),
        ({"model": "gpt-image-2.6-flare", "prompt": "p", "size": "512x512"}, "size"),
        ({"model": "gpt-image-2", "prompt": "p", "size": "1000x1000"}, "size"),
        ({"model": "gpt-image-1", "prompt": "p"}, "model"),
    ],
)
def test_the_fake_refuses_what_the_rules_refuse(
    openai_service: FakeOpenAI, request_: dict[str, object], param: str
) -> None:
    openai_service.gif_models.add("gpt-image-2")
    client = openai_client("sk-test", 5, openai_service.base_url)
    with pytest.raises(openai.BadRequestError) as refused:
        client.post("/images/generations", body=request_, cast_to=object)
    assert refused.value.param == param
    assert openai_service.billed == []
