"""CloseCircuit: the image service answered after earlier failures; forget them."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import circuit_store
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState, circuit_report

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    circuit_store().save(IMAGE_SERVICE, CircuitState())
    return circuit_report(CircuitState(), time.time())
