"""The image service's circuit breaker, as pure state transitions (times in epoch seconds).

Closed: jobs go through. N failures (after the ASL's own retries) within a window open it for a
cooldown: jobs fail fast with CircuitOpen and the schedule retries them later. After the
cooldown it is half-open: the next job tries; its failure re-opens at once, its success closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict

IMAGE_SERVICE = "image-service"


@dataclass(frozen=True, slots=True)
class CircuitPolicy:
    threshold: int
    window_seconds: int
    cooldown_seconds: int


@dataclass(frozen=True, slots=True)
class CircuitState:
    failures: tuple[float, ...] = field(default_factory=tuple)
    open_until: float = 0.0

    def is_open(self, now: float) -> bool:
        return now < self.open_until

    def is_half_open(self, now: float) -> bool:
        return 0 < self.open_until <= now

    def after_failure(self, now: float, policy: CircuitPolicy) -> CircuitState:
        if self.is_half_open(now):
            return CircuitState(open_until=now + policy.cooldown_seconds)
        recent = (*(t for t in self.failures if now - t <= policy.window_seconds), now)
        if len(recent) >= policy.threshold:
            return CircuitState(open_until=now + policy.cooldown_seconds)
        return CircuitState(failures=recent, open_until=self.open_until)

    def needs_closing(self) -> bool:
        return bool(self.failures) or self.open_until > 0


def open_cause(state: CircuitState) -> str:
    until = datetime.fromtimestamp(state.open_until, UTC).strftime("%H:%M UTC")
    return f"The image service failed repeatedly; new jobs wait until {until}."


class CircuitReport(TypedDict):
    """What the ASL's Choices read: `open` (fail fast) and `needs_closing` (after a success)."""

    open: bool
    needs_closing: bool
    cause: str


def circuit_report(state: CircuitState, now: float) -> CircuitReport:
    is_open = state.is_open(now)
    return {
        "open": is_open,
        "needs_closing": state.needs_closing(),
        "cause": open_cause(state) if is_open else "",
    }
