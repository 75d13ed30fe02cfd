"""The settings table through both of its clients — boto3, and the signed standard-library
client a cold webhook uses — against DynamoDB's API (moto's server): each reads what the other
wrote, and a missing table is an error, not silently the defaults."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emoji_smith.adapters.aws_signed_json import AwsCallFailed
from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore


@pytest.fixture
def table(settings_table: str) -> str:
    return settings_table


SETTINGS = {
    "member_daily_images": 3,
    "workspace_monthly_budget_usd": 12.5,
    "image_quality": "medium",
    "styles": ("badge", "cartoon"),
    "announcement_channel": "",
}
STORED = {
    "team_id": "T1",
    "member_daily_images": "3",
    "workspace_monthly_budget_usd": "12.5",
    "image_quality": "medium",
    "styles": ["badge", "cartoon"],
    "announcement_channel": "",
    "updated_by": "UA",
    "updated_at": "1800000000",
}


@pytest.mark.parametrize(("writer", "reader"), [("boto3", "signed"), ("signed", "boto3")])
def test_each_client_reads_what_the_other_wrote(
    table: str, writer: str, reader: str, aws_client: Callable[[str], None]
) -> None:
    aws_client(writer)
    DynamoDBSettingsStore(table).save("T1", SETTINGS, "UA", 1_800_000_000)
    aws_client(reader)
    assert DynamoDBSettingsStore(table).saved("T1") == STORED
    assert DynamoDBSettingsStore(table).saved("T2") is None


def test_the_signed_client_reports_a_missing_table(
    table: str, aws_client: Callable[[str], None]
) -> None:
    aws_client("signed")
    with pytest.raises(AwsCallFailed) as failure:
        DynamoDBSettingsStore("no-such-table").saved("T1")
    assert failure.value.status == 400
    assert "ResourceNotFoundException" in failure.value.detail
