"""The Home tab at 100,000 jobs: `make bench` or `python benchmarks/home_scale.py`.

Seeds the jobs and usage tables (as template.yaml declares them, indexes included) on moto with
jobs across 100 workspaces, then builds and publishes one member's Home again and again — the
use case `application.home.publish_home` with the real DynamoDB adapters and views.publish to
the fake Slack over HTTP — and measures each build and the process's memory around them.
Budgets: published in < 1 s, memory flat (RSS after the builds within 20 MB of before).

Then the event itself, on the embedded AWS (`LocalAWS`, the same tables seeded the same way):
a signed `app_home_opened` posted to the webhook function, answered while the Home is handed to
the PublishHome function (an asynchronous invocation, as in AWS), and the time until Slack has
the published Home. Budget: the event answered in < 300 ms.

Seeding writes the items straight into moto's in-process backend (100,000 BatchWriteItem items
through boto3 take minutes): each is a copy of one job the adapter itself recorded, with its own
ids, times and index keys.

moto answers a Query of an index by sorting and walking every item of the table (DynamoDB reads
only the index's partition, in order): at 100,000 jobs that is moto's cost, ~1 s a Query, not
the app's. So each table's Query is handed its index partition's items
(`moto_internals.tables.read_index_partitions`); moto still sorts, limits, projects and
serializes them. `--moto-walks-table` measures stock moto.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_variable, "bench")

PUBLISH_BUDGET_SECONDS = 1.0
ANSWER_BUDGET_SECONDS = 0.3
MEMORY_BUDGET_MB = 20.0
MEMBERS_PER_WORKSPACE = 50
NOW = datetime.now(UTC)


def rss_mb() -> float:
    """The process's resident memory now (its peak where /proc is missing)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_tables() -> dict[str, str]:
    """The jobs and usage tables as the template declares them (keys, indexes)."""
    import boto3

    from emoji_smith_local.template import load_template

    client = boto3.client("dynamodb")
    names = {}
    for logical_id in ("JobsTable", "UsageTable"):
        properties = load_template()["Resources"][logical_id]["Properties"]
        names[logical_id] = f"bench-{logical_id}"
        indexes = properties.get("GlobalSecondaryIndexes")
        client.create_table(
            TableName=names[logical_id],
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
    return names


def a_delivered_job(table: str) -> dict[str, Any]:
    """One job recorded by the adapter from start to delivery, as DynamoDB stores it."""
    import boto3

    from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
    from emoji_smith.domain.costs import Bill
    from emoji_smith.domain.models import Delivery, EmojiRequest, JobStatus

    jobs = DynamoDBJobRepository(table)
    request = EmojiRequest(
        team_id="T000", user_id="U000", name="ship_it", description="a rocket", style="cartoon"
    )
    jobs.record_progress("model", request, JobStatus.RUNNING, "Validate")
    jobs.record_images("model", "a rocket, cartoon", ["originals/model/0.png"], ["emoji/model.png"])
    jobs.record_bill("model", Bill(1, 0.011, "gpt-image-1", "low", "1024x1024"))
    delivery = Delivery(method="admin_emoji", emoji_name="ship_it", location=":ship_it:")
    jobs.record_delivery("model", delivery, 0.0001)
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"job_id": {"S": "model"}})
    return dict(item["Item"])


def seed(names: dict[str, str], jobs: int, workspaces: int) -> float:
    """`jobs` copies of a delivered job across `workspaces` (members and times spread), and
    each member's usage counters; the seconds it took."""
    from emoji_smith_local.moto_internals.tables import put_items

    started = time.perf_counter()
    model = a_delivered_job(names["JobsTable"])
    now = int(NOW.timestamp())
    shuffle = random.Random(20)
    month = NOW.strftime("%Y-%m")
    jobs_made = []
    for number in range(jobs):
        team = f"T{number % workspaces:03d}"
        user = f"U{number // workspaces % MEMBERS_PER_WORKSPACE:03d}"
        job_id = f"bench-{number:06d}"
        created = now - shuffle.randrange(90 * 24 * 3600)
        item = model | {
            "job_id": {"S": job_id},
            "team_id": {"S": team},
            "requester": {"S": user},
            "team_member": {"S": f"{team}#{user}"},
            "workspace_team": {"S": team},
            "created_at": {"N": str(created)},
            "created_order": {"S": f"{created:010d}#{job_id}"},
            "updated_at": {"N": str(created + 30)},
            "emoji_name": {"S": f"emoji_{number}"},
            "visibility": {"S": "public"},  # made in a public channel: the workspace sees it
        }
        jobs_made.append(item)
    put_items(names["JobsTable"], jobs_made)
    del jobs_made
    counters = []
    for number in range(workspaces * MEMBERS_PER_WORKSPACE):
        team = f"T{number % workspaces:03d}"
        user = f"U{number // workspaces:03d}"
        counters.append(
            {
                "key": {"S": f"member-month#{team}#{user}#{month}"},
                "team": {"S": team},
                "user": {"S": user},
                "month": {"S": month},
                "images": {"N": "20"},
                "dollars": {"N": "0.22"},
            }
        )
    put_items(names["UsageTable"], counters)
    return time.perf_counter() - started


def read_homes(names: dict[str, str], rounds: int) -> list[float]:
    """The Home's DynamoDB reads alone (both lists, the quota, the month's usage), timed."""
    from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
    from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
    from emoji_smith.domain.home_view import MINE_SHOWN, WORKSPACE_SHOWN
    from emoji_smith.domain.quotas import Period

    jobs, ledger = (
        DynamoDBJobRepository(names["JobsTable"]),
        DynamoDBUsageLedger(names["UsageTable"]),
    )
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        jobs.recent("T007", "U001", limit=MINE_SHOWN)
        jobs.recent("T007", limit=WORKSPACE_SHOWN)
        ledger.spent("T007", "U001", Period.at(NOW))
        ledger.month_usage(Period.at(NOW).month, "T007")
        timings.append(time.perf_counter() - started)
    return timings


def build_homes(names: dict[str, str], rounds: int) -> tuple[list[float], int]:
    """Publish member U001 of T007's Home (an admin: the month's usage too) `rounds` times;
    the seconds each took, and how many blocks the last one had."""
    from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
    from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
    from emoji_smith.adapters.slack_interactions import SlackWebApiInteractions
    from emoji_smith.application.home import publish_home
    from emoji_smith.domain.workspace_settings import WorkspaceSettings
    from fakes.fake_slack import BOT_TOKEN, FakeSlack

    settings = WorkspaceSettings(10, 50.0, "low", ("cartoon",), "")
    jobs, ledger = (
        DynamoDBJobRepository(names["JobsTable"]),
        DynamoDBUsageLedger(names["UsageTable"]),
    )
    slack = FakeSlack()
    slack.admins.add("U001")
    timings: list[float] = []
    with slack.running():
        interactions = SlackWebApiInteractions(BOT_TOKEN, slack.base_url)
        for _ in range(rounds):
            started = time.perf_counter()
            publish_home(
                "T007",
                "U001",
                slack=interactions,
                jobs=jobs,
                ledger=ledger,
                settings=settings,
                now=NOW,
            )
            timings.append(time.perf_counter() - started)
        view = slack.params(slack.calls("views.publish")[-1])["view"]
    return timings, len(view["blocks"])


def answer_events(jobs: int, workspaces: int, rounds: int) -> tuple[list[float], list[float]]:
    """Member U001 of T007 opens the Home `rounds` times on the embedded AWS: the seconds until
    the webhook answered each event, and until the fake Slack had each published Home."""
    from emoji_smith_local.moto_internals.tables import read_index_partitions
    from emoji_smith_local.runtime import LocalAWS
    from fakes.fake_slack import BOT_TOKEN, FakeSlack
    from fakes.slack_payloads import SIGNING_SECRET, function_url_event

    def opened(number: int) -> dict[str, Any]:
        body = {
            "type": "event_callback",
            "team_id": "T007",
            "api_app_id": "A1",
            "event": {"type": "app_home_opened", "user": "U001", "channel": "D1", "tab": "home"},
            "event_id": f"EvBENCH{number:04d}",
            "event_time": int(time.time()),
        }
        return function_url_event(json.dumps(body).encode(), "application/json")

    slack = FakeSlack()
    answered: list[float] = []
    published: list[float] = []
    with slack.running():
        slack.admins.add("U001")
        environment = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
        }
        with LocalAWS(environment=environment) as aws:
            names = {name: aws.physical_ids[name] for name in ("JobsTable", "UsageTable")}
            seed(names, jobs, workspaces)
            for name in names.values():
                read_index_partitions(name)
            for number in range(rounds + 1):  # the first: imports and connections
                before = len(slack.calls("views.publish"))
                started = time.perf_counter()
                answer = aws.invoke("WebhookFunction", opened(number))
                answered_at = time.perf_counter()
                assert answer["statusCode"] == 200, answer
                while len(slack.calls("views.publish")) == before:
                    assert time.perf_counter() - started < 30, "the Home was not published"
                    time.sleep(0.002)
                if number:
                    answered.append(answered_at - started)
                    published.append(time.perf_counter() - started)
            aws.settle(30)
    return answered, published


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--moto-walks-table", action="store_true", help="stock moto: a Query reads every item"
    )
    arguments = parser.parse_args()
    from moto import mock_aws

    from emoji_smith.adapters.aws_signed_json import aws_in_this_process
    from emoji_smith_local.moto_internals.tables import read_index_partitions

    with mock_aws():
        aws_in_this_process(True)  # moto in this process answers boto3 only (`through_boto3`)
        names = create_tables()
        seconds = seed(names, arguments.jobs, arguments.workspaces)
        print(
            f"home at scale: {arguments.jobs:,} jobs across {arguments.workspaces} workspaces "
            f"seeded in {seconds:.1f} s (straight into moto's backend)"
        )
        if not arguments.moto_walks_table:
            for name in names.values():
                read_index_partitions(name)
        build_homes(names, 1)  # imports and connections: not what is measured
        # The seeded tables are moto's memory, not the app's (a Lambda holds none of it): kept
        # out of the collector's walks, which would otherwise time millions of moto's objects.
        gc.collect()
        gc.freeze()
        before = rss_mb()
        timings, blocks = build_homes(names, arguments.rounds)
        gc.collect()
        after = rss_mb()
        reads = read_homes(names, arguments.rounds)
        aws_in_this_process(False)
    answered, published = answer_events(arguments.jobs, arguments.workspaces, arguments.rounds)
    slowest = max(timings)
    grown = after - before
    print(
        f"  Home published ({blocks} blocks; admin)   median "
        f"{statistics.median(timings) * 1000:6.0f} ms   max {slowest * 1000:6.0f} ms   "
        f"(budget {PUBLISH_BUDGET_SECONDS * 1000:.0f} ms)"
    )
    print(
        f"  its DynamoDB reads alone (2 lists, quota, month)   median "
        f"{statistics.median(reads) * 1000:6.0f} ms   max {max(reads) * 1000:6.0f} ms "
        "(the rest: the fake Slack's users.info, emoji.list, views.publish)"
    )
    print(
        f"  RSS (moto's tables included) {before:.0f} MB before {arguments.rounds} builds, "
        f"{after:.0f} MB after "
        f"({grown:+.1f} MB; budget ±{MEMORY_BUDGET_MB:.0f} MB)"
    )
    print(
        f"  app_home_opened answered by the webhook (embedded AWS)   median "
        f"{statistics.median(answered) * 1000:6.0f} ms   max {max(answered) * 1000:6.0f} ms   "
        f"(budget {ANSWER_BUDGET_SECONDS * 1000:.0f} ms)"
    )
    print(
        f"  ... and its Home published after (PublishHome, invoked asynchronously)   median "
        f"{statistics.median(published) * 1000:6.0f} ms   max {max(published) * 1000:6.0f} ms "
        "from the open"
    )
    met = (
        slowest < PUBLISH_BUDGET_SECONDS
        and abs(grown) <= MEMORY_BUDGET_MB
        and max(answered) < ANSWER_BUDGET_SECONDS
    )
    print("  budgets met" if met else "  BUDGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
