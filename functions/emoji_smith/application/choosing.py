"""A member's click on a candidates message — from Slack (the webhook) or the CLI (`--pick`)."""

from __future__ import annotations

import uuid
from typing import Protocol

from emoji_smith.domain.choices import (
    CANCEL_ACTION,
    CHOOSE_ACTION,
    DECISIONS,
    REGENERATE_ACTION,
    Click,
    refusal,
)
from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.naming import execution_name
from emoji_smith.ports import JobRepository, Workflow

STILL_OPEN = "Your options stay open: pick one of them, or cancel."


class Allowance(Protocol):
    """What the member may still spend (`application.spending.Spending`)."""

    def refusal(self, request: EmojiRequest) -> str | None: ...


def handle_click(
    click: Click,
    user_id: str,
    jobs: JobRepository,
    workflow: Workflow,
    allowance: Allowance | None = None,
    *,
    team_id: str | None = None,
) -> str:
    """What to tell the member (`team_id`: the workspace the click came from). A click that may
    not decide (`domain.choices.refusal`) decides nothing; one that may is claimed atomically,
    so a double click decides once. Regenerate first asks `allowance` whether a new job could
    start: when it could not, the open choice is kept (cancelling it first would lose images
    the member already paid for)."""
    record = jobs.get(click.job_id)
    reason = refusal(record, user_id, click, team_id)
    if reason or record is None:
        return reason or "This choice is no longer open."
    if click.action == REGENERATE_ACTION and allowance is not None and record.request:
        over = allowance.refusal(record.request)
        if over:
            return f"{over} {STILL_OPEN}"
    if not jobs.claim_choice(click.job_id, user_id, DECISIONS[click.action]):
        return "Already decided."
    token = record.choice_token or ""
    if click.action == CHOOSE_ACTION:
        if not workflow.resume(token, {"index": click.index}):
            return "This choice has expired: nothing was uploaded."
        return f"Option {click.index + 1} it is: adding it now."
    if click.action == CANCEL_ACTION:
        workflow.abort_wait(token, "ChoiceCancelled", "You cancelled.")
        return "Cancelled: nothing will be uploaded."
    workflow.abort_wait(token, "ChoiceCancelled", "You asked for new options instead.")
    new_job = execution_name(click.job_id[:56], "regen", uuid.uuid4().hex[:8])
    request = record.request.model_dump() if record.request else None
    workflow.start(new_job, {"job_id": new_job, "request": request})
    return f"New options are on their way (job {new_job})."
