"""A workspace's saved settings in DynamoDB: one item per team, replaced whole on each save.

Read on every request, the webhook's shortcut included — a cold one must open the modal within
Slack's 3 s, and importing boto3 for this one GetItem would cost ~200 ms. So the calls go
through the standard library's signed client (`aws_signed_json`), or through boto3 where
`through_boto3()` says so (the one rule: the local runtime, a developer's profile). Both speak
DynamoDB's JSON API: the same request and answer documents.
"""

from __future__ import annotations

from typing import Any

from emoji_smith.adapters.dynamodb_json import dynamodb


class DynamoDBSettingsStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def saved(self, team: str) -> dict[str, Any] | None:
        key = {"team_id": {"S": team}}
        item = dynamodb("GetItem", {"TableName": self._table, "Key": key, "ConsistentRead": True})
        found = item.get("Item")
        if not isinstance(found, dict):
            return None
        saved: dict[str, Any] = {}
        for name, value in found.items():
            if "S" in value:
                saved[name] = value["S"]
            elif "N" in value:
                saved[name] = value["N"]
            elif "L" in value:
                saved[name] = [element.get("S", "") for element in value["L"]]
        return saved

    def save(self, team: str, settings: dict[str, Any], by: str, at: int) -> None:
        item: dict[str, Any] = {
            "team_id": {"S": team},
            "updated_by": {"S": by},
            "updated_at": {"N": str(at)},
        }
        for name, value in settings.items():
            if isinstance(value, list | tuple):
                item[name] = {"L": [{"S": str(element)} for element in value]}
            elif isinstance(value, int | float):
                item[name] = {"N": repr(value)}
            else:
                item[name] = {"S": str(value)}
        dynamodb("PutItem", {"TableName": self._table, "Item": item})

    def forget(self, team: str) -> bool:
        answer = dynamodb(
            "DeleteItem",
            {"TableName": self._table, "Key": {"team_id": {"S": team}}, "ReturnValues": "ALL_OLD"},
        )
        return bool(answer.get("Attributes"))
