"""The limits that bound spending: images per member per day, dollars per workspace per month
(UTC). Offline styles cost nothing and are never limited. The counters live in the usage
ledger; these are the periods, the limits and what the member is told."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Limits:
    member_daily_images: int
    workspace_monthly_budget_usd: float


@dataclass(frozen=True)
class Period:
    day: str  # 2026-11-27
    month: str  # 2026-11
    day_ends: datetime
    month_ends: datetime

    @classmethod
    def at(cls, now: datetime) -> Period:
        now = now.astimezone(UTC)
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        first = start_of_day.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return cls(
            now.strftime("%Y-%m-%d"),
            now.strftime("%Y-%m"),
            start_of_day + timedelta(days=1),
            next_month,
        )


@dataclass(frozen=True)
class Charge:
    """What one job counts against the limits: its images (all options) and their estimated
    dollars, in the period it was asked in (a release later undoes exactly this)."""

    team: str
    user: str
    images: int
    dollars: float
    day: str
    month: str
    #: The image quality it was priced at: the job asks the image service for exactly that,
    #: even if an admin changes the workspace's quality meanwhile.
    quality: str = ""

    @classmethod
    def from_record(cls, stored: Mapping[str, object]) -> Charge:
        """As the job record keeps it (numbers may come back as Decimals)."""
        return cls(
            team=str(stored["team"]),
            user=str(stored["user"]),
            images=int(str(stored["images"])),
            dollars=float(str(stored["dollars"])),
            day=str(stored["day"]),
            month=str(stored["month"]),
            quality=str(stored.get("quality") or ""),
        )


def what_is_left(images_left: int, budget_left: float, period: Period) -> str:
    """The member's quota in one sentence (the Home tab, `/emoji help` and `usage`)."""
    return (
        f"You can make *{images_left}* more AI images today (resets {period.day_ends:%H:%M} "
        f"UTC); the workspace has ${budget_left:.2f} left this month."
    )


def member_refusal(limit: int, period: Period, asked: int = 1, left: int | None = None) -> str:
    """Why `asked` images cannot start today, with the real figures: `left` is what the member
    still has (None: not known, e.g. a ledger's failed condition, which only says "too few")."""
    later = f"More at {period.day_ends:%H:%M} UTC ({period.day_ends:%b %d})"
    free = "the Badge and As is styles work any time."
    if asked > limit:
        most = f"You asked for {asked} AI images; a member can make at most {limit} a day"
        if left == 0:
            return f"{most}, and you have none left today. {later}; {free}"
        have = "" if left is None else f" ({left} left today)"
        return f"{most}{have}. Ask for {min(limit, left or limit)} or fewer; {free}"
    if left == 0 or (left is None and asked == 1):
        return f"You have used your {limit} images for today. {later}; {free}"
    if left is None:
        return (
            f"You asked for {asked} AI images, more than you have left today. Ask for fewer, or "
            f"{later[0].lower()}{later[1:]}; {free}"
        )
    return (
        f"You asked for {asked} AI images and have {left} left today. Ask for {left} or fewer, "
        f"or {later[0].lower()}{later[1:]}; {free}"
    )


def budget_refusal(budget: float, period: Period) -> str:
    return (
        f"This workspace has spent its ${budget:.2f} image budget for the month. It resets on "
        f"{period.month_ends:%b %d}; the Badge and As is styles work any time."
    )
