"""ForgetWorkspace (invoked asynchronously by the webhook when Slack says the app was uninstalled
or its bot token revoked): delete the workspace's jobs, images, usage counters and settings.
An error fails the invocation, and Lambda runs it again (twice); running again is safe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.retention import forget_workspace
from emoji_smith.bootstrap import ports
from emoji_smith.domain.errors import InvalidRequest

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    team = event.get("team_id")
    if not isinstance(team, str) or not team:
        raise InvalidRequest(f"ForgetWorkspace needs a team_id, got {team!r}")
    forgotten = forget_workspace(ports(), team)
    # Counts only: the ids are the data being forgotten.
    logger.info(
        "Forgot a workspace",
        extra={
            "team_id": team,
            "reason": str(event.get("reason", "")),
            "jobs": len(forgotten.jobs),
            "images": len(forgotten.images),
            "usage_counters": len(forgotten.usage),
            "settings": forgotten.settings,
        },
    )
    return {
        "team_id": team,
        "jobs": len(forgotten.jobs),
        "images": len(forgotten.images),
        "usage_counters": len(forgotten.usage),
        "settings": forgotten.settings,
    }
