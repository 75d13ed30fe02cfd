"""PublishHome: a member's Home tab, built and published after the webhook answered Slack's
`app_home_opened` (an asynchronous invocation: {team_id, user_id, event_id})."""

from __future__ import annotations

from typing import Any

from emoji_smith.application.webhook.home import publish_once
from emoji_smith.bootstrap import ports


def handler(event: dict[str, Any], context: Any) -> dict[str, bool]:
    team = str(event["team_id"])
    # The workspace's Ports: in distribution mode, Slack with that workspace's token.
    wired = ports(team, str(event.get("enterprise_id") or ""))
    published = publish_once(wired, team, str(event["user_id"]), str(event.get("event_id") or ""))
    return {"published": published}
