"""Job records in DynamoDB: one item per job (the execution name), updated as steps finish.
One module (over 250 lines): every read and conditional write of that one item, whose attribute
names and conditions must agree."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from emoji_smith.adapters.aws_clients import batch_delete, dynamodb_client
from emoji_smith.domain.costs import Bill
from emoji_smith.domain.home_view import shown_to_workspace
from emoji_smith.domain.models import (
    ChoiceState,
    Delivery,
    EmojiRequest,
    JobRecord,
    JobStatus,
    Notice,
    Work,
)
from emoji_smith.domain.quotas import Charge

#: A record is kept this long after its last change (DynamoDB's TTL on `expires_at`), unless
#: told otherwise (`JOB_RETENTION_DAYS`, the template's JobRetentionDays).
RETENTION_SECONDS = 90 * 24 * 3600
#: The Home's lists (template.yaml): a member's jobs, and the jobs the workspace's list shows.
#: Both sort on `created_order` ("<created_at, 10 digits>#<job id>": newest first, no ties).
MEMBER_INDEX = "team_member-created"
WORKSPACE_INDEX = "workspace_team-created"
#: The attribute that marks each notice sent ("announced" predates the others: kept as named).
NOTICE_FLAGS: dict[Notice, str] = {"announcement": "announced", "ready": "member_told"}
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


class DynamoDBJobRepository:
    def __init__(self, table: str, retention_seconds: int = RETENTION_SECONDS) -> None:
        self._table = table
        self._retention = retention_seconds

    def record_progress(
        self,
        job_id: str,
        request: EmojiRequest,
        status: JobStatus,
        step: str,
        reservation: Charge | None = None,
    ) -> None:
        fields = {"status": status.value, "step": step, **_request_fields(request)}
        if reservation is not None:
            fields["reservation"] = asdict(reservation) | {
                "dollars": Decimal(str(reservation.dollars))
            }
        self._update(job_id, fields)

    def record_images(
        self, job_id: str, prompt: str, original_keys: list[str], emoji_keys: list[str]
    ) -> None:
        self._update(
            job_id,
            {
                "status": JobStatus.READY.value,
                "step": "PersistEmoji",
                "prompt": prompt,
                "original_keys": original_keys,
                "emoji_keys": emoji_keys,
            },
        )

    def record_delivery(self, job_id: str, delivery: Delivery, aws_cost_usd: float) -> None:
        self._update(
            job_id,
            {
                "status": JobStatus.DELIVERED.value,
                "step": "UploadEmoji",
                "delivery": delivery.model_dump(),
                "emoji_name": delivery.emoji_name,
                "aws_cost_usd": Decimal(str(aws_cost_usd)),
            },
        )

    def record_failure(
        self, job_id: str, request: EmojiRequest | None, error: str, cause: str
    ) -> None:
        fields: dict[str, Any] = {"status": JobStatus.FAILED.value, "error": error, "cause": cause}
        if request is not None:
            fields |= _request_fields(request)
        self._update(job_id, fields)

    def record_retry(self, job_id: str, attempt: int, last_error: str, method: str) -> None:
        self._update(
            job_id,
            {
                "attempts": attempt,
                "last_error": last_error,
                "retried_by": method,
                "status": JobStatus.RETRYING.value,
            },
        )

    def record_bill(self, job_id: str, bill: Bill) -> None:
        self._update(
            job_id,
            {
                "images_billed": bill.images,
                "cost_usd": Decimal(str(bill.dollars)),
                "image_model": bill.model,
                "image_quality": bill.quality,
                "image_size": bill.size,
            },
        )

    def claim(self, job_id: str, work: Work, owner: str, lease_seconds: int) -> bool:
        client = dynamodb_client()
        now = int(time.time())
        lapsed = "(attribute_not_exists(#until) OR #until < :now)"
        names = {"#claim": f"{work}_claim", "#until": f"{work}_claim_until"}
        if work == "delivery":  # a delivered job is never delivered again
            names["#delivery"] = "delivery"
            lapsed = f"attribute_not_exists(#delivery) AND {lapsed}"
        try:
            client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression="SET #claim = :owner, #until = :until",
                ConditionExpression=lapsed,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":owner": {"S": owner},
                    ":until": {"N": str(now + lease_seconds)},
                    ":now": {"N": str(now)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_claim(self, job_id: str, work: Work, owner: str) -> None:
        client = dynamodb_client()
        # Failing the condition: another owner's claim (ours ran out), not ours to free.
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression="REMOVE #claim, #until",
                ConditionExpression="#claim = :owner",
                ExpressionAttributeNames={
                    "#claim": f"{work}_claim",
                    "#until": f"{work}_claim_until",
                },
                ExpressionAttributeValues={":owner": {"S": owner}},
            )

    def claim_notice(self, job_id: str, notice: Notice) -> bool:
        client = dynamodb_client()
        arguments = self._update_arguments(job_id, {NOTICE_FLAGS[notice]: True})
        arguments["ExpressionAttributeNames"]["#flag"] = NOTICE_FLAGS[notice]
        try:
            client.update_item(**arguments, ConditionExpression="attribute_not_exists(#flag)")
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def give_back_notice(self, job_id: str, notice: Notice) -> None:
        dynamodb_client().update_item(
            TableName=self._table,
            Key={"job_id": {"S": job_id}},
            UpdateExpression="REMOVE #flag",
            ExpressionAttributeNames={"#flag": NOTICE_FLAGS[notice]},
        )

    def record_release(self, job_id: str) -> bool:
        client = dynamodb_client()
        try:
            client.update_item(
                **self._update_arguments(job_id, {"released": True}),
                ConditionExpression=(
                    "attribute_exists(reservation) AND attribute_not_exists(released) "
                    "AND attribute_not_exists(images_billed)"
                ),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def await_choice(self, job_id: str, token: str, request: EmojiRequest) -> None:
        self._update(
            job_id,
            {
                "status": JobStatus.AWAITING_CHOICE.value,
                "step": "AwaitChoice",
                "choice_state": "waiting",
                "choice_token": token,
                "request": request.model_dump_json(),
            },
        )

    def claim_choice(self, job_id: str, user_id: str, decision: ChoiceState) -> bool:
        client = dynamodb_client()
        try:
            client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression="SET choice_state = :decision, choice_by = :user",
                ConditionExpression="choice_state = :waiting AND requester = :user",
                ExpressionAttributeValues={
                    ":decision": {"S": decision},
                    ":user": {"S": user_id},
                    ":waiting": {"S": "waiting"},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, job_id: str) -> JobRecord | None:
        item = (
            dynamodb_client()
            .get_item(TableName=self._table, Key={"job_id": {"S": job_id}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            return None
        return JobRecord.model_validate({k: _deserialize(v) for k, v in item.items()})

    def recent(
        self, team_id: str, requester: str | None = None, limit: int = 20
    ) -> list[JobRecord]:
        """One Query of an index, newest first: no filter, so `Limit` is the number returned."""
        if requester is None:
            index, key, value = WORKSPACE_INDEX, "workspace_team", team_id
        else:
            index, key, value = MEMBER_INDEX, "team_member", f"{team_id}#{requester}"
        items = (
            dynamodb_client()
            .query(
                TableName=self._table,
                IndexName=index,
                KeyConditionExpression="#key = :value",
                ExpressionAttributeNames={"#key": key},
                ExpressionAttributeValues={":value": {"S": value}},
                ScanIndexForward=False,
                Limit=limit,
            )
            .get("Items", [])
        )
        return [
            JobRecord.model_validate({k: _deserialize(v) for k, v in item.items()})
            for item in items
        ]

    def job_ids(self, team: str | None, requester: str | None = None) -> list[str]:
        """A member's in one workspace: a Query of the member's index. A workspace's, or a
        member's everywhere: a Scan (no index has every job of a team: `team_id` can be empty,
        which an index key cannot), for deletions only, run after Slack's answer."""
        if team is None and requester is None:
            raise ValueError("job_ids needs a team, a requester or both")
        client = dynamodb_client()
        if team is not None and requester is not None:
            pages = client.get_paginator("query").paginate(
                TableName=self._table,
                IndexName=MEMBER_INDEX,
                KeyConditionExpression="#key = :value",
                ExpressionAttributeNames={"#key": "team_member", "#id": "job_id"},
                ExpressionAttributeValues={":value": {"S": f"{team}#{requester}"}},
                ProjectionExpression="#id",
            )
        else:
            names, values, conditions = {"#id": "job_id"}, {}, []
            for name, value in (("team_id", team), ("requester", requester)):
                if value is not None:
                    names[f"#{name}"], values[f":{name}"] = name, {"S": value}
                    conditions.append(f"#{name} = :{name}")
            pages = client.get_paginator("scan").paginate(
                TableName=self._table,
                FilterExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ProjectionExpression="#id",
                ConsistentRead=True,
            )
        return sorted({item["job_id"]["S"] for page in pages for item in page.get("Items", [])})

    def delete(self, job_ids: Sequence[str]) -> None:
        job_ids = sorted(set(job_ids))  # BatchWriteItem refuses a key twice in one request
        batch_delete(
            self._table,
            [{"DeleteRequest": {"Key": {"job_id": {"S": job_id}}}} for job_id in job_ids],
        )

    def _update(self, job_id: str, fields: dict[str, Any]) -> None:
        """Set the fields. The status is monotonic where it matters: once DELIVERED, no later
        update (a replay's Validate, a failure after delivery, a retry) moves it back; the
        other fields are still written."""
        client = dynamodb_client()
        if "status" not in fields:
            client.update_item(**self._update_arguments(job_id, fields))
            return
        try:
            client.update_item(
                **self._update_arguments(job_id, fields),
                ConditionExpression="attribute_not_exists(#status) OR #status <> :delivered",
            )
        except client.exceptions.ConditionalCheckFailedException:
            rest = {k: v for k, v in fields.items() if k not in ("status", "step")}
            client.update_item(**self._update_arguments(job_id, rest))

    def _update_arguments(self, job_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        fields = {**fields, "updated_at": now, "expires_at": now + self._retention}
        names = {f"#{i}": name for i, name in enumerate(fields)}
        values = {f":{i}": _serialize(value) for i, value in enumerate(fields.values())}
        assignments = [f"#{i} = :{i}" for i in range(len(fields))]
        names |= {"#created": "created_at", "#order": "created_order"}
        values |= {":now": _serialize(now), ":order": _serialize(f"{now:010d}#{job_id}")}
        assignments.append("#created = if_not_exists(#created, :now)")
        assignments.append("#order = if_not_exists(#order, :order)")
        if "status" in fields:
            names["#status"] = "status"
            values[":delivered"] = _serialize(JobStatus.DELIVERED.value)
        return {
            "TableName": self._table,
            "Key": {"job_id": {"S": job_id}},
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


def _request_fields(request: EmojiRequest) -> dict[str, Any]:
    """With the indexes' keys: `workspace_team` only on a job the workspace's list shows (a
    sparse index: the others are not in it at all)."""
    listed = {"workspace_team": request.team_id} if shown_to_workspace(request) else {}
    return listed | {
        "team_member": f"{request.team_id}#{request.user_id}",
        "team_id": request.team_id,
        "requester": request.user_id,
        "visibility": request.visibility,
        "emoji_name": request.name,
        "description": request.description,
        "style": request.style,
        "options": request.options,
    }
