"""How Slack's errors become ours: SlackUnavailable (worth retrying) or SlackRejected (an admin
must act), with what to do in words. Standard library only: the webhook uses it too."""

from __future__ import annotations

from emoji_smith.domain.errors import EmojiSmithError, SlackRejected, SlackUnavailable

WHAT_TO_DO = {
    "invalid_auth": "the app's token is invalid or revoked; reinstall the app",
    "not_authed": "the app's token is missing; set SLACK_BOT_TOKEN",
    "token_revoked": "the app's token was revoked; reinstall the app",
    "account_inactive": "the app's token belongs to a deactivated account",
    "channel_not_found": "the channel is gone or private to the app",
    "not_in_channel": "invite the app to the channel (/invite @Emoji Smith)",
    "is_archived": "the channel is archived",
    "missing_scope": "the app lacks a permission; reinstall it from manifest.yaml",
    "not_allowed_token_type": "admin.emoji.add needs an Enterprise Grid admin user token",
    "error_too_big": "Slack found the image too big",
    "error_bad_format": "Slack could not read the image",
}
UNAVAILABLE_CODES = frozenset(
    {"ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"}
)


def slack_error(method: str, status: int, code: str) -> EmojiSmithError:
    if status == 429 or status >= 500 or code in UNAVAILABLE_CODES:
        return SlackUnavailable(f"Slack is unavailable ({method}: {code}).")
    advice = WHAT_TO_DO.get(code, "see the Slack API docs for this error")
    return SlackRejected(f"Slack refused {method} ({code}): {advice}.")
