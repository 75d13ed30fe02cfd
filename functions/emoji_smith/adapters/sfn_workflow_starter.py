"""Starts the emoji workflow. Execution names are deterministic per submission, so a second
delivery of the same submission is a duplicate, not an error (STANDARD: names are unique)."""

from __future__ import annotations

import json
from typing import Any

from emoji_smith.adapters.aws_clients import stepfunctions_client


class StepFunctionsWorkflowStarter:
    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn

    def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        client = stepfunctions_client()
        try:
            client.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(execution_input)
            )
        except client.exceptions.ExecutionAlreadyExists:
            return False
        return True
