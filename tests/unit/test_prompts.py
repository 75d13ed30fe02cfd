from __future__ import annotations

import pytest

from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.prompts import MAX_BADGE_TEXT, MAX_PROMPT_LENGTH, badge_text, build_prompt
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.validation import clean_text


@pytest.mark.parametrize("style", list(PRESETS))
def test_every_style_builds_an_emoji_grade_prompt(style: str) -> None:
    prompt = build_prompt(EmojiRequest(description="a happy cat", style=style))
    assert prompt.text.startswith("A Slack custom emoji of a happy cat.")
    assert PRESETS[style].look in prompt.text
    assert "readable at 22 pixels" in prompt.text
    assert "No text, letters or numbers." in prompt.text
    assert "Transparent background." in prompt.text


def test_the_message_is_context_not_the_subject() -> None:
    prompt = build_prompt(EmojiRequest(description="a rocket", message_text="we shipped v2!"))
    assert prompt.text.startswith("A Slack custom emoji of a rocket.")
    assert "For mood only, it reacts to this chat message: «we shipped v2!»" in prompt.text


def test_the_message_is_the_subject_without_a_description() -> None:
    prompt = build_prompt(EmojiRequest(message_text="we shipped v2"))
    assert prompt.text.startswith("A Slack custom emoji of we shipped v2.")
    assert "For mood only" not in prompt.text


def test_quoted_text_is_written_exactly() -> None:
    prompt = build_prompt(EmojiRequest(description='a sign that says "LGTM"', transparent=False))
    assert 'Write exactly this text, large and bold: "LGTM".' in prompt.text
    assert "No text" not in prompt.text
    assert "Plain solid light background." in prompt.text
    assert prompt.badge_text == "LGTM"


def test_prompts_and_badges_are_capped() -> None:
    prompt = build_prompt(EmojiRequest(description="word " * 80, message_text="m" * 1000))
    assert len(prompt.text) <= MAX_PROMPT_LENGTH
    assert len(prompt.badge_text) <= MAX_BADGE_TEXT


def test_badge_text_keeps_whole_words() -> None:
    assert badge_text("works on my machine every time") == "WORKS ON MY MACHINE"
    assert badge_text("supercalifragilisticexpialidocious") == "SUPERCALIFRAGILISTICEXPI"


def test_an_emoji_sequence_reaches_the_prompt_whole() -> None:
    # GIVEN a description with a family emoji (three people joined by ZWJ), a stray zero-width
    # space and a joiner that joins nothing
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    described = clean_text(f"our {family} \u200bteam\u200d")
    # WHEN the prompt is built from the cleaned words
    prompt = build_prompt(EmojiRequest(description=described))
    # THEN the sequence is whole, and only the characters that join nothing are gone
    assert prompt.text.startswith(f"A Slack custom emoji of our {family} team.")
