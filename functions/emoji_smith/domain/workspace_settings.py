"""What a workspace's admins decide: the limits, the image quality, the styles offered and the
announcement channel. The template's parameters are the defaults; what an admin saved from the
Home tab overrides them, field by field, from the next request on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from emoji_smith.domain.quotas import Limits
from emoji_smith.domain.styles import PRESETS

#: What an admin may choose ("auto" is the image service's own pick: not a bound anyone can plan).
QUALITIES = ("low", "medium", "high")
MAX_DAILY_IMAGES = 1000
MAX_MONTHLY_BUDGET_USD = 10_000.0


@dataclass(frozen=True)
class WorkspaceSettings:
    member_daily_images: int
    workspace_monthly_budget_usd: float
    image_quality: str
    styles: tuple[str, ...]
    announcement_channel: str
    #: Who saved the overrides, and when (epoch seconds); empty for the template's defaults.
    updated_by: str = ""
    updated_at: int = 0

    @property
    def limits(self) -> Limits:
        return Limits(self.member_daily_images, self.workspace_monthly_budget_usd)

    def offers(self, style: str) -> bool:
        return style in self.styles

    def overridden_by(self, saved: Mapping[str, Any] | None) -> WorkspaceSettings:
        """These defaults with what was saved on top (a field saved malformed is ignored, so a
        hand-edited item never stops the app)."""
        if not saved:
            return self
        chosen, _problems = read_settings(saved)
        return replace(
            self,
            **chosen,
            updated_by=str(saved.get("updated_by") or ""),
            updated_at=int(str(saved.get("updated_at") or 0)),
        )


class _Unacceptable(ValueError):
    """What the admin is told about a field."""


def _daily_images(raw: Any) -> int:
    try:
        images = int(str(raw).strip())
    except ValueError:
        images = -1
    if not 0 <= images <= MAX_DAILY_IMAGES:
        raise _Unacceptable(f"A whole number from 0 to {MAX_DAILY_IMAGES}.")
    return images


def _monthly_budget(raw: Any) -> float:
    try:
        dollars = round(float(str(raw).strip()), 2)
    except ValueError:
        dollars = -1.0
    if not 0 <= dollars <= MAX_MONTHLY_BUDGET_USD:  # NaN fails this too
        raise _Unacceptable(f"Dollars from 0 to {MAX_MONTHLY_BUDGET_USD:,.0f}, e.g. 25 or 12.50.")
    return dollars


def _quality(raw: Any) -> str:
    if raw not in QUALITIES:
        raise _Unacceptable(f"One of {', '.join(QUALITIES)}.")
    return str(raw)


def _styles(raw: Any) -> tuple[str, ...]:
    picked = [str(style) for style in raw] if isinstance(raw, list | tuple) else []
    if not picked or any(style not in PRESETS for style in picked):
        raise _Unacceptable("Offer at least one style.")
    return tuple(key for key in PRESETS if key in picked)  # the catalogue's order


def _channel(raw: Any) -> str:
    channel = str(raw or "")
    if channel and not (channel[:1] in "CG" and channel.isalnum() and len(channel) <= 20):
        raise _Unacceptable("Pick a public or private channel, or none.")
    return channel


_READERS = {
    "member_daily_images": _daily_images,
    "workspace_monthly_budget_usd": _monthly_budget,
    "image_quality": _quality,
    "styles": _styles,
    "announcement_channel": _channel,
}


def read_settings(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings in `values` (as an admin entered them, or as stored), and a problem per
    field that is not acceptable. Absent fields are left out of both."""
    chosen: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field, read in _READERS.items():
        if field not in values:
            continue
        try:
            chosen[field] = read(values[field])
        except _Unacceptable as problem:
            problems[field] = str(problem)
    return chosen, problems
