"""The fake Slack is as strict about OAuth and workspaces as Slack (`oauth.v2.access`'s errors,
token rotation, a token acting only on its own workspace, an org-wide install's token naming the
workspace it acts in), through the real slack_sdk client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

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


# -- Enterprise Grid: an org-wide install's token names its workspace ---------------------------

HELLO = [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}]
MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Emoji"}, "blocks": HELLO}
HOME = {"type": "home", "blocks": HELLO}
#: Every Web API method the app calls with its bot token, as its adapters call it (`team`: the
#: workspace named, none when empty).
APP_CALLS: dict[str, Callable[[WebClient, dict[str, Any]], object]] = {
    "views.open": lambda c, t: c.views_open(trigger_id="1.2.3", view=MODAL, **t),
    "views.publish": lambda c, t: c.views_publish(user_id="UTGA", view=HOME, **t),
    "emoji.list": lambda c, t: c.emoji_list(**t),
    "users.info": lambda c, t: c.users_info(user="UTGA", **t),
    "conversations.info": lambda c, t: c.conversations_info(channel="CTGA", **t),
    "conversations.join": lambda c, t: c.conversations_join(channel="CTGA", **t),
    "conversations.open": lambda c, t: c.conversations_open(users="UTGA", **t),
    "chat.postMessage": lambda c, t: c.chat_postMessage(channel="CTGA", text="hi", **t),
    "reactions.add": lambda c, t: c.reactions_add(channel="CTGA", timestamp="1.2", name="x", **t),
    "files.info": lambda c, t: c.files_info(file="FTGA", **t),
    "files.getUploadURLExternal": lambda c, t: c.files_getUploadURLExternal(
        filename="a.png", length=4, **t
    ),
    "files.completeUploadExternal": lambda c, t: c.files_completeUploadExternal(
        files=[{"id": "F0", "title": "a"}], channel_id="CTGA", **t
    ),
}


def org_wide(slack: FakeSlack, enterprise: str = "E1") -> str:
    """The bot token of an org-wide install on Grid org `enterprise` (Slack names no team)."""
    code = slack.authorize(None, REDIRECT, SCOPES, enterprise=enterprise)
    installed = exchange(slack, code)
    assert (installed["team"], installed["is_enterprise_install"]) == (None, True)
    return str(installed["access_token"])


@pytest.fixture
def grid(slack: FakeSlack) -> WebClient:
    """Org E1's org-wide install, added to its workspaces TGA and TGB; a file, a channel and a
    member of TGA; TX, a workspace of another org."""
    slack.grid_org("E1", "TGA", "TGB")
    slack.grid_org("E2", "TX")
    slack.share_file("FTGA", "cat.png", b"\x89PNG", team="TGA")
    slack.place("TGA", "CTGA", "UTGA")
    return WebClient(token=org_wide(slack), base_url=slack.base_url)


@pytest.mark.parametrize("method", list(APP_CALLS))
def test_an_org_token_naming_no_workspace_is_refused(grid: WebClient, method: str) -> None:
    # WHEN the org's token calls a method without saying which workspace it acts in
    # THEN Slack refuses it: the argument is missing (it "can represent many workspaces")
    assert refused(lambda: APP_CALLS[method](grid, {})) == "missing_argument"


@pytest.mark.parametrize("team", ["TX", "TNOORG"])
@pytest.mark.parametrize("method", list(APP_CALLS))
def test_an_org_token_naming_a_workspace_it_was_not_added_to_is_refused(
    grid: WebClient, method: str, team: str
) -> None:
    # WHEN the org's token names a workspace of another org, or of none
    # THEN Slack refuses it: the token has no access to that workspace
    named = {"team_id": team}
    assert refused(lambda: APP_CALLS[method](grid, named)) == "team_access_not_granted"


@pytest.mark.parametrize("method", list(APP_CALLS))
def test_an_org_token_naming_its_workspace_acts_there(
    slack: FakeSlack, grid: WebClient, method: str
) -> None:
    # WHEN the org's token names the workspace the things belong to
    answer = APP_CALLS[method](grid, {"team_id": "TGA"})

    # THEN Slack does it there
    assert isinstance(answer, SlackResponse)
    assert answer["ok"] is True
    assert slack.team_of(slack.requests[-1]) == "TGA"


def test_an_org_token_s_files_and_emoji_are_the_named_workspace_s(
    slack: FakeSlack, grid: WebClient
) -> None:
    # GIVEN a channel of TGB, and an emoji of each workspace
    slack.place("TGB", "CTGB")
    slack.team_emoji["TGA"] = {"ours_a": "https://emoji.test/a.png"}
    slack.team_emoji["TGB"] = {"ours_b": "https://emoji.test/b.png"}
    in_b = WebClient(token=grid.token, base_url=slack.base_url, team_id="TGB")

    # WHEN the org's token acts in TGB: an upload, TGA's file, the emoji list
    uploaded = in_b.files_upload_v2(channel="CTGB", file=b"\x89PNG", filename="e.png")

    # THEN the file is TGB's, TGA's file is not found from TGB, and TGB's emoji are listed
    assert slack.owners_team[str(uploaded["file"]["id"])] == "TGB"
    assert refused(lambda: in_b.files_info(file="FTGA")) == "file_not_found"
    assert set(in_b.emoji_list()["emoji"]) == {"ours_b"}
    # ... and the token itself is the org's (auth.test names no workspace)
    whoami = grid.auth_test()
    assert (whoami["is_enterprise_install"], whoami["enterprise_id"]) == (True, "E1")


def test_a_workspace_token_naming_another_workspace_still_acts_only_on_its_own(
    slack: FakeSlack,
) -> None:
    # GIVEN workspace B installed, and a file and a channel of workspace A (T1)
    token_b = str(exchange(slack, slack.authorize("TB", REDIRECT, SCOPES))["access_token"])
    slack.share_file("FA1", "cat.png", b"\x89PNG")
    b = WebClient(token=token_b, base_url=slack.base_url, team_id="T1")

    # WHEN B's token names A (Slack ignores a workspace token's team_id)
    # THEN it still reaches nothing of A, and acts as B
    assert refused(lambda: b.files_info(file="FA1")) == "file_not_found"
    assert refused(lambda: b.chat_postMessage(channel="C1", text="hi")) == "channel_not_found"
    assert "party" not in b.emoji_list()["emoji"]
    assert b.auth_test()["team_id"] == "TB"
