"""Distribution mode's installations and install-link states in DynamoDB.

Read on every request of a workspace, a cold shortcut included: as the settings store, through
the standard library's signed client (`aws_signed_json`), so a cold webhook does not import
boto3 for one GetItem, or through boto3 where `through_boto3()` says so (the one rule).

Installations: one item per `installation_id` (`team:T…`, or `enterprise:E…` for an org-wide
install). A token refresh is claimed with a conditional write (`refreshing_until`, on the
refresh token read) and saved only if the refresh token is still the one refreshed: a
refresh token is single use, so two functions must never both spend it.
States: one item per `state`, `expires_at` being the table's TTL attribute; DynamoDB deletes
expired items lazily (up to days later), so `consume` checks the time itself.
"""

from __future__ import annotations

import secrets
from typing import Any

from emoji_smith.adapters.dynamodb_json import ConditionFailed, dynamodb
from emoji_smith.domain.installations import STATE_SECONDS, Installation, installation_key


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if isinstance(value, dict) and "S" in value else None


def _number(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if isinstance(value, dict) and "N" in value else None


class DynamoDBInstallationStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def find(self, team_id: str | None, enterprise_id: str | None = None) -> Installation | None:
        keys = [installation_key(team_id)] if team_id else []
        if enterprise_id:
            keys.append(installation_key(None, enterprise_id))
        for key in keys:
            answer = dynamodb(
                "GetItem",
                {
                    "TableName": self._table,
                    "Key": {"installation_id": {"S": key}},
                    "ConsistentRead": True,
                },
            )
            item = answer.get("Item")
            if isinstance(item, dict):
                return _installation(item)
        return None

    def save(self, installation: Installation) -> None:
        dynamodb("PutItem", {"TableName": self._table, "Item": item_of(installation)})

    def claim_refresh(self, installation: Installation, now: int, lease_seconds: int) -> bool:
        try:
            dynamodb(
                "UpdateItem",
                {
                    "TableName": self._table,
                    "Key": {"installation_id": {"S": installation.key}},
                    "UpdateExpression": "SET refreshing_until = :until",
                    "ConditionExpression": "bot_refresh_token = :read AND "
                    "(attribute_not_exists(refreshing_until) OR refreshing_until < :now)",
                    "ExpressionAttributeValues": {
                        ":until": {"N": str(now + lease_seconds)},
                        ":now": {"N": str(now)},
                        ":read": {"S": installation.bot_refresh_token or ""},
                    },
                },
            )
        except ConditionFailed:
            return False
        return True

    def save_refreshed(self, old: Installation, new: Installation) -> bool:
        try:
            dynamodb(
                "PutItem",
                {
                    "TableName": self._table,
                    "Item": item_of(new),
                    "ConditionExpression": "bot_refresh_token = :read",
                    "ExpressionAttributeValues": {":read": {"S": old.bot_refresh_token or ""}},
                },
            )
        except ConditionFailed:
            return False
        return True

    def delete(self, team_id: str | None, enterprise_id: str | None = None) -> bool:
        answer = dynamodb(
            "DeleteItem",
            {
                "TableName": self._table,
                "Key": {"installation_id": {"S": installation_key(team_id, enterprise_id)}},
                "ReturnValues": "ALL_OLD",
            },
        )
        return bool(answer.get("Attributes"))


class DynamoDBOAuthStateStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def issue(self, now: int, team: str = "") -> str:
        state = secrets.token_urlsafe(24)
        item = {
            "state": {"S": state},
            "expires_at": {"N": str(now + STATE_SECONDS)},
            "team": {"S": team},
        }
        dynamodb("PutItem", {"TableName": self._table, "Item": item})
        return state

    def consume(self, state: str, now: int) -> str | None:
        if not state:
            return None
        try:
            answer = dynamodb(
                "DeleteItem",
                {
                    "TableName": self._table,
                    "Key": {"state": {"S": state}},
                    "ConditionExpression": "expires_at > :now",
                    "ExpressionAttributeValues": {":now": {"N": str(now)}},
                    "ReturnValues": "ALL_OLD",
                },
            )
        except ConditionFailed:  # unknown, used or expired
            return None
        return _text(answer.get("Attributes") or {}, "team") or ""


def item_of(installation: Installation) -> dict[str, Any]:
    """The installation as its DynamoDB item."""
    item: dict[str, Any] = {
        "installation_id": {"S": installation.key},
        "bot_token": {"S": installation.bot_token},
        "bot_user_id": {"S": installation.bot_user_id},
        "bot_scopes": {"S": ",".join(installation.bot_scopes)},
        "installer_user_id": {"S": installation.installer_user_id},
        "installed_at": {"N": str(installation.installed_at)},
        "app_id": {"S": installation.app_id},
    }
    optional = {
        "team_id": installation.team_id,
        "enterprise_id": installation.enterprise_id,
        "bot_refresh_token": installation.bot_refresh_token,
    }
    item |= {name: {"S": value} for name, value in optional.items() if value}
    if installation.bot_token_expires_at is not None:
        item["bot_token_expires_at"] = {"N": str(installation.bot_token_expires_at)}
    return item


def _installation(item: dict[str, Any]) -> Installation:
    scopes = _text(item, "bot_scopes") or ""
    return Installation(
        team_id=_text(item, "team_id"),
        enterprise_id=_text(item, "enterprise_id"),
        bot_user_id=_text(item, "bot_user_id") or "",
        bot_scopes=tuple(scope for scope in scopes.split(",") if scope),
        installer_user_id=_text(item, "installer_user_id") or "",
        installed_at=_number(item, "installed_at") or 0,
        app_id=_text(item, "app_id") or "",
        bot_token=_text(item, "bot_token") or "",
        bot_refresh_token=_text(item, "bot_refresh_token"),
        bot_token_expires_at=_number(item, "bot_token_expires_at"),
    )
