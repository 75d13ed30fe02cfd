"""In-memory installation and install-state stores, held to the DynamoDB adapters by
tests/contract/test_installation_store.py."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace

from emoji_smith.domain.installations import STATE_SECONDS, Installation, installation_key


class InMemoryInstallations:
    def __init__(self) -> None:
        self.items: dict[str, Installation] = {}
        self._refreshing_until: dict[str, int] = {}
        self._lock = threading.Lock()

    def find(self, team_id: str | None, enterprise_id: str | None = None) -> Installation | None:
        keys = [installation_key(team_id)] if team_id else []
        if enterprise_id:
            keys.append(installation_key(None, enterprise_id))
        for key in keys:
            if key in self.items:
                return replace(self.items[key])
        return None

    def save(self, installation: Installation) -> None:
        with self._lock:
            self.items[installation.key] = installation
            self._refreshing_until.pop(installation.key, None)

    def claim_refresh(self, installation: Installation, now: int, lease_seconds: int) -> bool:
        with self._lock:
            stored = self.items.get(installation.key)
            if stored is None or stored.bot_refresh_token != installation.bot_refresh_token:
                return False
            if self._refreshing_until.get(installation.key, -1) >= now:
                return False
            self._refreshing_until[installation.key] = now + lease_seconds
            return True

    def save_refreshed(self, old: Installation, new: Installation) -> bool:
        with self._lock:
            stored = self.items.get(old.key)
            if stored is None or stored.bot_refresh_token != old.bot_refresh_token:
                return False
            self.items[new.key] = new
            self._refreshing_until.pop(new.key, None)
            return True

    def delete(self, team_id: str | None, enterprise_id: str | None = None) -> bool:
        with self._lock:
            return self.items.pop(installation_key(team_id, enterprise_id), None) is not None


class InMemoryStates:
    def __init__(self) -> None:
        self.issued: dict[str, tuple[int, str]] = {}  # state → (expires at, team)
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def issue(self, now: int, team: str = "") -> str:
        state = f"state-{next(self._serial)}"
        self.issued[state] = (now + STATE_SECONDS, team)
        return state

    def consume(self, state: str, now: int) -> str | None:
        with self._lock:
            found = self.issued.pop(state, None)
        return found[1] if found is not None and found[0] > now else None
