"""The member's App Home tab — what they made (each with *Make another like this*), what the
workspace made lately, their quota, a Create emoji button — and, for admins and owners, the
workspace's settings and the month's bill with an *Edit settings* button (its modal is here too).
Images come only from Slack: uploaded files (`slack_file`) and the workspace's emoji URLs.
One module (over 250 lines): the Home's sections and the settings modal show the same figures
with the same wording and limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emoji_smith.domain.messages import delivery_picture, escape
from emoji_smith.domain.slack_views import input_block, plain_option
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.usage import MemberUsage
from emoji_smith.domain.workspace_settings import (
    MAX_DAILY_IMAGES,
    MAX_MONTHLY_BUDGET_USD,
    QUALITIES,
    WorkspaceSettings,
)

if TYPE_CHECKING:  # the webhook loads this module on a shortcut: no pydantic there
    from emoji_smith.domain.models import EmojiRequest, JobRecord

CREATE_ACTION = "home_create"
MAKE_ANOTHER_ACTION = "home_make_another"
EDIT_SETTINGS_ACTION = "home_edit_settings"
SETTINGS_CALLBACK = "workspace_settings_modal"
MINE_SHOWN = 20
WORKSPACE_SHOWN = 10
TOP_SPENDERS = 5


def shown_to_workspace(request: EmojiRequest) -> bool:
    """Whether a job goes in the workspace's list (the repository indexes only those): made
    in a public channel. A private channel's, a group DM's or a DM's is its maker's alone."""
    return bool(request.team_id) and request.visibility == "public"


def seen_by_everyone(record: JobRecord) -> bool:
    """Whether every member can see the job's picture: the emoji added to the workspace, or
    the file shared in a public channel's thread (not one sent to the maker's DM)."""
    delivery = record.delivery
    if delivery is None or delivery.method == "admin_emoji":
        return True
    return record.visibility == "public" and delivery.shared_in == "thread"


def _when(record: JobRecord) -> str:
    if not record.created_at:
        return ""
    return datetime.fromtimestamp(record.created_at, UTC).strftime("%b %d %H:%M UTC")


def _job_section(
    record: JobRecord, emoji_urls: Mapping[str, str], with_author: bool
) -> dict[str, Any]:
    name = f"`:{escape(record.emoji_name or '?')}:`"
    status = (record.status or "?").lower().replace("_", " ")
    author = f" by <@{record.requester}>" if with_author and record.requester else ""
    style = PRESETS[record.style].label if record.style in PRESETS else ""
    lines = [f"*{name}*{author}", f"{status} · {_when(record)}" + (f" · {style}" if style else "")]
    block: dict[str, Any] = {
        "type": "section",
        "block_id": f"job-{'w' if with_author else 'm'}-{record.job_id}"[:255],
        "text": {"type": "mrkdwn", "text": "\n".join(lines)},
    }
    picture = delivery_picture(record.delivery, emoji_urls)
    if picture is not None and (not with_author or seen_by_everyone(record)):
        block["accessory"] = picture
    return block


def _make_another(record: JobRecord) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": f"again-{record.job_id}"[:255],
        "elements": [
            {
                "type": "button",
                "action_id": MAKE_ANOTHER_ACTION,
                "value": record.job_id,
                "text": {"type": "plain_text", "text": "Make another like this"},
            }
        ],
    }


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _text(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def home_view(
    mine: Sequence[JobRecord],
    workspace: Sequence[JobRecord],
    quota_text: str,
    emoji_urls: Mapping[str, str],
    admin: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`admin`: the admin section's blocks (`admin_section`), only for admins and owners."""
    your_emoji: list[dict[str, Any]] = []
    for record in mine[:MINE_SHOWN]:
        your_emoji.append(_job_section(record, emoji_urls, with_author=False))
        if record.style:
            your_emoji.append(_make_another(record))
    # The index holds public jobs only; a row it kept from before visibility was recorded is
    # private (the default), and dropped here too.
    public = [record for record in workspace if record.visibility == "public"]
    everyone = [_job_section(r, emoji_urls, with_author=True) for r in public[:WORKSPACE_SHOWN]]
    return {
        "type": "home",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Emoji Smith* turns any message, or your words, into an emoji.",
                },
                "accessory": {
                    "type": "button",
                    "action_id": CREATE_ACTION,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Create emoji"},
                },
            },
            _header("Your quota"),
            _text(quota_text),
            {"type": "divider"},
            _header("Your emoji"),
            *(your_emoji or [_text("Nothing yet: run *Create emoji* on a message.")]),
            {"type": "divider"},
            _header("This workspace"),
            *(everyone or [_text("Nothing yet.")]),
            *(admin or []),
        ],
    }


def admin_section(
    settings: WorkspaceSettings, month: str, usage: Sequence[MemberUsage]
) -> list[dict[str, Any]]:
    """The workspace's settings and this month's bill, for admins and owners."""
    images = sum(u.images for u in usage)
    dollars = sum(u.dollars for u in usage)
    top = sorted(usage, key=lambda u: u.dollars, reverse=True)[:TOP_SPENDERS]
    spenders = "\n".join(f"• <@{u.user}>: {u.images} images, ${u.dollars:.2f}" for u in top)
    channel = f"<#{settings.announcement_channel}>" if settings.announcement_channel else "none"
    styles = ", ".join(PRESETS[key].label.split(" (")[0] for key in settings.styles)
    changed = (
        f"\n_Last changed by <@{settings.updated_by}> on "
        f"{datetime.fromtimestamp(settings.updated_at, UTC):%b %d %H:%M} UTC._"
        if settings.updated_by
        else "\n_The install's defaults: nobody has changed them yet._"
    )
    return [
        {"type": "divider"},
        _header("Admin"),
        _text(
            f"*This month ({month})*: {images} AI images, ≈ ${dollars:.2f} of the "
            f"${settings.workspace_monthly_budget_usd:.2f} budget."
            + (f"\n{spenders}" if spenders else "")
        ),
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f"*Daily images per member*: {settings.member_daily_images}\n"
                    f"*Monthly budget*: ${settings.workspace_monthly_budget_usd:.2f}\n"
                    f"*Image quality*: {settings.image_quality}\n"
                    f"*Styles offered*: {styles}\n"
                    f"*Announcements*: {channel}{changed}"
                )[:3000],
            },
            "accessory": {
                "type": "button",
                "action_id": EDIT_SETTINGS_ACTION,
                "text": {"type": "plain_text", "text": "Edit settings"},
            },
        },
    ]


def _quality_option(quality: str, prices: Mapping[str, float]) -> dict[str, Any]:
    return plain_option(quality, f"{quality.capitalize()} (≈ ${prices[quality]:.3f} an image)")


def _within(value: float, highest: float) -> float:
    """A default outside the form's range (a template parameter) would make Slack refuse the
    form: it is shown at the nearest bound (NaN at 0)."""
    return value if 0 <= value <= highest else highest if value > highest else 0


def _plain(number: float) -> str:
    """Digits as Slack's number_input reads them: never an exponent (`:g` wrote 1e+06)."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def settings_modal(settings: WorkspaceSettings, prices: Mapping[str, float]) -> dict[str, Any]:
    """The admin's form; `prices`: dollars per image at each quality."""
    styles = [plain_option(key, PRESETS[key].label[:75]) for key in PRESETS]
    offered = [option for option in styles if option["value"] in settings.styles]
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if settings.announcement_channel:
        channel["initial_conversation"] = settings.announcement_channel
    return {
        "type": "modal",
        "callback_id": SETTINGS_CALLBACK,
        "title": {"type": "plain_text", "text": "Emoji Smith settings"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            input_block(
                "member_daily_images",
                "AI images per member per day",
                {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": False,
                    "min_value": "0",
                    "max_value": str(MAX_DAILY_IMAGES),
                    "initial_value": _plain(
                        _within(settings.member_daily_images, MAX_DAILY_IMAGES)
                    ),
                },
                hint="0 allows only the offline styles. Resets at 00:00 UTC.",
            ),
            input_block(
                "workspace_monthly_budget_usd",
                "Monthly budget for the workspace (USD)",
                {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": True,
                    "min_value": "0",
                    "max_value": _plain(MAX_MONTHLY_BUDGET_USD),
                    "initial_value": _plain(
                        _within(settings.workspace_monthly_budget_usd, MAX_MONTHLY_BUDGET_USD)
                    ),
                },
                hint="Estimated image-service dollars; resets on the 1st (UTC).",
            ),
            input_block(
                "image_quality",
                "Image quality",
                {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [_quality_option(q, prices) for q in QUALITIES],
                    "initial_option": _quality_option(settings.image_quality, prices),
                },
                hint="An emoji is shown at 22-128 px: low is usually enough.",
            ),
            input_block(
                "styles",
                "Styles offered",
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": styles,
                    **({"initial_options": offered} if offered else {}),
                },
            ),
            input_block(
                "announcement_channel",
                "Announce new emoji in",
                channel,
                optional=True,
                hint="Each new emoji is announced there once; invite @Emoji Smith to it first.",
            ),
        ],
    }


def read_settings_form(view: Mapping[str, Any]) -> dict[str, Any]:
    """What the admin entered, by field (for `workspace_settings.read_settings`)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}

    def element(block: str) -> dict[str, Any]:
        field = values.get(block)
        chosen = field.get("value") if isinstance(field, dict) else None
        return chosen if isinstance(chosen, dict) else {}

    quality = element("image_quality").get("selected_option")
    checked = element("styles").get("selected_options")
    return {
        "member_daily_images": element("member_daily_images").get("value") or "",
        "workspace_monthly_budget_usd": element("workspace_monthly_budget_usd").get("value") or "",
        "image_quality": quality.get("value") if isinstance(quality, dict) else "",
        "styles": [option.get("value") for option in checked or [] if isinstance(option, dict)],
        "announcement_channel": element("announcement_channel").get("selected_conversation") or "",
    }
