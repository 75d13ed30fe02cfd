"""Distribution mode's install flow and token rotation: the use cases on in-memory stores, with
the real slack_sdk OAuth client against the fake Slack (as strict as Slack about codes, states,
the client secret, expiring tokens and single-use refresh tokens)."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from emoji_smith.adapters.slack_oauth import SlackOAuthClient
from emoji_smith.application.installing import (
    Page,
    bot_token,
    finish_install,
    install_page,
    uninstall,
)
from emoji_smith.domain.errors import NotInstalled, SlackUnavailable
from emoji_smith.domain.installations import (
    BOT_SCOPES,
    STATE_SECONDS,
    WEBHOOK_REFRESH_WAIT_SECONDS,
)
from fakes.fake_slack import FakeSlack
from fakes.in_memory_installations import InMemoryInstallations, InMemoryStates
from fakes.slack_workspaces import CLIENT_ID, CLIENT_SECRET

REDIRECT = "https://emoji.example/slack/oauth_redirect"


class World:
    def __init__(self, slack: FakeSlack, secret: str = CLIENT_SECRET) -> None:
        self.slack = slack
        self.oauth = SlackOAuthClient(CLIENT_ID, secret, REDIRECT, BOT_SCOPES, slack.base_url)
        self.states = InMemoryStates()
        self.installations = InMemoryInstallations()
        self.now = int(time.time())

    def link(self, team: str = "") -> dict[str, str]:
        page = install_page(self.oauth, self.states, self.now, team)
        assert page.status == 200
        href = page.html.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert href.startswith(self.slack.base_url.removesuffix("api/") + "oauth/v2/authorize?")
        return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}

    def install(self, team: str, **redirect: str) -> tuple[int, str]:
        """A member opens the install page, allows the app in `team`, and is sent back."""
        link = self.link()
        code = self.slack.authorize(team, link["redirect_uri"], link["scope"].split(","))
        query = {"code": code, "state": link["state"]} | redirect
        page = self.finish(query, link["state"])
        return page.status, page.html

    def finish(self, query: dict[str, str], browser_state: str, now: int | None = None) -> Page:
        """Slack's redirect back, in a browser holding `browser_state`."""
        return finish_install(
            query,
            self.oauth,
            self.states,
            self.installations,
            self.now if now is None else now,
            browser_state=browser_state,
        )

    def token(self, team: str) -> str:
        return bot_token(
            self.installations, lambda: self.oauth, team, clock=time.time, sleep=time.sleep
        )


def test_the_install_link_asks_slack_for_the_manifest_s_scopes(slack: FakeSlack) -> None:
    # WHEN someone opens the install page
    link = World(slack).link()

    # THEN its Add to Slack link carries the client id, the bot scopes, a state, the redirect
    assert link["client_id"] == CLIENT_ID
    assert tuple(link["scope"].split(",")) == BOT_SCOPES
    assert link["redirect_uri"] == REDIRECT
    assert link["state"]


def test_two_workspaces_install_and_each_gets_its_own_token(slack: FakeSlack) -> None:
    # GIVEN the app, not yet installed anywhere
    world = World(slack)

    # WHEN two workspaces install it through the flow
    status_a, page_a = world.install("TA")
    status_b, _ = world.install("TB")

    # THEN each is stored with its own token, and the page says what to do next
    assert (status_a, status_b) == (200, 200)
    assert "Create emoji" in page_a
    assert "TA" in page_a
    token_a, token_b = world.token("TA"), world.token("TB")
    assert token_a != token_b
    assert WebClient(token=token_a, base_url=slack.base_url).auth_test()["team_id"] == "TA"
    assert WebClient(token=token_b, base_url=slack.base_url).auth_test()["team_id"] == "TB"
    installed = world.installations.find("TA")
    assert installed is not None
    assert installed.installer_user_id == "U1"
    assert installed.bot_scopes == BOT_SCOPES


def test_a_refusal_says_why_and_stores_nothing(slack: FakeSlack) -> None:
    world = World(slack)
    link = world.link()

    # a member who cancels on Slack's page
    denied = world.finish({"error": "access_denied", "state": link["state"]}, link["state"])
    assert (denied.status, "cancelled" in denied.html) == (400, True)

    # a forged or reused state
    code = slack.authorize("TA", REDIRECT, BOT_SCOPES)
    forged = world.finish({"code": code, "state": "forged"}, "forged", now=0)
    assert forged.status == 400
    assert "expired" in forged.html

    # a state older than 10 minutes
    stale = world.link()
    late = world.finish(
        {"code": code, "state": stale["state"]}, stale["state"], now=world.now + STATE_SECONDS
    )
    assert late.status == 400
    assert world.installations.items == {}


def test_a_link_for_one_workspace_installed_in_another_is_refused(slack: FakeSlack) -> None:
    # GIVEN a link made for workspace TA
    world = World(slack)
    link = world.link(team="TA")
    assert link["team"] == "TA"

    # WHEN the member installs into TB instead
    code = slack.authorize("TB", link["redirect_uri"], BOT_SCOPES)
    page = world.finish({"code": code, "state": link["state"]}, link["state"])

    # THEN the page says so, and nothing is stored
    assert page.status == 403
    assert "TA" in page.html
    assert "TB" in page.html
    assert world.installations.items == {}


@pytest.mark.parametrize(
    "asked",
    [
        "T1&user_scope=chat:write&redirect_uri=https://evil.example",  # ?team=T1%26user_scope...
        "T1#",
        "t1",
        "E1",
    ],
)
def test_a_team_that_is_not_a_workspace_id_is_left_out_of_the_link(
    slack: FakeSlack, asked: str
) -> None:
    # WHEN the install page is opened with a `team` that is not a workspace id
    world = World(slack)
    page = install_page(world.oauth, world.states, world.now, asked)
    href = page.html.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")

    # THEN its link carries exactly our parameters, none of the asker's
    query = parse_qs(urlsplit(href).query, keep_blank_values=True)
    assert sorted(query) == ["client_id", "redirect_uri", "scope", "state", "user_scope"]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["user_scope"] == [""]
    assert "#" not in href


def test_a_wrong_client_secret_is_refused_by_slack_and_said(slack: FakeSlack) -> None:
    status, page = World(slack, secret="stale-secret").install("TA")
    assert status == 400
    assert "bad_client_secret" in page


def test_a_token_due_for_refresh_is_refreshed_once_for_many_callers(slack: FakeSlack) -> None:
    # GIVEN a rotating install whose token expires within two hours
    slack.token_rotation = True
    slack.token_seconds = 3600
    world = World(slack)
    assert world.install("TA")[0] == 200
    old = world.installations.find("TA")
    assert old is not None
    slack.requests.clear()
    slack.token_seconds = 43_200  # the refreshed one lasts

    # WHEN eight functions need the token at once
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(world.token("TA"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN Slack was asked once; every function after uses the refreshed token
    assert len(slack.calls("oauth.v2.access")) == 1
    new = world.installations.find("TA")
    assert new is not None
    assert new.bot_token != old.bot_token
    assert set(tokens) <= {old.bot_token, new.bot_token}
    assert world.token("TA") == new.bot_token
    assert len(slack.calls("oauth.v2.access")) == 1


def test_an_expired_token_is_refused_by_slack_and_refreshed_before_use(slack: FakeSlack) -> None:
    # GIVEN a rotating install whose token has expired
    slack.token_rotation = True
    slack.token_seconds = 1
    world = World(slack)
    assert world.install("TA")[0] == 200
    old = world.installations.find("TA")
    assert old is not None
    slack.clock = lambda: time.time() + 2  # Slack's clock past its second
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=old.bot_token, base_url=slack.base_url).auth_test()
    assert refused.value.response["error"] == "token_expired"

    # WHEN a function needs it
    slack.token_seconds = 43_200
    token = world.token("TA")

    # THEN it is refreshed once and works
    assert WebClient(token=token, base_url=slack.base_url).auth_test()["team_id"] == "TA"
    assert world.token("TA") == token
    refreshes = [r for r in slack.calls("oauth.v2.access") if slack.params(r).get("grant_type")]
    assert len(refreshes) == 1


def test_an_uninstalled_workspace_has_no_token(slack: FakeSlack) -> None:
    # GIVEN two workspaces installed
    world = World(slack)
    world.install("TA")
    world.install("TB")

    # WHEN TA removes the app
    assert uninstall(world.installations, "TA", None)

    # THEN TA has no token; TB's still works
    with pytest.raises(NotInstalled):
        world.token("TA")
    assert world.token("TB")
    assert not uninstall(world.installations, "TA", None)


def test_a_redirect_to_another_browser_than_the_install_s_is_refused(slack: FakeSlack) -> None:
    # GIVEN an install started in one browser (its state in that browser's cookie)
    world = World(slack)
    link = world.link()
    code = slack.authorize("TA", link["redirect_uri"], BOT_SCOPES)

    # WHEN Slack's redirect arrives in a browser without it (a link sent to someone else)
    page = world.finish({"code": code, "state": link["state"]}, "")

    # THEN it is refused, the code is not spent and the state still works in the first browser
    assert page.status == 400
    assert "another browser" in page.html
    assert world.installations.items == {}
    again = world.finish({"code": code, "state": link["state"]}, link["state"])
    assert again.status == 200


def test_no_token_code_or_secret_is_logged_even_at_debug(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN every logger at DEBUG (slack_sdk logs each request's form and answer there)
    caplog.set_level(logging.DEBUG)
    slack.token_rotation = True
    slack.token_seconds = 60  # due for refresh at once

    # WHEN a workspace installs and its token is refreshed
    world = World(slack)
    assert world.install("TA")[0] == 200
    token = world.token("TA")

    # THEN no token, refresh token, code or client secret is in any log line
    installed = world.installations.find("TA")
    assert installed is not None
    assert token == installed.bot_token
    assert "xoxb-" not in caplog.text
    assert "xoxe-" not in caplog.text
    assert "code-" not in caplog.text
    assert CLIENT_SECRET not in caplog.text


def test_the_webhook_waits_at_most_a_second_for_a_token_another_is_refreshing(
    slack: FakeSlack,
) -> None:
    # GIVEN an expired rotating token whose refresh another function holds
    slack.token_rotation = True
    world = World(slack)
    assert world.install("TA")[0] == 200
    found = world.installations.find("TA")
    assert found is not None
    assert found.bot_token_expires_at is not None
    now = [float(found.bot_token_expires_at + 1)]
    assert world.installations.claim_refresh(found, int(now[0]), 30)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    # WHEN a shortcut needs it (Slack's trigger_id lasts 3 s from the click)
    with pytest.raises(SlackUnavailable):
        bot_token(
            world.installations,
            lambda: world.oauth,
            "TA",
            clock=lambda: now[0],
            sleep=sleep,
            wait_seconds=WEBHOOK_REFRESH_WAIT_SECONDS,
        )

    # THEN it gave up within the webhook's second, not the steps' five
    waited = now[0] - (found.bot_token_expires_at + 1)
    assert WEBHOOK_REFRESH_WAIT_SECONDS <= waited < WEBHOOK_REFRESH_WAIT_SECONDS + 0.2
