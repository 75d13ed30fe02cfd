"""CloseCircuit: the image service answered; forget its failures."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import CloseCircuitEvent, parse_event
from emoji_smith.application.steps import close_circuit
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parse_event(CloseCircuitEvent, event)
    return dict(close_circuit(ports().circuit_store(), time.time()))
