"""A workspace's saved settings in DynamoDB: one item per team, replaced whole on each save."""

from __future__ import annotations

from typing import Any

from emoji_smith.adapters.aws_clients import dynamodb_client


class DynamoDBSettingsStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def saved(self, team: str) -> dict[str, Any] | None:
        item = (
            dynamodb_client()
            .get_item(TableName=self._table, Key={"team_id": {"S": team}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            return None
        saved: dict[str, Any] = {}
        for key, value in item.items():
            if "S" in value:
                saved[key] = value["S"]
            elif "N" in value:
                saved[key] = value["N"]
            elif "L" in value:
                saved[key] = [element.get("S", "") for element in value["L"]]
        return saved

    def save(self, team: str, settings: dict[str, Any], by: str, at: int) -> None:
        item: dict[str, Any] = {
            "team_id": {"S": team},
            "updated_by": {"S": by},
            "updated_at": {"N": str(at)},
        }
        for key, value in settings.items():
            if isinstance(value, list | tuple):
                item[key] = {"L": [{"S": str(element)} for element in value]}
            elif isinstance(value, int | float):
                item[key] = {"N": repr(value)}
            else:
                item[key] = {"S": str(value)}
        dynamodb_client().put_item(TableName=self._table, Item=item)
