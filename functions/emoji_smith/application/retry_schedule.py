"""Retrying failed jobs: the scheduled RetryFailedJobs Lambda and `emoji-smith ops retry`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from emoji_smith.application.spending import give_back
from emoji_smith.domain.retries import RetryAction, plan_retries
from emoji_smith.ports import JobRepository, UsageLedger, Workflow


@dataclass
class RetryReport:
    redriven: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    planned: list[str] = field(default_factory=list)
    #: Jobs given up on whose unbilled reservation was given back now.
    released: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "redriven": self.redriven,
            "restarted": self.restarted,
            "skipped": self.skipped,
            "planned": self.planned,
            "released": self.released,
        }


def retry_failed_jobs(
    workflow: Workflow,
    jobs: JobRepository,
    *,
    max_attempts: int,
    lookback: timedelta,
    dry_run: bool = False,
    now: datetime | None = None,
    ledger: UsageLedger | None = None,
) -> RetryReport:
    """Redrive or restart what may be retried. A job given up on (never retried, or out of
    attempts) gives its reservation back if nothing was billed: no retry will use it now."""
    moment = now or datetime.now(UTC)
    runs = workflow.recent_runs(moment - lookback)
    failed_jobs = {run.job_id for run in runs if run.status != "RUNNING"}
    attempts = {job_id: _attempts(jobs, job_id) for job_id in failed_jobs}
    report = RetryReport()
    for action in plan_retries(runs, attempts, moment, max_attempts):
        if action.kind == "skip":
            report.skipped[action.run.job_id] = action.reason
            if ledger is not None and not dry_run and give_back(action.run.job_id, jobs, ledger):
                report.released.append(action.run.job_id)
        elif dry_run:
            report.planned.append(f"{action.run.job_id}: {action.kind} ({action.reason})")
        else:
            _carry_out(action, workflow, jobs, report)
    return report


def _carry_out(
    action: RetryAction, workflow: Workflow, jobs: JobRepository, report: RetryReport
) -> None:
    run = action.run
    if action.kind == "redrive" and workflow.redrive(run.arn):
        report.redriven.append(run.job_id)
        method = "redrive"
    else:
        workflow.start(action.new_name, json.loads(run.input))
        report.restarted.append(run.job_id)
        method = f"new execution {action.new_name}"
    jobs.record_retry(run.job_id, action.attempt, run.error or run.status, method)


def _attempts(jobs: JobRepository, job_id: str) -> int:
    record = jobs.get(job_id)
    return record.attempts if record else 0
