"""The pages a person installing the app sees: the Add to Slack page, then success or why not."""

from __future__ import annotations

from html import escape

#: Slack's own Add to Slack button image (api.slack.com's button generator).
BUTTON_IMAGE = "https://platform.slack-edge.com/img/add_to_slack.png"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;
line-height:1.5}}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""


def _page(title: str, body: str) -> str:
    return _PAGE.format(title=escape(title), body=body)


def install_page(authorize_url: str) -> str:
    link = escape(authorize_url, quote=True)
    return _page(
        "Add Emoji Smith to Slack",
        "<p>Emoji Smith turns any message into a custom emoji: run the <b>Create emoji</b> "
        "shortcut on a message, describe it, and a minute later the emoji is ready.</p>\n"
        f'<p><a href="{link}"><img alt="Add to Slack" height="40" width="139" '
        f'src="{BUTTON_IMAGE}"></a></p>\n'
        "<p>This link works once, for 10 minutes: reload the page for a new one.</p>",
    )


def installed_page(workspace: str, org_wide: bool) -> str:
    where = f"every workspace of org {escape(workspace)}" if org_wide else escape(workspace)
    return _page(
        "Emoji Smith is installed",
        f"<p>Emoji Smith is now in {where}.</p>\n"
        "<p>What next: open any message's <b>⋯ More actions</b> menu and choose "
        "<b>Create emoji</b>, or type <code>/emoji a happy cat</code>. The app's Home tab shows "
        "the emoji made so far and, for admins, its settings.</p>",
    )


def failed_page(why: str) -> str:
    return _page(
        "Emoji Smith was not installed",
        f"<p>{escape(why)}</p>\n<p>Start again from the install page.</p>",
    )
