"""The fake Slack is as strict about OAuth and workspaces as Slack (`oauth.v2.access`'s errors,
token rotation, a token acting only on its own workspace), through the real slack_sdk client."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_workspaces import CLIENT_ID, CLIENT_SECRET, CODE_SECONDS, TOKEN_SECONDS

REDIRECT = "https://emoji.example/slack/oauth_redirect"
SCOPES = ("commands", "chat:write")


def exchange(slack: FakeSlack, code: str, **overrides: str) -> dict[str, object]:
    arguments = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "redirect_uri": REDIRECT,
    } | overrides
    answer = WebClient(base_url=slack.base_url).oauth_v2_access(**arguments)
    return dict(answer.data) if isinstance(answer.data, dict) else {}


def refused(call: object) -> str:
    assert callable(call)
    with pytest.raises(SlackApiError) as error:
        call()
    return str(error.value.response["error"])


def test_a_code_gives_its_workspace_a_token_of_its_own_once(slack: FakeSlack) -> None:
    # GIVEN two workspaces that each allowed the app
    code_a = slack.authorize("TA", REDIRECT, SCOPES, user="UA1")
    code_b = slack.authorize("TB", REDIRECT, SCOPES)

    # WHEN each code is exchanged
    a, b = exchange(slack, code_a), exchange(slack, code_b)

    # THEN each has its own bot token, saying whose it is; a code works once
    assert a["access_token"] != b["access_token"]
    assert a["token_type"] == "bot"
    assert a["team"] == {"id": "TA", "name": "Team TA"}
    assert a["authed_user"] == {"id": "UA1"}
    assert a["scope"] == "commands,chat:write"
    assert "refresh_token" not in a
    assert refused(lambda: exchange(slack, code_a)) == "invalid_code"
    whoami = WebClient(token=str(a["access_token"]), base_url=slack.base_url).auth_test()
    assert whoami["team_id"] == "TA"


def test_an_exchange_is_refused_as_slack_refuses_it(slack: FakeSlack) -> None:
    # GIVEN a code for a redirect URL
    code = slack.authorize("TA", REDIRECT, SCOPES)

    # THEN a wrong client, secret or redirect URL is refused, and the code still works after
    assert refused(lambda: exchange(slack, code, client_id="9.9")) == "invalid_client_id"
    assert refused(lambda: exchange(slack, code, client_secret="nope")) == "bad_client_secret"
    assert refused(lambda: exchange(slack, code, redirect_uri=REDIRECT + "x")) == "bad_redirect_uri"
    assert refused(lambda: exchange(slack, "code-unknown")) == "invalid_code"
    assert exchange(slack, code)["ok"] is True


def test_a_code_expires_after_ten_minutes(slack: FakeSlack) -> None:
    # GIVEN a code, and 10 minutes passing
    now = [1_800_000_000.0]
    slack.clock = lambda: now[0]
    code = slack.authorize("TA", REDIRECT, SCOPES)
    now[0] += CODE_SECONDS

    # THEN it is refused
    assert refused(lambda: exchange(slack, code)) == "invalid_code"


def test_with_rotation_tokens_expire_and_a_refresh_token_works_once(slack: FakeSlack) -> None:
    # GIVEN an app with token rotation, installed
    slack.token_rotation = True
    now = [1_800_000_000.0]
    slack.clock = lambda: now[0]
    installed = exchange(slack, slack.authorize("TA", REDIRECT, SCOPES))
    token, refresh = str(installed["access_token"]), str(installed["refresh_token"])
    assert installed["expires_in"] == TOKEN_SECONDS

    # WHEN 12 hours pass
    now[0] += TOKEN_SECONDS
    client = WebClient(token=token, base_url=slack.base_url)

    # THEN the token is refused; the refresh token gives a new one, once
    assert refused(client.auth_test) == "token_expired"
    refreshed = exchange(slack, "", grant_type="refresh_token", refresh_token=refresh)
    again = {"grant_type": "refresh_token", "refresh_token": refresh}
    assert refused(lambda: exchange(slack, "", **again)) == "invalid_refresh_token"
    new_client = WebClient(token=str(refreshed["access_token"]), base_url=slack.base_url)
    assert new_client.auth_test()["team_id"] == "TA"


def test_a_token_acts_only_on_its_own_workspace(slack: FakeSlack) -> None:
    # GIVEN workspace B installed, and a file, a channel and a member of workspace A
    token_b = str(exchange(slack, slack.authorize("TB", REDIRECT, SCOPES))["access_token"])
    slack.share_file("FA1", "cat.png", b"\x89PNG")
    b = WebClient(token=token_b, base_url=slack.base_url)
    a = WebClient(token=BOT_TOKEN, base_url=slack.base_url)

    # THEN B's token cannot see them, while A's can
    assert refused(lambda: b.files_info(file="FA1")) == "file_not_found"
    assert refused(lambda: b.chat_postMessage(channel="C1", text="hi")) == "channel_not_found"
    assert refused(lambda: b.users_info(user="U1")) == "user_not_found"
    home = {"type": "home", "blocks": []}
    assert refused(lambda: b.views_publish(user_id="U1", view=home)) == "user_not_found"
    assert a.files_info(file="FA1")["file"]["id"] == "FA1"
    assert a.chat_postMessage(channel="C1", text="hi")["ok"] is True
    # ... and each sees its own emoji
    slack.place("TB", "CB1")
    assert b.chat_postMessage(channel="CB1", text="hi")["ok"] is True
    assert "party" not in b.emoji_list()["emoji"]
    assert "party" in a.emoji_list()["emoji"]


def test_an_uninstalled_workspace_s_token_is_revoked(slack: FakeSlack) -> None:
    # GIVEN two workspaces installed
    token_a = str(exchange(slack, slack.authorize("TA", REDIRECT, SCOPES))["access_token"])
    token_b = str(exchange(slack, slack.authorize("TB", REDIRECT, SCOPES))["access_token"])

    # WHEN A removes the app
    slack.uninstall("TA")

    # THEN A's token is revoked and B's works
    a = WebClient(token=token_a, base_url=slack.base_url)
    assert refused(a.auth_test) == "token_revoked"
    assert WebClient(token=token_b, base_url=slack.base_url).auth_test()["team_id"] == "TB"
