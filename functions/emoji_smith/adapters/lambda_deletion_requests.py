"""Deletions handed to the ForgetWorkspace function as an asynchronous invocation: Lambda
queues the event and answers 202 at once (and retries the function twice if it fails)."""

from __future__ import annotations

import json

from emoji_smith.adapters.aws_clients import lambda_client


class LambdaDeletionRequests:
    def __init__(self, function_name: str) -> None:
        self._function = function_name

    def forget_workspace_later(self, team: str, reason: str) -> None:
        lambda_client().invoke(
            FunctionName=self._function,
            InvocationType="Event",
            Payload=json.dumps({"team_id": team, "reason": reason}).encode(),
        )
