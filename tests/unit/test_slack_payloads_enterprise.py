"""The Grid org of a signed payload, as each kind of request carries it: what finds an
org-wide install's token, and which installation an uninstall removes."""

from __future__ import annotations

import pytest

from emoji_smith.domain.slack_payloads import (
    AppGone,
    HomeOpened,
    MessageShortcut,
    SlashCommand,
    ViewSubmission,
    WorkspacesRevoked,
    parse_command,
    parse_event,
    parse_interaction,
)


def test_an_interaction_names_its_org_in_enterprise_id() -> None:
    # GIVEN a shortcut and a submission from workspace T1 of org E1 (Slack's `enterprise`)
    shortcut = {"type": "message_action", "team": {"id": "T1"}, "enterprise": {"id": "E1"}}
    submitted = {"type": "view_submission", "team": {"id": "T1"}, "enterprise": {"id": "E1"}}

    # WHEN they are parsed
    run, submission = parse_interaction(shortcut), parse_interaction(submitted)

    # THEN each keeps its team and its org
    assert isinstance(run, MessageShortcut)
    assert isinstance(submission, ViewSubmission)
    assert {(run.team, run.enterprise), (submission.team, submission.enterprise)} == {("T1", "E1")}


def test_no_org_is_empty() -> None:
    # GIVEN a shortcut from a workspace outside Grid (Slack sends `enterprise: null`)
    shortcut = {"type": "message_action", "team": {"id": "T1"}, "enterprise": None}

    # THEN it names no org
    parsed = parse_interaction(shortcut)
    assert isinstance(parsed, MessageShortcut)
    assert parsed.enterprise == ""


def test_a_command_and_events_name_their_org_in_enterprise_id() -> None:
    # GIVEN a slash command's fields and two event envelopes from org E1
    command = parse_command({"command": "/emoji", "team_id": "T1", "enterprise_id": "E1"})
    home = {"team_id": "T1", "enterprise_id": "E1", "event": {"type": "app_home_opened"}}
    gone = {"team_id": "T1", "enterprise_id": "E1", "event": {"type": "app_uninstalled"}}

    # THEN each keeps its team and its org
    opened, uninstalled = parse_event(home), parse_event(gone)
    assert isinstance(command, SlashCommand)
    assert isinstance(opened, HomeOpened)
    assert isinstance(uninstalled, AppGone)
    assert {(p.team, p.enterprise) for p in (command, opened, uninstalled)} == {("T1", "E1")}


def gone_from(authorization: dict[str, object], team: str | None) -> dict[str, object]:
    """An `app_uninstalled` envelope from org E1, for the installation `authorization` names."""
    envelope: dict[str, object] = {
        "type": "event_callback",
        "enterprise_id": "E1",
        "event": {"type": "app_uninstalled"},
        "authorizations": [{"enterprise_id": "E1", "is_bot": True, **authorization}],
    }
    return envelope | ({"team_id": team} if team else {})


@pytest.mark.parametrize("team", ["TGA", None], ids=["naming-a-workspace", "naming-none"])
def test_an_org_wide_uninstall_is_the_org_s_installation(team: str | None) -> None:
    # GIVEN the org-wide install removed (authorizations: is_enterprise_install, no team)
    envelope = gone_from({"team_id": None, "is_enterprise_install": True}, team)

    # WHEN it is parsed
    gone = parse_event(envelope)

    # THEN the installation gone is the org's, whichever workspace the envelope names
    assert isinstance(gone, AppGone)
    assert (gone.org_wide, gone.installation) == (True, ("", "E1"))
    assert gone.team == (team or "")


def test_a_workspace_s_own_uninstall_inside_an_org_is_that_workspace_s() -> None:
    # GIVEN workspace T1 of org E1, installed on its own, removing the app
    envelope = gone_from({"team_id": "T1", "is_enterprise_install": False}, "T1")

    # THEN only T1's installation is gone, never the org's
    gone = parse_event(envelope)
    assert isinstance(gone, AppGone)
    assert (gone.org_wide, gone.installation) == (False, ("T1", None))


def test_an_org_install_removed_from_workspaces_names_them() -> None:
    # GIVEN Slack's team_access_revoked: the org's install removed from two workspaces
    envelope = {
        "type": "event_callback",
        "enterprise_id": "E1",
        "event": {"type": "team_access_revoked", "team_ids": ["TGA", "TGB"]},
    }

    # THEN both are named, with their org
    assert parse_event(envelope) == WorkspacesRevoked(("TGA", "TGB"), "E1")


def test_an_org_wide_interaction_without_a_team_is_the_member_s_workspace() -> None:
    # GIVEN a shortcut to an org-wide install, whose `team` Slack left null
    shortcut = {
        "type": "message_action",
        "team": None,
        "user": {"id": "U1", "team_id": "TGB"},
        "enterprise": {"id": "E1"},
    }

    # THEN its workspace is the member's, as Slack signed it
    parsed = parse_interaction(shortcut)
    assert isinstance(parsed, MessageShortcut)
    assert (parsed.team, parsed.enterprise) == ("TGB", "E1")
