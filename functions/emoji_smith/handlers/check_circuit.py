"""CheckCircuit: is the image service's circuit open? The ASL's Choice fails fast if so.
Offline styles never use the image service, so for them it is always closed."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import circuit_store
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState, circuit_report
from emoji_smith.domain.styles import PRESETS

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    preset = PRESETS.get(str(event.get("style")))
    if preset is None or not preset.needs_image_service:
        return circuit_report(CircuitState(), time.time())
    return circuit_report(circuit_store().load(IMAGE_SERVICE), time.time())
