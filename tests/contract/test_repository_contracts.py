"""The in-memory fakes held to the DynamoDB adapters: each test runs once on the fake and once on
the adapter (on moto's server, tables as `template.yaml` declares them, indexes included). A
use case tested on a fake can then not pass for a behaviour AWS does not have.

To add a case: write a test taking the port's fixture (`jobs`, `ledger`, `settings_store`,
`circuit`, `seen_events`); it runs on both."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from emoji_smith.adapters.dynamodb_circuit_store import DynamoDBCircuitStore
from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
from emoji_smith.adapters.dynamodb_seen_events import KEEP_SECONDS, DynamoDBSeenEvents
from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore
from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
from emoji_smith.domain.circuit import CircuitState
from emoji_smith.domain.costs import Bill
from emoji_smith.domain.models import Delivery, EmojiRequest, JobStatus
from emoji_smith.domain.quotas import Charge, Limits, Period, budget_refusal, member_refusal
from emoji_smith.ports import CircuitStore, JobRepository, SeenEvents, SettingsStore, UsageLedger
from fakes.in_memory import (
    InMemoryCircuit,
    InMemoryJobs,
    InMemoryLedger,
    InMemorySeenEvents,
    InMemorySettings,
)

IMPLEMENTATIONS = ["in_memory", "dynamodb"]


@pytest.fixture(params=IMPLEMENTATIONS)
def jobs(request: pytest.FixtureRequest) -> JobRepository:
    if request.param == "in_memory":
        return InMemoryJobs()
    return DynamoDBJobRepository(request.getfixturevalue("dynamodb_table")("JobsTable"))


@pytest.fixture(params=IMPLEMENTATIONS)
def ledger(request: pytest.FixtureRequest) -> UsageLedger:
    if request.param == "in_memory":
        return InMemoryLedger()
    return DynamoDBUsageLedger(request.getfixturevalue("dynamodb_table")("UsageTable"))


@pytest.fixture(params=IMPLEMENTATIONS)
def settings_store(request: pytest.FixtureRequest) -> SettingsStore:
    if request.param == "in_memory":
        return InMemorySettings()
    return DynamoDBSettingsStore(request.getfixturevalue("dynamodb_table")("SettingsTable"))


@pytest.fixture(params=IMPLEMENTATIONS)
def circuit(request: pytest.FixtureRequest) -> CircuitStore:
    if request.param == "in_memory":
        return InMemoryCircuit()
    return DynamoDBCircuitStore(request.getfixturevalue("dynamodb_table")("CircuitTable"))


@pytest.fixture(params=IMPLEMENTATIONS)
def seen_events(request: pytest.FixtureRequest) -> SeenEvents:
    if request.param == "in_memory":
        return InMemorySeenEvents()
    return DynamoDBSeenEvents(request.getfixturevalue("dynamodb_table")("EventsTable"))


def test_an_event_is_new_once_however_often_it_is_recorded(seen_events: SeenEvents) -> None:
    # GIVEN an event recorded once
    assert seen_events.first_time("Ev1", 1_800_000_000)
    # WHEN it is recorded again, later (a resend), or another event is
    # THEN only the other event is new
    assert not seen_events.first_time("Ev1", 1_800_000_000 + KEEP_SECONDS // 2)
    assert seen_events.first_time("Ev2", 1_800_000_000)


#: Made in a public channel (the workspace's list shows only those), once requests record it.
PUBLIC: dict[str, Any] = (
    {"visibility": "public"} if "visibility" in EmojiRequest.model_fields else {}
)


def a_request(
    team: str = "T1", user: str = "U1", name: str = "party_parrot", **made_in: Any
) -> EmojiRequest:
    return EmojiRequest(
        team_id=team,
        user_id=user,
        name=name,
        description="a parrot at a party",
        style="cartoon",
        options=2,
        **(PUBLIC | made_in),
    )


# -- JobRepository -------------------------------------------------------------------------------
def test_a_job_keeps_what_was_asked(jobs: JobRepository) -> None:
    # GIVEN a job recorded as it starts, with what it reserved
    charge = Charge("T1", "U1", 2, 0.08, "2026-11-27", "2026-11", "medium")
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "Validate", reservation=charge)
    # WHEN it is read back
    record = jobs.get("job-1")
    # THEN every field of the request the Home and the retries read is there
    assert record is not None
    assert (record.status, record.step) == (JobStatus.RUNNING, "Validate")
    assert (record.team_id, record.requester, record.emoji_name) == ("T1", "U1", "party_parrot")
    assert (record.description, record.style, record.options) == (
        "a parrot at a party",
        "cartoon",
        2,
    )
    assert record.reservation is not None
    assert Charge.from_record(record.reservation) == charge
    assert record.created_at is not None
    assert record.updated_at is not None
    assert jobs.get("no-such-job") is None


def test_each_step_records_its_own_step_name(jobs: JobRepository) -> None:
    # GIVEN a job that made its images, then waited for a choice
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "GenerateImage")
    jobs.record_images("job-1", "a parrot", ["original/1.png"], ["emoji/1.png"])
    after_images = jobs.get("job-1")
    jobs.await_choice("job-1", "token-1", a_request())
    # WHEN they are read
    waiting = jobs.get("job-1")
    # THEN each says where the job is
    assert after_images is not None
    assert waiting is not None
    assert (after_images.status, after_images.step) == (JobStatus.READY, "PersistEmoji")
    assert (after_images.prompt, after_images.emoji_keys) == ("a parrot", ["emoji/1.png"])
    assert (waiting.status, waiting.step) == (JobStatus.AWAITING_CHOICE, "AwaitChoice")
    assert (waiting.choice_state, waiting.choice_token) == ("waiting", "token-1")
    assert waiting.request == a_request()


def test_a_delivery_is_never_undone(jobs: JobRepository) -> None:
    # GIVEN a delivered job, under the name the upload settled on
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "UploadEmoji")
    delivery = Delivery(method="admin_emoji", emoji_name="party_parrot_2", location="C1")
    jobs.record_delivery("job-1", delivery, aws_cost_usd=0.0004)
    delivered = jobs.get("job-1")
    assert delivered is not None
    assert delivered.emoji_name == "party_parrot_2"
    # WHEN a replay's Validate, a late failure and a retry record over it
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "Validate")
    jobs.record_failure("job-1", None, "SlackUnavailable", "late")
    jobs.record_retry("job-1", 2, "SlackUnavailable", "redrive")
    # THEN it stays delivered at its step; the other fields are still written
    record = jobs.get("job-1")
    assert record is not None
    assert (record.status, record.step) == (JobStatus.DELIVERED, "UploadEmoji")
    assert record.delivery == delivery
    assert record.aws_cost_usd == pytest.approx(0.0004)
    assert (record.error, record.attempts, record.retried_by) == ("SlackUnavailable", 2, "redrive")


def test_a_failure_with_its_request_is_listed_as_the_job(jobs: JobRepository) -> None:
    # GIVEN a job that failed before any step recorded it, and one failing with no request
    jobs.record_failure("job-1", a_request(), "ValidationFailed", "name taken")
    jobs.record_failure("job-2", None, "States.Timeout", "")
    # WHEN the failures and the member's list are read
    first, second = jobs.get("job-1"), jobs.get("job-2")
    # THEN the first carries its request and is listed; the second is recorded, not listed
    assert first is not None
    assert second is not None
    assert (first.status, first.error, first.cause) == (
        JobStatus.FAILED,
        "ValidationFailed",
        "name taken",
    )
    assert (first.team_id, first.requester, first.description) == (
        "T1",
        "U1",
        "a parrot at a party",
    )
    assert (second.status, second.team_id) == (JobStatus.FAILED, None)
    assert [job.job_id for job in jobs.recent("T1", requester="U1")] == ["job-1"]


def test_a_choice_is_decided_once_and_only_by_its_requester(jobs: JobRepository) -> None:
    # GIVEN a job waiting for its member's choice
    jobs.record_progress("job-1", a_request(user="U1"), JobStatus.RUNNING, "GenerateImage")
    jobs.await_choice("job-1", "token-1", a_request(user="U1"))
    # WHEN another member, then the member twice, decide it
    by_another = jobs.claim_choice("job-1", "U2", "chosen")
    by_the_member = jobs.claim_choice("job-1", "U1", "chosen")
    again = jobs.claim_choice("job-1", "U1", "regenerated")
    # THEN only the member's first decision counts
    assert (by_another, by_the_member, again) == (False, True, False)
    record = jobs.get("job-1")
    assert record is not None
    assert (record.choice_state, record.choice_by) == ("chosen", "U1")
    assert jobs.claim_choice("no-such-job", "U1", "chosen") is False


def test_one_delivery_claim_at_a_time(jobs: JobRepository) -> None:
    # GIVEN a job whose delivery one run claimed
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "UploadEmoji")
    assert jobs.claim("job-1", "delivery", "run-a", lease_seconds=90)
    # WHEN another run tries, and tries to free a claim that is not its own
    taken = jobs.claim("job-1", "delivery", "run-b", lease_seconds=90)
    jobs.release_claim("job-1", "delivery", "run-b")
    still_taken = jobs.claim("job-1", "delivery", "run-b", lease_seconds=90)
    # THEN it gets nothing until the holder gives it back
    jobs.release_claim("job-1", "delivery", "run-a")
    freed = jobs.claim("job-1", "delivery", "run-b", lease_seconds=90)
    assert (taken, still_taken, freed) == (False, False, True)


def test_a_dead_holders_claim_frees_itself_and_a_delivered_job_is_never_claimed(
    jobs: JobRepository,
) -> None:
    # GIVEN a claim whose lease has already run out (its holder died), and a delivered job
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "UploadEmoji")
    assert jobs.claim("job-1", "delivery", "run-a", lease_seconds=-1)
    jobs.record_progress("job-2", a_request(), JobStatus.RUNNING, "UploadEmoji")
    delivery = Delivery(method="file_share", emoji_name="party_parrot", location="C1")
    jobs.record_delivery("job-2", delivery, aws_cost_usd=0.0)
    # WHEN another run claims each
    # THEN it takes the dead one's, and never the delivered job's
    assert jobs.claim("job-1", "delivery", "run-b", lease_seconds=90) is True
    assert jobs.claim("job-2", "delivery", "run-b", lease_seconds=90) is False


def test_each_notice_is_claimed_once_per_job_until_given_back(jobs: JobRepository) -> None:
    # GIVEN a delivered job whose member was told "ready" by one run and not by another
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "UploadEmoji")
    delivery = Delivery(method="file_share", emoji_name="party_parrot", location="C1")
    jobs.record_delivery("job-1", delivery, aws_cost_usd=0.0)
    first, second = jobs.claim_notice("job-1", "ready"), jobs.claim_notice("job-1", "ready")
    # WHEN the announcement is claimed, and given back after it failed
    announced = jobs.claim_notice("job-1", "announcement")
    jobs.give_back_notice("job-1", "announcement")
    # THEN each notice is claimed once, on its own, and a given-back one can be claimed again
    assert (first, second, announced) == (True, False, True)
    assert jobs.claim_notice("job-1", "announcement") is True
    assert jobs.claim_notice("job-1", "ready") is False
    # AND the claims leave the job delivered
    record = jobs.get("job-1")
    assert record is not None
    assert (record.status, record.delivery) == (JobStatus.DELIVERED, delivery)


def test_a_live_delivery_claim_is_on_the_record_until_given_back(jobs: JobRepository) -> None:
    # GIVEN a job whose delivery a run holds
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "UploadEmoji")
    before = int(time.time())
    assert jobs.claim("job-1", "delivery", "run-a", lease_seconds=90)
    # WHEN it is read, and again once the holder gave it back
    held = jobs.get("job-1")
    jobs.release_claim("job-1", "delivery", "run-a")
    released = jobs.get("job-1")
    # THEN the record shows until when the claim holds, then that none does
    assert held is not None
    assert released is not None
    assert held.delivery_claim_until is not None
    assert before + 90 <= held.delivery_claim_until <= int(time.time()) + 90
    assert released.delivery_claim_until is None


def test_one_generation_claim_at_a_time_apart_from_the_delivery(jobs: JobRepository) -> None:
    # GIVEN a job whose generation one run claimed
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "GenerateImage")
    before = int(time.time())
    assert jobs.claim("job-1", "generation", "run-a", lease_seconds=240)
    # WHEN another run tries, frees a claim that is not its own, and claims the delivery
    taken = jobs.claim("job-1", "generation", "run-b", lease_seconds=240)
    jobs.release_claim("job-1", "generation", "run-b")
    still_taken = jobs.claim("job-1", "generation", "run-b", lease_seconds=240)
    delivery = jobs.claim("job-1", "delivery", "run-b", lease_seconds=90)
    held = jobs.get("job-1")
    # THEN it gets the generation only once the holder gave it back, and the delivery at once
    jobs.release_claim("job-1", "generation", "run-a")
    released = jobs.get("job-1")
    freed = jobs.claim("job-1", "generation", "run-b", lease_seconds=240)
    assert (taken, still_taken, delivery, freed) == (False, False, True, True)
    # AND the record shows until when the generation claim holds, then that none does
    assert held is not None
    assert held.generation_claim_until is not None
    assert before + 240 <= held.generation_claim_until <= int(time.time()) + 240
    assert released is not None
    assert released.generation_claim_until is None
    assert released.delivery_claim_until is not None


def test_a_dead_holders_generation_claim_frees_itself_even_once_delivered(
    jobs: JobRepository,
) -> None:
    # GIVEN a generation claim whose lease has run out, on a job since delivered
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "GenerateImage")
    assert jobs.claim("job-1", "generation", "run-a", lease_seconds=-1)
    delivery = Delivery(method="file_share", emoji_name="party_parrot", location="C1")
    jobs.record_delivery("job-1", delivery, aws_cost_usd=0.0)
    # WHEN another run claims it
    # THEN it takes it (its images, stored, are what it then finds: no second bill)
    assert jobs.claim("job-1", "generation", "run-b", lease_seconds=240) is True


def test_a_reservation_is_given_back_once_and_never_after_a_bill(jobs: JobRepository) -> None:
    charge = Charge("T1", "U1", 2, 0.08, "2026-11-27", "2026-11")
    # GIVEN a job with a reservation, one billed (even for no image), and one with none
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "Validate", reservation=charge)
    jobs.record_progress("job-2", a_request(), JobStatus.RUNNING, "Validate", reservation=charge)
    jobs.record_bill("job-2", Bill(0, 0.0, "gpt-image-2", "medium", "1024x1024"))
    jobs.record_progress("job-3", a_request(), JobStatus.RUNNING, "Validate")
    # WHEN each is given back twice
    given_back = [
        (jobs.record_release(job), jobs.record_release(job)) for job in ("job-1", "job-2", "job-3")
    ]
    # THEN only the unbilled reservation is, once
    assert given_back == [(True, False), (False, False), (False, False)]
    released = jobs.get("job-1")
    assert released is not None
    assert released.released is True


def test_a_bill_is_kept_with_the_job(jobs: JobRepository) -> None:
    # GIVEN a job the image service billed
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "GenerateImage")
    jobs.record_bill("job-1", Bill(2, 0.084, "gpt-image-2", "medium", "1024x1024"))
    # WHEN it is read
    record = jobs.get("job-1")
    # THEN the bill is there as recorded
    assert record is not None
    assert (record.images_billed, record.image_model, record.image_quality, record.image_size) == (
        2,
        "gpt-image-2",
        "medium",
        "1024x1024",
    )
    assert record.cost_usd == pytest.approx(0.084)


def test_the_home_lists_by_team_and_member_newest_first_up_to_the_limit(
    jobs: JobRepository,
) -> None:
    # GIVEN three jobs of U1 and one of U2 in T1, and one of U1 in another workspace
    for job_id, team, user in [
        ("job-1", "T1", "U1"),
        ("job-2", "T1", "U2"),
        ("job-3", "T1", "U1"),
        ("job-4", "T2", "U1"),
        ("job-5", "T1", "U1"),
    ]:
        jobs.record_progress(job_id, a_request(team, user), JobStatus.RUNNING, "Validate")
    # WHEN the member's list and the workspace's are read
    mine = [job.job_id for job in jobs.recent("T1", requester="U1")]
    workspace = [job.job_id for job in jobs.recent("T1")]
    two = [job.job_id for job in jobs.recent("T1", requester="U1", limit=2)]
    # THEN each holds that team's (and member's) jobs, newest first, at most `limit`
    assert mine == ["job-5", "job-3", "job-1"]
    assert workspace == ["job-5", "job-3", "job-2", "job-1"]
    assert two == ["job-5", "job-3"]
    assert [job.team_id for job in jobs.recent("T2")] == ["T2"]
    assert jobs.recent("T3") == []


def test_a_private_job_is_listed_for_its_maker_alone(jobs: JobRepository) -> None:
    if not PUBLIC:
        pytest.skip("requests do not record where they were made yet")
    # GIVEN a job made in a private conversation, after one made in a public channel
    jobs.record_progress("job-1", a_request(), JobStatus.RUNNING, "Validate")
    jobs.record_progress("job-2", a_request(visibility="private"), JobStatus.RUNNING, "Validate")
    # WHEN the workspace's list and the maker's are read
    # THEN the private job is in the maker's only
    assert [job.job_id for job in jobs.recent("T1")] == ["job-1"]
    assert [job.job_id for job in jobs.recent("T1", requester="U1")] == ["job-2", "job-1"]


def requires(port: object, method: str) -> None:
    """A port method being added (deletion): its case runs once both sides have it."""
    if not hasattr(port, method):
        pytest.skip(f"{type(port).__name__} has no {method} yet")


def test_a_deletion_finds_a_members_or_a_workspaces_jobs(jobs: JobRepository) -> None:
    requires(jobs, "job_ids")
    # GIVEN jobs of two members in two workspaces, and a failure recorded with no request
    for job_id, team, user in [
        ("job-1", "T1", "U1"),
        ("job-2", "T1", "U2"),
        ("job-3", "T2", "U1"),
    ]:
        jobs.record_progress(job_id, a_request(team, user), JobStatus.RUNNING, "Validate")
    jobs.record_failure("job-4", None, "States.Timeout", "")
    # WHEN a member's, a workspace's and a member's everywhere are asked for
    # THEN each is that set, sorted (the requestless failure belongs to no one)
    assert jobs.job_ids("T1", "U1") == ["job-1"]
    assert jobs.job_ids("T1") == ["job-1", "job-2"]
    assert jobs.job_ids(None, "U1") == ["job-1", "job-3"]
    with pytest.raises(ValueError, match="needs a team"):
        jobs.job_ids(None)


def test_deleted_jobs_are_gone_and_deleting_twice_is_no_error(jobs: JobRepository) -> None:
    requires(jobs, "delete")
    # GIVEN two jobs of a member
    for job_id in ("job-1", "job-2"):
        jobs.record_progress(job_id, a_request(), JobStatus.RUNNING, "Validate")
    # WHEN one is deleted, twice, with one that never was
    jobs.delete(["job-1", "job-1", "no-such-job"])
    jobs.delete(["job-1"])
    # THEN it is gone from every read; the other stays
    assert jobs.get("job-1") is None
    assert [job.job_id for job in jobs.recent("T1", requester="U1")] == ["job-2"]
    assert jobs.job_ids("T1", "U1") == ["job-2"]


# -- UsageLedger ---------------------------------------------------------------------------------
PERIOD = Period.at(datetime(2026, 11, 27, 12, tzinfo=UTC))


def charge_of(images: int, dollars: float, team: str = "T1", user: str = "U1") -> Charge:
    return Charge(team, user, images, dollars, PERIOD.day, PERIOD.month)


def spent(ledger: UsageLedger, team: str, user: str) -> tuple[int, float]:
    """(images, dollars) with the dollars to the micro-dollar: DynamoDB adds decimals."""
    images, dollars = ledger.spent(team, user, PERIOD)
    return images, round(dollars, 6)


def test_a_reservation_counts_against_both_limits_and_a_release_undoes_it(
    ledger: UsageLedger,
) -> None:
    limits = Limits(member_daily_images=5, workspace_monthly_budget_usd=10.0)
    # GIVEN two reservations, one given back
    assert ledger.reserve(charge_of(2, 0.08), limits, PERIOD) is None
    assert ledger.reserve(charge_of(3, 0.12), limits, PERIOD) is None
    ledger.release(charge_of(3, 0.12))
    # WHEN the spending is read
    # THEN only the one kept counts
    assert spent(ledger, "T1", "U1") == (2, 0.08)
    assert spent(ledger, "T1", "U9") == (0, 0.08)
    assert spent(ledger, "T9", "U1") == (0, 0.0)


def test_a_member_past_the_daily_limit_is_refused_and_nothing_counted(
    ledger: UsageLedger,
) -> None:
    limits = Limits(member_daily_images=3, workspace_monthly_budget_usd=10.0)
    # GIVEN a member with 2 of 3 images used
    assert ledger.reserve(charge_of(2, 0.08), limits, PERIOD) is None
    # WHEN they ask for 2 more
    refusal = ledger.reserve(charge_of(2, 0.08), limits, PERIOD)
    # THEN the domain's member refusal (whether or not the ledger knows what is left)
    assert refusal in {member_refusal(3, PERIOD, 2, left) for left in (None, 1)}
    assert spent(ledger, "T1", "U1") == (2, 0.08)


def test_the_budget_is_reached_exactly_then_refused(ledger: UsageLedger) -> None:
    limits = Limits(member_daily_images=100, workspace_monthly_budget_usd=0.3)
    # GIVEN two members whose charges sum to the budget in decimals (0.1 + 0.2)
    assert ledger.reserve(charge_of(1, 0.1, user="U1"), limits, PERIOD) is None
    # WHEN the second asks, and then a third
    second = ledger.reserve(charge_of(1, 0.2, user="U2"), limits, PERIOD)
    third = ledger.reserve(charge_of(1, 0.01, user="U3"), limits, PERIOD)
    # THEN the budget can be spent to the cent, not past it
    assert second is None
    assert third == budget_refusal(0.3, PERIOD)
    assert spent(ledger, "T1", "U3") == (0, 0.3)


def test_the_months_usage_by_team_then_most_spent(ledger: UsageLedger) -> None:
    limits = Limits(member_daily_images=100, workspace_monthly_budget_usd=100.0)
    # GIVEN members of two workspaces, one with a charge given back
    for charge in (
        charge_of(1, 0.04, "T2", "U1"),
        charge_of(2, 0.08, "T1", "U1"),
        charge_of(5, 0.2, "T1", "U2"),
        charge_of(1, 0.04, "T1", "U3"),
    ):
        assert ledger.reserve(charge, limits, PERIOD) is None
    ledger.release(charge_of(1, 0.04, "T1", "U3"))
    # WHEN the month is read for all, for one workspace, and another month
    every = ledger.month_usage(PERIOD.month)
    one = ledger.month_usage(PERIOD.month, team="T2")
    # THEN members by team then dollars, a released member at zero
    assert [(m.team, m.user, m.images) for m in every] == [
        ("T1", "U2", 5),
        ("T1", "U1", 2),
        ("T1", "U3", 0),
        ("T2", "U1", 1),
    ]
    assert [round(m.dollars, 6) for m in every] == [0.2, 0.08, 0.0, 0.04]
    assert [(m.team, m.user, m.month, m.images, round(m.dollars, 6)) for m in one] == [
        ("T2", "U1", PERIOD.month, 1, 0.04)
    ]
    assert ledger.month_usage("2026-10") == []


def test_forgetting_a_member_keeps_the_workspaces_month(ledger: UsageLedger) -> None:
    requires(ledger, "forget")
    limits = Limits(member_daily_images=100, workspace_monthly_budget_usd=100.0)
    # GIVEN U1 in two workspaces, U2 in one
    for charge in (charge_of(2, 0.08, "T1", "U1"), charge_of(1, 0.04, "T1", "U2")):
        assert ledger.reserve(charge, limits, PERIOD) is None
    assert ledger.reserve(charge_of(1, 0.04, "T2", "U1"), limits, PERIOD) is None
    # WHEN U1 is forgotten in T1
    forgotten = ledger.forget("T1", "U1")
    # THEN their counters there are deleted (named by key); T1's month (its bill) and U2 stay
    assert forgotten == [
        f"member-day#T1#U1#{PERIOD.day}",
        f"member-month#T1#U1#{PERIOD.month}",
    ]
    assert spent(ledger, "T1", "U1") == (0, 0.12)
    assert [(m.team, m.user) for m in ledger.month_usage(PERIOD.month)] == [
        ("T1", "U2"),
        ("T2", "U1"),
    ]


def test_forgetting_a_member_everywhere_or_a_workspace(ledger: UsageLedger) -> None:
    requires(ledger, "forget")
    limits = Limits(member_daily_images=100, workspace_monthly_budget_usd=100.0)
    # GIVEN U1 in two workspaces, U2 in T1
    for charge in (
        charge_of(2, 0.08, "T1", "U1"),
        charge_of(1, 0.04, "T1", "U2"),
        charge_of(1, 0.04, "T2", "U1"),
    ):
        assert ledger.reserve(charge, limits, PERIOD) is None
    # WHEN U1 is forgotten everywhere, then T1 as a whole
    member = ledger.forget(None, "U1")
    workspace = ledger.forget("T1")
    # THEN each deletes its counters; nothing of T1 is left, T2's month stays
    assert member == [
        f"member-day#T1#U1#{PERIOD.day}",
        f"member-day#T2#U1#{PERIOD.day}",
        f"member-month#T1#U1#{PERIOD.month}",
        f"member-month#T2#U1#{PERIOD.month}",
    ]
    assert workspace == [
        f"member-day#T1#U2#{PERIOD.day}",
        f"member-month#T1#U2#{PERIOD.month}",
        f"team-month#T1#{PERIOD.month}",
    ]
    assert ledger.month_usage(PERIOD.month) == []
    assert spent(ledger, "T1", "U2") == (0, 0.0)
    assert spent(ledger, "T2", "U9") == (0, 0.04)


# -- SettingsStore -------------------------------------------------------------------------------
def test_saved_settings_come_back_as_stored(settings_store: SettingsStore) -> None:
    # GIVEN a workspace's settings saved twice (a save replaces the whole item)
    settings_store.save("T1", {"announcement_channel": "C9"}, "UA", 1_799_999_999)
    settings_store.save(
        "T1",
        {
            "member_daily_images": 3,
            "workspace_monthly_budget_usd": 12.5,
            "styles": ("badge", "cartoon"),
            "announcement_channel": "",
        },
        "UB",
        1_800_000_000,
    )
    # WHEN they are read
    saved = settings_store.saved("T1")
    # THEN as DynamoDB gives them back: numbers as text, lists of text, who and when
    assert saved == {
        "team_id": "T1",
        "member_daily_images": "3",
        "workspace_monthly_budget_usd": "12.5",
        "styles": ["badge", "cartoon"],
        "announcement_channel": "",
        "updated_by": "UB",
        "updated_at": "1800000000",
    }
    assert settings_store.saved("T2") is None


def test_forgotten_settings_are_gone_once(settings_store: SettingsStore) -> None:
    requires(settings_store, "forget")
    # GIVEN a workspace's saved settings
    settings_store.save("T1", {"image_quality": "low"}, "UA", 1_800_000_000)
    # WHEN they are forgotten twice
    # THEN the first finds them, the second nothing; the defaults apply again
    assert (settings_store.forget("T1"), settings_store.forget("T1")) == (True, False)
    assert settings_store.saved("T1") is None


# -- CircuitStore --------------------------------------------------------------------------------
def test_a_circuit_is_closed_until_saved_and_comes_back_as_saved(circuit: CircuitStore) -> None:
    # GIVEN one circuit saved open with failures (out of order, one repeated), one never saved
    circuit.save("images", CircuitState(failures=(20.5, 10.25, 20.5), open_until=80.125))
    circuit.save("other", CircuitState(failures=(1.0,), open_until=0.0))
    circuit.save("other", CircuitState())
    # WHEN they are loaded
    # THEN the failures are a set read in order; a reset circuit and an unknown one are closed
    assert circuit.load("images") == CircuitState(failures=(10.25, 20.5), open_until=80.125)
    assert circuit.load("other") == CircuitState()
    assert circuit.load("never") == CircuitState()


# -- Deletion (application.retention) --------------------------------------------------------
def test_a_workspaces_or_a_members_jobs_are_found_and_deleted(jobs: JobRepository) -> None:
    # GIVEN jobs of two members of T1 and one of T2
    jobs.record_progress("t1-a", a_request("T1", "U1"), JobStatus.RUNNING, "Validate")
    jobs.record_progress("t1-b", a_request("T1", "U2"), JobStatus.RUNNING, "Validate")
    jobs.record_progress("t2-a", a_request("T2", "U1"), JobStatus.RUNNING, "Validate")
    # WHEN they are looked up by workspace, by member in it, and by member everywhere
    # THEN each finds exactly its own
    assert jobs.job_ids("T1") == ["t1-a", "t1-b"]
    assert jobs.job_ids("T1", "U1") == ["t1-a"]
    assert jobs.job_ids(None, "U1") == ["t1-a", "t2-a"]
    # AND deleting some (one twice, one unknown) leaves the rest
    jobs.delete(["t1-a", "t1-a", "no-such-job"])
    assert jobs.get("t1-a") is None
    assert jobs.job_ids("T1") == ["t1-b"]
    assert jobs.get("t2-a") is not None


def test_a_workspaces_or_a_members_counters_are_forgotten(ledger: UsageLedger) -> None:
    # GIVEN two members of T1 and one of T2 who made images
    for team, user in (("T1", "U1"), ("T1", "U2"), ("T2", "U1")):
        assert ledger.reserve(charge_of(1, 0.01, team, user), Limits(20, 25.0), PERIOD) is None
    # WHEN one member of T1 is forgotten
    removed = ledger.forget("T1", "U1")
    # THEN their day and month are gone, and nobody else's
    day, month = PERIOD.day, PERIOD.month
    assert removed == [f"member-day#T1#U1#{day}", f"member-month#T1#U1#{month}"]
    assert spent(ledger, "T1", "U1") == (0, 0.02)  # the workspace's month stays: its bill
    assert spent(ledger, "T2", "U1") == (1, 0.01)
    # WHEN the member is forgotten everywhere, then workspace T1
    assert ledger.forget(None, "U1") == [f"member-day#T2#U1#{day}", f"member-month#T2#U1#{month}"]
    assert ledger.forget("T1") == [
        f"member-day#T1#U2#{day}",
        f"member-month#T1#U2#{month}",
        f"team-month#T1#{month}",
    ]
    # THEN nothing is left, and forgetting again removes nothing
    assert ledger.month_usage(month) == []
    assert ledger.forget("T1") == []


def test_a_workspaces_settings_are_forgotten(settings_store: SettingsStore) -> None:
    # GIVEN two workspaces' saved settings
    settings_store.save("T1", {"image_quality": "high"}, by="U1", at=1)
    settings_store.save("T2", {"image_quality": "low"}, by="U9", at=1)
    # WHEN T1's are forgotten, twice
    assert settings_store.forget("T1") is True
    assert settings_store.forget("T1") is False
    # THEN T1 has none and T2 keeps its own
    assert settings_store.saved("T1") is None
    assert settings_store.saved("T2") is not None
