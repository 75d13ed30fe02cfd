"""Quotas and the budget, enforced in the workflow (atomically) and in the modal; the bill of
each job; `/emoji`, its help and usage; the operator's usage report."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_slack_app import post, slack_environment

from conftest import ended_as
from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
from emoji_smith.domain.costs import AWS_PER_EMOJI_USD
from emoji_smith.domain.quotas import Period
from emoji_smith_local.ops import Operations, StackNames
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import form, function_url_event, slash_command, submission

LIMIT = 10


@pytest.fixture(scope="module")
def limited_aws(fake_slack: FakeSlack, fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = (
        slack_environment(fake_slack, outbox)
        | fake_openai.app_environment()
        | {
            "EMOJI_SMITH_MEMBER_DAILY_IMAGES": str(LIMIT),
            "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD": "1.00",
            "EMOJI_SMITH_ANNOUNCEMENT_CHANNEL": "C-ann",
        }
    )
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def ledger(aws: LocalAWS) -> DynamoDBUsageLedger:
    return DynamoDBUsageLedger(aws.physical_ids["UsageTable"])


def spent(aws: LocalAWS, team: str, user: str) -> tuple[int, float]:
    return ledger(aws).spent(team, user, Period.at(datetime.now(UTC)))


def run(aws: LocalAWS, team: str, user: str, **request: object) -> dict[str, Any]:
    job_id = f"q-{uuid.uuid4().hex[:12]}"
    request = {"team_id": team, "user_id": user, "name": "cat", "style": "cartoon", **request}
    return aws.wait(aws.start({"description": "a cat", **request}, job_id), timeout_seconds=60)


@pytest.mark.slow
def test_thirty_concurrent_jobs_against_a_limit_of_ten_run_exactly_ten(
    limited_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN a member with 10 images a day, and 30 of their jobs submitted at once
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one() -> None:
        execution = run(limited_aws, "T-burst", "U-burst")
        with lock:
            results.append(execution)

    threads = [threading.Thread(target=one) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN exactly 10 ran and were billed, 20 were refused as QuotaExceeded, the counter is 10
    endings = [ended_as(execution) for execution in results]
    assert endings.count(("SUCCEEDED", "QuotaExceeded")) == 20, Counter(endings)
    delivered = [e for e in results if "outcome" not in json.loads(str(e["output"]))]
    assert len(delivered) == LIMIT
    assert len(openai_service.billed) == LIMIT
    assert spent(limited_aws, "T-burst", "U-burst")[0] == LIMIT


def test_a_job_refused_by_the_image_service_gives_its_reservation_back(
    limited_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN the image service refuses the prompt (moderation: nothing billed)
    openai_service.images_then("moderation")
    before = spent(limited_aws, "T-refused", "U1")
    # WHEN the job runs
    execution = run(limited_aws, "T-refused", "U1")
    # THEN it ends ContentRejected and the member's count is as before
    assert ended_as(execution) == ("SUCCEEDED", "ContentRejected")
    assert spent(limited_aws, "T-refused", "U1") == before


def test_a_retried_generation_counts_and_bills_once_and_the_job_records_its_cost(
    limited_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN the image service fails once, then answers
    openai_service.images_then("server_error", "ok")
    job_id = f"q-{uuid.uuid4().hex[:12]}"
    request = {"team_id": "T-retry", "user_id": "U1", "description": "cat", "style": "cartoon"}
    execution = limited_aws.wait(limited_aws.start(request, job_id))
    # THEN one image counted, and the job's bill is the low-quality price of one image
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert spent(limited_aws, "T-retry", "U1") == (1, 0.006)
    record = limited_aws.job(job_id)
    assert (record.images_billed, record.cost_usd) == (1, 0.006)
    assert (record.image_model, record.image_quality) == ("gpt-image-2", "low")
    assert record.image_size == "1024x1024"
    # AND the delivered emoji carries AWS's estimated share (the README's cost table)
    assert record.aws_cost_usd == AWS_PER_EMOJI_USD
    # AND the image service was told who asked only by a pseudonym
    (_, answered) = openai_service.image_requests()
    assert len(answered.json["safety_identifier"]) == 32
    assert "U1" not in answered.json["safety_identifier"]


def test_the_budget_stops_a_workspace_and_offline_styles_stay_free(
    limited_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    # GIVEN a workspace whose month has spent its $1.00 (ledger filled as 200 low images would)
    from emoji_smith.domain.quotas import Charge, Limits

    period = Period.at(datetime.now(UTC))
    fill = Charge("T-budget", "U-other", 0, 1.0, period.day, period.month)
    assert ledger(limited_aws).reserve(fill, Limits(LIMIT, 1.0), period) is None
    # WHEN a member asks for an image, then for a badge
    refused = run(limited_aws, "T-budget", "U1")
    badge = run(limited_aws, "T-budget", "U1", style="badge")
    # THEN the image is refused with when it resets; the badge is made
    assert ended_as(refused) == ("SUCCEEDED", "QuotaExceeded")
    assert "spent its $1.00 image budget" in json.loads(str(refused["output"]))["cause"]
    assert badge["status"] == "SUCCEEDED"
    assert "outcome" not in json.loads(str(badge["output"]))


def test_the_modal_refuses_inline_when_the_member_is_over_the_limit(
    limited_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a member who has used their 10 images today
    from emoji_smith.domain.quotas import Charge, Limits

    period = Period.at(datetime.now(UTC))
    used = Charge("T1", "U1", LIMIT, 0.06, period.day, period.month)
    assert ledger(limited_aws).reserve(used, Limits(LIMIT, 25.0), period) is None
    view = _modal(limited_aws, slack)
    # WHEN they submit an image style
    answer = post(
        limited_aws,
        function_url_event(form(submission(view, "V-over", description="cat", style="cartoon"))),
    )
    # THEN the modal says so and when it resets; nothing was started
    errors = json.loads(answer["body"])["errors"]
    assert errors["options"].startswith(f"You have used your {LIMIT} images for today. More at")
    assert not [e for e in limited_aws.executions() if e["name"] == "T1-V-over"]


def _modal(aws: LocalAWS, slack: FakeSlack) -> dict[str, Any]:
    answer = post(aws, function_url_event(slash_command("/emoji", "a happy cat")))
    assert answer["statusCode"] == 200
    view: dict[str, Any] = slack.params(slack.calls("views.open")[-1])["view"]
    return view


def test_slash_emoji_opens_the_modal_with_the_words_in_it(
    limited_aws: LocalAWS, slack: FakeSlack
) -> None:
    view = _modal(limited_aws, slack)
    assert view["blocks"][0]["element"]["initial_value"] == "a happy cat"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Start from" not in labels  # no message, no pictures
    share = next(b for b in view["blocks"] if b.get("block_id") == "share_to")
    assert share["element"]["options"][0]["text"]["text"] == "In this channel"


@pytest.mark.parametrize(
    ("text", "said"),
    [("help", "*Emoji Smith* turns a message"), ("usage", "This month you made")],
)
def test_slash_emoji_help_and_usage_answer_the_member_alone(
    limited_aws: LocalAWS, slack: FakeSlack, text: str, said: str
) -> None:
    answer = post(limited_aws, function_url_event(slash_command("/emoji", text)))
    body = json.loads(answer["body"])
    assert body["response_type"] == "ephemeral"
    assert said in body["text"]
    assert "more AI images today" in body["text"]
    assert slack.calls("views.open") == []


def test_the_usage_report_totals_images_and_dollars_per_member(
    limited_aws: LocalAWS, openai_service: FakeOpenAI
) -> None:
    for _ in range(2):
        assert run(limited_aws, "T-report", "U-a")["status"] == "SUCCEEDED"
    assert run(limited_aws, "T-report", "U-b")["status"] == "SUCCEEDED"
    report = Operations(StackNames.from_physical_ids(limited_aws.physical_ids)).usage()
    mine = {m["user"]: m for m in report["members"] if m["team"] == "T-report"}
    assert (mine["U-a"]["images"], mine["U-b"]["images"]) == (2, 1)
    assert mine["U-a"]["dollars"] == pytest.approx(0.012)
    assert report["total"]["images"] >= 4


def test_a_new_emoji_is_announced_once_in_the_workspaces_channel(
    limited_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a workspace with an announcement channel, and an emoji made in a public channel
    execution = run(limited_aws, "T1", "U7", name="party_cat", visibility="public", channel_id="C1")
    output = json.loads(str(execution["output"]))

    def announced() -> list[str]:
        return [
            str(slack.params(call)["text"])
            for call in slack.calls("chat.postMessage")
            if slack.params(call)["channel"] == "C-ann"
        ]

    # THEN it was announced there once, naming the member, with the image Slack keeps
    location = output["delivery"]["location"]
    assert announced() == [f"New emoji `party_cat` by <@U7> — {location}"]
    (post_call,) = [
        c for c in slack.calls("chat.postMessage") if slack.params(c)["channel"] == "C-ann"
    ]
    blocks = slack.params(post_call)["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[-1] == {
        "type": "image",
        "slack_file": {"url": location},
        "alt_text": ":party_cat:",
    }
    # AND a replay of the NotifyUser step tells the member again but announces nothing more
    keys = ("job_id", "request", "delivery", "generated")
    answer = limited_aws.invoke("NotifyUserFunction", {key: output[key] for key in keys})
    assert answer == {"notified": True}
    assert len(announced()) == 1
