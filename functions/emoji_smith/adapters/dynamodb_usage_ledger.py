"""The usage ledger in DynamoDB: a member's images per day, a workspace's dollars per month, and
each member's month (for the usage report). A reservation is one transaction of conditional
updates, so concurrent submissions cannot together pass a limit. The webhook's one read
(`spent`, the modal's figures) goes through `dynamodb_json`'s client; the rest through boto3,
imported on first use."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from emoji_smith.adapters.dynamodb_json import dynamodb
from emoji_smith.domain.quotas import Charge, Limits, Period, budget_refusal, member_refusal
from emoji_smith.domain.usage import MemberUsage

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

#: Counters outlive their period by a little (the usage report reads last month).
RETENTION_SECONDS = 100 * 24 * 3600
#: Member-month counters by (month, team) (template.yaml): the usage report without a scan.
MONTH_INDEX = "month-team"


def _n(value: float) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


class DynamoDBUsageLedger:
    def __init__(self, table: str, spent_cache_seconds: float = 0.0) -> None:
        """`spent_cache_seconds`: reuse `spent` figures this long (advisory reads only)."""
        self._table = table
        self._cache_seconds = spent_cache_seconds
        self._spent: dict[tuple[str, str, str], tuple[float, tuple[int, float]]] = {}

    def reserve(self, charge: Charge, limits: Limits, period: Period) -> str | None:
        team, user, images, dollars = charge.team, charge.user, charge.images, charge.dollars
        if images > limits.member_daily_images:
            return member_refusal(limits.member_daily_images, period, images)
        if dollars > limits.workspace_monthly_budget_usd:
            return budget_refusal(limits.workspace_monthly_budget_usd, period)
        client = _client()
        member_room = limits.member_daily_images - images
        budget_room = round(limits.workspace_monthly_budget_usd - dollars, 6)
        try:
            client.transact_write_items(
                TransactItems=[
                    self._add(
                        f"member-day#{team}#{user}#{charge.day}",
                        images=images,
                        condition=("images", member_room),
                    ),
                    self._add(
                        f"team-month#{team}#{charge.month}",
                        dollars=dollars,
                        condition=("dollars", budget_room),
                    ),
                    self._add(
                        f"member-month#{team}#{user}#{charge.month}",
                        images=images,
                        dollars=dollars,
                        labels={"team": team, "user": user, "month": charge.month},
                    ),
                ]
            )
        except client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons") or []
            codes = [str(reason.get("Code")) for reason in reasons]
            if codes[:1] == ["ConditionalCheckFailed"]:
                return member_refusal(limits.member_daily_images, period, images)
            if codes[1:2] == ["ConditionalCheckFailed"]:
                return budget_refusal(limits.workspace_monthly_budget_usd, period)
            raise
        return None

    def release(self, charge: Charge) -> None:
        team, user = charge.team, charge.user
        _client().transact_write_items(
            TransactItems=[
                self._add(f"member-day#{team}#{user}#{charge.day}", images=-charge.images),
                self._add(f"team-month#{team}#{charge.month}", dollars=-charge.dollars),
                self._add(
                    f"member-month#{team}#{user}#{charge.month}",
                    images=-charge.images,
                    dollars=-charge.dollars,
                ),
            ]
        )

    def spent(self, team: str, user: str, period: Period) -> tuple[int, float]:
        """One round trip for both counters (the webhook asks while the member waits)."""
        key = (team, user, period.day)
        cached = self._spent.get(key)
        if cached is not None and time.monotonic() - cached[0] <= self._cache_seconds:
            return cached[1]
        figures = self._read_spent(team, user, period)
        if self._cache_seconds:
            self._spent[key] = (time.monotonic(), figures)
        return figures

    def _read_spent(self, team: str, user: str, period: Period) -> tuple[int, float]:
        member = f"member-day#{team}#{user}#{period.day}"
        workspace = f"team-month#{team}#{period.month}"
        answer = dynamodb(  # the webhook's read: the rule's client, no boto3 cold
            "BatchGetItem",
            {
                "RequestItems": {
                    self._table: {
                        "Keys": [{"key": {"S": member}}, {"key": {"S": workspace}}],
                        "ConsistentRead": True,
                    }
                }
            },
        )
        items = {
            item["key"]["S"]: item for item in answer.get("Responses", {}).get(self._table, [])
        }

        def number(key: str, field: str) -> float:
            return float(items.get(key, {}).get(field, {}).get("N", "0"))

        return int(number(member, "images")), number(workspace, "dollars")

    def month_usage(self, month: str, team: str | None = None) -> list[MemberUsage]:
        """A Query of the month index (only member-month counters carry `month`)."""
        condition = "#month = :month"
        names = {"#month": "month"}
        values = {":month": {"S": month}}
        if team is not None:
            condition += " AND #team = :team"
            names["#team"] = "team"
            values[":team"] = {"S": team}
        usage: list[MemberUsage] = []
        pages = (
            _client()
            .get_paginator("query")
            .paginate(
                TableName=self._table,
                IndexName=MONTH_INDEX,
                KeyConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )
        for page in pages:
            for item in page.get("Items", []):
                usage.append(
                    MemberUsage(
                        team=item["team"]["S"],
                        user=item["user"]["S"],
                        month=month,
                        images=int(float(item.get("images", {}).get("N", "0"))),
                        dollars=float(item.get("dollars", {}).get("N", "0")),
                    )
                )
        return sorted(usage, key=lambda member: (member.team, -member.dollars, member.user))

    def forget(self, team: str | None, user: str | None = None) -> list[str]:
        """A Scan on the counters' keys (the day counters carry no index key): a deletion only,
        run after Slack's answer."""
        if user is None:
            if not team:
                raise ValueError("forget needs a team or a user")
            kinds = ("member-day", "member-month", "team-month")
            prefixes = [f"{kind}#{team}#" for kind in kinds]
        elif team is not None:
            prefixes = [f"{kind}#{team}#{user}#" for kind in ("member-day", "member-month")]
        else:
            prefixes = ["member-day#", "member-month#"]
        values: dict[str, Any] = {f":p{i}": {"S": prefix} for i, prefix in enumerate(prefixes)}
        condition = " OR ".join(f"begins_with(#key, :p{i})" for i in range(len(prefixes)))
        if user is not None and team is None:  # "<kind>#<team>#<user>#<period>"
            values[":user"] = {"S": f"#{user}#"}
            condition = f"({condition}) AND contains(#key, :user)"
        client = _client()
        pages = client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression=condition,
            ExpressionAttributeNames={"#key": "key"},
            ExpressionAttributeValues=values,
            ProjectionExpression="#key",
            ConsistentRead=True,
        )
        keys = sorted({item["key"]["S"] for page in pages for item in page.get("Items", [])})
        from emoji_smith.adapters.aws_clients import batch_delete

        batch_delete(self._table, [{"DeleteRequest": {"Key": {"key": {"S": k}}}} for k in keys])
        self._spent.clear()
        return keys

    def _add(
        self,
        key: str,
        *,
        images: int = 0,
        dollars: float = 0.0,
        condition: tuple[str, float] | None = None,
        labels: dict[str, str] | None = None,
    ) -> TransactWriteItemTypeDef:
        names: dict[str, str] = {
            "#images": "images",
            "#dollars": "dollars",
            "#expires": "expires_at",
        }
        values: dict[str, Any] = {
            ":images": _n(images),
            ":dollars": _n(dollars),
            ":zero": _n(0),
            ":expires": {"N": str(_expires())},
        }
        sets = [
            "#images = if_not_exists(#images, :zero) + :images",
            "#dollars = if_not_exists(#dollars, :zero) + :dollars",
            "#expires = :expires",
        ]
        # An empty label would be an empty index key, which DynamoDB refuses: left out.
        present = {name: label for name, label in (labels or {}).items() if label}
        for index, (name, label) in enumerate(present.items()):
            names[f"#l{index}"] = name
            values[f":l{index}"] = {"S": label}
            sets.append(f"#l{index} = :l{index}")
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": "SET " + ", ".join(sets),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition is not None:
            field, room = condition
            update["ConditionExpression"] = f"attribute_not_exists(#{field}) OR #{field} <= :room"
            update["ExpressionAttributeValues"][":room"] = _n(room)
        return cast("TransactWriteItemTypeDef", {"Update": update})


def _expires() -> int:
    return int(time.time()) + RETENTION_SECONDS


def _client() -> DynamoDBClient:
    from emoji_smith.adapters.aws_clients import dynamodb_client

    return dynamodb_client()
