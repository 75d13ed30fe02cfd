"""Animated emoji through the real workflow: an effect (AnimateEmoji), and the image model's own
animation where the account has it (the fake OpenAI answers both ways)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from test_openai_pipeline import pick
from test_pipeline import entered_states

from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def animating_aws(fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = fake_openai.app_environment() | {"EMOJI_SMITH_OUTBOX_DIR": str(outbox)}
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def run(aws: LocalAWS, **request: object) -> tuple[str, dict[str, object]]:
    job_id = f"anim-{uuid.uuid4().hex[:12]}"
    return job_id, aws.wait(aws.start(request, job_id))


def delivered(outbox: Path, job_id: str, name: str) -> Image.Image:
    files = sorted((outbox / job_id).glob(f"{name}.*"))
    assert len(files) == 1, files
    return Image.open(io.BytesIO(files[0].read_bytes()))


def told(outbox: Path, job_id: str) -> str:
    lines = (outbox / job_id / "messages.jsonl").read_text().splitlines()
    return str(json.loads(lines[-1])["text"])


def test_an_offline_badge_with_an_effect_is_delivered_as_a_gif(
    animating_aws: LocalAWS, outbox: Path
) -> None:
    # WHEN a badge is asked for with the wave effect
    job_id, execution = run(animating_aws, description="ship it", animation="wave")
    # THEN AnimateEmoji ran after ResizeImage, and a looping 128×128 GIF was delivered
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    states = entered_states(animating_aws, job_id)
    assert states[states.index("ResizeImage") :][:3] == [
        "ResizeImage",
        "ShouldAnimate",
        "AnimateEmoji",
    ]
    gif = delivered(outbox, job_id, "ship_it")
    assert (gif.format, gif.size, gif.info.get("loop")) == ("GIF", (128, 128), 0)
    assert gif.n_frames > 1  # type: ignore[attr-defined]


def test_refused_ai_animation_falls_back_to_a_still_and_says_so(
    animating_aws: LocalAWS, openai_service: FakeOpenAI, outbox: Path
) -> None:
    # GIVEN an account without GIF output (the service refuses output_format=gif)
    # WHEN AI animation is asked for
    job_id, execution = run(
        animating_aws, description="a happy cat", style="cartoon", animation="ai"
    )
    # THEN the job still succeeds with a still, billed once, and the member is told why
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    first, second = openai_service.image_requests()
    assert (first.json["output_format"], second.json["output_format"]) == ("gif", "png")
    assert len(openai_service.billed) == 1
    assert delivered(outbox, job_id, "happy_cat").format == "PNG"
    assert "AI animation is not available here" in told(outbox, job_id)
    assert "AnimateEmoji" not in entered_states(animating_aws, job_id)
    assert animating_aws.job(job_id).image_size == "1024x1024"  # the still is what was billed


def test_ai_animation_where_the_model_offers_it_is_delivered_as_the_models_gif(
    animating_aws: LocalAWS, openai_service: FakeOpenAI, outbox: Path
) -> None:
    # GIVEN an account with GIF output for the image model
    openai_service.gif_models.add("gpt-image-2")
    # WHEN AI animation is asked for
    job_id, execution = run(
        animating_aws, description="a happy cat", style="cartoon", animation="ai"
    )
    # THEN one GIF request (8 frames of 80 ms, 512²), and its animation delivered as the emoji
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    (request,) = openai_service.image_requests()
    assert (request.json["frame_count"], request.json["frame_duration_ms"]) == (8, 80)
    assert request.json["size"] == "512x512"
    gif = delivered(outbox, job_id, "happy_cat")
    assert (gif.format, gif.size) == ("GIF", (128, 128))
    assert gif.n_frames > 1  # type: ignore[attr-defined]
    assert "AnimateEmoji" not in entered_states(animating_aws, job_id)
    assert animating_aws.job(job_id).image_size == "512x512"


def test_with_several_options_each_candidate_is_animated_the_same_way(
    animating_aws: LocalAWS, outbox: Path
) -> None:
    # WHEN two candidates are asked for with the spin effect, and the member picks the second
    job_id = f"anim-{uuid.uuid4().hex[:12]}"
    arn = animating_aws.start({"description": "ship it", "animation": "spin", "options": 2}, job_id)
    assert pick(animating_aws, job_id, 1) == "Option 2 it is: adding it now."
    execution = animating_aws.wait(arn)
    # THEN both candidates were GIFs, and the second is delivered
    output = json.loads(str(execution["output"]))
    assert [key.rsplit(".", 1)[-1] for key in output["emoji"]["keys"]] == ["gif", "gif"]
    assert output["delivery"]["method"] == "outbox"
    assert delivered(outbox, job_id, "ship_it").format == "GIF"
