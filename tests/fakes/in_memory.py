"""In-memory implementations of the ports (plain classes, not mocks): the use cases run on them
in milliseconds. They keep the rules the real adapters keep — a DELIVERED status never moves
back, a choice is claimed once and only by its requester, a redrive is refused outside its
window — so a use case cannot pass here and fail on AWS for the lack of one."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from emoji_smith.domain.choices import Candidate
from emoji_smith.domain.circuit import CircuitState
from emoji_smith.domain.costs import Bill
from emoji_smith.domain.errors import SlackRejected, SlackUnavailable
from emoji_smith.domain.home_view import shown_to_workspace
from emoji_smith.domain.models import (
    ChoiceState,
    Delivery,
    EmojiRequest,
    ImagePrompt,
    JobRecord,
    JobStatus,
    Notice,
    Work,
)
from emoji_smith.domain.quotas import Charge, Limits, Period, budget_refusal, member_refusal
from emoji_smith.domain.retries import REDRIVE_WINDOW, Run
from emoji_smith.domain.usage import MemberUsage


class InMemoryJobs:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def _record(self, job_id: str) -> dict[str, Any]:
        """The job's record, made as the adapter's first write makes it (`created_*` kept)."""
        now = int(time.time())
        record = self.records.setdefault(job_id, {"job_id": job_id})
        record.setdefault("created_at", now)
        record.setdefault("created_order", f"{now:010d}#{job_id}")
        return record

    def _update(self, job_id: str, fields: dict[str, Any]) -> None:
        record = self._record(job_id)
        if record.get("status") == JobStatus.DELIVERED and "status" in fields:
            fields = {k: v for k, v in fields.items() if k not in ("status", "step")}
        record.update(fields, updated_at=int(time.time()))

    def record_progress(
        self,
        job_id: str,
        request: EmojiRequest,
        status: JobStatus,
        step: str,
        reservation: Charge | None = None,
    ) -> None:
        fields: dict[str, Any] = {"status": status, "step": step, **_request_fields(request)}
        if reservation is not None:
            fields["reservation"] = asdict(reservation)
        self._update(job_id, fields)

    def record_images(
        self, job_id: str, prompt: str, original_keys: list[str], emoji_keys: list[str]
    ) -> None:
        self._update(
            job_id,
            {
                "status": JobStatus.READY,
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
                "status": JobStatus.DELIVERED,
                "step": "UploadEmoji",
                "delivery": delivery.model_dump(),
                "emoji_name": delivery.emoji_name,
                "aws_cost_usd": aws_cost_usd,
            },
        )

    def record_failure(
        self, job_id: str, request: EmojiRequest | None, error: str, cause: str
    ) -> None:
        fields: dict[str, Any] = {"status": JobStatus.FAILED, "error": error, "cause": cause}
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
                "status": JobStatus.RETRYING,
            },
        )

    def record_bill(self, job_id: str, bill: Bill) -> None:
        self._update(
            job_id,
            {
                "images_billed": bill.images,
                "cost_usd": bill.dollars,
                "image_model": bill.model,
                "image_quality": bill.quality,
                "image_size": bill.size,
            },
        )

    def claim(self, job_id: str, work: Work, owner: str, lease_seconds: int) -> bool:
        record = self.records.setdefault(job_id, {"job_id": job_id})
        now = int(time.time())  # whole seconds, as the adapter's condition compares them
        if work == "delivery" and record.get("delivery"):
            return False
        if record.get(f"{work}_claim_until", now - 1) >= now:
            return False
        record |= {f"{work}_claim": owner, f"{work}_claim_until": now + lease_seconds}
        return True

    def release_claim(self, job_id: str, work: Work, owner: str) -> None:
        record = self.records.get(job_id, {})
        if record.get(f"{work}_claim") == owner:
            del record[f"{work}_claim"], record[f"{work}_claim_until"]

    def claim_notice(self, job_id: str, notice: Notice) -> bool:
        flag = f"notice_{notice}"
        if self.records.get(job_id, {}).get(flag):
            return False
        self._update(job_id, {flag: True})
        return True

    def give_back_notice(self, job_id: str, notice: Notice) -> None:
        self.records.get(job_id, {}).pop(f"notice_{notice}", None)

    def record_release(self, job_id: str) -> bool:
        record = self.records.get(job_id, {})
        # Billed is the bill recorded, even of no images (the adapter's attribute_not_exists).
        if not record.get("reservation") or record.get("released") or "images_billed" in record:
            return False
        self._update(job_id, {"released": True})
        return True

    def await_choice(self, job_id: str, token: str, request: EmojiRequest) -> None:
        self._update(
            job_id,
            {
                "status": JobStatus.AWAITING_CHOICE,
                "step": "AwaitChoice",
                "choice_state": "waiting",
                "choice_token": token,
                "request": request.model_dump_json(),
            },
        )

    def claim_choice(self, job_id: str, user_id: str, decision: ChoiceState) -> bool:
        record = self.records.get(job_id, {})
        if record.get("choice_state") != "waiting" or record.get("requester") != user_id:
            return False
        record |= {"choice_state": decision, "choice_by": user_id}
        return True

    def get(self, job_id: str) -> JobRecord | None:
        record = self.records.get(job_id)
        return None if record is None else JobRecord.model_validate(record)

    def recent(
        self, team_id: str, requester: str | None = None, limit: int = 20
    ) -> list[JobRecord]:
        """As the adapter's indexes: only jobs recorded with their request are listed (the
        workspace's, only those it shows), newest first by `created_order`."""
        found = [
            record
            for record in self.records.values()
            if record.get("team_id") == team_id
            and (
                record.get("shown_to_workspace")
                if requester is None
                else record.get("requester") == requester
            )
        ]
        found.sort(key=lambda record: str(record.get("created_order", "")), reverse=True)
        return [JobRecord.model_validate(record) for record in found[:limit]]

    def job_ids(self, team: str | None, requester: str | None = None) -> list[str]:
        if team is None and requester is None:
            raise ValueError("job_ids needs a team, a requester or both")
        return sorted(
            job_id
            for job_id, record in self.records.items()
            if "team_id" in record
            and team in (None, record["team_id"])
            and requester in (None, record.get("requester"))
        )

    def delete(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            self.records.pop(job_id, None)


def _request_fields(request: EmojiRequest) -> dict[str, Any]:
    return {
        "team_id": request.team_id,
        "shown_to_workspace": shown_to_workspace(request),
        "requester": request.user_id,
        "visibility": request.visibility,
        "emoji_name": request.name,
        "description": request.description,
        "style": request.style,
        "options": request.options,
    }


class InMemoryLedger:
    """The usage ledger with its limits checked the way the DynamoDB transaction checks them."""

    def __init__(self) -> None:
        self.member_day: dict[tuple[str, str, str], int] = {}
        self.team_month: dict[tuple[str, str], float] = {}
        self.member_month: dict[tuple[str, str, str], tuple[int, float]] = {}

    def reserve(self, charge: Charge, limits: Limits, period: Period) -> str | None:
        day = (charge.team, charge.user, charge.day)
        month = (charge.team, charge.month)
        if self.member_day.get(day, 0) + charge.images > limits.member_daily_images:
            left = max(0, limits.member_daily_images - self.member_day.get(day, 0))
            return member_refusal(limits.member_daily_images, period, charge.images, left)
        # Rounded as the adapter's room is: DynamoDB adds decimals (0.1 + 0.2 is 0.3 there).
        spent = round(self.team_month.get(month, 0.0) + charge.dollars, 6)
        if spent > limits.workspace_monthly_budget_usd:
            return budget_refusal(limits.workspace_monthly_budget_usd, period)
        self._add(charge, 1)
        return None

    def release(self, charge: Charge) -> None:
        self._add(charge, -1)

    def _add(self, charge: Charge, sign: int) -> None:
        day = (charge.team, charge.user, charge.day)
        month = (charge.team, charge.month)
        member = (charge.team, charge.user, charge.month)
        self.member_day[day] = self.member_day.get(day, 0) + sign * charge.images
        self.team_month[month] = round(self.team_month.get(month, 0.0) + sign * charge.dollars, 6)
        images, dollars = self.member_month.get(member, (0, 0.0))
        self.member_month[member] = (images + sign * charge.images, dollars + sign * charge.dollars)

    def spent(self, team: str, user: str, period: Period) -> tuple[int, float]:
        return (
            self.member_day.get((team, user, period.day), 0),
            self.team_month.get((team, period.month), 0.0),
        )

    def month_usage(self, month: str, team: str | None = None) -> list[MemberUsage]:
        found = [
            MemberUsage(at_team, user, month, images, dollars)
            for (at_team, user, at), (images, dollars) in self.member_month.items()
            if at == month and team in (None, at_team)
        ]
        return sorted(found, key=lambda member: (member.team, -member.dollars, member.user))

    def forget(self, team: str | None, user: str | None = None) -> list[str]:
        """The keys are the adapter's counters' keys."""
        if team is None and user is None:
            raise ValueError("forget needs a team or a user")
        keys: list[str] = []
        for kind, counters in (
            ("member-day", self.member_day),
            ("member-month", self.member_month),
        ):
            for at_team, at_user, period in list(counters):
                if team in (None, at_team) and user in (None, at_user):
                    del counters[(at_team, at_user, period)]
                    keys.append(f"{kind}#{at_team}#{at_user}#{period}")
        if user is None:
            for at_team, month in list(self.team_month):
                if at_team == team:
                    del self.team_month[(at_team, month)]
                    keys.append(f"team-month#{at_team}#{month}")
        return sorted(keys)


class InMemoryImages:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = data

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def share_url(self, key: str, expires_in_seconds: int) -> str:
        return f"memory://{key}?expires={expires_in_seconds}"

    def delete(self, keys: Sequence[str], prefixes: Sequence[str] = ()) -> list[str]:
        present = {key for key in keys if key in self.objects} | {
            key for key in self.objects if key.startswith(tuple(prefixes))
        }
        for key in present:
            del self.objects[key]
        return sorted(present)


class InMemoryCircuit:
    def __init__(self) -> None:
        self.states: dict[str, CircuitState] = {}

    def load(self, circuit: str) -> CircuitState:
        return self.states.get(circuit, CircuitState())

    def save(self, circuit: str, state: CircuitState) -> None:
        # Stored as DynamoDB's number set: unordered, no repeats (the adapter reads it sorted).
        failures = tuple(sorted(set(state.failures)))
        self.states[circuit] = CircuitState(failures=failures, open_until=state.open_until)


class InMemorySettings:
    """A workspace's saved settings as the DynamoDB item comes back: numbers as their text,
    lists as lists of text, with who saved them and when."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def saved(self, team: str) -> dict[str, Any] | None:
        item = self.items.get(team)
        return None if item is None else dict(item)

    def save(self, team: str, settings: dict[str, Any], by: str, at: int) -> None:
        item: dict[str, Any] = {"team_id": team, "updated_by": by, "updated_at": str(at)}
        for name, value in settings.items():
            if isinstance(value, list | tuple):
                item[name] = [str(element) for element in value]
            elif isinstance(value, int | float):
                item[name] = repr(value)
            else:
                item[name] = str(value)
        self.items[team] = item

    def forget(self, team: str) -> bool:
        return self.items.pop(team, None) is not None


@dataclass
class RecordingSlack:
    """Delivers into lists; `down` makes every call fail as Slack's outage does."""

    deliveries: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    offers: list[tuple[str, int]] = field(default_factory=list)
    announcements: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False

    def _check(self) -> None:
        if self.down:
            raise SlackUnavailable("Slack answered 503")

    def deliver_emoji(
        self, job_id: str, request: EmojiRequest, image: bytes, filename: str, image_url: str
    ) -> Delivery:
        self._check()
        self.deliveries.append((job_id, filename))
        return Delivery(method="file_share", emoji_name=request.name, location="C1")

    def notify(self, job_id: str, request: EmojiRequest, text: str) -> None:
        self._check()
        self.notes.append((job_id, text))

    def offer_choices(
        self, job_id: str, request: EmojiRequest, candidates: list[Candidate]
    ) -> None:
        self._check()
        self.offers.append((job_id, len(candidates)))

    def announce(
        self, job_id: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._check()
        self.announcements.append((channel, text))


@dataclass
class RecordingInteractions:
    """The webhook's Slack: what it opened, published and answered, in lists. Admins are
    `admins`; `refuse` names the calls that fail as Slack's errors do."""

    admins: set[str] = field(default_factory=set)
    emoji: set[str] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)
    opened: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    homes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)

    def _check(self, method: str) -> None:
        if method in self.refuse:
            raise SlackRejected(f"Slack refused {method}")

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._check("views.open")
        self.opened.append((trigger_id, view))

    def emoji_names(self) -> AbstractSet[str]:
        self._check("emoji.list")
        return set(self.emoji)

    def emoji_urls(self, refresh: bool = False) -> dict[str, str]:
        self._check("emoji.list")
        return {name: f"https://emoji.test/{name}.png" for name in self.emoji}

    def is_admin(self, user_id: str) -> bool:
        self._check("users.info")
        return user_id in self.admins

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._check("views.publish")
        self.homes.append((user_id, view))

    def respond(self, response_url: str, text: str) -> None:
        self._check("response_url")
        self.answers.append((response_url, text))

    def conversation(self, channel_id: str) -> Any:
        """Every conversation a public channel the bot is in."""
        from emoji_smith.domain.conversations import Conversation

        self._check("conversations.info")
        return Conversation(private=False, member=True)

    def join(self, channel_id: str) -> None:
        self._check("conversations.join")


class CountingGenerator:
    """An image service that bills: every call is counted."""

    name = "counting"

    def __init__(self, image: bytes) -> None:
        self.image = image
        self.calls = 0
        self.edited: list[bytes] = []

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
        self.calls += 1
        return [self.image] * count

    def edit(self, picture: bytes, prompt: ImagePrompt, count: int) -> list[bytes]:
        self.calls += 1
        self.edited.append(picture)
        return [self.image] * count


class InMemoryWorkflow:
    """Step Functions as the use cases see it. A task token resumes once; redrive follows AWS's
    window; a start under a name already used starts nothing."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)
        self.runs: list[Run] = []
        self.started: dict[str, dict[str, Any]] = {}
        self.redriven: list[str] = []
        self.open_tokens: set[str] = set()
        self.resumed: list[tuple[str, dict[str, Any]]] = []
        self.aborted: list[tuple[str, str]] = []

    def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = execution_input
        self.runs.append(
            Run(
                arn=f"arn:aws:states:us-east-1:123456789012:execution:pipeline:{name}",
                name=name,
                job_id=str(execution_input.get("job_id", name)),
                status="RUNNING",
                started_at=self.now,
                input=json.dumps(execution_input),
            )
        )
        return True

    def recent_runs(self, since: datetime) -> list[Run]:
        return [run for run in self.runs if run.started_at >= since]

    def run(self, execution_arn: str) -> Run | None:
        return next((run for run in self.runs if run.arn == execution_arn), None)

    def redrive(self, execution_arn: str) -> bool:
        run = next(run for run in self.runs if run.arn == execution_arn)
        if run.stopped_at is None or self.now - run.stopped_at >= REDRIVE_WINDOW:
            return False
        self.redriven.append(execution_arn)
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        if token not in self.open_tokens:
            return False
        self.open_tokens.discard(token)
        self.resumed.append((token, output))
        return True

    def abort_wait(self, token: str, error: str, cause: str) -> bool:
        if token not in self.open_tokens:
            return False
        self.open_tokens.discard(token)
        self.aborted.append((token, error))
        return True


def failed_run(
    job_id: str,
    error: str,
    *,
    now: datetime,
    stopped_ago: timedelta = timedelta(minutes=5),
    request: dict[str, Any] | None = None,
) -> Run:
    import json

    stopped = now - stopped_ago
    return Run(
        arn=f"arn:aws:states:us-east-1:123456789012:execution:pipeline:{job_id}",
        name=job_id,
        job_id=job_id,
        status="FAILED",
        started_at=stopped - timedelta(seconds=30),
        stopped_at=stopped,
        error=error,
        cause="",
        input=json.dumps({"job_id": job_id, "request": request or {"name": "x"}}),
    )


@dataclass
class InMemorySeenEvents:
    """Slack events acted on, as `SeenEvents`: each id recorded once."""

    seen: set[str] = field(default_factory=set)

    def first_time(self, event_id: str, now: int) -> bool:
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        return True


@dataclass
class RecordingHomePublishing:
    """The Homes handed off (`HomePublishing`), in a list, published by no one."""

    asked: list[tuple[str, str, str]] = field(default_factory=list)
    #: The Grid org of each ("": none).
    enterprises: list[str] = field(default_factory=list)

    def publish_later(self, team: str, user: str, event_id: str, enterprise: str = "") -> None:
        self.asked.append((team, user, event_id))
        self.enterprises.append(enterprise)
