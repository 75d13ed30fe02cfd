"""Bounding what the image service costs: a job counts against the member's images for the day
and the workspace's budget for the month when it is validated (atomically, in the usage
ledger), its bill is recorded when the service answers, and a job that ends before anything was
billed gives its reservation back. Offline styles cost nothing and count nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emoji_smith.domain.costs import image_cost_usd
from emoji_smith.domain.errors import QuotaExceeded
from emoji_smith.domain.models import EmojiRequest, JobRecord
from emoji_smith.domain.quotas import Charge, Limits, Period, budget_refusal, member_refusal
from emoji_smith.domain.styles import PRESETS
from emoji_smith.ports import JobRepository, UsageLedger


@dataclass(frozen=True)
class Spending:
    ledger: UsageLedger
    limits: Limits
    model: str
    quality: str
    now: datetime

    def charge_for(self, request: EmojiRequest) -> Charge:
        period = Period.at(self.now)
        dollars = image_cost_usd(self.model, self.quality, request.options)
        return Charge(
            request.team_id,
            request.user_id,
            request.options,
            dollars,
            period.day,
            period.month,
            self.quality,
        )

    def refusal(self, request: EmojiRequest) -> str | None:
        """Why the request would be refused if it started now, with the real figures (None: it
        may start). Advisory: Validate still counts atomically."""
        if not PRESETS[request.style].needs_image_service:
            return None
        period = Period.at(self.now)
        images_left, budget_left = remaining(
            request.team_id, request.user_id, self.ledger, self.limits, self.now
        )
        if request.options > images_left:
            daily = self.limits.member_daily_images
            return member_refusal(daily, period, request.options, images_left)
        if self.charge_for(request).dollars > budget_left:
            return budget_refusal(self.limits.workspace_monthly_budget_usd, period)
        return None


def reserve(
    job_id: str,
    request: EmojiRequest,
    jobs: JobRepository,
    spending: Spending,
    record: JobRecord | None = None,
) -> Charge | None:
    """Count the job once (a replay or a retry reserves nothing twice), or QuotaExceeded saying
    when the limit resets. The charge made, for the caller to keep with the job (None: nothing
    was counted now). `record`: the job as the caller just read it (saves a read)."""
    if not PRESETS[request.style].needs_image_service:
        return None
    record = record or jobs.get(job_id)
    if record is not None and record.reservation is not None:
        return None
    charge = spending.charge_for(request)
    refusal = spending.ledger.reserve(charge, spending.limits, Period.at(spending.now))
    if refusal:
        raise QuotaExceeded(refusal)
    return charge


def give_back(job_id: str, jobs: JobRepository, ledger: UsageLedger) -> bool:
    """Release the job's reservation if nothing was billed (once); True when released."""
    record = jobs.get(job_id)
    if record is None or record.reservation is None or record.released or record.images_billed:
        return False
    if not jobs.record_release(job_id):
        return False
    ledger.release(Charge.from_record(record.reservation))
    return True


def priced_quality(record: JobRecord | None) -> str | None:
    """The quality the job's reservation was priced at (None: it has none, e.g. a job from
    before quality was kept with it)."""
    if record is None or record.reservation is None:
        return None
    return Charge.from_record(record.reservation).quality or None


def remaining(
    team: str, user: str, ledger: UsageLedger, limits: Limits, now: datetime
) -> tuple[int, float]:
    """(images the member may still make today, dollars left in the workspace's month)."""
    images, dollars = ledger.spent(team, user, Period.at(now))
    return (
        max(0, limits.member_daily_images - images),
        max(0.0, limits.workspace_monthly_budget_usd - dollars),
    )
