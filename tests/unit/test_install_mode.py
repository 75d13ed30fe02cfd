"""Which install mode a deployment runs in: the template's InstallMode, and (auto) whether the
app's client id and secret are set."""

from __future__ import annotations

import pytest

from emoji_smith.bootstrap import bootstrap
from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.settings import Settings

CLIENT = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
BOT = {"SLACK_BOT_TOKEN": "xoxb-1"}


@pytest.mark.parametrize(
    ("mode", "secrets", "distribution"),
    [
        ("auto", CLIENT, True),
        ("auto", BOT, False),
        ("auto", {"SLACK_CLIENT_ID": "1.2"}, False),  # both are needed
        ("single-workspace", CLIENT | BOT, False),
        ("distribution", CLIENT, True),
    ],
)
def test_the_mode_is_the_parameter_s_or_what_the_secret_holds(
    mode: str, secrets: dict[str, str], distribution: bool
) -> None:
    settings = Settings(install_mode=mode, local_secrets=secrets)
    assert bootstrap(settings).distribution() is distribution


@pytest.mark.parametrize(
    ("mode", "named"), [("distribution", "SLACK_CLIENT_ID"), ("multi", "auto")]
)
def test_a_mode_that_cannot_run_says_what_to_set(mode: str, named: str) -> None:
    settings = Settings(install_mode=mode, local_secrets=BOT)
    with pytest.raises(ConfigurationError, match=named):
        bootstrap(settings).distribution()


def test_one_workspace_mode_gives_the_same_ports_for_any_team() -> None:
    ports = bootstrap(Settings(install_mode="single-workspace", local_secrets=BOT | CLIENT))
    assert ports.for_team("T9").secret("SLACK_BOT_TOKEN") == "xoxb-1"
    assert ports.for_team("T9").distribution() is False


def test_a_job_of_an_uninstalled_workspace_is_never_retried() -> None:
    from datetime import UTC, datetime

    from emoji_smith.domain.retries import Run, plan_retries

    # GIVEN a run that failed because its workspace uninstalled the app
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    run = Run("arn:1", "TB-V1", "TB-V1", "FAILED", now, now, error="NotInstalled")

    # THEN the retry schedule leaves it alone (it would fail the same way every time)
    (action,) = plan_retries([run], {}, now, max_attempts=3)
    assert action.kind == "skip"
