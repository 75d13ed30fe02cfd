"""Metrics with a per-event dimension (delivery method, error name), as CloudWatch Embedded
Metric Format lines on stdout (CloudWatch turns them into metrics; no API call).

Written with the standard library: the slim webhook package has no Powertools. The namespace and
the `service` dimension are Powertools' own variables, so these metrics sit beside the steps'
Powertools metrics; POWERTOOLS_METRICS_DISABLED (the local runtime sets it) turns them off.
"""

from __future__ import annotations

import json
import time

from emoji_smith.settings import environment


def emf_line(name: str, dimension: str, value: str, namespace: str, service: str) -> str:
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [["service", dimension]],
                        "Metrics": [{"Name": name, "Unit": "Count"}],
                    }
                ],
            },
            "service": service,
            dimension: value,
            name: 1,
        }
    )


def count(name: str, dimension: str, value: str) -> None:
    variables = environment()
    if variables.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("true", "1"):
        return
    namespace = variables.get("POWERTOOLS_METRICS_NAMESPACE", "EmojiSmith")
    service = variables.get("POWERTOOLS_SERVICE_NAME", "emoji-smith")
    print(emf_line(name, dimension, value, namespace, service), flush=True)
