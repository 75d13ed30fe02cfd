"""Counted events are CloudWatch EMF lines CloudWatch can read, and the switch turns them off."""

from __future__ import annotations

import json

import pytest

from emoji_smith.observability import count, metric


def test_a_count_is_one_embedded_metric_format_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "EmojiSmith")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "emoji-smith-prod")
    count("DuplicateSubmission", "source", "webhook")
    line = json.loads(capsys.readouterr().out)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "EmojiSmith",
        "Dimensions": [["service", "source"]],
        "Metrics": [{"Name": "DuplicateSubmission", "Unit": "Count"}],
    }
    assert (line["service"], line["source"], line["DuplicateSubmission"]) == (
        "emoji-smith-prod",
        "webhook",
        1,
    )
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_metrics_can_be_switched_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count("DuplicateSubmission", "source", "webhook")
    assert capsys.readouterr().out == ""


def test_a_metric_without_a_dimension_is_by_service_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # (the CircuitOpen alarm watches CircuitOpened by service alone)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    metric("GenerationSeconds", 2.5, "Seconds")
    line = json.loads(capsys.readouterr().out)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["service"]]
    assert directive["Metrics"] == [{"Name": "GenerationSeconds", "Unit": "Seconds"}]
    assert line["GenerationSeconds"] == 2.5
