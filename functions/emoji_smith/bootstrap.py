"""The composition root: which adapter serves each port. `bootstrap(settings)` wires a `Ports`
whose members build their adapter on first use (a shortcut never loads boto3); `ports()` gives
the running function's, built once per Lambda container (once per function in the local
runtime, where each function has its own environment). Use cases get `Ports` passed in.

Caches — the one policy, here: a container trusts what it read for a bounded time.
- Secrets: `SECRET_CACHE_SECONDS` (5 min): a rotated token is used within it. A request signed
  with another signing secret has it read again at once (`secret_again`), at most once per
  `SECRET_REREAD_SECONDS` per container: a just-stored secret works on Slack's next try, and a
  flood of forged requests costs Secrets Manager one read per interval.
- A workspace's saved settings: the webhook's container (`webhook_ports`) trusts a read for
  `WORKSPACE_SETTINGS_SECONDS` (5 s), so a setting saved anywhere is seen within 5 s; a save it
  makes itself drops its copy (the admin sees the change at once). Every other function reads
  them on each request (one GetItem): a job obeys what was saved before it started.
- A conversation's privacy (`conversations.info` at submission): the same bound in the webhook
  (a channel made private is treated so within 5 s; a job keeps the visibility it was made with).
- The modal's quota figures: `ADVISORY_SECONDS` (30 s; Validate counts atomically anyway).
- Slack's emoji list: a minute, in the adapter (`slack_interactions`).
Adapters themselves (clients, connections) live as long as the container.
One module (over 250 lines): the one composition root, so every adapter's wiring and every cache
policy is read in one place.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.installations import REFRESH_WAIT_SECONDS, WEBHOOK_REFRESH_WAIT_SECONDS
from emoji_smith.domain.styles import PRESETS, image_service_needed
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import (
    CircuitStore,
    DeletionRequests,
    HomePublishing,
    ImageGenerator,
    ImageStore,
    InstallationStore,
    JobRepository,
    OAuthStateStore,
    PictureSource,
    Ports,
    PromptEnhancer,
    SeenEvents,
    SettingsStore,
    SlackGateway,
    SlackInteractions,
    SlackOAuth,
    UsageLedger,
    Workflow,
)
from emoji_smith.settings import IMAGE_QUALITIES, SECRET_KEYS, Settings, get_settings

if TYPE_CHECKING:
    from openai import OpenAI
    from slack_sdk import WebClient

SECRET_CACHE_SECONDS = 300.0
SECRET_REREAD_SECONDS = 10.0
ADVISORY_SECONDS = 30.0
#: The bound on a saved setting's way to the webhook (issue #22: visible everywhere within 5 s).
WORKSPACE_SETTINGS_SECONDS = 5.0
#: Workspaces whose settings a webhook container keeps before dropping the expired ones.
WORKSPACES_KEPT = 1024
_T = TypeVar("_T")


def bootstrap(
    settings: Settings,
    clock: Callable[[], float] = time.monotonic,
    *,
    settings_seconds: float = 0.0,
    token_wait_seconds: float = REFRESH_WAIT_SECONDS,
) -> Ports:
    """The real adapters for these settings; `clock` ages the caches (a test moves it);
    `settings_seconds`: how long a workspace's saved settings are trusted (0: read each time);
    `token_wait_seconds`: how long a token another function is refreshing is waited for."""
    return _ports(_Wiring(settings, clock, settings_seconds, token_wait_seconds))


def _ports(wiring: _Wiring) -> Ports:
    settings = wiring.settings
    return Ports(
        slack_interactions=wiring.slack_interactions,
        slack_gateway=wiring.slack_gateway,
        job_repository=wiring.job_repository,
        usage_ledger=wiring.usage_ledger,
        advisory_usage_ledger=wiring.advisory_usage_ledger,
        settings_store=wiring.settings_store,
        workflow=wiring.workflow,
        image_store=wiring.image_store,
        circuit_store=wiring.circuit_store,
        picture_source=wiring.picture_source,
        prompt_enhancer=wiring.prompt_enhancer,
        image_generator=wiring.image_generator,
        workspace_settings=wiring.workspace_settings,
        default_workspace_settings=wiring.default_workspace_settings,
        image_service_configured=wiring.image_service_configured,
        secret=wiring.secret,
        deletion_requests=wiring.deletion_requests,
        secret_again=wiring.secret_again,
        home_publishing=wiring.home_publishing,
        seen_events=wiring.seen_events,
        image_model=settings.image_model,
        distribution=wiring.distribution,
        for_team=wiring.for_team,
        installations=wiring.installations,
        oauth_states=wiring.oauth_states,
        slack_oauth=wiring.slack_oauth,
    )


_containers: dict[tuple[int, bool], tuple[Settings, Ports]] = {}
_containers_lock = threading.Lock()


def ports(team: str | None = None, enterprise: str = "") -> Ports:
    """The running function's Ports, built on its first request; with `team`, the Ports acting
    for that workspace (in distribution mode, Slack with its own token, or its Grid org's)."""
    wired = _container(webhook=False)
    return wired.for_team(team, enterprise) if team else wired


def webhook_ports() -> Ports:
    """The webhook's Ports: a workspace's saved settings trusted `WORKSPACE_SETTINGS_SECONDS`
    (a shortcut and a submission are answered within Slack's 3 s, in ms when warm)."""
    return _container(webhook=True)


def _container(webhook: bool) -> Ports:
    settings = get_settings()
    key = (id(settings), webhook)
    built = _containers.get(key)
    if built is None:
        seconds = WORKSPACE_SETTINGS_SECONDS if webhook else 0.0
        wait = WEBHOOK_REFRESH_WAIT_SECONDS if webhook else REFRESH_WAIT_SECONDS
        with _containers_lock:
            built = _containers.setdefault(
                key,
                (settings, bootstrap(settings, settings_seconds=seconds, token_wait_seconds=wait)),
            )
    return built[1]


def ports_for(request: object) -> Ports:
    """The Ports acting for a job's workspace: its request's `team_id` (a model or, before
    Validate has checked it, the raw input)."""
    team = getattr(request, "team_id", None)
    enterprise = getattr(request, "enterprise_id", None)
    if team is None and isinstance(request, dict):
        team, enterprise = request.get("team_id"), request.get("enterprise_id")
    return ports(str(team) if team else None, str(enterprise or ""))


def new_containers() -> None:
    """Every function starts in a new container (the local runtime at each deployment)."""
    with _containers_lock:
        _containers.clear()


class _Wiring:
    """The factories behind one `Ports`: each adapter built once, keyed by what it was built
    from (a rotated token builds a new Slack client)."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float],
        settings_seconds: float = 0.0,
        token_wait_seconds: float = REFRESH_WAIT_SECONDS,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._settings_seconds = settings_seconds
        self._token_wait_seconds = token_wait_seconds
        #: team -> (when the read began, the workspace's settings); shared by `for_team` views.
        self._workspaces: dict[str, tuple[float, WorkspaceSettings]] = {}
        self._built: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.RLock()
        self._secrets: tuple[float, dict[str, Any]] | None = None
        self._reread_at: float | None = None
        #: Distribution mode: the workspace whose token Slack is called with (`for_team`), and
        #: which every Slack call names (`team_id`): an org-wide install's one token serves each
        #: workspace of its org, so Slack's adapters, and what they keep, are per team too.
        self.team: str | None = None
        #: Its Grid org ("": none), where an org-wide install is found when the team has none.
        self.enterprise = ""
        #: Its token, read once for the request or step this view serves (a refresh happens
        #: 2 h before expiry, so a token read here stays valid while the view is in use).
        self._team_token: str | None = None

    def _once(self, key: tuple[Any, ...], build: Callable[[], _T]) -> _T:
        found = self._built.get(key)
        if found is None:
            with self._lock:
                found = self._built.get(key)
                if found is None:
                    found = self._built[key] = build()
        return found

    # -- secrets and settings ---------------------------------------------------------------
    def secret(self, key: str) -> str | None:
        """The environment first (local runs), then the app's secret in Secrets Manager."""
        if key not in SECRET_KEYS:
            raise KeyError(f"{key} is not a secret setting")
        local = self.settings.local_secrets.get(key)
        if local:
            return local
        if not self.settings.secret_name:
            return None
        value = self._secret_values(self.settings.secret_name).get(key)
        return str(value) if value else None

    def secret_again(self, key: str) -> str | None:
        """The secret read again past the cache; None when it was not (the environment's, or
        one re-read less than `SECRET_REREAD_SECONDS` ago)."""
        if key not in SECRET_KEYS:
            raise KeyError(f"{key} is not a secret setting")
        name = self.settings.secret_name
        if self.settings.local_secrets.get(key) or not name:
            return None
        with self._lock:
            now = self._clock()
            if self._reread_at is not None and now - self._reread_at < SECRET_REREAD_SECONDS:
                return None
            self._reread_at = now
        value = self._secret_values(name, fresh=True).get(key)
        return str(value) if value else None

    def _secret_values(self, name: str, fresh: bool = False) -> dict[str, Any]:
        now = self._clock()
        cached = self._secrets
        if not fresh and cached is not None and now - cached[0] < SECRET_CACHE_SECONDS:
            return cached[1]
        from emoji_smith.adapters.secrets_manager import secret_values

        values = secret_values(name)
        self._secrets = (now, values)
        return values

    def image_service_configured(self) -> bool:
        return bool(self.secret("OPENAI_API_KEY"))

    # -- workspaces (distribution mode) ---------------------------------------------------------
    def distribution(self) -> bool:
        """One deployment for many workspaces: the app's client id and secret are set (or the
        install mode says so, and then they must be)."""
        mode = self.settings.install_mode
        if mode == "single-workspace":
            return False
        client = bool(self.secret("SLACK_CLIENT_ID") and self.secret("SLACK_CLIENT_SECRET"))
        if mode == "distribution" and not client:
            raise ConfigurationError(
                "The install mode is distribution: put SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "in the app's secret (EMOJI_SMITH_SECRET_NAME)."
            )
        if mode not in ("auto", "distribution"):
            raise ConfigurationError(
                f"EMOJI_SMITH_INSTALL_MODE is {mode!r}: auto, single-workspace or distribution."
            )
        return client

    def for_team(self, team: str, enterprise: str = "") -> Ports:
        """The same adapters and caches, with Slack called with `team`'s token (or, installed
        org-wide, its `enterprise`'s)."""
        if not self.distribution() or (team, enterprise) == (self.team, self.enterprise):
            return _ports(self)
        view = copy.copy(self)
        view.team = team
        view.enterprise = enterprise
        view._team_token = None
        return _ports(view)

    def bot_token(self) -> str | None:
        """The secret's (one workspace), or the workspace's installation's, refreshed first
        when it is about to expire."""
        if not self.distribution():
            return self.secret("SLACK_BOT_TOKEN")
        if not self.team:
            raise ConfigurationError("Distribution mode: Slack is called for a workspace only.")
        if self._team_token is None:
            from emoji_smith.application.installing import bot_token

            self._team_token = bot_token(
                self.installations(),
                lambda: self.slack_oauth(""),
                self.team,
                self.enterprise or None,
                clock=time.time,
                sleep=time.sleep,
                wait_seconds=self._token_wait_seconds,
            )
        return self._team_token

    def installations(self) -> InstallationStore:
        def build() -> InstallationStore:
            from emoji_smith.adapters.dynamodb_installation_store import (
                DynamoDBInstallationStore,
            )

            return DynamoDBInstallationStore(self.settings.installations_table_name)

        return self._once(("installations",), build)

    def oauth_states(self) -> OAuthStateStore:
        def build() -> OAuthStateStore:
            from emoji_smith.adapters.dynamodb_installation_store import DynamoDBOAuthStateStore

            return DynamoDBOAuthStateStore(self.settings.oauth_state_table_name)

        return self._once(("oauth_states",), build)

    def slack_oauth(self, redirect_uri: str) -> SlackOAuth:
        """Slack's OAuth for this app; `redirect_uri`: where Slack sends the installer back
        (the Function URL's /slack/oauth_redirect; "" when only refreshing)."""
        client_id = self.secret("SLACK_CLIENT_ID") or ""
        client_secret = self.secret("SLACK_CLIENT_SECRET") or ""
        if not (client_id and client_secret):
            raise ConfigurationError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not set.")
        base_url = self.settings.slack_api_base_url

        def build() -> SlackOAuth:
            from emoji_smith.adapters.slack_oauth import SlackOAuthClient
            from emoji_smith.domain.installations import BOT_SCOPES

            return SlackOAuthClient(client_id, client_secret, redirect_uri, BOT_SCOPES, base_url)

        return self._once(("slack_oauth", client_id, client_secret, redirect_uri), build)

    def default_workspace_settings(self) -> WorkspaceSettings:
        """The install's defaults (the template's parameters): every style, no saved changes."""
        settings = self.settings
        return self._once(
            ("defaults",),
            lambda: WorkspaceSettings(
                member_daily_images=settings.member_daily_images,
                workspace_monthly_budget_usd=settings.workspace_monthly_budget_usd,
                image_quality=settings.image_quality,
                styles=tuple(PRESETS),
                announcement_channel=settings.announcement_channel,
            ),
        )

    def workspace_settings(self, team: str) -> WorkspaceSettings:
        """The defaults with what the workspace's admins saved on top. No team (a local run):
        the defaults. Trusted `_settings_seconds` from when the read began, so a save made
        anywhere before it is seen within that bound."""
        if not team:
            return self.default_workspace_settings()
        trusted = self._settings_seconds
        began = self._clock()
        cached = self._workspaces.get(team) if trusted > 0 else None
        if cached is not None and began - cached[0] < trusted:
            return cached[1]
        found = self.default_workspace_settings().overridden_by(self.settings_store().saved(team))
        if trusted > 0:
            if len(self._workspaces) >= WORKSPACES_KEPT:  # many workspaces: drop the expired
                for other, (at, _) in list(self._workspaces.items()):
                    if began - at >= trusted:
                        self._workspaces.pop(other, None)
            self._workspaces[team] = (began, found)
        return found

    def _saved_here(self, team: str) -> None:
        """This container changed the workspace's settings: its next read is DynamoDB's."""
        self._workspaces.pop(team, None)

    # -- AWS ----------------------------------------------------------------------------------
    def image_store(self) -> ImageStore:
        bucket = self.settings.images_bucket_name

        def build() -> ImageStore:
            from emoji_smith.adapters.s3_image_store import S3ImageStore

            return S3ImageStore(bucket)

        return self._once(("image_store",), build)

    def job_repository(self) -> JobRepository:
        def build() -> JobRepository:
            from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository

            settings = self.settings
            retention = settings.job_retention_days * 24 * 3600
            return DynamoDBJobRepository(settings.jobs_table_name, retention)

        return self._once(("job_repository",), build)

    def circuit_store(self) -> CircuitStore:
        def build() -> CircuitStore:
            from emoji_smith.adapters.dynamodb_circuit_store import DynamoDBCircuitStore

            return DynamoDBCircuitStore(self.settings.circuit_table_name)

        return self._once(("circuit_store",), build)

    def _usage_ledger(self, spent_cache_seconds: float) -> UsageLedger:
        def build() -> UsageLedger:
            from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger

            return DynamoDBUsageLedger(self.settings.usage_table_name, spent_cache_seconds)

        return self._once(("usage_ledger", spent_cache_seconds), build)

    def usage_ledger(self) -> UsageLedger:
        return self._usage_ledger(0.0)

    def advisory_usage_ledger(self) -> UsageLedger:
        """For the modal's check only (Validate counts atomically): a member's burst of
        submissions is not slowed by a read each (a stale figure only moves the refusal from
        the modal to the workflow)."""
        return self._usage_ledger(ADVISORY_SECONDS)

    def settings_store(self) -> SettingsStore:
        def build() -> SettingsStore:
            from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore

            store = DynamoDBSettingsStore(self.settings.settings_table_name)
            return _SeenAtOnce(store, self._saved_here)

        return self._once(("settings_store",), build)

    def workflow(self) -> Workflow:
        arn = self.settings.state_machine_arn
        if not arn:
            raise ConfigurationError("STATE_MACHINE_ARN is not set: cannot start or list jobs.")

        def build() -> Workflow:
            from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow

            return StepFunctionsWorkflow(arn)

        return self._once(("workflow",), build)

    def deletion_requests(self) -> DeletionRequests:
        function = self.settings.forget_workspace_function
        if not function:
            raise ConfigurationError(
                "FORGET_WORKSPACE_FUNCTION is not set: cannot delete an uninstalled workspace."
            )

        def build() -> DeletionRequests:
            from emoji_smith.adapters.lambda_deletion_requests import LambdaDeletionRequests

            return LambdaDeletionRequests(function)

        return self._once(("deletion_requests",), build)

    def home_publishing(self) -> HomePublishing:
        function = self.settings.publish_home_function
        if not function:
            raise ConfigurationError("PUBLISH_HOME_FUNCTION is not set: cannot publish the Home.")

        def build() -> HomePublishing:
            from emoji_smith.adapters.lambda_home_publishing import LambdaHomePublishing

            return LambdaHomePublishing(function)

        return self._once(("home_publishing",), build)

    def seen_events(self) -> SeenEvents:
        def build() -> SeenEvents:
            from emoji_smith.adapters.dynamodb_seen_events import DynamoDBSeenEvents

            return DynamoDBSeenEvents(self.settings.events_table_name)

        return self._once(("seen_events",), build)

    # -- OpenAI -------------------------------------------------------------------------------
    def _openai(self) -> OpenAI:
        key = self.secret("OPENAI_API_KEY")
        if not key:
            raise ConfigurationError("OPENAI_API_KEY is not set.")
        settings = self.settings

        def build() -> OpenAI:
            from emoji_smith.adapters.openai_image_generator import openai_client

            return openai_client(key, settings.image_timeout_seconds, settings.openai_base_url)

        return self._once(("openai", key), build)

    def image_generator(self, style: str, quality: str) -> ImageGenerator:
        """The badge renderer for the offline style; the image service (at `quality`) for the
        rest."""
        if not PRESETS[style].needs_image_service:
            from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator

            return BadgeImageGenerator()
        if not self.image_service_configured():
            raise ConfigurationError(image_service_needed(style))
        from emoji_smith.adapters.openai_image_generator import OpenAIImageGenerator

        if quality not in IMAGE_QUALITIES:
            raise ConfigurationError(f"Unknown image quality {quality!r}.")
        return OpenAIImageGenerator(self._openai(), self.settings.image_model, quality)

    def prompt_enhancer(self) -> PromptEnhancer | None:
        """None when there is no key or enhancement is switched off."""
        settings = self.settings
        if not (settings.prompt_model and self.image_service_configured()):
            return None
        from emoji_smith.adapters.openai_prompt_enhancer import OpenAIPromptEnhancer

        client = self._openai().with_options(timeout=settings.prompt_timeout_seconds)
        return OpenAIPromptEnhancer(client, settings.prompt_model)

    # -- Slack --------------------------------------------------------------------------------
    def _web_client(self, token: str, team: str | None = None) -> WebClient:
        base_url = self.settings.slack_api_base_url

        def build() -> WebClient:
            from emoji_smith.adapters.slack_gateway import web_client

            return web_client(token, base_url, team)

        return self._once(("web_client", token, team), build)

    def picture_source(self) -> PictureSource:
        """Slack's files and emoji with the bot token (uploads need none: they are in the
        bucket)."""
        token = self.bot_token() or ""

        def build() -> PictureSource:
            from emoji_smith.adapters.slack_pictures import SlackPictures

            base_url = self.settings.slack_api_base_url
            return SlackPictures(token, base_url, self.image_store(), self.team)

        return self._once(("picture_source", token, self.team), build)

    def slack_gateway(self) -> SlackGateway:
        """Slack with the bot token; the local outbox only where it was chosen explicitly. Built
        anew when a token changes (a rotated token is used within the secret cache's time)."""
        settings = self.settings
        bot_token = self.bot_token()
        if not bot_token:
            folder = settings.outbox_dir
            if folder is None:
                raise ConfigurationError(
                    "SLACK_BOT_TOKEN is not set: put the app's bot token in its secret "
                    "(EMOJI_SMITH_SECRET_NAME), or set EMOJI_SMITH_OUTBOX_DIR to deliver locally."
                )

            def outbox() -> SlackGateway:
                from emoji_smith.adapters.local_outbox import LocalOutbox

                return LocalOutbox(folder)

            return self._once(("outbox", folder), outbox)
        # One org admin's token would add every tenant's emoji to that one org: distribution
        # mode never uses it (each workspace's emoji is posted for its members to add).
        admin_token = "" if self.distribution() else (self.secret("SLACK_ADMIN_TOKEN") or "")

        def build() -> SlackGateway:
            from emoji_smith.adapters.slack_gateway import SlackWebGateway

            admin = self._web_client(admin_token) if admin_token else None
            bot = self._web_client(bot_token, self.team)
            return SlackWebGateway(bot, admin, settings.slack_api_base_url)

        return self._once(("slack_gateway", bot_token, admin_token, self.team), build)

    def slack_interactions(self) -> SlackInteractions:
        token = self.bot_token()
        if not token:
            raise ConfigurationError(
                "SLACK_BOT_TOKEN is not set: the webhook cannot open the modal."
            )

        def build() -> SlackInteractions:
            from emoji_smith.adapters.slack_interactions import SlackWebApiInteractions

            base_url, seconds = self.settings.slack_api_base_url, self._settings_seconds
            return SlackWebApiInteractions(token, base_url, seconds, self._clock, self.team)

        return self._once(("slack_interactions", token, self.team), build)


class _SeenAtOnce:
    """The settings store, telling the container's cache of each save or deletion it makes."""

    def __init__(self, store: SettingsStore, changed: Callable[[str], None]) -> None:
        self._store = store
        self._changed = changed

    def saved(self, team: str) -> dict[str, Any] | None:
        return self._store.saved(team)

    def save(self, team: str, settings: dict[str, Any], by: str, at: int) -> None:
        try:
            self._store.save(team, settings, by, at)
        finally:  # a save that failed may still have been written
            self._changed(team)

    def forget(self, team: str) -> bool:
        try:
            return self._store.forget(team)
        finally:
            self._changed(team)
