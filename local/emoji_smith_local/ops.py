"""Operator commands — failed, retry, replay, circuit, usage, forget-member — against a stack:
the embedded one (inside `emoji-smith serve`, or a test) or a deployed one (`--stack NAME`,
resolved through CloudFormation). The same code as the scheduled RetryFailedJobs Lambda does
the retrying."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from emoji_smith.application.retention import forget_member
from emoji_smith.application.retry_schedule import retry_failed_jobs
from emoji_smith.bootstrap import bootstrap
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState, circuit_report
from emoji_smith.domain.costs import PRICES_READ
from emoji_smith.domain.failures import describe_failure, is_retryable
from emoji_smith.domain.naming import execution_arn, execution_name
from emoji_smith.domain.retries import (
    DEFAULT_LOOKBACK_HOURS,
    DEFAULT_MAX_ATTEMPTS,
    FAILED_STATUSES,
)
from emoji_smith.ports import Ports
from emoji_smith.settings import Settings

LOGICAL_IDS = ("EmojiPipeline", "JobsTable", "CircuitTable", "UsageTable", "ImagesBucket")


@dataclass(frozen=True)
class StackNames:
    state_machine_arn: str
    jobs_table: str
    circuit_table: str
    usage_table: str
    images_bucket: str

    def settings(self) -> Settings:
        return Settings(
            state_machine_arn=self.state_machine_arn,
            jobs_table_name=self.jobs_table,
            circuit_table_name=self.circuit_table,
            usage_table_name=self.usage_table,
            images_bucket_name=self.images_bucket,
        )

    @classmethod
    def from_physical_ids(cls, ids: dict[str, str]) -> StackNames:
        missing = [logical_id for logical_id in LOGICAL_IDS if logical_id not in ids]
        if missing:
            raise LookupError(f"The stack has no {', '.join(missing)}: is it Emoji Smith's?")
        return cls(
            ids["EmojiPipeline"],
            ids["JobsTable"],
            ids["CircuitTable"],
            ids["UsageTable"],
            ids["ImagesBucket"],
        )

    @classmethod
    def from_cloudformation(cls, stack: str) -> StackNames:
        import boto3

        resources = boto3.client("cloudformation").describe_stack_resources(StackName=stack)
        return cls.from_physical_ids(
            {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources["StackResources"]}
        )


#: Replays of replays followed to find the newest run of a job (each one an operator's replay).
MAX_REPLAY_CHAIN = 50


class NoSuchJob(LookupError):
    """The stack knows no execution (or job) of that name."""


def replay_name(job_id: str, replayed_arn: str) -> str:
    """The one name a replay of that run gets: concurrent replays of it start one run."""
    digest = hashlib.sha256(replayed_arn.encode()).hexdigest()[:10]
    return execution_name(job_id[:60], "replay", digest)


class Operations:
    def __init__(self, names: StackNames) -> None:
        wired = bootstrap(names.settings())  # the adapters the functions use, on its tables
        self._state_machine_arn = names.state_machine_arn
        self._workflow = wired.workflow()
        self._jobs = wired.job_repository()
        self._circuit = wired.circuit_store()
        self._ledger = wired.usage_ledger()
        self._images = wired.image_store()

    def forget_member(self, user: str, team: str = "") -> dict[str, Any]:
        """A data deletion request: the member's jobs, their images and the member's usage
        counters (in `team`, or in every workspace), with what was removed."""
        ports = Ports(
            job_repository=lambda: self._jobs,
            usage_ledger=lambda: self._ledger,
            image_store=lambda: self._images,
        )
        return forget_member(ports, user, team or None).as_dict()

    def usage(self, month: str = "") -> dict[str, Any]:
        """Images and estimated dollars per member and in total, for a month (UTC; default the
        current one), from the usage ledger."""
        month = month or datetime.now(UTC).strftime("%Y-%m")
        members = self._ledger.month_usage(month)
        return {
            "month": month,
            "prices_read": PRICES_READ,
            "members": [
                {
                    "team": member.team,
                    "user": member.user,
                    "images": member.images,
                    "dollars": round(member.dollars, 4),
                }
                for member in members
            ],
            "total": {
                "images": sum(member.images for member in members),
                "dollars": round(sum(member.dollars for member in members), 4),
            },
        }

    def failed(self, hours: int = DEFAULT_LOOKBACK_HOURS) -> list[dict[str, Any]]:
        since = datetime.now(UTC) - timedelta(hours=hours)
        return [
            {
                "execution": run.name,
                "job_id": run.job_id,
                "error": run.error or run.status,
                "cause": describe_failure(run.error, run.cause).cause,
                "retryable": is_retryable(run.error),
                "stopped_at": run.stopped_at.isoformat() if run.stopped_at else None,
            }
            for run in self._workflow.recent_runs(since)
            if run.status in FAILED_STATUSES
        ]

    def retry(
        self,
        dry_run: bool,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        hours: int = DEFAULT_LOOKBACK_HOURS,
    ) -> dict[str, object]:
        report = retry_failed_jobs(
            self._workflow,
            self._jobs,
            max_attempts=max_attempts,
            lookback=timedelta(hours=hours),
            dry_run=dry_run,
            ledger=self._ledger,
        )
        return report.as_dict()

    def replay(self, execution: str) -> dict[str, str]:
        """A new execution from the same input (same job id: stored images are reused). A job
        already delivered is not run again: the answer is its recorded delivery. The new run's
        name follows from the run replayed, so concurrent replays start one run (Step Functions
        answers a second start of an open run with that run); `NoSuchJob` when the stack
        knows neither the execution nor the job."""
        asked_at = datetime.now(UTC)
        arn = execution if execution.startswith("arn:") else self._execution_arn(execution)
        original = self._input_of(arn, asked=execution)
        job_id = str(original.get("job_id", "job"))
        for _ in range(MAX_REPLAY_CHAIN):
            delivered = self._delivered(job_id)
            if delivered is not None:
                return delivered
            name = replay_name(job_id, arn)
            if self._workflow.start(name, original):
                return {"replayed": arn.rsplit(":", 1)[-1], "as": name}
            replayed_as = self._execution_arn(name)
            if self._open_since(replayed_as, asked_at):  # a concurrent replay started it
                return {"replayed": arn.rsplit(":", 1)[-1], "as": name}
            arn = replayed_as  # replayed before this was asked, and ended: replay that run
        raise RuntimeError(f"job {job_id} was replayed {MAX_REPLAY_CHAIN} times already")

    def _input_of(self, arn: str, asked: str) -> dict[str, Any]:
        run = self._workflow.run(arn)
        if run is None:
            raise NoSuchJob(f"no such job: {asked} (no execution of that name)")
        answer: dict[str, Any] = json.loads(run.input)
        return answer

    def _open_since(self, arn: str, asked_at: datetime) -> bool:
        """Whether the run is open, or ended after `asked_at` (a concurrent replay's run). A
        clock skew only errs on the safe side: one run more, or the answer an earlier one."""
        run = self._workflow.run(arn)
        if run is None:
            return False
        stopped = run.stopped_at
        return run.status == "RUNNING" or (stopped is not None and stopped >= asked_at)

    def _delivered(self, job_id: str) -> dict[str, str] | None:
        record = self._jobs.get(job_id)
        if record is None or record.delivery is None:
            return None
        return {
            "replayed": "nothing",
            "job_id": job_id,
            "already_delivered": f"{record.delivery.method}: {record.delivery.location}",
        }

    def circuit(self, reset: bool = False) -> dict[str, Any]:
        if reset:
            self._circuit.save(IMAGE_SERVICE, CircuitState())
        state = self._circuit.load(IMAGE_SERVICE)
        report = circuit_report(state, datetime.now(UTC).timestamp())
        return {"circuit": IMAGE_SERVICE, **report, "recent_failures": len(state.failures)}

    def _execution_arn(self, name: str) -> str:
        return execution_arn(self._state_machine_arn, name)
