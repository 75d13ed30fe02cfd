"""A member's click on a candidates message — from Slack (the webhook) or the CLI (`--pick`)."""

from __future__ import annotations

import uuid

from emoji_smith.domain.choices import CANCEL_ACTION, CHOOSE_ACTION, Click
from emoji_smith.domain.naming import execution_name
from emoji_smith.ports import JobRepository, Workflow

OUTCOMES = {CHOOSE_ACTION: "chosen", CANCEL_ACTION: "cancelled"}


def handle_click(click: Click, user_id: str, jobs: JobRepository, workflow: Workflow) -> str:
    """What to tell the member. Only the member who asked decides, once, while it is open; a
    click that cannot be right (an option that does not exist) decides nothing."""
    if click.action == CHOOSE_ACTION and not 0 <= click.index < _offered(jobs, click.job_id):
        return "That option does not exist; pick one of the buttons."
    claim = jobs.claim_choice(click.job_id, user_id, OUTCOMES.get(click.action, "regenerated"))
    if claim.refusal or claim.token is None:
        return claim.refusal or "This choice is no longer open."
    if click.action == CHOOSE_ACTION:
        if not workflow.resume(claim.token, {"index": click.index}):
            return "This choice has expired: nothing was uploaded."
        return f"Option {click.index + 1} it is: adding it now."
    if click.action == CANCEL_ACTION:
        workflow.abort_wait(claim.token, "ChoiceCancelled", "You cancelled.")
        return "Cancelled: nothing will be uploaded."
    workflow.abort_wait(claim.token, "ChoiceCancelled", "You asked for new options instead.")
    new_job = execution_name(click.job_id[:56], "regen", uuid.uuid4().hex[:8])
    workflow.start(new_job, {"job_id": new_job, "request": claim.request})
    return f"New options are on their way (job {new_job})."


def _offered(jobs: JobRepository, job_id: str) -> int:
    """How many options the job offers (0 when unknown)."""
    try:
        return int(str((jobs.get(job_id) or {}).get("options", 0)))
    except ValueError:
        return 0
