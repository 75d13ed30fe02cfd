"""What a refused member is told: the real figures, never "you have used" to one who has not."""

from __future__ import annotations

from datetime import UTC, datetime

from emoji_smith.domain.quotas import Period, member_refusal

PERIOD = Period.at(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))


def test_asking_for_more_options_than_the_daily_limit_says_so_not_that_they_were_used() -> None:
    # GIVEN a limit of 3 a day and none used WHEN the member asks for 4 options
    told = member_refusal(3, PERIOD, asked=4, left=3)
    # THEN the refusal says what was asked and the limit, and that 3 are left
    assert told.startswith("You asked for 4 AI images; a member can make at most 3 a day")
    assert "(3 left today)" in told
    assert "Ask for 3 or fewer" in told
    assert "used" not in told


def test_asking_for_more_than_is_left_says_how_many_are_left() -> None:
    told = member_refusal(3, PERIOD, asked=3, left=2)
    assert told.startswith("You asked for 3 AI images and have 2 left today. Ask for 2 or fewer")
    assert "more at 00:00 UTC (Nov 28)" in told


def test_only_a_member_with_nothing_left_is_told_they_used_their_images() -> None:
    assert member_refusal(3, PERIOD, asked=1, left=0).startswith(
        "You have used your 3 images for today. More at 00:00 UTC (Nov 28)"
    )


def test_a_ledger_that_only_knows_too_few_are_left_claims_no_figure_it_does_not_know() -> None:
    told = member_refusal(3, PERIOD, asked=2)
    assert told.startswith("You asked for 2 AI images, more than you have left today.")


def test_asking_past_the_limit_with_none_left_says_when_more_come() -> None:
    told = member_refusal(3, PERIOD, asked=4, left=0)
    assert told.startswith(
        "You asked for 4 AI images; a member can make at most 3 a day, and you have none left "
        "today. More at 00:00 UTC (Nov 28)"
    )


def test_asking_past_the_limit_with_some_used_offers_what_is_left() -> None:
    assert "(1 left today). Ask for 1 or fewer" in member_refusal(3, PERIOD, asked=4, left=1)
