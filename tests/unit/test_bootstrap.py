"""The composition root: one `Ports` per container, each adapter built once, on first use."""

from __future__ import annotations

import subprocess
import sys

from emoji_smith.bootstrap import bootstrap, new_containers, ports
from emoji_smith.settings import Settings, function_environment


def test_a_container_keeps_its_ports_and_a_new_one_builds_its_own() -> None:
    # GIVEN two functions with their own environments in one process (the local runtime)
    with function_environment({"JOBS_TABLE_NAME": "jobs-a"}):
        first = ports()
        # WHEN the same function asks again
        # THEN it gets the same Ports, and so the same adapters
        assert ports() is first
    with function_environment({"JOBS_TABLE_NAME": "jobs-b"}):
        other = ports()
    assert other is not first
    # AND after a new deployment (new containers) a function builds its Ports again
    new_containers()
    with function_environment({"JOBS_TABLE_NAME": "jobs-a"}):
        assert ports() is not first


def test_an_adapter_is_built_once_and_only_when_asked() -> None:
    wired = bootstrap(Settings(jobs_table_name="jobs", state_machine_arn="arn:aws:states:x"))
    assert wired.job_repository() is wired.job_repository()
    assert wired.workflow() is wired.workflow()
    assert wired.usage_ledger() is not wired.advisory_usage_ledger()  # two cache policies


def test_wiring_the_webhooks_ports_loads_no_sdk() -> None:
    # GIVEN a fresh process (a cold webhook)
    script = (
        "import sys\n"
        "from emoji_smith.bootstrap import bootstrap\n"
        "from emoji_smith.settings import Settings\n"
        # WHEN its Ports are built and the webhook's Slack port asked for
        "bootstrap(Settings(local_secrets={'SLACK_BOT_TOKEN': 'x'})).slack_interactions()\n"
        "print(sorted(m for m in ('boto3', 'slack_sdk', 'openai', 'pydantic') if m in sys.modules))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    # THEN none of the SDKs (nor pydantic) was loaded
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"
