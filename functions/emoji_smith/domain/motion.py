"""The animations a member can ask for: one list for the modal, the CLI and the docs. Names and
timing only (the webhook reads this, so it stays free of image libraries); the frames are drawn
by `domain.animation`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effect:
    name: str
    label: str
    #: One line for `emoji-smith effects` and the docs.
    summary: str
    frames: int
    delay_ms: int


EFFECTS: tuple[Effect, ...] = (
    Effect("party", "Party", "colours cycle round the hue circle", 12, 60),
    Effect("shake", "Shake", "a quick side-to-side shake", 8, 40),
    Effect("spin", "Spin", "one full turn", 16, 50),
    Effect("bounce", "Bounce", "hops up and lands, stretched in the air", 12, 50),
    Effect("pulse", "Pulse", "grows and shrinks like a heartbeat", 12, 60),
    Effect("intensifies", "Intensifies", "…intensifies: jitter with a motion trail", 10, 40),
    Effect("rainbow-outline", "Rainbow outline", "an outline that cycles colours", 12, 60),
    Effect("wave", "Wave", "ripples like a flag in the wind", 12, 60),
)
BY_NAME = {effect.name: effect for effect in EFFECTS}
#: The image model animates instead of an effect (accounts with GIF output; else a still).
AI_ANIMATION = "ai"
AI_ANIMATION_LABEL = "AI animation (image model)"
#: Every value a request's `animation` may take besides "" (a still).
ANIMATIONS = (*BY_NAME, AI_ANIMATION)
