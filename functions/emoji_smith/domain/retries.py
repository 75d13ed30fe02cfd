"""Which failed jobs the schedule retries, and how. Pure: runs and attempts in, actions out.

Per job (the execution input's `job_id`, stable across replays) only the newest run counts: a
job with a run still going or done is left alone. Non-retryable errors are never retried.
Redrive resumes at the failed state (within 14 days); otherwise a new execution of the same
input starts under a derived name, so running the schedule twice starts nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from emoji_smith.domain.errors import ERRORS
from emoji_smith.domain.naming import execution_name

REDRIVE_WINDOW = timedelta(days=14)
#: How an execution can end, and which endings are failures (a redrive can resume those).
FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
ENDED_STATUSES = ("SUCCEEDED", *FAILED_STATUSES)
#: The schedule's defaults (template parameters override them in AWS).
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_LOOKBACK_HOURS = 24
NEVER_RETRIED = frozenset(name for name, error in ERRORS.items() if not error.retryable)


@dataclass(frozen=True, slots=True)
class Run:
    arn: str
    name: str
    job_id: str
    status: str
    started_at: datetime
    stopped_at: datetime | None = None
    error: str = ""
    cause: str = ""
    input: str = "{}"


@dataclass(frozen=True, slots=True)
class RetryAction:
    kind: Literal["redrive", "restart", "skip"]
    run: Run
    reason: str
    attempt: int = 0

    @property
    def new_name(self) -> str:
        return execution_name(self.run.job_id[:64], f"retry{self.attempt}")


def plan_retries(
    runs: list[Run], attempts: dict[str, int], now: datetime, max_attempts: int
) -> list[RetryAction]:
    newest: dict[str, Run] = {}
    for run in runs:
        known = newest.get(run.job_id)
        if known is None or run.started_at > known.started_at:
            newest[run.job_id] = run
    actions = []
    for job_id, run in sorted(newest.items()):
        done = attempts.get(job_id, 0)
        if run.status not in FAILED_STATUSES:
            continue
        if run.error in NEVER_RETRIED:
            actions.append(RetryAction("skip", run, f"{run.error} is never retried"))
        elif done >= max_attempts:
            actions.append(RetryAction("skip", run, f"gave up after {done} retries"))
        elif run.stopped_at is not None and now - run.stopped_at < REDRIVE_WINDOW:
            actions.append(RetryAction("redrive", run, f"{run.error or run.status}", done + 1))
        else:
            actions.append(RetryAction("restart", run, "too old to redrive", done + 1))
    return actions
