"""CheckCircuit: fail fast with CircuitOpen while the image service's circuit is open."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import CheckCircuitEvent, parse_event
from emoji_smith.application.steps import check_circuit
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    style = parse_event(CheckCircuitEvent, event).style
    return dict(check_circuit(ports().circuit_store(), style, time.time()))
