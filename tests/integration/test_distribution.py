"""Distribution mode end to end on the embedded AWS: two workspaces install the app through the
install flow (against the fake Slack, as strict as Slack about OAuth), each makes an emoji with
its own token; an expired token is refused by Slack and refreshed once; an uninstalled
workspace is stopped cold while the other works on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import ADMIN_TOKEN, FakeSlack
from fakes.http_fake import Recorded
from fakes.slack_payloads import SIGNING_SECRET, form, function_url_event, shortcut, submission
from fakes.slack_workspaces import CLIENT_ID, CLIENT_SECRET

HOST = "emoji.lambda-url.test"


@pytest.fixture(scope="module")
def distribution_aws(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalAWS]:
    environment = distribution_environment(fake_slack, tmp_path_factory)
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def distribution_environment(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Distribution mode against the fake Slack: a client id and secret, no bot token; an org
    admin's token left in the secret too, which distribution mode must never use (it would add
    every tenant's emoji to that admin's org)."""
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLACK_API_BASE_URL": fake_slack.base_url,
        "EMOJI_SMITH_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
    }


def browser_get(
    aws: LocalAWS,
    path: str,
    query: dict[str, str] | None = None,
    cookies: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A browser's GET on the Function URL (`cookies`: what it sends back, name=value; the
    Function URL's domain is Lambda's, whatever Host header the client sends)."""
    event = {
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": headers or {"host": HOST},
        "cookies": list(cookies),
        "requestContext": {"domainName": HOST, "http": {"method": "GET", "path": path}},
    }
    return aws.call("WebhookFunction", event)


def install(aws: LocalAWS, slack: FakeSlack, team: str) -> dict[str, Any]:
    """Someone opens the install page, allows the app in `team` on Slack, and is sent back."""
    page = browser_get(aws, "/slack/install")
    assert page["statusCode"] == 200, page
    href = page["body"].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    link = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert link["redirect_uri"] == f"https://{HOST}/slack/oauth_redirect"
    code = slack.authorize(team, link["redirect_uri"], link["scope"].split(","), user=f"U{team}")
    kept = [cookie.split(";", 1)[0] for cookie in page["cookies"]]  # the browser keeps them
    query = {"code": code, "state": link["state"]}
    return browser_get(aws, "/slack/oauth_redirect", query, tuple(kept))


def test_a_forged_host_does_not_change_the_install_s_redirect(
    distribution_aws: LocalAWS,
) -> None:
    # WHEN a client opens the install page naming another host and plain HTTP
    forged = {"host": "evil.example", "x-forwarded-proto": "http"}
    page = browser_get(distribution_aws, "/slack/install", headers=forged)

    # THEN Slack is still told to send the browser back to the Function URL, and the state's
    # cookie is still Secure
    href = page["body"].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    link = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert link["redirect_uri"] == f"https://{HOST}/slack/oauth_redirect"
    assert "; Secure" in page["cookies"][0]


def in_team(payload: dict[str, Any], team: str) -> dict[str, Any]:
    """The test payload as workspace `team` sends it: its team, member and channel ids."""
    text = json.dumps(payload)
    for ours, theirs in (("T1", team), ("U1", f"U{team}"), ("C1", f"C{team}")):
        text = text.replace(f'"{ours}"', f'"{theirs}"')
    moved: dict[str, Any] = json.loads(text)
    return moved


def post(aws: LocalAWS, payload: dict[str, Any]) -> dict[str, Any]:
    return aws.call("WebhookFunction", function_url_event(form(payload)))


def make_emoji(
    aws: LocalAWS, slack: FakeSlack, team: str, view_id: str, enterprise: str = ""
) -> dict[str, Any]:
    """A member of `team` (of Grid org `enterprise`) runs the shortcut and submits; the run,
    once ended."""

    def signed(payload: dict[str, Any]) -> dict[str, Any]:
        return in_org(payload, team, enterprise) if enterprise else in_team(payload, team)

    answer = post(aws, signed(shortcut(slack.response_url())))
    assert answer["statusCode"] == 200, answer
    opened = slack.calls("views.open")[-1]
    view = slack.params(opened)["view"]
    answer = post(aws, signed(submission(view, view_id, description="ship it")))
    assert answer["statusCode"] == 200, answer
    return aws.wait(aws.execution_arn(f"{team}-{view_id}"))


def slack_calls_by(slack: FakeSlack) -> set[str | None]:
    return {
        slack.team_of(r) for r in slack.requests if r.path.startswith("/api/") and not _oauth(r)
    }


def _oauth(request: Recorded) -> bool:
    return request.path == "/api/oauth.v2.access"


def test_two_workspaces_install_make_emoji_rotate_and_uninstall(
    distribution_aws: LocalAWS, slack: FakeSlack
) -> None:
    aws = distribution_aws
    # GIVEN two workspaces installed through the flow (TA with a token that expires at once)
    slack.place("TA", "UTA", "CTA")
    slack.place("TB", "UTB", "CTB")
    slack.token_rotation = True
    slack.token_seconds = 1
    installed_a = install(aws, slack, "TA")
    slack.token_seconds = 43_200
    installed_b = install(aws, slack, "TB")
    assert installed_a["statusCode"] == installed_b["statusCode"] == 200
    assert "Create emoji" in installed_b["body"]

    # WHEN TA's token has expired: Slack refuses it
    slack.clock = lambda: time.time() + 2  # Slack's clock past TA's second
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=_token_issued_to(slack, "TA"), base_url=slack.base_url).auth_test()
    assert refused.value.response["error"] == "token_expired"

    # THEN each workspace makes an emoji with its own token; TA's is refreshed once, first
    slack.requests.clear()
    run_a = make_emoji(aws, slack, "TA", "VA")
    assert run_a["status"] == "SUCCEEDED", run_a.get("cause")
    assert slack_calls_by(slack) == {"TA"}
    assert slack.calls("admin.emoji.add") == []  # not with the admin's token, in no org
    (complete,) = slack.calls("files.completeUploadExternal")
    assert slack.params(complete)["channel_id"] == "CTA"
    refreshes = [r for r in slack.calls("oauth.v2.access") if slack.params(r).get("refresh_token")]
    assert len(refreshes) == 1
    slack.requests.clear()
    run_b = make_emoji(aws, slack, "TB", "VB")
    assert run_b["status"] == "SUCCEEDED", run_b.get("cause")
    assert slack_calls_by(slack) == {"TB"}
    assert slack.calls("oauth.v2.access") == []
    # ... and no token is in any run's input (what Step Functions keeps in its history)
    sfn = aws.client("stepfunctions")
    for name in ("TA-VA", "TB-VB"):
        execution = sfn.describe_execution(executionArn=aws.execution_arn(name))
        assert "xox" not in execution["input"]

    # WHEN TB uninstalls the app (Slack revokes its tokens and tells the app)
    slack.uninstall("TB")
    gone = {
        "type": "event_callback",
        "team_id": "TB",
        "event": {"type": "app_uninstalled"},
        "event_id": "Ev1",
    }
    body = json.dumps(gone).encode()
    answer = aws.call("WebhookFunction", function_url_event(body, "application/json"))
    assert answer["statusCode"] == 200, answer

    # THEN a TB shortcut reaches no Slack method at all; TA works on
    slack.requests.clear()
    stopped = post(aws, in_team(shortcut(slack.response_url()), "TB"))
    assert stopped["statusCode"] == 200  # answered, doing nothing
    assert slack_calls_by(slack) == set()
    slack.requests.clear()
    run_a_again = make_emoji(aws, slack, "TA", "VA2")
    assert run_a_again["status"] == "SUCCEEDED", run_a_again.get("cause")
    assert slack_calls_by(slack) == {"TA"}


def _token_issued_to(slack: FakeSlack, team: str) -> str:
    return next(t for t, token in slack.tokens.items() if token.team == team)


def install_org_wide(aws: LocalAWS, slack: FakeSlack, enterprise: str) -> dict[str, Any]:
    """An org admin installs the app on the whole Grid org (Slack's answer names no team)."""
    page = browser_get(aws, "/slack/install")
    href = page["body"].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    link = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    scopes = link["scope"].split(",")
    code = slack.authorize(None, link["redirect_uri"], scopes, enterprise=enterprise, user="UADM")
    kept = [cookie.split(";", 1)[0] for cookie in page["cookies"]]
    query = {"code": code, "state": link["state"]}
    return browser_get(aws, "/slack/oauth_redirect", query, tuple(kept))


def in_org(payload: dict[str, Any], team: str, enterprise: str) -> dict[str, Any]:
    """The payload as workspace `team` of Grid org `enterprise` signs it."""
    return in_team(payload, team) | {
        "enterprise": {"id": enterprise},
        "is_enterprise_install": True,
    }


def grid_org_installed(aws: LocalAWS, slack: FakeSlack, org: str, *teams: str) -> dict[str, Any]:
    """Grid org `org` with its workspaces `teams` (a member and a channel each), the app
    installed org-wide (no token rotation): the install's answer page."""
    slack.token_rotation = False
    slack.grid_org(org, *teams)
    for team in teams:
        slack.place(team, f"U{team}", f"C{team}")
    return install_org_wide(aws, slack, org)


def test_an_org_wide_install_serves_each_workspace_of_its_org_only(
    distribution_aws: LocalAWS, slack: FakeSlack
) -> None:
    aws = distribution_aws
    # GIVEN the app installed org-wide on Grid org E1 (one token for the org, no team) and
    # added to its workspaces TGA and TGB
    installed = grid_org_installed(aws, slack, "E1", "TGA", "TGB")
    assert installed["statusCode"] == 200, installed
    org_tokens = {t for t, token in slack.tokens.items() if token.enterprise == "E1"}
    assert len(org_tokens) == 1

    # WHEN members of two workspaces of the org run the shortcut
    for team in ("TGA", "TGB"):
        slack.requests.clear()
        answer = post(aws, in_org(shortcut(slack.response_url()), team, "E1"))

        # THEN each is answered with the form, opened with the org's token in its workspace
        assert answer["statusCode"] == 200, answer
        (opened,) = slack.calls("views.open")
        assert _bearer_of(opened) in org_tokens
        assert slack_calls_by(slack) == {team}

    # WHEN a member of TGB submits it
    view = slack.params(slack.calls("views.open")[-1])["view"]
    slack.requests.clear()
    submitted = post(aws, in_org(submission(view, "VG", description="ship it"), "TGB", "E1"))
    assert submitted["statusCode"] == 200, submitted
    arn = aws.execution_arn("TGB-VG")
    sfn = aws.client("stepfunctions")
    request = json.loads(sfn.describe_execution(executionArn=arn)["input"])["request"]
    assert (request["team_id"], request["enterprise_id"]) == ("TGB", "E1")
    run = aws.wait(arn)

    # THEN the job succeeds, every Slack call of it is made in TGB with the org's token, and
    # the emoji is shared in TGB's thread: nothing lands in TGA
    assert run["status"] == "SUCCEEDED", run.get("cause")
    assert {_bearer_of(r) for r in slack.requests if r.path.startswith("/api/")} <= org_tokens
    assert slack_calls_by(slack) == {"TGB"}
    (complete,) = slack.calls("files.completeUploadExternal")
    assert slack.params(complete)["channel_id"] == "CTGB"
    (shared,) = json.loads(slack.params(complete)["files"])
    assert slack.owners_team[shared["id"]] == "TGB"

    # WHEN a workspace of another org (not installed) runs it: answered, nothing done
    slack.requests.clear()
    outside = post(aws, in_org(shortcut(slack.response_url()), "TX", "E2"))
    assert outside["statusCode"] == 200
    assert slack_calls_by(slack) == set()


def _bearer_of(request: Recorded) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def post_event(aws: LocalAWS, event: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    """An Events API event as Slack signs and sends it."""
    body = {"type": "event_callback", "event": event, "event_id": f"Ev{time.time_ns()}"}
    sent = function_url_event(json.dumps(body | envelope).encode(), "application/json")
    answer = aws.call("WebhookFunction", sent)
    assert answer["statusCode"] == 200, answer
    return answer


def stored_jobs(aws: LocalAWS) -> set[str]:
    table = aws.physical_ids["JobsTable"]
    items = aws.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return {item["job_id"]["S"] for item in items}


def eventually(check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_an_org_wide_uninstall_stops_every_workspace_of_its_org_and_forgets_their_data(
    distribution_aws: LocalAWS, slack: FakeSlack
) -> None:
    aws = distribution_aws
    # GIVEN org E3's org-wide install added to its workspaces TGC and TGD, TC installed on its
    # own, and an emoji made in TGD and one in TC
    assert grid_org_installed(aws, slack, "E3", "TGC", "TGD")["statusCode"] == 200
    slack.place("TC", "UTC", "CTC")
    assert install(aws, slack, "TC")["statusCode"] == 200
    for team, view_id, enterprise in (("TGD", "VU1", "E3"), ("TC", "VU2", "")):
        run = make_emoji(aws, slack, team, view_id, enterprise)
        assert run["status"] == "SUCCEEDED", run.get("cause")
    assert {"TGD-VU1", "TC-VU2"} <= stored_jobs(aws)

    # WHEN an org admin removes the app from the org's workspaces (Slack's team_access_revoked,
    # which an org-wide uninstall needs first)
    post_event(aws, {"type": "team_access_revoked", "team_ids": ["TGC", "TGD"]}, enterprise_id="E3")

    # THEN TGD's data is deleted, and TC's kept
    eventually(lambda: "TGD-VU1" not in stored_jobs(aws))
    assert "TC-VU2" in stored_jobs(aws)

    # WHEN the admin uninstalls it from the org: Slack revokes the org's token and tells the app
    # (the installation it applies to is the org's; the envelope names no workspace)
    slack.uninstall("E3")
    org_install = {"enterprise_id": "E3", "team_id": None, "is_enterprise_install": True}
    post_event(aws, {"type": "app_uninstalled"}, enterprise_id="E3", authorizations=[org_install])

    # THEN a shortcut from either workspace of the org reaches no Slack method at all
    for team in ("TGC", "TGD"):
        slack.requests.clear()
        stopped = post(aws, in_org(shortcut(slack.response_url()), team, "E3"))
        assert stopped["statusCode"] == 200  # answered, doing nothing
        assert slack_calls_by(slack) == set()
    # ... while TC, installed on its own, works on with its data
    slack.requests.clear()
    assert post(aws, in_team(shortcut(slack.response_url()), "TC"))["statusCode"] == 200
    assert slack_calls_by(slack) == {"TC"}
    assert "TC-VU2" in stored_jobs(aws)
