"""The Grid org of a signed payload, as each kind of request carries it: what finds an
org-wide install's token."""

from __future__ import annotations

from emoji_smith.domain.slack_payloads import (
    AppGone,
    HomeOpened,
    MessageShortcut,
    SlashCommand,
    ViewSubmission,
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
