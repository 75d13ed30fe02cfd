"""Retention's use cases on in-memory ports, and which Slack events delete a workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emoji_smith.application.retention import (
    forget_member,
    forget_workspace,
    forget_workspace_later,
    forget_workspaces_later,
)
from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.installations import Installation
from emoji_smith.domain.models import EmojiRequest, JobStatus
from emoji_smith.domain.quotas import Charge, Limits, Period
from emoji_smith.domain.slack_payloads import AppGone, OtherEvent, parse_event
from emoji_smith.ports import Ports
from fakes.in_memory import InMemoryImages, InMemoryJobs, InMemoryLedger, InMemorySettings
from fakes.in_memory_installations import InMemoryInstallations


class RecordingDeletions:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def forget_workspace_later(self, team: str, reason: str) -> None:
        self.asked.append((team, reason))


def stack() -> tuple[Ports, InMemoryJobs, InMemoryImages, InMemoryLedger, InMemorySettings]:
    jobs, images, ledger, settings = (
        InMemoryJobs(),
        InMemoryImages(),
        InMemoryLedger(),
        InMemorySettings(),
    )
    ports = Ports(
        job_repository=lambda: jobs,
        image_store=lambda: images,
        usage_ledger=lambda: ledger,
        settings_store=lambda: settings,
    )
    return ports, jobs, images, ledger, settings


def a_job(stack_: tuple[Any, ...], job_id: str, team: str, user: str) -> None:
    _, jobs, images, ledger, _ = stack_
    request = EmojiRequest(team_id=team, user_id=user, description="a cat", style="cartoon")
    jobs.record_progress(job_id, request, JobStatus.DELIVERED, "UploadEmoji")
    for key in (f"originals/{job_id}/option-0", f"emoji/{job_id}/option-0.png"):
        images.put(key, b"png", "image/png")
    images.put(f"inputs/{job_id}", b"jpeg", "image/jpeg")
    period = Period.at(datetime(2026, 11, 27, tzinfo=UTC))
    charge = Charge(team, user, 1, 0.01, period.day, period.month)
    assert ledger.reserve(charge, Limits(20, 25.0), period) is None


def test_a_workspace_is_forgotten_whole_and_alone() -> None:
    # GIVEN two workspaces with jobs, images, usage and settings ("job-1" and "job-10" share a
    # prefix, in different workspaces)
    built = stack()
    ports, jobs, images, _, settings = built
    a_job(built, "job-1", "T1", "U1")
    a_job(built, "job-10", "T2", "U1")
    settings.save("T1", {"image_quality": "high"}, by="U1", at=1)
    settings.save("T2", {"image_quality": "high"}, by="U1", at=1)
    # WHEN T1 is forgotten
    forgotten = forget_workspace(ports, "T1")
    # THEN all of T1 went, and it says so
    assert forgotten.jobs == ["job-1"]
    assert forgotten.images == [
        "emoji/job-1/option-0.png",
        "inputs/job-1",
        "originals/job-1/option-0",
    ]
    assert len(forgotten.usage) == 3
    assert forgotten.settings
    assert forgotten.summary() == (
        "Removed 1 job, 3 images, 3 usage counters and its saved settings of workspace T1."
    )
    # AND T2's job-10 keeps everything
    assert jobs.job_ids("T2") == ["job-10"]
    assert sorted(images.objects) == [
        "emoji/job-10/option-0.png",
        "inputs/job-10",
        "originals/job-10/option-0",
    ]
    assert settings.saved("T2") is not None
    # AND a second run finds nothing
    assert forget_workspace(ports, "T1").nothing


def test_a_member_is_forgotten_and_no_one_else() -> None:
    built = stack()
    ports, jobs, images, _, _ = built
    a_job(built, "mine", "T1", "U1")
    a_job(built, "theirs", "T1", "U2")
    forgotten = forget_member(ports, "U1", "T1")
    assert forgotten.jobs == ["mine"]
    assert not [key for key in images.objects if "/mine" in key]
    assert jobs.job_ids("T1") == ["theirs"]
    assert forget_member(ports, "U1", "T1").summary() == (
        "Nothing stored for member U1 in workspace T1: nothing removed."
    )


def test_a_deletion_needs_its_team_or_member() -> None:
    ports = stack()[0]
    with pytest.raises(InvalidRequest):
        forget_workspace(ports, "")
    with pytest.raises(InvalidRequest):
        forget_member(ports, "")


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T1", "event": event, "event_id": "Ev1"}


@pytest.mark.parametrize(
    ("event", "parsed"),
    [
        ({"type": "app_uninstalled"}, AppGone("T1", "app_uninstalled")),
        (
            {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
            AppGone("T1", "tokens_revoked"),
        ),
        ({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}, OtherEvent("tokens_revoked")),
    ],
    ids=["uninstalled", "bot-token-revoked", "a-members-token-revoked"],
)
def test_the_app_gone_is_an_uninstall_or_its_bot_token_revoked(
    event: dict[str, Any], parsed: object
) -> None:
    assert parse_event(envelope(event)) == parsed


def test_the_webhook_asks_for_the_deletion_and_does_not_wait() -> None:
    deletions = RecordingDeletions()
    forget_workspace_later(Ports(deletion_requests=lambda: deletions), "T1", "app_uninstalled")
    assert deletions.asked == [("T1", "app_uninstalled")]


def test_workspaces_that_lost_an_org_wide_install_are_forgotten_unless_installed_on_their_own() -> (
    None
):
    # GIVEN distribution mode, org E1's org-wide install, and TOWN of E1 installed on its own
    installations = InMemoryInstallations()
    for team, enterprise in ((None, "E1"), ("TOWN", "E1")):
        installations.save(
            Installation(team, enterprise, "UBOT", ("commands",), "U1", 1, bot_token="xoxb-1")
        )
    deletions = RecordingDeletions()
    ports = Ports(
        deletion_requests=lambda: deletions,
        distribution=lambda: True,
        installations=lambda: installations,
    )

    # WHEN the org's install is removed from TGA, TOWN and TGB (TGA named twice, one empty)
    forget_workspaces_later(ports, ["TGA", "TOWN", "", "TGB", "TGA"], "team_access_revoked")

    # THEN TGA's and TGB's data is asked to be deleted, once each; TOWN keeps its own install
    assert deletions.asked == [("TGA", "team_access_revoked"), ("TGB", "team_access_revoked")]
