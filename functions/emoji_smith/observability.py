"""Metrics with a per-event dimension (delivery method, error name), as CloudWatch Embedded
Metric Format lines on stdout (CloudWatch turns them into metrics; no API call).

Written with the standard library: the slim webhook package has no Powertools. The namespace and
the `service` dimension come from Powertools' own variables (the template sets them);
POWERTOOLS_METRICS_DISABLED (the local runtime sets it) turns them off.
"""

from __future__ import annotations

import json
import time

from emoji_smith.settings import environment


def emf_line(
    name: str,
    value: float,
    unit: str,
    *,
    namespace: str,
    service: str,
    dimension: tuple[str, str] | None = None,
) -> str:
    keys = ["service", dimension[0]] if dimension else ["service"]
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [keys],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        "service": service,
        name: value,
    }
    if dimension:
        document[dimension[0]] = dimension[1]
    return json.dumps(document)


def metric(
    name: str, value: float = 1, unit: str = "Count", dimension: tuple[str, str] | None = None
) -> None:
    """One metric, printed now: nothing is shared between calls (the local runtime runs many
    functions at once in one process; Powertools' Metrics keeps one buffer per process)."""
    variables = environment()
    if variables.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("true", "1"):
        return
    namespace = variables.get("POWERTOOLS_METRICS_NAMESPACE", "EmojiSmith")
    service = variables.get("POWERTOOLS_SERVICE_NAME", "emoji-smith")
    line = emf_line(name, value, unit, namespace=namespace, service=service, dimension=dimension)
    print(line, flush=True)


def count(name: str, dimension: str, value: str) -> None:
    """A count of one, by a dimension (error name, delivery method)."""
    metric(name, dimension=(dimension, value))
