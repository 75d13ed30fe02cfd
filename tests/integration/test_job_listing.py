"""The Home's reads, at any table size: the two job lists come from the jobs table's indexes
(newest first, at most `limit`, one workspace's and one member's only) and the month's usage
from the usage table's index — by key, never a scan. The in-memory fake lists the same."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from emoji_smith.adapters.aws_clients import dynamodb_client
from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
from emoji_smith.adapters.slack_interactions import SlackWebApiInteractions
from emoji_smith.application.home import publish_home
from emoji_smith.domain.models import EmojiRequest, JobStatus
from emoji_smith.domain.quotas import Charge, Limits, Period
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import JobRepository
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.in_memory import InMemoryJobs, InMemoryLedger

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SETTINGS = WorkspaceSettings(10, 5.0, "low", ("cartoon",), "")


@contextmanager
def dynamodb_operations() -> Iterator[Counter[str]]:
    """The DynamoDB operations the app's client makes meanwhile, by name (Query, Scan...)."""
    seen: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    events = dynamodb_client().meta.events
    events.register("before-call.dynamodb", count, unique_id="count-operations")
    try:
        yield seen
    finally:
        events.unregister("before-call.dynamodb", unique_id="count-operations")


def record(jobs: JobRepository, job_id: str, team: str, user: str) -> None:
    """A job made in a public channel: one the workspace's list shows."""
    made = {"team_id": team, "user_id": user, "name": job_id.replace("-", "_")}
    if "visibility" in EmojiRequest.model_fields:  # recorded on the request since #20 §1
        made["visibility"] = "public"
    request = EmojiRequest.model_validate(made)
    jobs.record_progress(job_id, request, JobStatus.RUNNING, "Validate")


@pytest.fixture
def both(local_aws: LocalAWS) -> Iterator[tuple[InMemoryJobs, DynamoDBJobRepository]]:
    """The fake and the adapter (on the template's table), given the same jobs in the same
    order: ids that sort as they were made, so the order does not hang on the clock's second."""
    fake, table = InMemoryJobs(), DynamoDBJobRepository(local_aws.physical_ids["JobsTable"])
    made = [("TA", "U1"), ("TA", "U2"), ("TB", "U1"), ("TA", "U1"), ("TB", "U3")] * 5
    for index, (team, user) in enumerate(made):
        for jobs in (fake, table):
            record(jobs, f"list-{index:03d}-{team}-{user}", team, user)
    yield fake, table
    client = dynamodb_client()
    for index, (team, user) in enumerate(made):
        key = {"job_id": {"S": f"list-{index:03d}-{team}-{user}"}}
        client.delete_item(TableName=local_aws.physical_ids["JobsTable"], Key=key)


def ids(jobs: JobRepository, team: str, user: str | None, limit: int) -> list[str]:
    return [job.job_id for job in jobs.recent(team, user, limit=limit)]


@pytest.mark.parametrize(("team", "user"), [("TA", None), ("TA", "U1"), ("TB", "U1")])
def test_the_fake_and_dynamodb_list_the_same_newest_jobs_first_up_to_the_limit(
    both: tuple[InMemoryJobs, DynamoDBJobRepository], team: str, user: str | None
) -> None:
    # GIVEN the same 25 jobs of two workspaces recorded in the fake and in DynamoDB
    fake, table = both
    # WHEN each lists a workspace's (or a member's) newest 4
    listed = ids(table, team, user, 4)
    # THEN both give the same 4, newest first, all of that workspace (and member)
    assert listed == ids(fake, team, user, 4)
    assert len(listed) == 4
    assert listed == sorted(listed, reverse=True)
    assert all(f"-{team}-{user or ''}" in job_id for job_id in listed)


def test_one_workspaces_jobs_never_appear_in_anothers_lists(
    both: tuple[InMemoryJobs, DynamoDBJobRepository],
) -> None:
    # GIVEN U1 made jobs in TA and in TB (the same member id in two workspaces)
    fake, table = both
    for jobs in (fake, table):
        # WHEN TA's lists are read, with room for everything
        workspace, member = ids(jobs, "TA", None, 100), ids(jobs, "TA", "U1", 100)
        # THEN they hold TA's jobs only: all of TA's, and of U1's in TA no one else's
        assert len(workspace) == 15
        assert all("-TA-" in job_id for job_id in workspace)
        assert len(member) == 10
        assert all(job_id.endswith("-TA-U1") for job_id in member)
        assert ids(jobs, "TC", None, 100) == []


def test_the_lists_are_read_by_index_query_not_a_scan(
    both: tuple[InMemoryJobs, DynamoDBJobRepository],
) -> None:
    # GIVEN the jobs table
    _, table = both
    # WHEN both of the Home's lists are read
    with dynamodb_operations() as operations:
        ids(table, "TA", None, 10)
        ids(table, "TA", "U1", 20)
    # THEN each was one Query (Limit is what it returns: no filter drops items after it)
    assert operations == Counter({"Query": 2})


def charge(team: str, user: str, images: int) -> Charge:
    period = Period.at(NOW)
    return Charge(team, user, images, images * 0.01, period.day, period.month)


def test_a_months_usage_is_read_by_key_for_one_workspace_or_all(local_aws: LocalAWS) -> None:
    # GIVEN members of two workspaces used images this month, in DynamoDB and in the fake
    ledger = DynamoDBUsageLedger(local_aws.physical_ids["UsageTable"])
    fake = InMemoryLedger()
    limits, period = Limits(100, 100.0), Period.at(NOW)
    for team, user, images in [("UA", "U1", 2), ("UA", "U2", 5), ("UB", "U1", 1)]:
        for usage in (ledger, fake):
            assert usage.reserve(charge(team, user, images), limits, period) is None
    # WHEN one workspace's month, and every workspace's, are read
    with dynamodb_operations() as operations:
        one, every = ledger.month_usage(period.month, "UA"), ledger.month_usage(period.month)
    # THEN UA's members only (most spent first), then all three; by Query, never a Scan
    assert [(u.user, u.images) for u in one] == [("U2", 5), ("U1", 2)]
    assert [(u.team, u.user) for u in every] == [("UA", "U2"), ("UA", "U1"), ("UB", "U1")]
    assert set(operations) == {"Query"}
    # AND the fake gives the same
    assert fake.month_usage(period.month, "UA") == one
    assert fake.month_usage(period.month) == every


def test_the_home_is_built_by_key_with_the_admin_section(
    both: tuple[InMemoryJobs, DynamoDBJobRepository], local_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN an admin of TA, and TA's jobs in DynamoDB among another workspace's
    _, table = both
    slack.admins.add("U1")
    ledger = DynamoDBUsageLedger(local_aws.physical_ids["UsageTable"])
    interactions = SlackWebApiInteractions(BOT_TOKEN, slack.base_url)
    # WHEN their Home is built and published
    with dynamodb_operations() as operations:
        publish_home(
            "TA", "U1", slack=interactions, jobs=table, ledger=ledger, settings=SETTINGS, now=NOW
        )
    # THEN nothing was scanned: the lists and the month by Query, the quota by key
    assert set(operations) == {"Query", "BatchGetItem"}, operations
    assert operations["Query"] == 3
    view = slack.params(slack.calls("views.publish")[-1])["view"]
    shown = str(view["blocks"])
    assert "list_024_TB_U3" not in shown
    assert "list_023_TA_U1" in shown
