"""The webhook's own Lambda package (functions/packaging/webhook.py, SAM `BuildMethod: makefile`)
is small, pinned to the lock, and enough: in a process that sees nothing else (`python -S`), a
signed shortcut reads the secret from Secrets Manager and opens the modal, and a signed
submission starts the workflow — against local endpoints (moto's server, the fake Slack)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from emoji_smith_local.template import PROJECT_ROOT, load_template
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import SIGNING_SECRET, form, function_url_event, shortcut, submission

BUILD = PROJECT_ROOT / "functions" / "packaging" / "webhook.py"
WHEELS = PROJECT_ROOT / ".wheels"
MAX_BYTES = 20_000_000
SCRIPT = """
import json, sys
from emoji_smith.handlers.webhook import handler
heavy = ("numpy", "PIL", "openai", "aws_lambda_powertools", "slack_sdk", "boto3")
answers = []
for event in json.load(sys.stdin):
    answers.append(handler(event, None))
    answers.append(sorted(m for m in heavy if m in sys.modules))
print(json.dumps(answers))
"""


def build(target: Path, platform: str, *extra: str) -> Path:
    folder = WHEELS / platform
    if not any(folder.glob("*.whl")):
        pytest.fail(f"{folder} is empty: run `make setup` (it fills the wheel cache from the lock)")
    subprocess.run(
        [
            sys.executable,
            str(BUILD),
            str(target),
            "--no-index",
            "--find-links",
            str(folder),
            *extra,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_sam_builds_the_webhook_with_its_own_makefile_target() -> None:
    webhook = load_template()["Resources"]["WebhookFunction"]
    assert webhook["Metadata"] == {"BuildMethod": "makefile"}
    makefile = (PROJECT_ROOT / "functions" / "Makefile").read_text()
    assert "build-WebhookFunction:" in makefile
    assert "packaging/webhook.py" in makefile


@pytest.mark.slow
def test_the_lambda_package_is_small_and_has_nothing_heavy(tmp_path: Path) -> None:
    package = build(tmp_path / "lambda", "lambda", "--lambda-platform")
    assert size(package) <= MAX_BYTES, f"{size(package) / 1e6:.1f} MB"
    present = {path.name for path in package.iterdir()}
    assert {"emoji_smith", "boto3", "botocore", "pydantic", "pydantic_core"} <= present
    assert not present & {"numpy", "PIL", "openai", "aws_lambda_powertools"}
    # slack_sdk: for distribution mode's OAuth only; the SCRIPT's requests never import it
    assert {p.name for p in (package / "botocore" / "data").iterdir() if p.is_dir()} == {
        "dynamodb",
        "lambda",
        "stepfunctions",
    }
    assert any("aarch64" in p.name for p in package.rglob("*.so"))


@pytest.mark.slow
def test_the_package_alone_answers_a_shortcut_and_starts_a_job(
    tmp_path: Path, moto_server: str, slack: FakeSlack
) -> None:
    # GIVEN the package built for this machine, the secret in Secrets Manager (an image service
    # key too: the modal offers the image styles), a state machine, the usage and settings tables
    package = build(tmp_path / "local", "local")
    aws: dict[str, Any] = {
        "endpoint_url": moto_server,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    boto3.client("secretsmanager", **aws).create_secret(
        Name="webhook-app",
        SecretString=json.dumps(
            {
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "OPENAI_API_KEY": "sk-package",
            }
        ),
    )
    dynamodb = boto3.client("dynamodb", **aws)
    for table, key in (("webhook-usage", "key"), ("webhook-settings", "team_id")):
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    machine = boto3.client("stepfunctions", **aws).create_state_machine(
        name="webhook-package",
        definition=json.dumps({"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/x",
    )["stateMachineArn"]
    events = [function_url_event(form(shortcut(slack.response_url())))]
    # WHEN a process that sees only the package handles a shortcut
    environment = {
        "PYTHONPATH": str(package),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_server,
        "EMOJI_SMITH_SECRET_NAME": "webhook-app",
        "SLACK_API_BASE_URL": slack.base_url,
        "STATE_MACHINE_ARN": machine,
        "USAGE_TABLE_NAME": "webhook-usage",
        "SETTINGS_TABLE_NAME": "webhook-settings",
    }

    def run(events: list[dict[str, Any]]) -> list[Any]:
        done = subprocess.run(
            [sys.executable, "-S", "-c", SCRIPT],
            input=json.dumps(events),
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        answers: list[Any] = json.loads(done.stdout)
        return answers

    shortcut_answer, loaded = run(events)
    # THEN it answered 200 after reading the secret, opened the modal, loaded nothing heavy
    assert shortcut_answer["statusCode"] == 200
    (call,) = slack.calls("views.open")
    assert loaded == []
    view = slack.params(call)["view"]
    # AND a submission from that modal (an image style: the member's quota is read) starts the
    # workflow, loading nothing heavy either (boto3 included: its import is ~200 ms of 3 s)
    submit = function_url_event(
        form(submission(view, "V-pkg", description="slim", style="cartoon"))
    )
    submit_answer, submit_loaded = run([submit])
    assert json.loads(submit_answer["body"]) == {"response_action": "clear"}
    assert submit_loaded == []
    executions = boto3.client("stepfunctions", **aws).list_executions(stateMachineArn=machine)
    assert [e["name"] for e in executions["executions"]] == ["T1-V-pkg"]
