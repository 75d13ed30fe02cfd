"""The real ASL on the embedded AWS, with the real handlers: success, retry, failure path."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from conftest import decode
from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
from emoji_smith.domain.errors import ImageServiceUnavailable
from emoji_smith.domain.models import ImagePrompt
from emoji_smith_local.runtime import LocalAWS


def run(aws: LocalAWS, request: dict[str, object]) -> tuple[str, dict[str, object]]:
    job_id = f"test-{uuid.uuid4().hex[:12]}"
    return job_id, aws.wait(aws.start(request, job_id))


def entered_states(aws: LocalAWS, job_id: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in aws.history(aws.execution_arn(job_id))
        if e["type"].endswith("StateEntered")
    ]


def test_the_success_path_makes_a_valid_emoji_and_a_job_record(
    local_aws: LocalAWS, outbox: Path
) -> None:
    # WHEN a badge emoji is asked for
    job_id, execution = run(local_aws, {"description": "ship it", "user_id": "U123"})
    # THEN the workflow succeeds through every step in order
    assert execution["status"] == "SUCCEEDED"
    assert entered_states(local_aws, job_id) == [
        "Validate",
        "BuildPrompt",
        "CheckCircuit",
        "GenerateImage",
        "ShouldCloseCircuit",
        "ResizeImage",
        "ShouldAnimate",  # no effect asked for: AnimateEmoji is skipped
        "PersistEmoji",
        "HasOptions",
        "PickOnlyOption",
        "UploadEmoji",
        "NotifyUser",
        "Done",
    ]
    output = json.loads(str(execution["output"]))
    # AND the stored emoji is one Slack accepts
    emoji = local_aws.images().get(output["emoji"]["keys"][0])
    image = decode(emoji)
    assert (image.format, image.size) == ("PNG", (128, 128))
    assert len(emoji) <= 128 * 1024
    # AND the job record says delivered, with who asked, what, and where the images are
    record = local_aws.job(job_id)
    assert record.status == "DELIVERED"
    assert record.requester == "U123"
    assert record.emoji_name == "ship_it"
    assert record.emoji_keys == output["emoji"]["keys"]
    assert record.original_keys == output["generated"]["original_keys"]
    assert "ship it" in str(record.prompt)
    assert int(str(record.created_at)) <= int(str(record.updated_at))
    # AND the member was told, in the outbox
    messages = [
        json.loads(m) for m in (outbox / job_id / "messages.jsonl").read_text().splitlines()
    ]
    assert [m["kind"] for m in messages] == ["message", "emoji", "message"]
    assert messages[0]["text"].startswith("Working on :ship_it:")
    assert messages[2]["text"].startswith("Your emoji `ship_it` is ready")
    assert (outbox / job_id / "ship_it.png").read_bytes() == emoji


def test_a_transient_image_error_is_retried_with_the_declared_backoff(
    local_aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an image service that is down twice, then back; and jitter at its upper bound
    monkeypatch.setattr(local_aws.retry_sleeps, "jitter", 1.0)
    calls: list[str] = []
    real_generate = BadgeImageGenerator.generate

    def flaky_generate(self: BadgeImageGenerator, prompt: ImagePrompt, count: int) -> list[bytes]:
        calls.append(prompt.badge_text)
        if len(calls) <= 2:
            raise ImageServiceUnavailable("image service answered 503")
        return real_generate(self, prompt, count)

    monkeypatch.setattr(BadgeImageGenerator, "generate", flaky_generate)
    local_aws.retry_sleeps.waits.clear()
    # WHEN a job runs
    job_id, execution = run(local_aws, {"description": "retry me"})
    # THEN it succeeded on the third attempt after waiting 2 s then 4 s (interval 2, rate 2)
    assert execution["status"] == "SUCCEEDED"
    assert len(calls) == 3
    assert local_aws.retry_sleeps.waits == [2.0, 4.0]
    assert local_aws.job(job_id).status == "DELIVERED"


def test_an_invalid_request_goes_straight_to_the_failure_path(
    local_aws: LocalAWS, outbox: Path
) -> None:
    local_aws.retry_sleeps.waits.clear()
    # WHEN the name breaks Slack's rules
    job_id, execution = run(local_aws, {"description": "cat", "name": "Bad Name!"})
    # THEN the run ends as an outcome (not a failure: no alarm), named, with a cause in words
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(str(execution["output"]))
    assert output == {"job_id": job_id, "outcome": "InvalidRequest", "cause": output["cause"]}
    assert "lowercase letters, digits" in output["cause"]
    assert local_aws.retry_sleeps.waits == []
    assert entered_states(local_aws, job_id) == [
        "Validate",
        "RecordOutcome",
        "NotifyOutcome",
        "EndedWithOutcome",
        "Outcome",
    ]
    # AND the job is FAILED with that name, and the member was told why
    record = local_aws.job(job_id)
    assert (record.status, record.error) == ("FAILED", "InvalidRequest")
    message = json.loads((outbox / job_id / "messages.jsonl").read_text().splitlines()[-1])
    assert "not valid" in message["text"]
    assert "lowercase letters" in message["text"]


def test_a_malformed_request_still_leaves_a_failed_job_record(local_aws: LocalAWS) -> None:
    job_id, execution = run(local_aws, {"description": "cat", "options": "lots"})
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(str(execution["output"]))["outcome"] == "InvalidRequest"
    record = local_aws.job(job_id)
    assert record.status == "FAILED"
    assert "options" in str(record.cause)


def test_a_replayed_generate_step_reuses_the_stored_image(
    local_aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a finished job
    job_id, first = run(local_aws, {"description": "once only"})
    assert first["status"] == "SUCCEEDED"
    calls: list[int] = []
    real_generate = BadgeImageGenerator.generate

    def counting(self: BadgeImageGenerator, prompt: ImagePrompt, count: int) -> list[bytes]:
        calls.append(count)
        return real_generate(self, prompt, count)

    monkeypatch.setattr(BadgeImageGenerator, "generate", counting)
    # WHEN the GenerateImage and UploadEmoji steps run again for the same job (a replay)
    event = json.loads(str(first["output"]))
    from emoji_smith.handlers import generate_image, upload_emoji

    context = cast(LambdaContext, local_aws.context_for("GenerateImageFunction"))
    with local_aws.function_environment("GenerateImageFunction"):
        again = generate_image.handler(
            {"job_id": job_id, "request": event["request"], "prompt": event["prompt"]}, context
        )
        delivered = upload_emoji.handler(
            {
                "job_id": job_id,
                "request": event["request"],
                "emoji": event["emoji"],
                "choice": event["choice"],
            },
            context,
        )
    # THEN no new image is generated, and the recorded delivery is returned, not a second one
    assert calls == []
    assert again["original_keys"] == event["generated"]["original_keys"]
    assert delivered == event["delivery"]
