from __future__ import annotations

import pytest

from emoji_smith.domain.naming import (
    MAX_NAME_LENGTH,
    name_problem,
    normalize_name,
    suggest_name,
    with_suffix,
)


@pytest.mark.parametrize("name", ["party", "party_parrot", "ship-it", "lgtm2", "a", "_x_"])
def test_names_slack_accepts_have_no_problem(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("Bad", "capital letters"),
        ("bad name", "characters Slack does not allow"),
        ("bad!", "characters Slack does not allow"),
        ("emoji\u200b", "characters Slack does not allow"),
        ("x²", "characters Slack does not allow"),
        ("ünï_cödé", "characters Slack does not allow"),
        ("ねこ", "characters Slack does not allow"),
        ("-", "no letter or digit"),
        ("__", "no letter or digit"),
        ("x" * (MAX_NAME_LENGTH + 1), "characters long"),
    ],
)
def test_names_slack_refuses_say_why(name: str, problem: str) -> None:
    assert problem in (name_problem(name) or "")


def test_colons_and_spaces_around_a_name_are_forgiven() -> None:
    assert normalize_name("  :party_parrot:  ") == "party_parrot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A happy cat!", "happy_cat"),
        ("ship it", "ship_it"),
        ("Bad Name!", "bad_name"),
        ("the", "the"),
        ("Café au lait", "cafe_au_lait"),
        ("ünï_cödé", "uni_code"),
        ("x²", "x2"),
        ("🎉🎉🎉", "party_popper"),
        ("ship it 🚀", "ship_it_rocket"),
        ("👍🏽", "thumbs_up_sign"),
        (
            "extraordinarily long words keep going and going forever",
            "extraordinarily_long_words_keep",
        ),
    ],
)
def test_suggested_names_are_short_and_valid(text: str, expected: str) -> None:
    name = suggest_name(text)
    assert name == expected
    assert name_problem(name) is None


@pytest.mark.parametrize("text", ["!!!", "ねこ", "", "   "])
def test_text_that_makes_no_name_suggests_none(text: str) -> None:
    # THEN the member is asked for a name instead of getting a meaningless :emoji:
    assert suggest_name(text) == ""


def test_suffixed_names_stay_within_the_length_rule() -> None:
    assert with_suffix("party", 2) == "party_2"
    long_name = "x" * MAX_NAME_LENGTH
    assert len(with_suffix(long_name, 12)) == MAX_NAME_LENGTH
    assert name_problem(with_suffix(long_name, 12)) is None
