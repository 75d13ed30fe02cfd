"""boto3 clients, built once per container and reused across invocations (connection reuse)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
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
