"""Fault injection: the whole pipeline on the embedded AWS with the fake OpenAI and fake Slack
injecting faults. Every run ends delivered, or failed with the member notified and a job record
with the error — never lost, never two emojis or two image bills for one request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from test_slack_app import slack_environment

from conftest import SUMMARY_LINES
from emoji_smith.adapters.dynamodb_circuit_store import DynamoDBCircuitStore
from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow
from emoji_smith.application.retry_schedule import retry_failed_jobs
from emoji_smith.domain import emoji_image
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import ADMIN_TOKEN, FakeSlack
from fakes.slack_payloads import form, function_url_event, shortcut, submission

CIRCUIT_THRESHOLD = 3  # template default


@dataclass
class Ledger:
    outcomes: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        values = list(self.outcomes.values())
        return (
            f"fault injection: {len(values)} scenarios, {values.count('delivered')} delivered, "
            f"{values.count('failed-and-notified')} failed-and-notified, "
            f"{values.count('lost')} lost, {values.count('duplicated')} duplicated"
        )


@pytest.fixture(scope="module")
def ledger(request: pytest.FixtureRequest) -> Iterator[Ledger]:
    book = Ledger()
    yield book
    request.config.stash.setdefault(SUMMARY_LINES, []).append(book.summary())
    assert "lost" not in book.outcomes.values()
    assert "duplicated" not in book.outcomes.values()


@pytest.fixture(scope="module")
def aws(fake_openai: FakeOpenAI, fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    environment = (
        slack_environment(fake_slack, outbox)
        | fake_openai.app_environment()
        | {"EMOJI_SMITH_IMAGE_TIMEOUT_SECONDS": "0.5", "SLACK_ADMIN_TOKEN": ADMIN_TOKEN}
    )
    with LocalAWS(instant_retries=True, environment=environment) as local:
        yield local


@pytest.fixture
def services(openai_service: FakeOpenAI, slack: FakeSlack, aws: LocalAWS) -> None:
    """Both fakes emptied and the circuit closed: each scenario starts clean."""
    DynamoDBCircuitStore(aws.physical_ids["CircuitTable"]).save(IMAGE_SERVICE, CircuitState())


def submit(aws: LocalAWS, slack: FakeSlack, view_id: str, name: str) -> str:
    """A member's signed shortcut and submission, through the deployed webhook."""
    assert (
        aws.invoke("WebhookFunction", function_url_event(form(shortcut(slack.response_url()))))[
            "statusCode"
        ]
        == 200
    )
    view = slack.params(slack.calls("views.open")[-1])["view"]
    event = function_url_event(
        form(submission(view, view_id, description=f"{name} cat", name=name, style="cartoon"))
    )
    answer = aws.invoke("WebhookFunction", event)
    assert json.loads(answer["body"]) == {"response_action": "clear"}
    return f"T1-{view_id}"


def judge(aws: LocalAWS, slack: FakeSlack, openai: FakeOpenAI, job_id: str, name: str) -> str:
    """Delivered, failed-and-notified, lost or duplicated — from what Slack, OpenAI and the job
    record saw, not from what the code says it did."""
    runs = [
        e
        for e in aws.executions()
        if json.loads(aws.describe(e["executionArn"])["input"])["job_id"] == job_id
    ]
    for run in runs:
        aws.wait(run["executionArn"])
    record = aws.job(job_id)
    added = [added for added in slack.added if added.startswith(name)]
    bills = [p for p in openai.billed if f"{name} cat" in p]
    if len(bills) > 1 or len(added) > 1:
        return "duplicated"
    if record.status == "DELIVERED" and len(bills) == 1:
        return "delivered"
    told = [r for r in slack.responses() if "Could not make" in r.get("text", "")]
    if record.status == "FAILED" and record.error and told:
        return "failed-and-notified"
    return "lost"


def take_name_and_hide_emoji_list(slack: FakeSlack, name: str) -> None:
    """The name taken where the webhook cannot see it: emoji.list fails for both of the create
    flow's calls, the modal's (the message names :tada:) and the submission's. A call that
    answered would list the name, and the form would rightly refuse it."""
    slack.emoji.update({name: "x"})
    slack.fail("emoji.list", "internal_error", "internal_error")


Scenario = tuple[str, Callable[[FakeOpenAI, FakeSlack], None], str, str | None]
SCENARIOS: list[Scenario] = [
    ("openai-500", lambda o, s: o.images_then("server_error"), "delivered", None),
    ("openai-429", lambda o, s: o.images_then("rate_limit"), "delivered", None),
    ("openai-timeout", lambda o, s: o.images_then("hang"), "delivered", None),
    (
        "openai-moderation",
        lambda o, s: o.images_then("moderation"),
        "failed-and-notified",
        "ContentRejected",
    ),
    ("slack-429", lambda o, s: s.fail("admin.emoji.add", "ratelimited"), "delivered", None),
    ("slack-500", lambda o, s: s.fail("admin.emoji.add", "server_error"), "delivered", None),
    (
        "slack-invalid-auth",
        lambda o, s: s.fail("admin.emoji.add", "invalid_auth"),
        "failed-and-notified",
        "SlackRejected",
    ),
    # taken after the modal checked (emoji.list unavailable): delivered under a suffixed name
    (
        "slack-name-taken",
        lambda o, s: take_name_and_hide_emoji_list(s, "slack-name-taken"),
        "delivered",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "inject", "expected", "error"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_a_fault(
    aws: LocalAWS,
    services: None,
    openai_service: FakeOpenAI,
    slack: FakeSlack,
    ledger: Ledger,
    name: str,
    inject: Callable[[FakeOpenAI, FakeSlack], None],
    expected: str,
    error: str | None,
) -> None:
    inject(openai_service, slack)
    job_id = submit(aws, slack, f"V-{name}", name)
    outcome = judge(aws, slack, openai_service, job_id, name)
    ledger.outcomes[name] = outcome
    assert outcome == expected
    if error:
        assert aws.job(job_id).error == error


def test_a_name_taken_is_refused_by_the_form_when_only_the_modals_emoji_list_failed(
    aws: LocalAWS, services: None, slack: FakeSlack
) -> None:
    # GIVEN a name already taken, and emoji.list failing once: the modal's call
    slack.emoji.update({"taken-once": "x"})
    slack.fail("emoji.list", "internal_error")
    assert aws.invoke("WebhookFunction", function_url_event(form(shortcut(slack.response_url()))))
    view = slack.params(slack.calls("views.open")[-1])["view"]
    # WHEN the member submits it, Slack answering emoji.list again
    values = {"description": "cat", "name": "taken-once", "style": "cartoon"}
    event = function_url_event(form(submission(view, "V-taken-once", **values)))
    answer = json.loads(aws.invoke("WebhookFunction", event)["body"])
    # THEN the form says it is taken, and offers a free one: nothing started
    assert answer["response_action"] == "errors", answer
    assert "taken-once_2" in answer["errors"]["name"]
    assert len(slack.calls("emoji.list")) == 2


def test_a_handler_crash_then_the_scheduled_retry_delivers_once(
    aws: LocalAWS,
    services: None,
    openai_service: FakeOpenAI,
    slack: FakeSlack,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN ResizeImage crashes once (a bug, not a declared error)
    real = emoji_image.make_emoji
    crashes: list[int] = []

    def crash_once(data: bytes, transparent: bool) -> emoji_image.EmojiFile:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("out of memory while resizing")
        return real(data, transparent)

    monkeypatch.setattr("emoji_smith.application.image_steps.make_emoji", crash_once)
    job_id = submit(aws, slack, "V-crash", "crash")
    aws.wait(aws.execution_arn(job_id))
    assert aws.job(job_id).status == "FAILED"
    # WHEN the schedule runs (twice: it must be idempotent)
    with aws.function_environment("RetryFailedJobsFunction"):
        for _ in range(2):
            aws.invoke("RetryFailedJobsFunction", {})
    # THEN the job is delivered once, from the image already paid for
    outcome = judge(aws, slack, openai_service, job_id, "crash")
    ledger.outcomes["handler-crash-then-scheduled-retry"] = outcome
    assert outcome == "delivered"
    record = aws.job(job_id)
    assert record.attempts == 1
    # AND by a redrive of the same execution, resumed at the step that crashed
    assert [e["name"] for e in aws.executions() if e["name"].startswith(job_id)] == [job_id]
    assert aws.describe(aws.execution_arn(job_id))["redriveCount"] == 1
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in aws.history(aws.execution_arn(job_id))
        if e["type"].endswith("StateEntered")
    ]
    assert entered.count("ResizeImage") == 2
    assert entered.count("GenerateImage") == 1


def test_the_circuit_opens_fails_fast_and_closes_after_the_cooldown(
    aws: LocalAWS,
    services: None,
    openai_service: FakeOpenAI,
    slack: FakeSlack,
    ledger: Ledger,
) -> None:
    # GIVEN the image service down for N jobs in a row (each exhausting its retries)
    down = []
    for index in range(CIRCUIT_THRESHOLD):
        openai_service.images_then(*["server_error"] * 4)
        down.append(submit(aws, slack, f"V-down{index}", f"down{index}"))
        aws.wait(aws.execution_arn(down[-1]))
    requests_so_far = len(openai_service.image_requests())
    assert requests_so_far == 4 * CIRCUIT_THRESHOLD
    # WHEN another job comes while the circuit is open
    fast = submit(aws, slack, "V-fast", "fast")
    execution = aws.wait(aws.execution_arn(fast))
    # THEN it fails fast with CircuitOpen, without calling the image service, member told
    assert (execution["status"], execution["error"]) == ("FAILED", "CircuitOpen")
    assert len(openai_service.image_requests()) == requests_so_far
    assert "failing right now" in slack.responses()[-1]["text"]
    # WHEN the cooldown has passed and a new job succeeds
    store = DynamoDBCircuitStore(aws.physical_ids["CircuitTable"])
    state = store.load(IMAGE_SERVICE)
    assert state.is_open(time.time())
    store.save(IMAGE_SERVICE, CircuitState(open_until=time.time() - 1))
    probe = submit(aws, slack, "V-probe", "probe")
    # THEN it is delivered and the circuit is closed again
    probe_outcome = judge(aws, slack, openai_service, probe, "probe")
    ledger.outcomes["circuit-probe-after-cooldown"] = probe_outcome
    assert probe_outcome == "delivered"
    assert store.load(IMAGE_SERVICE) == CircuitState()
    # AND the schedule retries the failed jobs, which are then delivered
    workflow = StepFunctionsWorkflow(aws.state_machine_arn)
    with aws.function_environment("RetryFailedJobsFunction"):
        report = retry_failed_jobs(
            workflow, aws.jobs(), max_attempts=3, lookback=timedelta(hours=1)
        )
    assert sorted(report.redriven) == sorted([*down, fast])
    assert report.restarted == []
    for index, job_id in enumerate(down):
        outcome = judge(aws, slack, openai_service, job_id, f"down{index}")
        ledger.outcomes[f"circuit-open-{index}"] = outcome
        assert outcome == "delivered"
    outcome = judge(aws, slack, openai_service, fast, "fast")
    ledger.outcomes["circuit-fail-fast-then-retried"] = outcome
    assert outcome == "delivered"


def test_the_same_submission_twenty_times_is_one_job(
    aws: LocalAWS,
    services: None,
    openai_service: FakeOpenAI,
    slack: FakeSlack,
    ledger: Ledger,
) -> None:
    aws.invoke("WebhookFunction", function_url_event(form(shortcut(slack.response_url()))))
    view = slack.params(slack.calls("views.open")[-1])["view"]
    event = function_url_event(
        form(submission(view, "V-twenty", description="twenty cat", name="twenty", style="cartoon"))
    )
    answers = [aws.invoke("WebhookFunction", event) for _ in range(20)]
    assert all(a["statusCode"] == 200 for a in answers)
    outcome = judge(aws, slack, openai_service, "T1-V-twenty", "twenty")
    ledger.outcomes["same-submission-20-times"] = outcome
    assert outcome == "delivered"
    assert [e["name"] for e in aws.executions()].count("T1-V-twenty") == 1
