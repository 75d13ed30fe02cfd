"""boto3 clients, built once per container and reused across invocations (connection reuse)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

# Standard retry mode: AWS's own backoff for throttles, a bounded number of attempts.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10
)


@cache
def s3_client() -> S3Client:
    # SigV4: presigned URLs that work in every region and with KMS-encrypted objects.
    return boto3.client("s3", config=_CONFIG.merge(Config(signature_version="s3v4")))


@cache
def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def stepfunctions_client() -> SFNClient:
    return boto3.client("stepfunctions", config=_CONFIG)


@cache
def lambda_client() -> LambdaClient:
    return boto3.client("lambda", config=_CONFIG)


#: BatchWriteItem takes at most 25 requests.
BATCH_WRITE_LIMIT = 25
UNPROCESSED_ATTEMPTS = 8


def batch_delete(table: str, requests: Sequence[WriteRequestTypeDef]) -> None:
    """Delete requests in batches; what DynamoDB leaves unprocessed (throttled) is sent again
    with a growing pause, as AWS advises."""
    client = dynamodb_client()
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        pending = list(requests[start : start + BATCH_WRITE_LIMIT])
        for attempt in range(UNPROCESSED_ATTEMPTS):
            answer = client.batch_write_item(RequestItems={table: pending})
            left = answer.get("UnprocessedItems", {}).get(table, [])
            pending = [cast("WriteRequestTypeDef", request) for request in left]
            if not pending:
                break
            time.sleep(min(2.0, 0.05 * 2**attempt))
        else:
            raise RuntimeError(f"DynamoDB left {len(pending)} deletions in {table} unprocessed")
