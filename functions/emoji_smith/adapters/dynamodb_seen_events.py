"""Slack events acted on, one item per `event_id`, written only if absent (so two deliveries of
one event, at the same moment or hours apart, act once) and expired by DynamoDB's TTL."""

from __future__ import annotations

from emoji_smith.adapters.aws_clients import dynamodb_client

#: Slack resends an event up to three times within about an hour; a day leaves a wide margin.
KEEP_SECONDS = 24 * 3600


class DynamoDBSeenEvents:
    def __init__(self, table: str) -> None:
        self._table = table

    def first_time(self, event_id: str, now: int) -> bool:
        client = dynamodb_client()
        try:
            client.put_item(
                TableName=self._table,
                Item={"event_id": {"S": event_id}, "expires_at": {"N": str(now + KEEP_SECONDS)}},
                ConditionExpression="attribute_not_exists(event_id)",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True
