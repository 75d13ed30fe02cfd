"""Circuit state in DynamoDB: one item per circuit (there is one, the image service)."""

from __future__ import annotations

from typing import Any

from emoji_smith.adapters.aws_clients import dynamodb_client
from emoji_smith.domain.circuit import CircuitState


class DynamoDBCircuitStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def load(self, circuit: str) -> CircuitState:
        item = (
            dynamodb_client()
            .get_item(TableName=self._table, Key={"circuit": {"S": circuit}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            return CircuitState()
        failures = tuple(float(n) for n in item.get("failures", {}).get("NS", []))
        return CircuitState(failures=failures, open_until=float(item["open_until"]["N"]))

    def save(self, circuit: str, state: CircuitState) -> None:
        item: dict[str, Any] = {
            "circuit": {"S": circuit},
            "open_until": {"N": repr(state.open_until)},
        }
        if state.failures:
            item["failures"] = {"NS": [repr(t) for t in sorted(set(state.failures))]}
        dynamodb_client().put_item(TableName=self._table, Item=item)
