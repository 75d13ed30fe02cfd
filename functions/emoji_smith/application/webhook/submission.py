"""The Create emoji form submitted: read and checked, then the workflow started under a name
derived from the view (a redelivered submission starts nothing twice)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from emoji_smith.application.conversations import placed
from emoji_smith.application.spending import remaining
from emoji_smith.application.webhook.settings import workspace_of
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.quotas import Period, budget_refusal, member_refusal
from emoji_smith.domain.slack_payloads import ViewSubmission
from emoji_smith.domain.slack_submissions import read_submission, submission_execution_name
from emoji_smith.domain.styles import PRESETS, style_not_offered
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
NOT_STARTED = "Emoji Smith could not start the job just now. Please submit again."


def on_submit(ports: Ports, submission: ViewSubmission) -> dict[str, Any]:
    """The answer to Slack: `clear` (the form closes), or inline errors (the member keeps it)."""
    team, user = submission.team, submission.user
    try:
        taken = ports.slack_interactions().emoji_names()
    except EmojiSmithError as error:
        logger.warning("Could not list the workspace's emoji: %s", error)
        taken = frozenset()
    request, errors = read_submission(submission.view, team, user, taken)
    if submission.enterprise:
        request["enterprise_id"] = submission.enterprise
    if not errors:
        errors = over_limits(ports, request, workspace_of(ports, team))
    if errors:
        return {"response_action": "errors", "errors": errors}
    # Before anything is billed: the visibility recorded, and where the emoji can be shared.
    request = placed(ports.slack_interactions(), request)
    name = submission_execution_name(team, submission.view_id)
    try:
        started = ports.workflow().start(name, {"job_id": name, "request": request})
    # The workflow's adapter raises its SDK's errors (the application cannot name them); the
    # member keeps the form and can submit again: nothing is lost.
    except Exception:
        logger.exception("Could not start %s", name)
        return {"response_action": "errors", "errors": {"description": NOT_STARTED}}
    if started:
        logger.info("Submission %s: started", name)
    else:
        logger.warning("Submission %s: duplicate (a redelivery), ignored", name)
        from emoji_smith.observability import count

        count("DuplicateSubmission", "source", "webhook")
    return {"response_action": "clear"}


def over_limits(
    ports: Ports, request: dict[str, Any], workspace: WorkspaceSettings
) -> dict[str, str]:
    """The workspace's rules checked before starting (the workflow checks them again, and
    counts the job atomically): an inline error, saying when a limit resets, or none. Offline
    styles are never limited."""
    style_key = str(request.get("style"))
    if not workspace.offers(style_key):
        return {"style": style_not_offered(style_key)}
    style = PRESETS.get(style_key)
    if style is None or not style.needs_image_service:
        return {}
    bounds, now = workspace.limits, datetime.now(UTC)
    team, user = str(request["team_id"]), str(request["user_id"])
    try:
        images_left, budget_left = remaining(team, user, ports.advisory_usage_ledger(), bounds, now)
    # The ledger's SDK errors: the check is advisory (Validate counts atomically), so a missed
    # read lets the workflow decide.
    except Exception:
        logger.exception("Could not read the usage ledger")
        return {}
    asked = int(request.get("options") or 1)
    if asked > images_left:
        daily = bounds.member_daily_images
        return {"options": member_refusal(daily, Period.at(now), asked, images_left)}
    if budget_left <= 0:
        return {"style": budget_refusal(bounds.workspace_monthly_budget_usd, Period.at(now))}
    return {}
