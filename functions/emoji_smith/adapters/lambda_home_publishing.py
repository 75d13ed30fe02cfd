"""The Home handed to the PublishHome function as an asynchronous invocation: Lambda queues
the event and answers 202 at once, so the webhook answers Slack without waiting for the Home's
reads and `views.publish`."""

from __future__ import annotations

import json

from emoji_smith.adapters.aws_clients import lambda_client


class LambdaHomePublishing:
    def __init__(self, function_name: str) -> None:
        self._function = function_name

    def publish_later(self, team: str, user: str, event_id: str, enterprise: str = "") -> None:
        asked = {"team_id": team, "user_id": user, "event_id": event_id}
        if enterprise:
            asked["enterprise_id"] = enterprise
        lambda_client().invoke(
            FunctionName=self._function,
            InvocationType="Event",
            Payload=json.dumps(asked).encode(),
        )
