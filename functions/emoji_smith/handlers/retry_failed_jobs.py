"""RetryFailedJobs (on a schedule): redrive — or restart — the retryable failures of the last
day, at most RETRY_MAX_ATTEMPTS times per job; a job given up on gives back its unbilled
reservation. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.retry_schedule import retry_failed_jobs
from emoji_smith.bootstrap import ports
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings, wired = get_settings(), ports()
    report = retry_failed_jobs(
        wired.workflow(),
        wired.job_repository(),
        max_attempts=settings.retry_max_attempts,
        lookback=timedelta(hours=settings.retry_lookback_hours),
        dry_run=bool(event.get("dry_run")),
        ledger=wired.usage_ledger(),
    )
    logger.info("Retried failed jobs", extra=report.as_dict())
    return report.as_dict()
