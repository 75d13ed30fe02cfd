"""What the webhook does with a verified Slack interaction. Loaded on first use, after the
signature check, so the webhook module itself stays slim; what only a click or a submission
needs (the job table, the workflow, boto3, pydantic) is imported there, not on a shortcut."""

from __future__ import annotations

import logging
from typing import Any

from emoji_smith.dependencies import slack_interactions
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.home_view import (
    CREATE_ACTION,
    EDIT_SETTINGS_ACTION,
    MAKE_ANOTHER_ACTION,
    SETTINGS_CALLBACK,
)
from emoji_smith.domain.slack_requests import MalformedPayload
from emoji_smith.domain.slack_submissions import read_submission, submission_execution_name
from emoji_smith.domain.slack_views import (
    MODAL_CALLBACK,
    SHORTCUT_CALLBACK,
    create_emoji_modal,
    offered_sources,
)
from emoji_smith.domain.styles import PRESETS, style_not_offered
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.settings import image_service_configured

logger = logging.getLogger("emoji_smith.webhook")
HOME_ACTIONS = (CREATE_ACTION, MAKE_ANOTHER_ACTION, EDIT_SETTINGS_ACTION)
NO_STYLE = (
    "This workspace offers no style that works just now. An admin can choose the styles on "
    "Emoji Smith's Home tab."
)
MODAL_FAILED = (
    "Sorry, Slack did not let me open the Create emoji form just now. "
    "Please run the shortcut again."
)


def handle_interaction(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON body of the 200 answer (None: empty)."""
    kind = payload.get("type")
    if kind == "message_action" and payload.get("callback_id") == SHORTCUT_CALLBACK:
        _open_modal(payload)
        return None
    if kind == "block_actions":
        _click(payload)
        return None
    view = payload.get("view") or {}
    if not isinstance(view, dict):
        raise MalformedPayload("view is not an object")
    if kind == "view_submission" and view.get("callback_id") == MODAL_CALLBACK:
        return _submit(payload, view)
    if kind == "view_submission" and view.get("callback_id") == SETTINGS_CALLBACK:
        return _save_settings(payload, view)
    logger.info("Ignored an interaction: type=%s", kind)
    return None


def _team(payload: dict[str, Any]) -> str:
    return str((payload.get("team") or {}).get("id") or payload.get("team_id") or "")


def _user(payload: dict[str, Any]) -> str:
    return str((payload.get("user") or {}).get("id") or "")


def _workspace(team: str) -> WorkspaceSettings:
    """The workspace's settings; the defaults when they cannot be read just now (the modal and
    its checks are advisory: the workflow reads them again and decides)."""
    from emoji_smith.dependencies import default_workspace_settings, workspace_settings

    try:
        return workspace_settings(team)
    except Exception:
        logger.exception("Could not read the settings of %s", team)
        return default_workspace_settings()


def _open_modal(payload: dict[str, Any], first_style: str = "") -> None:
    """`first_style`: offered first (selected), when the workspace offers it."""
    with_images = image_service_configured()
    message = payload.get("message") or {}
    sources = offered_sources(message, _custom_emoji_named(message))
    offered = _workspace(_team(payload)).styles
    styles = [
        key
        for key, preset in PRESETS.items()
        if key in offered
        and (with_images or not preset.needs_image_service)
        and (sources or not preset.needs_picture)
    ]
    if not styles:
        _tell(payload.get("response_url"), NO_STYLE)
        return
    # Image styles first when they work: the offline ones are the fallback, not the point; with
    # a picture to start from, As is comes before the badge (which draws text only).
    styles.sort(
        key=lambda key: (
            key != first_style,
            not PRESETS[key].needs_image_service,
            not (sources and PRESETS[key].needs_picture),
        )
    )
    view = create_emoji_modal(
        message,
        str((payload.get("channel") or {}).get("id", "")),
        payload.get("response_url"),
        styles,
        ai_animation=with_images,
        sources=sources,
    )
    try:
        slack_interactions().open_modal(str(payload.get("trigger_id", "")), view)
    except EmojiSmithError as error:
        # Nothing was started; tell the member, who can run the shortcut again.
        logger.error("Could not open the modal: %s", error)
        _tell(payload.get("response_url"), MODAL_FAILED)


def _custom_emoji_named(message: dict[str, Any]) -> set[str]:
    """The workspace's custom emoji, asked only when the text names one (`:name:`); the list is
    cached a minute, and a failure just offers none."""
    if ":" not in str(message.get("text") or ""):
        return set()
    try:
        return slack_interactions().emoji_names()
    except EmojiSmithError as error:
        logger.warning("Could not list the workspace's emoji: %s", error)
        return set()


def _over_limits(request: dict[str, Any], workspace: WorkspaceSettings) -> dict[str, str]:
    """The workspace's rules checked before starting (the workflow checks them again, and
    counts the job atomically): an inline error, saying when a limit resets, or none. Offline
    styles are never limited."""
    if not workspace.offers(str(request.get("style"))):
        return {"style": style_not_offered(str(request.get("style")))}
    style = PRESETS.get(str(request.get("style")))
    if style is None or not style.needs_image_service:
        return {}
    from datetime import UTC, datetime

    from emoji_smith.application.spending import remaining
    from emoji_smith.dependencies import advisory_usage_ledger
    from emoji_smith.domain.quotas import Period, budget_refusal, member_refusal

    bounds, now = workspace.limits, datetime.now(UTC)
    team, user = str(request["team_id"]), str(request["user_id"])
    try:
        images_left, budget_left = remaining(team, user, advisory_usage_ledger(), bounds, now)
    except Exception:
        logger.exception("Could not read the usage ledger")
        return {}
    if int(request.get("options") or 1) > images_left:
        return {"options": member_refusal(bounds.member_daily_images, Period.at(now))}
    if budget_left <= 0:
        return {"style": budget_refusal(bounds.workspace_monthly_budget_usd, Period.at(now))}
    return {}


def handle_command(command: dict[str, str]) -> dict[str, Any] | None:
    """`/emoji [description]` opens the modal (the description filled in); `/emoji help` and
    `/emoji usage` answer the member alone."""
    if command.get("command") != "/emoji":
        return {"response_type": "ephemeral", "text": "Unknown command."}
    text = command.get("text", "").strip()
    if text.lower() in ("help", "usage"):
        return {"response_type": "ephemeral", "text": _about(text.lower(), command)}
    _open_modal(
        {
            "trigger_id": command.get("trigger_id", ""),
            "team_id": command.get("team_id", ""),
            "channel": {"id": command.get("channel_id", "")},
            "response_url": command.get("response_url"),
            # No message: nothing to react to; the result goes to the channel or a DM.
            "message": {"text": text},
        }
    )
    return None


def _about(topic: str, command: dict[str, str]) -> str:
    from datetime import UTC, datetime

    from emoji_smith.application.spending import remaining
    from emoji_smith.dependencies import usage_ledger
    from emoji_smith.domain.quotas import Period, what_is_left

    team, user = command.get("team_id", ""), command.get("user_id", "")
    now = datetime.now(UTC)
    try:
        bounds = _workspace(team).limits
        images_left, budget_left = remaining(team, user, usage_ledger(), bounds, now)
    except Exception:
        logger.exception("Could not read the usage ledger")
        images_left, budget_left = -1, -1.0
    left = (
        what_is_left(images_left, budget_left, Period.at(now))
        if images_left >= 0
        else "Your remaining quota could not be read just now."
    )
    if topic == "help":
        return (
            "*Emoji Smith* turns a message (or your words) into a custom emoji: run *Create "
            "emoji* on a message, or `/emoji a happy cat`. Badge and As is styles are free and "
            f"offline; AI styles count against your daily images.\n{left}"
        )
    usage = usage_ledger().month_usage(now.strftime("%Y-%m"), team)
    mine = next((u for u in usage if u.user == user), None)
    made = f"{mine.images} AI images (≈ ${mine.dollars:.2f})" if mine else "no AI images"
    return f"This month you made {made}.\n{left}"


def handle_event(document: dict[str, Any]) -> None:
    """Events API: on `app_home_opened` (the Home tab), publish the member's Home. Slack retries
    an event that is not answered in 3 s, so failures are logged, never raised."""
    event = document.get("event") or {}
    if not (isinstance(event, dict) and event.get("type") == "app_home_opened"):
        return
    if event.get("tab", "home") != "home":
        return
    _publish_home(str(document.get("team_id") or ""), str(event.get("user") or ""))


def _publish_home(team: str, user: str, known_admin: bool = False) -> None:
    from datetime import UTC, datetime

    from emoji_smith.application.home import publish_home
    from emoji_smith.dependencies import job_repository, usage_ledger

    try:
        publish_home(
            team,
            user,
            slack=slack_interactions(),
            jobs=job_repository(),
            ledger=usage_ledger(),
            settings=_workspace(team),
            now=datetime.now(UTC),
            known_admin=known_admin,
        )
    except Exception:
        logger.exception("Could not publish the Home of %s", user)


def _click(payload: dict[str, Any]) -> None:
    """A button on a candidates message: decide, and answer the clicker (only them); or one of
    the Home tab's."""
    from emoji_smith.application.choosing import handle_click
    from emoji_smith.dependencies import job_repository, workflow
    from emoji_smith.domain.choices import read_click

    actions = payload.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    if action.get("action_id") in HOME_ACTIONS:
        _home_click(payload, str(action.get("action_id")), str(action.get("value") or ""))
        return
    click = read_click(actions[0]) if actions and isinstance(actions[0], dict) else None
    if click is None:
        logger.info("Ignored a block action")
        return
    user_id = _user(payload)
    answer = handle_click(click, user_id, job_repository(), workflow())
    _tell(payload.get("response_url"), answer)


def _home_click(payload: dict[str, Any], action: str, value: str) -> None:
    """From the Home tab there is no message and no channel: a new emoji goes to a DM."""
    team, user = _team(payload), _user(payload)
    trigger = str(payload.get("trigger_id", ""))
    if action == CREATE_ACTION:
        _open_modal({"trigger_id": trigger, "team_id": team, "message": {"text": ""}})
    elif action == MAKE_ANOTHER_ACTION:
        from emoji_smith.application.home import another_like
        from emoji_smith.dependencies import job_repository

        record = another_like(job_repository().get(value) if value else None, team, user)
        if record is None:
            logger.warning("Refused Make another for %s: job %r is not theirs", user, value)
            return
        modal = {
            "trigger_id": trigger,
            "team_id": team,
            "message": {"text": record.description or ""},
        }
        _open_modal(modal, first_style=record.style or "")
    elif action == EDIT_SETTINGS_ACTION:
        from emoji_smith.application.home import open_settings
        from emoji_smith.settings import get_settings

        try:
            open_settings(
                trigger, user, slack_interactions(), _workspace(team), get_settings().image_model
            )
        except EmojiSmithError as error:
            logger.error("Could not open the settings form: %s", error)


def _save_settings(payload: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    from emoji_smith.application.home import save_settings
    from emoji_smith.dependencies import settings_store

    team, user = _team(payload), _user(payload)
    try:
        errors = save_settings(view, team, user, slack_interactions(), settings_store())
    except Exception:  # the admin keeps the form and can save again
        logger.exception("Could not save the settings of %s", team)
        errors = {"member_daily_images": "The settings could not be saved just now. Try again."}
    if errors:
        return {"response_action": "errors", "errors": errors}
    _publish_home(team, user, known_admin=True)  # the admin sees the change at once
    return {"response_action": "clear"}


def _tell(response_url: object, text: str) -> None:
    """An ephemeral answer to the member, where Slack gave us a way to reach them."""
    if not (isinstance(response_url, str) and response_url):
        return
    try:
        slack_interactions().respond(response_url, text)
    except EmojiSmithError as error:
        logger.warning("Could not answer the member: %s", error)


def _submit(payload: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    team_id = _team(payload) or str(view.get("team_id") or "")
    user_id = _user(payload)
    try:
        taken = slack_interactions().emoji_names()
    except EmojiSmithError as error:
        logger.warning("Could not list the workspace's emoji: %s", error)
        taken = set()
    request, errors = read_submission(view, team_id, user_id, taken)
    if not errors:
        errors = _over_limits(request, _workspace(team_id))
    if errors:
        return {"response_action": "errors", "errors": errors}
    from emoji_smith.dependencies import workflow

    name = submission_execution_name(team_id, str(view.get("id", "")))
    try:
        started = workflow().start(name, {"job_id": name, "request": request})
    except Exception:  # the member keeps the form and can submit again: nothing is lost
        logger.exception("Could not start %s", name)
        return {
            "response_action": "errors",
            "errors": {
                "description": "Emoji Smith could not start the job just now. Please submit again."
            },
        }
    if started:
        logger.info("Submission %s: started", name)
    else:
        logger.warning("Submission %s: duplicate (a redelivery), ignored", name)
        from emoji_smith.observability import count

        count("DuplicateSubmission", "source", "webhook")
    return {"response_action": "clear"}
