"""What members spent: the usage report's rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MemberUsage:
    team: str
    user: str
    month: str
    images: int
    dollars: float
