"""Reads an execution's history as it grows and says, in words, what each step did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emoji_smith.domain.failures import describe_failure

OUTCOME_PATH = ("RecordOutcome", "NotifyOutcome", "EndedWithOutcome", "Outcome")
STEP_LABELS = {
    "Validate": "Checked the request",
    "BuildPrompt": "Wrote the image prompt",
    "CheckCircuit": "Checked the image service is up",
    "CloseCircuit": "Image service back: circuit closed",
    "GenerateImage": "Generated the image",
    "ResizeImage": "Made it Slack-ready (128×128)",
    "AnimateEmoji": "Animated it (GIF)",
    "PersistEmoji": "Saved the job record",
    "AwaitChoice": "The member picked a candidate",
    "UploadEmoji": "Delivered the emoji",
    "NotifyUser": "Told the member",
    "RecordOutcome": "Recorded how it ended",
    "NotifyOutcome": "Told the member why",
}


@dataclass
class StepEvent:
    kind: str  # "done" | "retry" | "failed"
    state: str
    seconds: float = 0.0
    error: str = ""
    cause: str = ""


@dataclass
class HistoryReader:
    """Turns new history events into StepEvents; remembers the step that failed the job."""

    seen: int = 0
    failed_step: str | None = None
    _entered: dict[str, Any] = field(default_factory=dict)
    _current: str = ""
    _last_attempt_failed: bool = False

    def read(self, events: list[dict[str, Any]]) -> list[StepEvent]:
        steps: list[StepEvent] = []
        for event in events[self.seen :]:
            kind = event["type"]
            if kind.endswith("StateEntered"):
                self._current = event["stateEnteredEventDetails"]["name"]
                self._entered[self._current] = event["timestamp"]
                self._last_attempt_failed = False
            elif kind == "LambdaFunctionSucceeded":
                self._last_attempt_failed = False
            elif kind.endswith("StateExited"):
                name = event["stateExitedEventDetails"]["name"]
                if self._last_attempt_failed or name not in STEP_LABELS:
                    continue  # a caught failure, or a Succeed/Fail state: nothing done
                started = self._entered.get(name, event["timestamp"])
                seconds = (event["timestamp"] - started).total_seconds()
                steps.append(StepEvent("done", name, seconds))
            elif kind in ("LambdaFunctionFailed", "TaskFailed", "LambdaFunctionTimedOut"):
                details: dict[str, Any] = next(
                    (value for key, value in event.items() if key.endswith("EventDetails")), {}
                )
                failure = describe_failure(details.get("error", ""), details.get("cause"))
                error, cause = failure.error, failure.cause
                self._last_attempt_failed = True
                if self._current not in OUTCOME_PATH:
                    self.failed_step = self._current
                steps.append(StepEvent("failed", self._current, error=error, cause=cause))
        self.seen = len(events)
        return steps
