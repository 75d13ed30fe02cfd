"""Metrics with a per-event dimension (delivery method, error name), as CloudWatch EMF lines.

Powertools' `single_metric` prints even when POWERTOOLS_METRICS_DISABLED is set (the local
runtime sets it to keep terminals clean), so the switch is honoured here.
"""

from __future__ import annotations


def count(name: str, dimension: str, value: str) -> None:
    # Imported here: the webhook counts rare events only and keeps its cold start slim.
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name=dimension, value=value)
