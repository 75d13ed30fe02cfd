"""Deleting what the app keeps of a workspace or of a member (what is kept, and for how long,
is in the README's "What is deleted, and when").

- `forget_workspace_later(ports, team, reason)`: for the webhook, when Slack says the app was
  uninstalled or its bot token revoked: asks for the deletion and returns at once (the event is
  answered within Slack's 3 s; the deletion runs in the ForgetWorkspace function).
  `forget_workspaces_later(ports, teams, reason)`: the same for each workspace that lost the app
  (an org-wide install removed from workspaces of its Grid org, or gone), except one that still
  has an install of its own.
- `forget_workspace(ports, team)`: the deletion itself: the workspace's jobs, their images, its
  usage counters and its saved settings.
- `forget_member(ports, user, team)`: a member's jobs, their images and the member's usage
  counters (`emoji-smith ops forget-member`), for a data deletion request.

Each is safe to run again: what is already gone is skipped. Images go before the job records,
so a deletion cut short finds the same jobs when it runs again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.image_keys import job_folders
from emoji_smith.domain.pictures import input_key
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.retention")


@dataclass(frozen=True)
class Forgotten:
    """What one deletion removed."""

    team: str | None
    user: str | None = None
    jobs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    usage: list[str] = field(default_factory=list)
    settings: bool = False

    @property
    def nothing(self) -> bool:
        return not (self.jobs or self.images or self.usage or self.settings)

    def summary(self) -> str:
        whose = f"member {self.user}" if self.user else "workspace"
        where = f"workspace {self.team}" if self.team else "every workspace"
        subject = f"{whose} in {where}" if self.user else f"workspace {self.team}"
        if self.nothing:
            return f"Nothing stored for {subject}: nothing removed."
        parts = [
            _count(len(self.jobs), "job"),
            _count(len(self.images), "image"),
            _count(len(self.usage), "usage counter"),
        ]
        if self.settings:
            parts.append("its saved settings")
        return f"Removed {', '.join(parts[:-1])} and {parts[-1]} of {subject}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "user": self.user,
            "summary": self.summary(),
            "removed": {
                "jobs": self.jobs,
                "images": self.images,
                "usage": self.usage,
                "settings": self.settings,
            },
        }


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def forget_workspace_later(ports: Ports, team: str, reason: str) -> None:
    """Raises when the request could not be made: the webhook then answers an error, and Slack
    sends the event again."""
    if not team:
        logger.warning("Ignored %s without a team", reason)
        return
    ports.deletion_requests().forget_workspace_later(team, reason)
    logger.info("Asked to delete workspace %s's data (%s)", team, reason)


def forget_workspaces_later(ports: Ports, teams: Iterable[str], reason: str) -> None:
    """Each workspace's deletion asked for, but not of one still installed on its own
    (distribution mode): a Grid workspace can have its own install beside its org's, and losing
    the org's leaves it working."""
    for team in dict.fromkeys(teams):
        if team and ports.distribution() and ports.installations().find(team, None):
            logger.info("Kept workspace %s's data (%s): it is installed on its own", team, reason)
            continue
        forget_workspace_later(ports, team, reason)


def forget_workspace(ports: Ports, team: str) -> Forgotten:
    if not team:
        raise InvalidRequest("Which workspace? A deletion needs its team id.")
    jobs = ports.job_repository()
    job_ids = jobs.job_ids(team)
    images = _forget_images(ports, job_ids)
    jobs.delete(job_ids)
    usage = ports.usage_ledger().forget(team)
    settings = ports.settings_store().forget(team)
    return Forgotten(team=team, jobs=job_ids, images=images, usage=usage, settings=settings)


def forget_member(ports: Ports, user: str, team: str | None = None) -> Forgotten:
    """`team` None: the member in every workspace (Slack's member ids are not reused)."""
    if not user:
        raise InvalidRequest("Which member? A deletion needs their user id.")
    jobs = ports.job_repository()
    job_ids = jobs.job_ids(team or None, user)
    images = _forget_images(ports, job_ids)
    jobs.delete(job_ids)
    usage = ports.usage_ledger().forget(team or None, user)
    return Forgotten(team=team or None, user=user, jobs=job_ids, images=images, usage=usage)


def _forget_images(ports: Ports, job_ids: list[str]) -> list[str]:
    if not job_ids:
        return []
    return ports.image_store().delete(
        keys=[input_key(job_id) for job_id in job_ids],
        prefixes=[prefix for job_id in job_ids for prefix in job_folders(job_id)],
    )
