"""Functions run concurrently on the embedded AWS, as on Lambda: a webhook call is never blocked
behind a workflow step, and no function sees another's settings."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
from emoji_smith.domain.models import ImagePrompt
from emoji_smith.settings import get_settings
from emoji_smith_local.runtime import LocalAWS
from fakes.slack_payloads import function_url_event


def test_the_webhook_answers_while_a_step_runs_and_each_sees_its_own_settings(
    local_aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a GenerateImage step that takes 2 s, noting the settings it sees
    seen_by_step: dict[str, object] = {}
    inside = threading.Event()
    real = BadgeImageGenerator.generate

    def slow(self: BadgeImageGenerator, prompt: ImagePrompt, count: int) -> list[bytes]:
        settings = get_settings()
        seen_by_step.update(arn=settings.state_machine_arn, images=settings.images_bucket_name)
        inside.set()
        time.sleep(2)
        return real(self, prompt, count)

    monkeypatch.setattr(BadgeImageGenerator, "generate", slow)
    job_id = f"slow-{uuid.uuid4().hex[:8]}"
    arn = local_aws.start({"description": "slow cat"}, job_id)
    assert inside.wait(10)
    # WHEN Slack calls the webhook meanwhile
    started = time.perf_counter()
    answer = local_aws.invoke(
        "WebhookFunction", function_url_event(b"ssl_check=1&token=x", signed=False)
    )
    elapsed = time.perf_counter() - started
    # THEN it answers at once, not after the step
    assert answer["statusCode"] == 401  # unsigned: refused, but answered
    assert elapsed < 1.0, f"the webhook waited {elapsed:.2f} s behind a step"
    # AND the step saw its own settings (no state machine ARN: only the webhook has one)
    assert seen_by_step == {"arn": "", "images": local_aws.physical_ids["ImagesBucket"]}
    assert local_aws.wait(arn)["status"] == "SUCCEEDED"
