"""`emoji-smith serve` in distribution mode: the app's client id and secret, no bot token; a
workspace installs from the install page and its members' shortcuts use its own token."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from test_serve import send, serve

from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import form, shortcut
from fakes.slack_workspaces import CLIENT_ID, CLIENT_SECRET

#: A browser: it keeps the cookies serve sets (the install's state).
BROWSER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())


def get(url: str) -> tuple[int, str]:
    try:
        with BROWSER.open(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_workspace_installs_from_serve_and_its_shortcut_uses_its_token(
    tmp_path: Path, slack: FakeSlack
) -> None:
    # GIVEN serve with the app's client id and secret, and no bot token
    with serve(
        tmp_path,
        slack,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_BOT_TOKEN="",
    ) as events_url:
        base = events_url.removesuffix("/slack/events")

        # WHEN someone opens the install page, allows the app in TS, and comes back
        status, page = get(f"{base}/slack/install")
        assert status == 200, page
        href = page.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        link = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        assert link["redirect_uri"] == f"{base}/slack/oauth_redirect"
        code = slack.authorize("TS", link["redirect_uri"], link["scope"].split(","))
        query = urlencode({"code": code, "state": link["state"]})
        status, done = get(f"{base}/slack/oauth_redirect?{query}")

        # THEN it is installed, and a TS member's shortcut opens the modal with TS's token
        assert status == 200, done
        assert "Create emoji" in done
        payload = shortcut(slack.response_url())
        payload["team"] = {"id": "TS"}
        assert send(events_url, form(payload))[0] == 200
        (opened,) = slack.calls("views.open")
        assert slack.team_of(opened) == "TS"
        # ... and the same link cannot be used twice
        status, again = get(f"{base}/slack/oauth_redirect?{query}")
        assert status == 400
        assert "not installed" in again
