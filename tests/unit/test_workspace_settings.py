"""What admins may set, how saved settings override the install's defaults, and the Home tab
and settings form as Slack would accept them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.models.views import View

from emoji_smith.domain.conversations import ShareTo
from emoji_smith.domain.home_view import (
    MINE_SHOWN,
    WORKSPACE_SHOWN,
    admin_section,
    home_view,
    read_settings_form,
    settings_modal,
)
from emoji_smith.domain.models import Delivery, JobRecord, JobStatus
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.usage import MemberUsage
from emoji_smith.domain.workspace_settings import WorkspaceSettings, read_settings
from fakes.fake_slack import view_problems
from fakes.slack_payloads import settings_submission

DEFAULTS = WorkspaceSettings(20, 25.0, "low", tuple(PRESETS), "")
PRICES = {"low": 0.006, "medium": 0.053, "high": 0.21}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("member_daily_images", "-1"),
        ("member_daily_images", "1001"),
        ("member_daily_images", "2.5"),
        ("member_daily_images", "lots"),
        ("workspace_monthly_budget_usd", "-0.01"),
        ("workspace_monthly_budget_usd", "nan"),
        ("workspace_monthly_budget_usd", "10000.01"),
        ("image_quality", "auto"),
        ("image_quality", "ultra"),
        ("styles", []),
        ("styles", ["cartoon", "watercolour"]),
        ("styles", "cartoon"),
        ("announcement_channel", "#general"),
        ("announcement_channel", "U123"),
    ],
)
def test_a_value_out_of_bounds_is_named_and_not_taken(field: str, value: Any) -> None:
    chosen, problems = read_settings({field: value})
    assert field in problems
    assert problems[field]
    assert chosen == {}


def test_acceptable_values_are_read_and_styles_keep_the_catalogues_order() -> None:
    chosen, problems = read_settings(
        {
            "member_daily_images": "0",
            "workspace_monthly_budget_usd": "12.499",
            "image_quality": "high",
            "styles": ["flat", "badge"],
            "announcement_channel": "",
        }
    )
    assert problems == {}
    assert chosen == {
        "member_daily_images": 0,
        "workspace_monthly_budget_usd": 12.5,
        "image_quality": "high",
        "styles": ("badge", "flat"),
        "announcement_channel": "",
    }


def test_saved_settings_override_the_defaults_field_by_field_and_a_bad_field_is_ignored() -> None:
    # GIVEN an item saved with one good field and one that a hand edit broke
    saved = {
        "member_daily_images": "3",
        "image_quality": "ultra",
        "updated_by": "UA",
        "updated_at": "5",
    }
    # WHEN it is applied over the defaults
    settings = DEFAULTS.overridden_by(saved)
    # THEN the good field wins, the broken one keeps the default, and who changed it is kept
    assert settings.member_daily_images == 3
    assert settings.image_quality == "low"
    assert (settings.updated_by, settings.updated_at) == ("UA", 5)
    assert settings.limits.workspace_monthly_budget_usd == 25.0
    assert DEFAULTS.overridden_by(None) is DEFAULTS


def test_the_settings_form_reads_back_what_it_shows() -> None:
    # GIVEN the form for saved settings, submitted unchanged
    current = WorkspaceSettings(7, 12.5, "medium", ("badge", "cartoon"), "C42")
    view = settings_modal(current, PRICES)
    values = {
        "member_daily_images": 7,
        "workspace_monthly_budget_usd": "12.5",
        "image_quality": "medium",
        "styles": ["badge", "cartoon"],
        "announcement_channel": "C42",
    }
    submitted = settings_submission(view, "UA", **values)["view"]
    # THEN reading it gives the same settings, and the form is a view Slack accepts
    chosen, problems = read_settings(read_settings_form(submitted))
    assert problems == {}
    assert DEFAULTS.overridden_by(chosen) == current
    assert view_problems(view) == []
    View(**view).validate_json()


def _record(index: int, user: str) -> JobRecord:
    return JobRecord(
        job_id=f"job-{user}-{index}",
        status=JobStatus.DELIVERED,
        team_id="T1",
        requester=user,
        emoji_name=f"cat_{index}",
        style="cartoon",
        delivery=Delivery(
            method="file_share",
            emoji_name=f"cat_{index}",
            location=f"https://fake.slack.test/files/F{index:05d}",
            shared_in="thread",
        ),
        created_at=int(time.time()) - index,
    )


def _public(record: JobRecord, share_to: ShareTo = "thread") -> JobRecord:
    """Made in a public channel, and shared in its thread or by DM."""
    assert record.delivery is not None
    delivery = record.delivery.model_copy(update={"shared_in": share_to})
    return record.model_copy(update={"visibility": "public", "delivery": delivery})


def test_the_workspace_list_shows_only_public_jobs_with_pictures_everyone_can_see() -> None:
    # GIVEN the workspace's jobs: one private (or recorded before visibility was), one public
    # shared in its thread, one public sent to its maker's DM, one added to the workspace
    private = _record(1, "U2")
    in_thread = _public(_record(2, "U2"))
    by_dm = _public(_record(3, "U2"), "dm")
    added = _public(_record(4, "U2"), "dm").model_copy(
        update={"delivery": Delivery(method="admin_emoji", emoji_name="cat_4", location=":cat_4:")}
    )
    # WHEN another member's Home is built
    view = home_view([], [private, in_thread, by_dm, added], "", {"cat_4": "https://e.test/4"})
    # THEN the private one is not listed, and only pictures every member can see are shown
    shown = {
        b["block_id"]: b.get("accessory")
        for b in view["blocks"]
        if "job-w-" in b.get("block_id", "")
    }
    assert set(shown) == {"job-w-job-U2-2", "job-w-job-U2-3", "job-w-job-U2-4"}
    assert shown["job-w-job-U2-2"]["slack_file"]["url"].endswith("F00002")
    assert shown["job-w-job-U2-3"] is None
    assert shown["job-w-job-U2-4"]["image_url"] == "https://e.test/4"


def test_a_full_home_for_an_admin_stays_within_slacks_limits() -> None:
    # GIVEN a member with many emoji, a busy workspace, and an admin's section
    mine = [_record(i, "U1") for i in range(40)]
    everyone = [_public(_record(i, "U2")) for i in range(40)]
    usage = [MemberUsage("T1", f"U{i}", "2026-11", i, i * 0.006) for i in range(30)]
    admin = admin_section(DEFAULTS, "2026-11", usage)
    # WHEN the Home is built
    view = home_view(mine, everyone, "You can make *3* more.", {}, admin)
    # THEN it shows the latest 20 and 10, each with its Slack-hosted picture, within 100 blocks
    assert len(view["blocks"]) <= 100
    pictures = [b for b in view["blocks"] if "accessory" in b and "slack_file" in b["accessory"]]
    assert len(pictures) == MINE_SHOWN + WORKSPACE_SHOWN
    assert view_problems(view, kind="home") == []
    View(**view).validate_json()


def test_a_job_without_a_slack_picture_shows_its_name_only() -> None:
    # GIVEN a job delivered to the local outbox, and one that failed
    local = _record(1, "U1").model_copy(
        update={"delivery": Delivery(method="outbox", emoji_name="cat_1", location="/x.png")}
    )
    failed = JobRecord(job_id="f", status=JobStatus.FAILED, emoji_name="sad", style="flat")
    view = home_view([local, failed], [], "You can make *3* more.", {})
    sections = [b for b in view["blocks"] if b.get("block_id", "").startswith("job-")]
    assert [("accessory" in b) for b in sections] == [False, False]
    assert view_problems(view, kind="home") == []


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (
            {"type": "image", "slack_file": {"url": "https://x/F1"}, "alt_text": "a"},
            "no such file",
        ),
        ({"type": "image", "image_url": "https://x/a.png"}, "alt_text"),
        (
            {"type": "image", "slack_file": {"url": "u", "id": "F1"}, "alt_text": "a"},
            "exactly one of url, id",
        ),
        (
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "n"},
                "element": {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": "0",
                    "max_value": "10",
                    "initial_value": "11",
                },
            },
            "between min_value and max_value",
        ),
        (
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "q"},
                "element": {
                    "type": "radio_buttons",
                    "options": [{"text": {"type": "plain_text", "text": "a"}, "value": "a"}],
                    "initial_option": {"text": {"type": "plain_text", "text": "b"}, "value": "b"},
                },
            },
            "among the options",
        ),
    ],
    ids=["unknown-file", "no-alt-text", "url-and-id", "number-out-of-range", "stray-initial"],
)
def test_the_fake_slack_refuses_what_slack_refuses(block: dict[str, Any], problem: str) -> None:
    # GIVEN a Home with one block Slack would refuse (the fake knows no files here)
    view = {"type": "home", "blocks": [block]}
    # THEN the fake names the problem, as views.publish would
    problems = view_problems(view, kind="home", known_file=lambda _reference: False)
    assert any(problem in p for p in problems), problems
