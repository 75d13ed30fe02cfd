"""RecordServiceFailure: GenerateImage gave up on a service error after its retries; count it
toward the circuit (N failures within the window open it for the cooldown)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import circuit_store
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitPolicy, circuit_report

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = time.time()
    store = circuit_store()
    state = store.load(IMAGE_SERVICE).after_failure(now, CircuitPolicy.from_event(event))
    store.save(IMAGE_SERVICE, state)
    metrics.add_metric(name="ImageServiceFailure", unit=MetricUnit.Count, value=1)
    if state.is_open(now):
        logger.warning("Image service circuit opened", extra={"open_until": state.open_until})
        metrics.add_metric(name="CircuitOpened", unit=MetricUnit.Count, value=1)
    return circuit_report(state, now)
