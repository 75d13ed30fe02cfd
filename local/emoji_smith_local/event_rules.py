"""EventBridge rules of the template's functions (SAM `EventBridgeRule` events), matched the way
EventBridge matches event patterns: every key of the pattern must be in the event; a list
matches when the event's value is one of its items; a nested object matches recursively."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emoji_smith_local.template import Resolver

EVENT_RULE_TYPE = "EventBridgeRule"
#: EventBridge retries a failed delivery to Lambda; a Lambda async invoke retries twice more.
DELIVERY_ATTEMPTS = 3


@dataclass(frozen=True)
class EventRule:
    function_logical_id: str
    pattern: dict[str, Any]

    def matches(self, event: dict[str, Any]) -> bool:
        return _matches(self.pattern, event)


def function_rules(
    logical_id: str, properties: dict[str, Any], resolver: Resolver
) -> list[EventRule]:
    """Resolved before the function is created: an unresolved reference defers both."""
    return [
        EventRule(logical_id, resolver.resolve(spec["Properties"]["Pattern"]))
        for spec in properties.get("Events", {}).values()
        if spec.get("Type") == EVENT_RULE_TYPE
    ]


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and _matches(sub, value[key]) for key, sub in pattern.items()
        )
    if isinstance(pattern, list):
        return value in pattern
    return bool(pattern == value)


def _epoch_ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


@dataclass(frozen=True)
class EndedExecution:
    """An execution as it reached a terminal status (AWS emits its status-change event then)."""

    arn: str
    state_machine_arn: str
    name: str
    status: str
    start_date: datetime
    stop_date: datetime | None
    input: str
    output: Any
    error: str | None
    cause: str | None
    redrive_count: int


def execution_status_change(
    execution: EndedExecution, *, account: str, region: str, event_id: str
) -> dict[str, Any]:
    """The event AWS puts on the default bus when a Standard execution changes status."""
    output = execution.output
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": account,
        "time": datetime.now().astimezone().isoformat(),
        "region": region,
        "resources": [execution.arn],
        "detail": {
            "executionArn": execution.arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": execution.status,
            "startDate": _epoch_ms(execution.start_date),
            "stopDate": _epoch_ms(execution.stop_date),
            "input": execution.input,
            "output": None if output is None else _json(output),
            "inputDetails": {"included": True},
            "error": execution.error,
            "cause": execution.cause,
            "redriveCount": execution.redrive_count,
        },
    }


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
