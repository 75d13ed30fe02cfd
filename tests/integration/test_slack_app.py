"""The Slack app end to end on the embedded AWS: signed requests into the deployed webhook,
the real WebClient against the local fake Slack, the real workflow to delivery."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

from conftest import decode
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import (
    SIGNING_SECRET,
    form,
    function_url_event,
    shortcut,
    submission,
)


def slack_environment(fake: FakeSlack, outbox: Path) -> dict[str, str]:
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_BASE_URL": fake.base_url,
        "EMOJI_SMITH_OUTBOX_DIR": str(outbox),
    }


@pytest.fixture(scope="module")
def slack_aws(fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    with LocalAWS(instant_retries=True, environment=slack_environment(fake_slack, outbox)) as aws:
        yield aws


def post(aws: LocalAWS, event: dict[str, Any]) -> dict[str, Any]:
    return aws.invoke("WebhookFunction", event)


def open_modal(aws: LocalAWS, slack: FakeSlack) -> dict[str, Any]:
    answer = post(aws, function_url_event(form(shortcut(slack.response_url()))))
    assert answer["statusCode"] == 200
    (call,) = slack.calls("views.open")
    view: dict[str, Any] = slack.params(call)["view"]
    return view


def submit(
    aws: LocalAWS, view: dict[str, Any], view_id: str = "V1", **values: Any
) -> dict[str, Any]:
    answer = post(aws, function_url_event(form(submission(view, view_id, **values))))
    assert answer["statusCode"] == 200
    return json.loads(answer["body"]) if answer["body"] else {}


def finished(aws: LocalAWS, name: str) -> dict[str, Any]:
    return aws.wait(aws.execution_arn(name))


def test_the_shortcut_opens_a_valid_modal_in_time(slack_aws: LocalAWS, slack: FakeSlack) -> None:
    view = open_modal(slack_aws, slack)
    (call,) = slack.calls("views.open")
    assert slack.params(call)["trigger_id"] == "13345.7890.abc"
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    View(**view).validate_json()
    assert view["blocks"][0]["element"]["initial_value"] == "We shipped v2! :tada:"


def test_a_submission_is_delivered_into_the_thread_with_progress(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN the modal, submitted with a description and no name
    view = open_modal(slack_aws, slack)
    answer = submit(slack_aws, view, "V-thread", description="ship it")
    # THEN the modal closes and the workflow runs to the end
    assert answer == {"response_action": "clear"}
    execution = finished(slack_aws, "T1-V-thread")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    # AND the emoji was uploaded with files_upload_v2 into the message's thread
    (complete,) = slack.calls("files.completeUploadExternal")
    params = slack.params(complete)
    assert (params["channel_id"], params["thread_ts"]) == ("C1", "1700000000.000100")
    assert "name it `ship_it`" in params["initial_comment"]
    (uploaded,) = slack.uploads.values()
    assert decode(uploaded).size == (128, 128)
    # AND no Slack call names a workspace: one-workspace mode's token is the workspace's own
    api_calls = [r for r in slack.requests if r.path.startswith("/api/")]
    assert api_calls
    assert not any("team_id" in slack.params(r) for r in api_calls)
    # AND the member saw progress, then the result, in the same ephemeral message
    texts = [response["text"] for response in slack.responses()]
    assert texts[0].startswith("Working on :ship_it:")
    assert texts[-1].startswith("Your emoji is ready")
    assert all(
        r["replace_original"] and r["response_type"] == "ephemeral" for r in slack.responses()
    )
    delivery = slack_aws.job("T1-V-thread").delivery
    assert delivery is not None
    assert delivery.method == "file_share"


def test_a_dm_share_goes_to_the_members_dm(slack_aws: LocalAWS, slack: FakeSlack) -> None:
    view = open_modal(slack_aws, slack)
    submit(slack_aws, view, "V-dm", description="ship it", share_to="dm")
    assert finished(slack_aws, "T1-V-dm")["status"] == "SUCCEEDED"
    (opened,) = slack.calls("conversations.open")
    assert slack.params(opened)["users"] == "U1"
    (complete,) = slack.calls("files.completeUploadExternal")
    assert slack.params(complete)["channel_id"] == "DU1"
    assert "thread_ts" not in slack.params(complete)


@pytest.mark.parametrize(
    "event",
    [
        function_url_event(form({"type": "message_action"}), signed=False),
        function_url_event(form({"type": "message_action"}), secret="not-the-secret"),
        function_url_event(form({"type": "message_action"}), timestamp=1_000_000_000),
    ],
    ids=["unsigned", "wrong-secret", "stale"],
)
def test_requests_not_from_slack_are_refused_with_no_side_effect(
    slack_aws: LocalAWS, slack: FakeSlack, event: dict[str, Any]
) -> None:
    before = len(slack_aws.executions())
    assert post(slack_aws, event)["statusCode"] == 401
    assert slack.requests == []
    assert len(slack_aws.executions()) == before


def test_a_forged_submission_that_looks_like_url_verification_is_refused(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN JSON that says url_verification first and view_submission second, unsigned
    body = b'{"type": "url_verification", "type": "view_submission", "challenge": "x"}'
    assert (
        post(slack_aws, function_url_event(body, "application/json", signed=False))["statusCode"]
        == 401
    )
    # AND even signed, duplicate keys are never read one way or the other
    assert post(slack_aws, function_url_event(body, "application/json"))["statusCode"] == 400
    assert slack.requests == []


def test_url_verification_and_ssl_check_are_answered(slack_aws: LocalAWS) -> None:
    challenge = post(
        slack_aws,
        function_url_event(
            b'{"type": "url_verification", "challenge": "abc123"}', "application/json"
        ),
    )
    assert json.loads(challenge["body"]) == {"challenge": "abc123"}
    assert post(slack_aws, function_url_event(b"ssl_check=1&token=x"))["statusCode"] == 200


def test_the_same_submission_delivered_twice_starts_one_execution(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    view = open_modal(slack_aws, slack)
    event = function_url_event(form(submission(view, "V-twice", description="only once")))
    answers = [post(slack_aws, event) for _ in range(3)]
    assert all(json.loads(a["body"]) == {"response_action": "clear"} for a in answers)
    assert finished(slack_aws, "T1-V-twice")["status"] == "SUCCEEDED"
    names = [e["name"] for e in slack_aws.executions()]
    assert names.count("T1-V-twice") == 1
    assert len(slack.calls("files.completeUploadExternal")) == 1


def test_a_bad_name_gets_an_inline_error_and_starts_nothing(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    view = open_modal(slack_aws, slack)
    before = len(slack_aws.executions())
    answer = submit(slack_aws, view, "V-bad", description="cat", name="Bad Name!")
    assert answer["response_action"] == "errors"
    assert "lowercase letters" in answer["errors"]["name"]
    assert len(slack_aws.executions()) == before


def test_an_unknown_interaction_is_acknowledged_and_ignored(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    answer = post(slack_aws, function_url_event(form({"type": "shortcut", "callback_id": "x"})))
    assert (answer["statusCode"], answer["body"]) == (200, "")
    assert slack.requests == []


def test_slack_rate_limits_are_waited_out_by_the_client(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    view = open_modal(slack_aws, slack)
    slack.fail("files.completeUploadExternal", "ratelimited")
    submit(slack_aws, view, "V-429", description="patience")
    assert finished(slack_aws, "T1-V-429")["status"] == "SUCCEEDED"
    assert len(slack.calls("files.completeUploadExternal")) == 2


def test_a_slack_outage_is_retried_by_the_workflow(slack_aws: LocalAWS, slack: FakeSlack) -> None:
    view = open_modal(slack_aws, slack)
    slack.fail("files.getUploadURLExternal", "server_error", "server_error")
    slack_aws.retry_sleeps.waits.clear()
    submit(slack_aws, view, "V-500", description="outage")
    assert finished(slack_aws, "T1-V-500")["status"] == "SUCCEEDED"
    assert len(slack_aws.retry_sleeps.waits) == 2
    assert len(slack.calls("files.completeUploadExternal")) == 1


def test_a_revoked_token_fails_the_job_with_a_clear_cause(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    view = open_modal(slack_aws, slack)
    slack.fail("files.getUploadURLExternal", "invalid_auth")
    submit(slack_aws, view, "V-auth", description="no access")
    execution = finished(slack_aws, "T1-V-auth")
    assert (execution["status"], execution["error"]) == ("FAILED", "SlackRejected")
    assert "reinstall the app" in str(execution["cause"])
    record = slack_aws.job("T1-V-auth")
    assert record.status == "FAILED"
    assert "Slack refused the delivery" in slack.responses()[-1]["text"]


def test_an_expired_response_url_falls_back_to_a_dm(slack_aws: LocalAWS, slack: FakeSlack) -> None:
    answer = post(slack_aws, function_url_event(form(shortcut(slack.response_url("expired")))))
    assert answer["statusCode"] == 200
    view = slack.params(slack.calls("views.open")[0])["view"]
    submit(slack_aws, view, "V-expired", description="late")
    assert finished(slack_aws, "T1-V-expired")["status"] == "SUCCEEDED"
    dms = [slack.params(c) for c in slack.calls("chat.postMessage")]
    assert [dm["channel"] for dm in dms] == ["U1", "U1"]
    assert dms[-1]["text"].startswith("Your emoji is ready")


def test_a_message_with_no_text_opens_a_modal_slack_accepts(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a shortcut on a message that is only a file (no text)
    answer = post(slack_aws, function_url_event(form(shortcut(slack.response_url(), text=""))))
    # THEN the fake Slack (which refuses an empty initial_value, as Slack does) opened the modal
    assert answer["statusCode"] == 200
    (call,) = slack.calls("views.open")
    element = slack.params(call)["view"]["blocks"][0]["element"]
    assert "initial_value" not in element
    assert slack.responses() == []


def test_a_modal_slack_refuses_is_told_to_the_member(slack_aws: LocalAWS, slack: FakeSlack) -> None:
    # GIVEN Slack refuses views.open (an expired trigger)
    slack.fail("views.open", "expired_trigger_id")
    # WHEN the member runs the shortcut
    answer = post(slack_aws, function_url_event(form(shortcut(slack.response_url()))))
    # THEN Slack gets its 200, and the member an ephemeral message saying to try again
    assert answer["statusCode"] == 200
    (told,) = slack.responses()
    assert told["response_type"] == "ephemeral"
    assert "run the shortcut again" in told["text"]


def test_a_rate_limited_emoji_list_never_delays_the_answer(
    slack_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a fresh webhook container (no emoji list cached yet), and Slack rate limiting
    # emoji.list for 30 s
    from emoji_smith.bootstrap import new_containers

    new_containers()
    view = open_modal(slack_aws, slack)
    slack.fail("emoji.list", "ratelimited:30")
    # WHEN a member submits, twice in a row
    started = time.perf_counter()
    first = submit(slack_aws, view, "V-busy1", description="busy day", name="busy_day")
    second = submit(slack_aws, view, "V-busy2", description="busy night", name="busy_night")
    elapsed = time.perf_counter() - started
    # THEN both are accepted at once (the workflow's name check decides), without waiting out
    # Retry-After, and emoji.list was asked once: not again while Slack said to wait
    assert first == second == {"response_action": "clear"}
    assert elapsed < 1.0, f"{elapsed:.2f} s: the webhook waited on Slack"
    assert len([r for r in slack.requests if r.path == "/api/emoji.list"]) == 1
    assert finished(slack_aws, "T1-V-busy1")["status"] == "SUCCEEDED"


def test_a_redelivery_while_the_first_run_is_open_is_counted_as_a_duplicate(
    slack_aws: LocalAWS, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a submission whose run is still open (it waits for a choice between options)
    view = open_modal(slack_aws, slack)
    event = function_url_event(
        form(submission(view, "V-open", description="two of them", options="2"))
    )
    assert json.loads(post(slack_aws, event)["body"]) == {"response_action": "clear"}
    arn = slack_aws.execution_arn("T1-V-open")
    deadline = time.monotonic() + 30
    while slack_aws.job("T1-V-open").choice_state != "waiting":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(1.1)  # Slack redelivers after seconds, not instantly
    assert slack_aws.describe(arn)["status"] == "RUNNING"
    # WHEN Slack redelivers it (same name, same input: AWS answers success, not an error)
    with caplog.at_level(logging.WARNING, logger="emoji_smith.webhook"):
        again = post(slack_aws, event)
    # THEN it is answered, counted as a duplicate, and no second run exists
    assert json.loads(again["body"]) == {"response_action": "clear"}
    assert "T1-V-open: duplicate" in caplog.text
    assert [e["name"] for e in slack_aws.executions()].count("T1-V-open") == 1
    token = str(slack_aws.job("T1-V-open").choice_token)
    slack_aws.client("stepfunctions").send_task_failure(
        taskToken=token, error="ChoiceCancelled", cause="test over"
    )
    assert slack_aws.wait(arn)["status"] == "SUCCEEDED"


def test_the_webhook_answers_only_on_slacks_own_response_urls(
    slack_aws: LocalAWS, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a signed shortcut whose response_url points elsewhere, and a modal Slack refuses
    slack.fail("views.open", "expired_trigger_id")
    with caplog.at_level(logging.WARNING, logger="emoji_smith.webhook"):
        answer = post(
            slack_aws, function_url_event(form(shortcut("https://attacker.example/collect")))
        )
    # THEN Slack gets its 200 and nothing is sent to the other host
    assert answer["statusCode"] == 200
    assert "not Slack's: not answering there" in caplog.text
    assert slack.responses() == []
