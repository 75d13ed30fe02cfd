"""Everything outside the domain, as Protocols. Adapters implement them; handlers use them.
One module (over 250 lines): the one list of what the core needs from outside, with `Ports`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: the webhook imports the ports without the models
    from emoji_smith.domain.choices import Candidate
    from emoji_smith.domain.circuit import CircuitState
    from emoji_smith.domain.conversations import Conversation
    from emoji_smith.domain.costs import Bill
    from emoji_smith.domain.installations import Installation
    from emoji_smith.domain.models import (
        ChoiceState,
        Delivery,
        EmojiRequest,
        ImagePrompt,
        JobRecord,
        JobStatus,
        Notice,
        Source,
        Work,
    )
    from emoji_smith.domain.quotas import Charge, Limits, Period
    from emoji_smith.domain.retries import Run
    from emoji_smith.domain.usage import MemberUsage
    from emoji_smith.domain.workspace_settings import WorkspaceSettings


class ImageGenerator(Protocol):
    """Turns a prompt into `count` encoded images (PNG, JPEG or GIF bytes)."""

    name: str

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]: ...

    def edit(self, picture: bytes, prompt: ImagePrompt, count: int) -> list[bytes]:
        """`count` images of the picture changed as the prompt says."""
        ...


class PictureSource(Protocol):
    """The picture an emoji starts from, by its reference (never a URL from a payload)."""

    def fetch(self, source: Source) -> bytes: ...


class PromptEnhancer(Protocol):
    """Rewrites a member's idea into a better visual description (best effort)."""

    def enhance(self, idea: str, context: str) -> str: ...


class ImageStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def share_url(self, key: str, expires_in_seconds: int) -> str:
        """A short-lived URL anyone holding it can fetch the object from."""
        ...

    def delete(self, keys: Sequence[str], prefixes: Sequence[str] = ()) -> list[str]:
        """Delete the objects at `keys` and every object under `prefixes`; the keys that were
        there, sorted (an absent key is no error: deleting twice deletes nothing more)."""
        ...


class JobRepository(Protocol):
    def record_progress(
        self,
        job_id: str,
        request: EmojiRequest,
        status: JobStatus,
        step: str,
        reservation: Charge | None = None,
    ) -> None:
        """`reservation`: what the job now counts against the limits (kept with the job)."""
        ...

    def record_images(
        self, job_id: str, prompt: str, original_keys: list[str], emoji_keys: list[str]
    ) -> None: ...

    def record_delivery(self, job_id: str, delivery: Delivery, aws_cost_usd: float) -> None:
        """`aws_cost_usd`: AWS's estimated share of this emoji (`domain.costs`)."""
        ...

    def record_failure(
        self, job_id: str, request: EmojiRequest | None, error: str, cause: str
    ) -> None: ...

    def record_retry(self, job_id: str, attempt: int, last_error: str, method: str) -> None: ...

    def record_bill(self, job_id: str, bill: Bill) -> None: ...

    def claim(self, job_id: str, work: Work, owner: str, lease_seconds: int) -> bool:
        """Atomically take the job's `work` for `lease_seconds`: True when no claim on it is
        live (then `owner` does it) and, for the delivery, the job is not delivered. A claim
        whose holder died frees itself when its lease ends."""
        ...

    def release_claim(self, job_id: str, work: Work, owner: str) -> None:
        """`owner`'s work failed: let a retry claim it at once (another's claim stays)."""
        ...

    def claim_notice(self, job_id: str, notice: Notice) -> bool:
        """True once per job and notice: the caller sends it (False: another run did or is)."""
        ...

    def give_back_notice(self, job_id: str, notice: Notice) -> None:
        """Sending the notice failed: let a retry claim it again."""
        ...

    def record_release(self, job_id: str) -> bool:
        """Mark the reservation given back, once, and only while nothing is billed; False
        otherwise (already given back, or billed: then it is kept)."""
        ...

    def await_choice(self, job_id: str, token: str, request: EmojiRequest) -> None:
        """Keep the workflow's task token server-side while the member picks."""
        ...

    def claim_choice(self, job_id: str, user_id: str, decision: ChoiceState) -> bool:
        """Atomically decide a choice that is still waiting, as the member who asked; False
        when it is not (decided meanwhile, or not theirs). The rules: `domain.choices`."""
        ...

    def get(self, job_id: str) -> JobRecord | None: ...

    def recent(
        self, team_id: str, requester: str | None = None, limit: int = 20
    ) -> list[JobRecord]:
        """At most `limit` jobs, newest first: the member's own (`requester`), or else those the
        workspace's list shows (`domain.home_view.shown_to_workspace`). Read by key, never a
        scan: the Home is built from these at any table size."""
        ...

    def job_ids(self, team: str | None, requester: str | None = None) -> list[str]:
        """Every job of a workspace, of a member in it (`requester`), or of a member in every
        workspace (`team` None), sorted: what a deletion removes. A member's in one workspace
        is read by key; the others read the whole table (rare, and never while Slack waits)."""
        ...

    def delete(self, job_ids: Sequence[str]) -> None:
        """Delete these job records (an absent one is no error)."""
        ...


class SlackGateway(Protocol):
    """Where results and progress go: Slack itself, or the local outbox."""

    def deliver_emoji(
        self, job_id: str, request: EmojiRequest, image: bytes, filename: str, image_url: str
    ) -> Delivery: ...

    def notify(self, job_id: str, request: EmojiRequest, text: str) -> None: ...

    def announce(
        self, job_id: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Post to a channel everyone in it sees (the workspace's announcement channel);
        `text` is the notification's, `blocks` what the channel shows."""
        ...

    def offer_choices(
        self, job_id: str, request: EmojiRequest, candidates: list[Candidate]
    ) -> None: ...


class UsageLedger(Protocol):
    """Images per member per day and dollars per workspace per month (`domain.quotas`)."""

    def reserve(self, charge: Charge, limits: Limits, period: Period) -> str | None:
        """Count a job against both limits at once; None when counted, else why not (then
        nothing is counted). Atomic: concurrent jobs cannot together pass a limit."""
        ...

    def release(self, charge: Charge) -> None: ...

    def spent(self, team: str, user: str, period: Period) -> tuple[int, float]:
        """(the member's images today, the workspace's dollars this month)."""
        ...

    def month_usage(self, month: str, team: str | None = None) -> list[MemberUsage]:
        """Each member's images and dollars in a month ("YYYY-MM"), by team then most spent;
        one workspace's, or (None) every workspace's. Read by key, never a scan."""
        ...

    def forget(self, team: str | None, user: str | None = None) -> list[str]:
        """Delete a workspace's counters (`user` None), or a member's own (in `team`, or in
        every workspace when `team` is None; the workspace's month stays, the workspace's bill);
        the counters' keys deleted, sorted."""
        ...


class SettingsStore(Protocol):
    """What a workspace's admins saved (`domain.workspace_settings`), by team."""

    def saved(self, team: str) -> dict[str, Any] | None: ...

    def save(self, team: str, settings: dict[str, Any], by: str, at: int) -> None: ...

    def forget(self, team: str) -> bool:
        """Delete what the workspace saved; whether there was anything."""
        ...


class DeletionRequests(Protocol):
    """Deletions that run after the answer (Slack waits 3 s for the webhook)."""

    def forget_workspace_later(self, team: str, reason: str) -> None:
        """Have the workspace's data deleted (`application.retention.forget_workspace`)
        without waiting: in AWS an asynchronous invocation of the ForgetWorkspace function."""
        ...


class HomePublishing(Protocol):
    """The Home published after the answer (Slack resends an event not answered in 3 s)."""

    def publish_later(self, team: str, user: str, event_id: str, enterprise: str = "") -> None:
        """Without waiting: in AWS an asynchronous invocation of the PublishHome function
        (`enterprise`: the team's Grid org, where an org-wide install is found)."""
        ...


class SeenEvents(Protocol):
    """Slack events already acted on, by `event_id` (kept a day: Slack resends within hours)."""

    def first_time(self, event_id: str, now: int) -> bool:
        """Records the event atomically; False when it was recorded before (a resend)."""
        ...


class CircuitStore(Protocol):
    def load(self, circuit: str) -> CircuitState: ...

    def save(self, circuit: str, state: CircuitState) -> None: ...


class SlackInteractions(Protocol):
    """What the webhook asks of Slack while the member waits (within Slack's 3 s)."""

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    def emoji_names(self) -> AbstractSet[str]:
        """The workspace's emoji names (a view of the cached list: never copied per request)."""

    def emoji_urls(self, refresh: bool = False) -> dict[str, str]:
        """The workspace's custom emoji and their images (aliases left out); `refresh`: one
        is known to be missing from what was read earlier."""
        ...

    def is_admin(self, user_id: str) -> bool:
        """Whether Slack says the member is a workspace admin or owner (`users.info`)."""
        ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """The member's App Home tab (views.publish)."""
        ...

    def respond(self, response_url: str, text: str) -> None:
        """An ephemeral answer to a click, only the clicking member sees it."""
        ...

    def conversation(self, channel_id: str) -> Conversation:
        """What Slack says of a conversation (`conversations.info`): private, and whether the
        bot is in it. Raises SlackRejected when Slack will not say (not found, not allowed)."""
        ...

    def join(self, channel_id: str) -> None:
        """The bot joins a public channel (`conversations.join`); SlackRejected if it cannot."""
        ...


class InstallationStore(Protocol):
    """Distribution mode: each workspace's installation, by team (or org, for an org-wide one)."""

    def find(self, team_id: str | None, enterprise_id: str | None = None) -> Installation | None:
        """The team's install, else its org's org-wide install."""
        ...

    def save(self, installation: Installation) -> None: ...

    def claim_refresh(self, installation: Installation, now: int, lease_seconds: int) -> bool:
        """Whether this caller may refresh the token (no one else is, and it was not refreshed
        since `installation` was read)."""
        ...

    def save_refreshed(self, old: Installation, new: Installation) -> bool:
        """The refreshed token, unless another refresh of `old` was saved first."""
        ...

    def delete(self, team_id: str | None, enterprise_id: str | None = None) -> bool:
        """Whether there was one."""
        ...


class OAuthStateStore(Protocol):
    """An install link's `state`: issued once per page, good once, for `STATE_SECONDS`."""

    def issue(self, now: int, team: str = "") -> str:
        """`team`: the workspace the link is for ("" for any)."""
        ...

    def consume(self, state: str, now: int) -> str | None:
        """The team it was issued for ("" for any), or None: unknown, used or expired."""
        ...


class SlackOAuth(Protocol):
    def authorize_url(self, state: str, team: str = "") -> str:
        """Slack's authorize page for this app's bot scopes (`team`: preselect a workspace)."""
        ...

    def exchange(self, code: str, now: int) -> Installation:
        """oauth.v2.access with the code: SlackRejected with Slack's error when refused."""
        ...

    def refresh(self, installation: Installation, now: int) -> Installation:
        """oauth.v2.access with the refresh token (single use): the new token."""
        ...


class WorkflowStarter(Protocol):
    def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        """True when started; False when an execution of that name already exists."""
        ...


class Workflow(WorkflowStarter, Protocol):
    def recent_runs(self, since: datetime) -> list[Run]: ...

    def run(self, execution_arn: str) -> Run | None:
        """One run as Step Functions describes it (input, status, end); None when there is
        none of that ARN."""
        ...

    def redrive(self, execution_arn: str) -> bool:
        """False when the run cannot be redriven (the caller starts a new one instead)."""
        ...

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        """SendTaskSuccess; False when the wait is over (timed out, or the run ended)."""
        ...

    def abort_wait(self, token: str, error: str, cause: str) -> bool: ...


def _unwired(*args: object, **kwargs: object) -> Any:
    raise NotImplementedError("this port is not wired in these Ports")


class ForTeam(Protocol):
    def __call__(self, team: str, enterprise: str = "") -> Ports: ...


@dataclass(frozen=True)
class Ports:
    """Every port a use case may ask for, each built on first use (so the webhook's shortcut
    never loads boto3). `emoji_smith.bootstrap.bootstrap(settings)` wires the real adapters,
    once per container; a test passes the fakes it needs and leaves the rest unwired."""

    slack_interactions: Callable[[], SlackInteractions] = _unwired
    slack_gateway: Callable[[], SlackGateway] = _unwired
    job_repository: Callable[[], JobRepository] = _unwired
    usage_ledger: Callable[[], UsageLedger] = _unwired
    #: For the modal's check only: figures read in the last half minute are used again.
    advisory_usage_ledger: Callable[[], UsageLedger] = _unwired
    settings_store: Callable[[], SettingsStore] = _unwired
    workflow: Callable[[], Workflow] = _unwired
    image_store: Callable[[], ImageStore] = _unwired
    circuit_store: Callable[[], CircuitStore] = _unwired
    picture_source: Callable[[], PictureSource] = _unwired
    prompt_enhancer: Callable[[], PromptEnhancer | None] = _unwired
    #: (style, quality) -> the generator for that style.
    image_generator: Callable[[str, str], ImageGenerator] = _unwired
    #: A workspace's settings: the install's defaults with what its admins saved on top.
    workspace_settings: Callable[[str], WorkspaceSettings] = _unwired
    default_workspace_settings: Callable[[], WorkspaceSettings] = _unwired
    #: Whether an OpenAI key is configured (AI styles offered).
    image_service_configured: Callable[[], bool] = _unwired
    #: A secret by its variable name (`settings.SECRET_KEYS`), None when unset.
    secret: Callable[[str], str | None] = _unwired
    deletion_requests: Callable[[], DeletionRequests] = _unwired
    #: The same read again past the cache, rate-limited (None: not read again).
    secret_again: Callable[[str], str | None] = _unwired
    home_publishing: Callable[[], HomePublishing] = _unwired
    seen_events: Callable[[], SeenEvents] = _unwired
    image_model: str = "gpt-image-2"
    #: Distribution mode (the app's client id and secret set): each workspace's own token.
    distribution: Callable[[], bool] = lambda: False
    #: These Ports acting for a workspace (its token for Slack); the same Ports in one-workspace
    #: mode. Called where the team is known from a signed payload or a job's input, only there
    #: (with its Grid org, where an org-wide install's token is found).
    for_team: ForTeam = _unwired
    installations: Callable[[], InstallationStore] = _unwired
    oauth_states: Callable[[], OAuthStateStore] = _unwired
    #: redirect_uri -> Slack's OAuth for this app.
    slack_oauth: Callable[[str], SlackOAuth] = _unwired
