"""The installation and install-state stores: each case runs on the in-memory fake and on the
DynamoDB adapter (moto's server, the tables as `template.yaml` declares them), through the
standard library's signed client (a cold webhook) and through boto3."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from emoji_smith.adapters.dynamodb_installation_store import (
    DynamoDBInstallationStore,
    DynamoDBOAuthStateStore,
)
from emoji_smith.domain.installations import STATE_SECONDS, Installation
from emoji_smith.ports import InstallationStore, OAuthStateStore
from fakes.in_memory_installations import InMemoryInstallations, InMemoryStates

IMPLEMENTATIONS = ["in_memory", "dynamodb_signed", "dynamodb_boto3"]
NOW = 1_800_000_000


def dynamodb_table(request: pytest.FixtureRequest, logical_id: str) -> str:
    """A table as the template declares it, with the rule naming this case's client."""
    name: str = request.getfixturevalue("dynamodb_table")(logical_id)
    aws_client: Callable[[str], None] = request.getfixturevalue("aws_client")
    aws_client(request.param.removeprefix("dynamodb_"))
    return name


@pytest.fixture(params=IMPLEMENTATIONS)
def installations(request: pytest.FixtureRequest) -> InstallationStore:
    if request.param == "in_memory":
        return InMemoryInstallations()
    return DynamoDBInstallationStore(dynamodb_table(request, "InstallationsTable"))


@pytest.fixture(params=IMPLEMENTATIONS)
def states(request: pytest.FixtureRequest) -> OAuthStateStore:
    if request.param == "in_memory":
        return InMemoryStates()
    return DynamoDBOAuthStateStore(dynamodb_table(request, "OAuthStateTable"))


def an_install(team: str | None = "TA", enterprise: str | None = None, **more: Any) -> Installation:
    return Installation(
        team_id=team,
        enterprise_id=enterprise,
        bot_user_id="UBOT",
        bot_scopes=("commands", "chat:write"),
        installer_user_id="U1",
        installed_at=NOW,
        app_id="A1",
        bot_token=f"xoxb-{team}",
        **more,
    )


def test_an_installation_comes_back_as_saved(installations: InstallationStore) -> None:
    # GIVEN a rotating install saved
    saved = an_install(bot_refresh_token="xoxe-1", bot_token_expires_at=NOW + 43_200)
    installations.save(saved)

    # THEN it is found by its team, whole; another team has none
    assert installations.find("TA") == saved
    assert installations.find("TB") is None


def test_an_org_wide_install_serves_every_team_of_its_org(
    installations: InstallationStore,
) -> None:
    # GIVEN an org-wide install, and a team of another org with its own
    installations.save(an_install(team=None, enterprise="E1"))
    installations.save(an_install(team="T9", enterprise="E2"))

    # THEN a team of E1 finds the org's; a team's own install comes first
    found = installations.find("T5", "E1")
    assert found is not None
    assert found.is_enterprise_install
    assert found.enterprise_id == "E1"
    assert installations.find("T5") is None
    own = installations.find("T9", "E2")
    assert own is not None
    assert own.team_id == "T9"


def test_a_refresh_is_claimed_once_and_saved_once(installations: InstallationStore) -> None:
    # GIVEN a rotating install, read by two functions
    read = an_install(bot_refresh_token="xoxe-1", bot_token_expires_at=NOW + 60)
    installations.save(read)

    # WHEN both try to refresh it
    first = installations.claim_refresh(read, NOW, 30)
    second = installations.claim_refresh(read, NOW, 30)

    # THEN one may; its new token is saved; the old read can neither claim nor save again
    assert (first, second) == (True, False)
    new = read.refreshed("xoxb-new", "xoxe-2", NOW + 43_200)
    assert installations.save_refreshed(read, new)
    assert installations.find("TA") == new
    assert not installations.claim_refresh(read, NOW + 100, 30)
    assert not installations.save_refreshed(read, replace(new, bot_token="xoxb-other"))
    assert installations.claim_refresh(new, NOW + 100, 30)


def test_an_abandoned_claim_lapses(installations: InstallationStore) -> None:
    # GIVEN a refresh claimed by a function that then died
    read = an_install(bot_refresh_token="xoxe-1", bot_token_expires_at=NOW + 60)
    installations.save(read)
    assert installations.claim_refresh(read, NOW, 30)

    # THEN another may claim it once the lease has passed
    assert not installations.claim_refresh(read, NOW + 30, 30)
    assert installations.claim_refresh(read, NOW + 31, 30)


def test_a_deleted_install_is_gone_and_not_brought_back(installations: InstallationStore) -> None:
    # GIVEN an install being refreshed when the workspace uninstalls
    read = an_install(bot_refresh_token="xoxe-1", bot_token_expires_at=NOW + 60)
    installations.save(read)
    assert installations.claim_refresh(read, NOW, 30)

    # WHEN it is deleted
    assert installations.delete("TA")

    # THEN it is gone, and the refresh that ends after cannot save it again
    assert installations.find("TA") is None
    assert not installations.save_refreshed(read, read.refreshed("xoxb-2", "xoxe-2", NOW))
    assert installations.find("TA") is None
    assert not installations.delete("TA")


def test_a_state_is_good_once(states: OAuthStateStore) -> None:
    # GIVEN a state issued for any workspace, and one for workspace TA
    state = states.issue(NOW)
    for_a = states.issue(NOW, team="TA")

    # THEN each is consumed once, saying whom it was for; an unknown one never
    assert states.consume(state, NOW + 1) == ""
    assert states.consume(for_a, NOW + 1) == "TA"
    assert states.consume(state, NOW + 2) is None
    assert states.consume("forged", NOW) is None
    assert states.consume("", NOW) is None


def test_a_state_expires_after_ten_minutes(states: OAuthStateStore) -> None:
    # GIVEN a state issued 10 minutes ago
    state = states.issue(NOW)

    # THEN it is refused
    assert states.consume(state, NOW + STATE_SECONDS) is None


def test_a_token_is_never_in_a_repr() -> None:
    install = an_install(bot_refresh_token="xoxe-secret")
    assert "xoxb" not in repr(install)
    assert "xoxe" not in repr(install)
