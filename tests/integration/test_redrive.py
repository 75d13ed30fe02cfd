"""RedriveExecution on the embedded AWS behaves as AWS documents it, and the pipeline's failed
runs can be redriven into a delivery: by the retry schedule and by an operator's console."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
from emoji_smith.domain.errors import ImageServiceUnavailable
from emoji_smith.domain.models import ImagePrompt
from emoji_smith_local.runtime import LocalAWS

PASS_THEN_FAIL = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Result": {"ready": True},
            "ResultPath": "$.prep",
            "Next": "Stop",
        },
        "Stop": {"Type": "Fail", "Error": "Stopped", "Cause": "a Fail state"},
    },
}


def entered(aws: LocalAWS, arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in aws.history(arn)
        if e["type"].endswith("StateEntered")
    ]


def redrive_error(aws: LocalAWS, arn: str) -> str:
    with pytest.raises(ClientError) as raised:
        aws.redrive(arn)
    return str(raised.value.response["Error"]["Code"])


@pytest.fixture
def image_service_down(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The badge generator stands in for the image service: down until the list is cleared."""
    calls: list[str] = []
    outage = ["down"]
    real = BadgeImageGenerator.generate

    def generate(self: BadgeImageGenerator, prompt: ImagePrompt, count: int) -> list[bytes]:
        calls.append(prompt.badge_text)
        if outage:
            raise ImageServiceUnavailable("image service answered 503")
        return real(self, prompt, count)

    monkeypatch.setattr(BadgeImageGenerator, "generate", generate)
    return outage


def test_a_fail_state_fails_again_when_redriven(local_aws: LocalAWS) -> None:
    # GIVEN a run that ended in a Fail state
    client = local_aws.client("stepfunctions")
    machine = client.create_state_machine(
        name=f"fail-{uuid.uuid4().hex[:6]}",
        definition=json.dumps(PASS_THEN_FAIL),
        roleArn="arn:aws:iam::123456789012:role/x",
    )["stateMachineArn"]
    arn = client.start_execution(stateMachineArn=machine, name="once")["executionArn"]
    assert local_aws.wait(arn)["error"] == "Stopped"
    # WHEN it is redriven
    local_aws.redrive(arn)
    after = local_aws.wait(arn)
    # THEN the Fail state is what runs again, and fails again, under the same ARN
    assert (after["status"], after["error"], after["redriveCount"]) == ("FAILED", "Stopped", 1)
    assert entered(local_aws, arn) == ["Prepare", "Stop", "Stop"]
    types = [e["type"] for e in local_aws.history(arn)]
    assert types.count("ExecutionRedriven") == 1
    assert types.count("ExecutionFailed") == 2


def test_only_ended_unsuccessful_runs_within_14_days_can_be_redriven(local_aws: LocalAWS) -> None:
    # GIVEN a delivered job and a failed one
    done = local_aws.start({"description": "fine"}, f"ok-{uuid.uuid4().hex[:8]}")
    assert local_aws.wait(done)["status"] == "SUCCEEDED"
    broken = local_aws.start({"description": "x", "style": "cartoon"}, f"no-{uuid.uuid4().hex[:8]}")
    described = local_aws.wait(broken)
    assert (described["status"], described["redriveStatus"]) == ("FAILED", "REDRIVABLE")
    # THEN a success is not redrivable, and a failure older than 14 days is not either
    assert redrive_error(local_aws, done) == "ExecutionNotRedrivable"
    local_aws.backdate(broken, timedelta(days=14, minutes=1))
    assert local_aws.describe(broken)["redriveStatus"] == "NOT_REDRIVABLE"
    assert redrive_error(local_aws, broken) == "ExecutionNotRedrivable"


def test_an_outage_fails_at_generate_image_and_a_console_redrive_delivers_it_once(
    local_aws: LocalAWS, image_service_down: list[str], outbox: Path
) -> None:
    # GIVEN the image service down for longer than GenerateImage's retries
    job_id = f"outage-{uuid.uuid4().hex[:8]}"
    arn = local_aws.start({"description": "outage cat"}, job_id)
    failed = local_aws.wait(arn)
    # THEN the run failed at GenerateImage itself (not in a Fail state), the job is recorded
    # FAILED with the error, and the member was told it will be retried
    assert (failed["status"], failed["error"]) == ("FAILED", "ImageServiceUnavailable")
    assert entered(local_aws, arn)[-1] == "GenerateImage"
    record = local_aws.job(job_id)
    assert (record.status, record.error) == ("FAILED", "ImageServiceUnavailable")
    told = (outbox / job_id / "messages.jsonl").read_text().splitlines()
    assert "retry automatically" in json.loads(told[-1])["text"]
    # WHEN the service is back and an operator presses Redrive
    image_service_down.clear()
    local_aws.redrive(arn)
    after = local_aws.wait(arn)
    # THEN the same execution resumes at GenerateImage and delivers, once
    assert (after["status"], after["redriveCount"]) == ("SUCCEEDED", 1)
    assert entered(local_aws, arn).count("Validate") == 1
    assert local_aws.job(job_id).status == "DELIVERED"
    kinds = [json.loads(line)["kind"] for line in (outbox / job_id / "messages.jsonl").open()]
    assert kinds.count("emoji") == 1


def test_the_schedule_redrives_a_retryable_failure_into_one_delivery(
    local_aws: LocalAWS, image_service_down: list[str], outbox: Path
) -> None:
    # GIVEN a job failed by an outage, and the service back
    job_id = f"sched-{uuid.uuid4().hex[:8]}"
    arn = local_aws.start({"description": "schedule cat"}, job_id)
    assert local_aws.wait(arn)["error"] == "ImageServiceUnavailable"
    image_service_down.clear()
    # WHEN the scheduled RetryFailedJobs runs, twice
    reports = [local_aws.invoke("RetryFailedJobsFunction", {}) for _ in range(2)]
    # THEN it redrove the job once (the second run found it going or done) and it was delivered
    assert job_id in reports[0]["redriven"]
    assert job_id not in reports[1]["redriven"]
    assert local_aws.wait(arn)["status"] == "SUCCEEDED"
    record = local_aws.job(job_id)
    assert (record.status, record.attempts, record.retried_by) == (
        "DELIVERED",
        1,
        "redrive",
    )
    kinds = [json.loads(line)["kind"] for line in (outbox / job_id / "messages.jsonl").open()]
    assert kinds.count("emoji") == 1
