"""Run inside a fresh process by `bench_cold_shortcut`: the first shortcut a cold webhook sees,
with the real WebClient built and only its network call left out."""

from __future__ import annotations

import time
from typing import Any


def run(started: float) -> float:
    from slack_sdk import WebClient

    from emoji_smith.handlers.webhook import handler
    from fakes.slack_payloads import form, function_url_event, shortcut

    opened: list[dict[str, Any]] = []

    def no_network(self: WebClient, **arguments: Any) -> None:
        opened.append(arguments)

    WebClient.views_open = no_network  # type: ignore[assignment,method-assign]
    answer = handler(function_url_event(form(shortcut("https://hooks.slack.com/x"))), None)
    assert answer["statusCode"] == 200
    assert len(opened) == 1
    return time.perf_counter() - started
