"""Emoji-grade prompts: one subject, readable at reaction size, no stray text."""

from __future__ import annotations

import hashlib
import re

from emoji_smith.domain.models import EmojiRequest, ImagePrompt
from emoji_smith.domain.motion import AI_ANIMATION
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.validation import clean_text

MAX_PROMPT_LENGTH = 1500
MAX_CONTEXT_IN_PROMPT = 300
MAX_BADGE_TEXT = 24
MAX_ENHANCED_SUBJECT = 400
_QUOTED = re.compile(r"[\"“”'‘’«»]([^\"“”'‘’«»]{1,40})[\"“”'‘’«»]")
_ASKS_FOR_TEXT = re.compile(r"\b(text|word|words|letters|saying|says|that reads|lettering)\b", re.I)

ANIMATION_GUIDANCE = (
    "A short seamless loop: the same subject in every frame, moving a little, ending where it "
    "starts."
)
EMOJI_GUIDANCE = (
    "One clear subject, centred, filling most of the square canvas. Bold simple shapes and strong "
    "outlines that stay readable at 22 pixels. High contrast, few details."
)


def quoted_text(description: str) -> str | None:
    """Text the member wants written, as `"LGTM"` in the description."""
    match = _QUOTED.search(description)
    return match.group(1).strip() if match else None


def badge_text(subject: str) -> str:
    """The few words a text badge can show legibly at 128 px."""
    text = quoted_text(subject) or subject
    words = text.split()
    shown = ""
    for word in words:
        candidate = f"{shown} {word}".strip()
        if len(candidate) > MAX_BADGE_TEXT:
            break
        shown = candidate
    return (shown or text[:MAX_BADGE_TEXT]).upper()


def build_prompt(request: EmojiRequest, enhanced_subject: str | None = None) -> ImagePrompt:
    """The image prompt. The source message is context, not the subject, unless there is no
    description. An enhanced subject (from a text model) replaces the member's words in the
    prompt, never the emoji guidance around them."""
    preset = PRESETS[request.style]
    subject = request.description or request.message_text
    described = clean_text(enhanced_subject or "")[:MAX_ENHANCED_SUBJECT] or subject
    parts = [f"A Slack custom emoji of {described}.", f"Style: {preset.look}.", EMOJI_GUIDANCE]
    wanted_text = quoted_text(subject)
    if wanted_text or _ASKS_FOR_TEXT.search(subject):
        if wanted_text:
            parts.append(f'Write exactly this text, large and bold: "{wanted_text}".')
    else:
        parts.append("No text, letters or numbers.")
    parts.append(
        "Transparent background." if request.transparent else "Plain solid light background."
    )
    if request.description and request.message_text:
        context = request.message_text[:MAX_CONTEXT_IN_PROMPT]
        parts.append(f"For mood only, it reacts to this chat message: «{context}».")
    if request.source is not None:  # an edit: the member's words say what to change
        instruction = clean_text(enhanced_subject or "") or request.description
        parts[0] = (
            f"Turn this picture into a Slack custom emoji: {instruction}."
            if instruction
            else "Turn this picture into a Slack custom emoji, keeping it recognisable."
        )
    animated = request.animation == AI_ANIMATION
    if animated:
        parts.append(ANIMATION_GUIDANCE)
    return ImagePrompt(
        text=" ".join(parts)[:MAX_PROMPT_LENGTH],
        style=request.style,
        transparent=request.transparent,
        badge_text=badge_text(subject),
        animated=animated,
        safety_identifier=safety_identifier(request.team_id, request.user_id),
    )


def safety_identifier(team_id: str, user_id: str) -> str:
    """A stable pseudonym of the member (OpenAI asks for one; the ids themselves never leave)."""
    return hashlib.sha256(f"emoji-smith:{team_id}:{user_id}".encode()).hexdigest()[:32]
