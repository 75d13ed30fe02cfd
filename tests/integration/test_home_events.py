"""app_home_opened through signed requests on the embedded AWS (#20 §2): the webhook answers at
once and the Home is published after, by the PublishHome function (an asynchronous invocation,
as in AWS); an event Slack resends is acted on once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_slack_app import post, slack_environment

from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import home_opened

MEMBER = "UHOME1"


@pytest.fixture(scope="module")
def aws(fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    with LocalAWS(instant_retries=True, environment=slack_environment(fake_slack, outbox)) as local:
        yield local


def publishes(slack: FakeSlack, count: int, timeout_seconds: float = 15) -> list[dict[str, Any]]:
    """The first `count` views.publish calls' parameters, once Slack has them."""
    deadline = time.monotonic() + timeout_seconds
    while len(slack.calls("views.publish")) < count:
        assert time.monotonic() < deadline, "the Home was not published"
        time.sleep(0.02)
    return [slack.params(call) for call in slack.calls("views.publish")]


def open_home(aws: LocalAWS, slack: FakeSlack, user: str) -> dict[str, Any]:
    """A member opens the Home tab: the webhook's answer, once their Home is published."""
    before = len(slack.calls("views.publish"))
    answer = post(aws, home_opened(user))
    assert answer["statusCode"] == 200
    assert publishes(slack, before + 1)[-1]["user_id"] == user
    return answer


def settled(aws: LocalAWS, publish_homes: int, timeout_seconds: float = 15) -> None:
    """Every PublishHome invocation started so far (at least `publish_homes`) has ended."""
    deadline = time.monotonic() + timeout_seconds
    while aws.invocations.count(aws.function_names["PublishHomeFunction"]) < publish_homes:
        assert time.monotonic() < deadline, "PublishHome was not invoked"
        time.sleep(0.02)
    assert aws.settle(timeout_seconds)


def test_the_event_is_answered_before_the_home_is_published(
    aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN Slack taking 1.5 s to accept the Home (as a large Home's reads could)
    slack.fail("views.publish", "slow:1.5")
    # WHEN a member opens the Home tab
    started = time.monotonic()
    answer = post(aws, home_opened(MEMBER))
    answered_in = time.monotonic() - started
    # THEN Slack has its answer long before the publish is done
    assert answer["statusCode"] == 200
    assert answered_in < 1.0, answered_in
    # AND the member's Home is published after (the same code path as in AWS)
    (published,) = publishes(slack, 1)
    assert published["user_id"] == MEMBER
    assert published["view"]["type"] == "home"
    settled(aws, 1)


def test_an_event_slack_resends_publishes_the_home_once(aws: LocalAWS, slack: FakeSlack) -> None:
    # GIVEN one app_home_opened event, which Slack sends, then resends twice (X-Slack-Retry-Num)
    resends = [home_opened(MEMBER, "EvRESENT01", retry) for retry in (0, 1, 2)]
    invoked = aws.invocations.count(aws.function_names["PublishHomeFunction"])
    # WHEN each delivery reaches the webhook
    answers = [post(aws, event) for event in resends]
    settled(aws, invoked + 3)
    # THEN each is answered, and the Home was published once
    assert {answer["statusCode"] for answer in answers} == {200}
    assert len(slack.calls("views.publish")) == 1
    # AND a new opening (a new event) publishes it again
    open_home(aws, slack, MEMBER)
    assert len(slack.calls("views.publish")) == 2


def test_publish_home_acts_once_per_event_id(aws: LocalAWS, slack: FakeSlack) -> None:
    # GIVEN the PublishHome function's event, as the webhook hands it off
    event = {"team_id": "T1", "user_id": MEMBER, "event_id": "EvTWICE01"}
    # WHEN Lambda delivers it twice (an asynchronous invocation is delivered at least once)
    first = aws.invoke("PublishHomeFunction", event)
    second = aws.invoke("PublishHomeFunction", event)
    # THEN the second one publishes nothing
    assert (first, second) == ({"published": True}, {"published": False})
    assert len(slack.calls("views.publish")) == 1
