"""One DynamoDB call by its API name, through the client `aws_signed_json.through_boto3()` picks
(the one rule): the standard library's signed client in Lambda, so the webhook's reads never
import boto3 (~200 ms of a cold start), or boto3 where AWS runs in this process. Both speak
DynamoDB's JSON API: the same request and answer documents; a failed condition is
`ConditionFailed` from either, other refusals are each client's own error.
"""

from __future__ import annotations

from typing import Any

from emoji_smith.adapters.aws_signed_json import DYNAMODB, AwsCallFailed, call, through_boto3


class ConditionFailed(Exception):
    """The call's condition did not hold (ConditionalCheckFailedException): nothing written."""


def dynamodb(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """`operation`: DynamoDB's own name (GetItem, BatchGetItem...); its answer document."""
    if not through_boto3():
        try:
            return call(DYNAMODB, operation, request)
        except AwsCallFailed as error:
            if error.code == "ConditionalCheckFailedException":
                raise ConditionFailed from None
            raise
    from botocore import xform_name

    from emoji_smith.adapters.aws_clients import dynamodb_client

    client = dynamodb_client()
    try:
        return dict(getattr(client, xform_name(operation))(**request))
    except client.exceptions.ConditionalCheckFailedException:
        raise ConditionFailed from None
