"""The whole workflow on the embedded AWS with the image service: the local fake OpenAI."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import decode, ended_as, rgba
from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow
from emoji_smith.application.choosing import handle_click
from emoji_smith.domain.choices import CHOOSE_ACTION, Click
from emoji_smith.domain.image_keys import original_key
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import ENHANCED_SUBJECT, FakeOpenAI


@pytest.fixture(scope="module")
def ai_aws(fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "EMOJI_SMITH_IMAGE_TIMEOUT_SECONDS": "0.5",
        "EMOJI_SMITH_OUTBOX_DIR": str(outbox),
    }
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def run(aws: LocalAWS, **request: object) -> tuple[str, dict[str, object]]:
    job_id = f"ai-{uuid.uuid4().hex[:12]}"
    return job_id, aws.wait(aws.start(request, job_id))


def pick(aws: LocalAWS, job_id: str, index: int, user: str = "local-user") -> str:
    """Wait until the job awaits a choice, then click option `index` as `user`."""
    deadline = time.monotonic() + 30
    while aws.job(job_id).choice_state != "waiting":
        assert time.monotonic() < deadline, "the job never offered its options"
        time.sleep(0.01)
    workflow = StepFunctionsWorkflow(aws.state_machine_arn)
    return handle_click(Click(CHOOSE_ACTION, job_id, index), user, aws.jobs(), workflow)


def test_a_cartoon_emoji_comes_from_the_image_service(
    ai_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # WHEN a cartoon emoji is asked for
    _, execution = run(ai_aws, description="a happy cat", style="cartoon")
    # THEN it succeeds, the prompt was enhanced by the text model and sent with the guidance
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    (request,) = openai_service.image_requests()
    assert request.json["prompt"].startswith(f"A Slack custom emoji of {ENHANCED_SUBJECT}.")
    assert "readable at 22 pixels" in request.json["prompt"]
    # AND the model's opaque image became a transparent, trimmed 128×128 emoji
    output = json.loads(str(execution["output"]))
    emoji = decode(ai_aws.images().get(output["emoji"]["keys"][0]))
    assert emoji.size == (128, 128)
    assert rgba(emoji, (0, 0))[3] == 0
    assert output["generated"]["generator"] == "openai"


def test_a_failed_enhancement_falls_back_to_the_template_prompt(
    ai_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    openai_service.text_then("server_error")
    _, execution = run(ai_aws, description="a happy cat", style="flat")
    assert execution["status"] == "SUCCEEDED"
    (request,) = openai_service.image_requests()
    assert request.json["prompt"].startswith("A Slack custom emoji of a happy cat.")


def test_two_server_errors_then_success_is_retried_and_billed_once(
    ai_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN the image service fails twice with 500
    openai_service.images_then("server_error", "server_error")
    ai_aws.retry_sleeps.waits.clear()
    # WHEN a job runs
    job_id, execution = run(ai_aws, description="a happy cat", style="cartoon")
    # THEN the ASL retried (the SDK did not): three requests, one successful, one image stored
    assert execution["status"] == "SUCCEEDED"
    assert len(openai_service.image_requests()) == 3
    assert len(ai_aws.retry_sleeps.waits) == 2
    originals = ai_aws.client("s3").list_objects_v2(
        Bucket=ai_aws.physical_ids["ImagesBucket"], Prefix=original_key(job_id, 0).rsplit("/", 1)[0]
    )
    assert originals["KeyCount"] == 1


def test_moderation_goes_to_the_failure_path_unretried(
    ai_aws: LocalAWS, openai_service: FakeOpenAI, outbox: Path
) -> None:
    openai_service.images_then("moderation")
    job_id, execution = run(ai_aws, description="something rude", style="cartoon")
    assert ended_as(execution) == ("SUCCEEDED", "ContentRejected")
    assert len(openai_service.image_requests()) == 1
    record = ai_aws.job(job_id)
    assert (record.status, record.error) == ("FAILED", "ContentRejected")
    told = json.loads((outbox / job_id / "messages.jsonl").read_text().splitlines()[-1])
    assert "rephrase it" in told["text"]


def test_several_options_come_from_one_request(
    ai_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    job_id = f"ai-{uuid.uuid4().hex[:12]}"
    arn = ai_aws.start({"description": "a happy cat", "style": "sticker", "options": 3}, job_id)
    # the member picks the third option (as the CLI's --pick and Slack's buttons do)
    answer = pick(ai_aws, job_id, index=2)
    assert answer == "Option 3 it is: adding it now."
    execution = ai_aws.wait(arn)
    assert execution["status"] == "SUCCEEDED"
    (request,) = openai_service.image_requests()
    assert request.json["n"] == 3
    output = json.loads(str(execution["output"]))
    assert len(output["emoji"]["keys"]) == 3
    assert output["delivery"]["location"].endswith("happy_cat.png")


GARBAGE_ANSWERS = {
    "broken": "damaged image data",
    "empty_data": "returned 0 of 1 images",
    "html": "not an image response",
    "not_image": "not a picture (PNG, JPEG, GIF or WebP)",
    "transparent": "nothing in the image is visible",
    "tiny": "only 1×1 pixels",
    "flat": "one flat colour",
    "speck": "too small to make out",
    "bomb": "too large",
    "oversized": "an image over 20 MB",
}


@pytest.mark.parametrize("behaviour", sorted(GARBAGE_ANSWERS))
def test_a_garbage_answer_is_an_unusable_image_billed_once_and_told_in_plain_words(
    ai_aws: LocalAWS, openai_service: FakeOpenAI, outbox: Path, behaviour: str
) -> None:
    # GIVEN the image service answers (and bills) something that is no emoji
    openai_service.images_then(behaviour)
    ai_aws.retry_sleeps.waits.clear()
    # WHEN a member asks for an AI emoji
    job_id, execution = run(ai_aws, description=f"garbage {behaviour}", style="cartoon")
    # THEN the job ends as the UnusableImage outcome: not retried, one request, nothing delivered
    assert ended_as(execution) == ("SUCCEEDED", "UnusableImage")
    assert len(openai_service.image_requests()) == 1
    assert ai_aws.retry_sleeps.waits == []
    record = ai_aws.job(job_id)
    assert (record.status, record.error) == ("FAILED", "UnusableImage")
    assert GARBAGE_ANSWERS[behaviour] in str(record.cause)
    # AND the member is told in plain words, with no Python object in the text
    messages = [json.loads(m) for m in (outbox / job_id / "messages.jsonl").open()]
    assert [m["kind"] for m in messages].count("emoji") == 0
    told = messages[-1]["text"]
    assert "could not be turned into an emoji" in told
    assert "<_io" not in told
    assert "object at 0x" not in told


def test_a_refused_transparency_preview_still_delivers_a_transparent_emoji_billed_once(
    ai_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN an account without gpt-image-2's transparent-background preview
    openai_service.transparency_preview = False
    # WHEN a transparent cartoon emoji with two options is asked for
    job_id = f"ai-{uuid.uuid4().hex[:12]}"
    arn = ai_aws.start(
        {"description": "a happy cat", "style": "cartoon", "options": 2, "transparent": True},
        job_id,
    )
    pick(ai_aws, job_id, index=0)
    execution = ai_aws.wait(arn)
    # THEN it succeeds after one more request, with background auto
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    first, second = openai_service.image_requests()
    assert (first.json["background"], second.json["background"]) == ("transparent", "auto")
    # AND only the answered request was billed: two images, once
    assert len(openai_service.billed) == 1
    assert ai_aws.job(job_id).images_billed == 2
    # AND the cut-out made the emoji transparent all the same
    output = json.loads(str(execution["output"]))
    emoji = decode(ai_aws.images().get(output["emoji"]["keys"][0]))
    assert rgba(emoji, (0, 0))[3] == 0
