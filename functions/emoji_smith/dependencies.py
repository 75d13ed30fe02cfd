"""Kept for callers that start a new container by hand; the wiring is `emoji_smith.bootstrap`."""

from __future__ import annotations

from emoji_smith.bootstrap import new_containers


def cold_start() -> None:
    """Every function starts in a new container (`bootstrap.new_containers`)."""
    new_containers()
