"""CheckCircuit: fails with CircuitOpen while the image service's circuit is open, so the run
stops at this Task and a redrive checks again. Offline styles never use the image service, so
for them it is always closed."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import circuit_store
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState, circuit_report
from emoji_smith.domain.errors import CircuitOpen
from emoji_smith.domain.styles import PRESETS

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    preset = PRESETS.get(str(event.get("style")))
    state = CircuitState()
    if preset is not None and preset.needs_image_service:
        state = circuit_store().load(IMAGE_SERVICE)
    report = circuit_report(state, time.time())
    if report["open"]:
        raise CircuitOpen(report["cause"])
    return report
