"""template.yaml is deployable as-is: cfn-lint clean, the ASL valid, SAM transforms it, and each
function's IAM policies and environment cover what its code calls and reads."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emoji_smith.settings import SECRET_KEYS, Settings
from emoji_smith_local.template import FUNCTION_TYPE, PROJECT_ROOT, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == FUNCTION_TYPE}

#: What each function's code calls in AWS (its adapters), kept honest by the tests below: the
#: IAM actions its role must allow, and the environment variables its settings read.
CALLS: dict[str, set[str]] = {
    "WebhookFunction": {
        "states:StartExecution",
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",  # an admin's settings
        "dynamodb:Scan",  # /emoji usage
        "dynamodb:BatchGetItem",  # the modal's quota check
        "secretsmanager:GetSecretValue",
    },
    "AwaitChoiceFunction": {"s3:GetObject", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue"},
    "ValidateFunction": {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",  # the job, and (in a transaction) the usage counters
        "secretsmanager:GetSecretValue",
    },
    "BuildPromptFunction": {"secretsmanager:GetSecretValue"},
    "CheckCircuitFunction": {"dynamodb:GetItem"},
    "GenerateImageFunction": {
        "s3:PutObject",
        "s3:GetObject",
        "dynamodb:GetItem",  # the quality the job was priced at; the workspace's settings
        "dynamodb:UpdateItem",  # the job's bill
        "secretsmanager:GetSecretValue",
    },
    "ResizeImageFunction": {"s3:GetObject", "s3:PutObject"},
    "AnimateEmojiFunction": {"s3:GetObject", "s3:PutObject"},
    "PersistEmojiFunction": {"dynamodb:UpdateItem"},
    "UploadEmojiFunction": {
        "s3:GetObject",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "secretsmanager:GetSecretValue",
    },
    "NotifyUserFunction": {
        "dynamodb:GetItem",  # the workspace's announcement channel
        "dynamodb:UpdateItem",
        "secretsmanager:GetSecretValue",
    },
    "RecordOutcomeFunction": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "NotifyOutcomeFunction": {"secretsmanager:GetSecretValue"},
    "RecordFailedExecutionFunction": {
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "secretsmanager:GetSecretValue",
    },
    "CloseCircuitFunction": {"dynamodb:PutItem"},
    "RetryFailedJobsFunction": {
        "states:ListExecutions",
        "states:DescribeExecution",
        "states:RedriveExecution",
        "states:StartExecution",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    },
}
ENVIRONMENT: dict[str, set[str]] = {
    "WebhookFunction": {
        "STATE_MACHINE_ARN",
        "JOBS_TABLE_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "USAGE_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
        "EMOJI_SMITH_MEMBER_DAILY_IMAGES",
        "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD",
        "EMOJI_SMITH_IMAGE_MODEL",
        "EMOJI_SMITH_IMAGE_QUALITY",
        "EMOJI_SMITH_ANNOUNCEMENT_CHANNEL",
    },
    "AwaitChoiceFunction": {"IMAGES_BUCKET_NAME", "JOBS_TABLE_NAME", "EMOJI_SMITH_SECRET_NAME"},
    "ValidateFunction": {
        "JOBS_TABLE_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "USAGE_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
        "EMOJI_SMITH_MEMBER_DAILY_IMAGES",
        "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD",
        "EMOJI_SMITH_IMAGE_MODEL",
        "EMOJI_SMITH_IMAGE_QUALITY",
    },
    "GenerateImageFunction": {
        "IMAGES_BUCKET_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "EMOJI_SMITH_IMAGE_MODEL",
        "EMOJI_SMITH_IMAGE_QUALITY",
        "JOBS_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
    },
    "ResizeImageFunction": {"IMAGES_BUCKET_NAME"},
    "AnimateEmojiFunction": {"IMAGES_BUCKET_NAME"},
    "PersistEmojiFunction": {"JOBS_TABLE_NAME"},
    "UploadEmojiFunction": {"JOBS_TABLE_NAME", "IMAGES_BUCKET_NAME", "EMOJI_SMITH_SECRET_NAME"},
    "NotifyUserFunction": {
        "JOBS_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
        "EMOJI_SMITH_ANNOUNCEMENT_CHANNEL",
        "EMOJI_SMITH_SECRET_NAME",
    },
    "RecordOutcomeFunction": {"JOBS_TABLE_NAME", "USAGE_TABLE_NAME"},
    "CheckCircuitFunction": {"CIRCUIT_TABLE_NAME"},
    "RecordFailedExecutionFunction": {
        "JOBS_TABLE_NAME",
        "CIRCUIT_TABLE_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "CIRCUIT_FAILURE_THRESHOLD",
        "USAGE_TABLE_NAME",
    },
    "CloseCircuitFunction": {"CIRCUIT_TABLE_NAME"},
    "RetryFailedJobsFunction": {
        "STATE_MACHINE_ARN",
        "JOBS_TABLE_NAME",
        "RETRY_MAX_ATTEMPTS",
        "USAGE_TABLE_NAME",
    },
}


def test_every_function_is_in_the_calls_table() -> None:
    assert set(CALLS) == set(FUNCTIONS)


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(PROJECT_ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_asl_is_valid_for_asl_validator(tmp_path: Path) -> None:
    validator = PROJECT_ROOT / "node_modules" / ".bin" / "asl-validator"
    assert validator.exists(), "run `make setup` (npm ci) to install asl-validator"
    text = (PROJECT_ROOT / "statemachine" / "emoji_pipeline.asl.json").read_text()
    text = re.sub(
        r"\$\{(\w+)FunctionArn\}", r"arn:aws:lambda:us-east-1:123456789012:function:\1", text
    )
    text = re.sub(r"\$\{(\w+)\}", "60", text)
    definition = tmp_path / "definition.json"
    definition.write_text(text)
    result = subprocess.run(
        [str(validator), "--json-path", str(definition)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    """The template through SAM's own translator, as `sam deploy` would send it."""
    import os

    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = copy.deepcopy(TEMPLATE)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if "DefinitionUri" in properties:
            properties["DefinitionUri"] = {"Bucket": "artifacts", "Key": "asl.json"}
    template["Globals"]["Function"]["CodeUri"] = "s3://artifacts/code.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    result: dict[str, Any] = transform(template, {}, NoManagedPolicies())
    return result


def _role_actions(transformed: dict[str, Any], function: str) -> set[str]:
    role = transformed["Resources"][f"{function}Role"]["Properties"]
    actions: set[str] = set()
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement.get("Effect", "Allow") != "Allow":
                continue
            listed = statement["Action"]
            actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


@pytest.mark.parametrize("function", sorted(CALLS))
def test_each_functions_policies_cover_the_calls_its_code_makes(
    transformed: dict[str, Any], function: str
) -> None:
    allowed = _role_actions(transformed, function)
    assert CALLS[function] <= allowed, CALLS[function] - allowed


def test_no_policy_allows_every_action_on_every_resource(transformed: dict[str, Any]) -> None:
    for logical_id, resource in transformed["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = (
                    statement["Action"]
                    if isinstance(statement["Action"], list)
                    else [statement["Action"]]
                )
                wildcard_action = any(a == "*" or a.endswith(":*") for a in actions)
                assert not (wildcard_action and statement.get("Resource") == "*"), logical_id


def test_the_state_machine_may_invoke_exactly_our_functions(transformed: dict[str, Any]) -> None:
    actions = _role_actions(transformed, "EmojiPipeline")
    assert {a for a in actions if not a.startswith("logs:")} == {"lambda:InvokeFunction"}
    machine = RESOURCES["EmojiPipeline"]["Properties"]
    invoked = {
        p["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for p in machine["Policies"]
        if "LambdaInvokePolicy" in p
    }
    in_definition = {
        v["Fn::GetAtt"][0]
        for v in machine["DefinitionSubstitutions"].values()
        if isinstance(v, dict) and "Fn::GetAtt" in v
    }
    assert invoked == in_definition


def _environment(function: str) -> set[str]:
    globals_env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    own = FUNCTIONS[function]["Properties"].get("Environment", {}).get("Variables", {})
    return set(globals_env) | set(own)


@pytest.mark.parametrize("function", sorted(ENVIRONMENT))
def test_each_function_gets_the_variables_its_settings_read(function: str) -> None:
    missing = ENVIRONMENT[function] - _environment(function)
    assert not missing, missing


def test_the_variables_in_the_table_are_real_settings() -> None:
    known = Settings.variables()
    for variables in ENVIRONMENT.values():
        assert variables <= known


def test_the_secret_the_settings_read_is_in_the_template_and_never_a_parameter() -> None:
    reference = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"][
        "EMOJI_SMITH_SECRET_NAME"
    ]
    secret = RESOURCES[reference["Ref"]]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    for key in SECRET_KEYS:
        assert key in secret["Properties"]["Description"]
    parameters = json.dumps(TEMPLATE.get("Parameters", {})).upper()
    for key in SECRET_KEYS:
        assert key not in parameters


def test_the_bucket_lifecycle_expires_the_prefixes_the_code_writes() -> None:
    from emoji_smith.domain.image_keys import EMOJI_PREFIX, ORIGINALS_PREFIX
    from emoji_smith.domain.pictures import INPUTS_PREFIX

    rules = RESOURCES["ImagesBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {rule["Prefix"] for rule in rules} == {ORIGINALS_PREFIX, EMOJI_PREFIX, INPUTS_PREFIX}


#: The property that holds a resource's own physical name, per type (absent = CloudFormation
#: generates a unique one from the stack name).
OWN_NAME = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Events::Rule": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
}
#: Types with no name of their own (they attach to a named resource).
NAMELESS = {
    "AWS::Lambda::Permission",
    "AWS::Lambda::Url",
    "AWS::S3::BucketPolicy",
}


def physical_name(value: Any, stack: str, template: dict[str, Any]) -> str:
    """A name property evaluated for one stack (parameters at their defaults)."""
    defaults = {k: v.get("Default", "") for k, v in template.get("Parameters", {}).items()}
    pseudo = {"AWS::StackName": stack, "AWS::Region": "us-east-1", "AWS::AccountId": "1"}

    def evaluate(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if "Ref" in node:
            return pseudo.get(node["Ref"], defaults.get(node["Ref"], f"<{node['Ref']}>"))
        if "Fn::Sub" in node:
            text = node["Fn::Sub"]
            for key, known in {**defaults, **pseudo}.items():
                text = text.replace("${" + key + "}", str(known))
            return text
        if "Fn::If" in node:
            condition, if_true, if_false = node["Fn::If"]
            chosen = if_true if evaluate(template["Conditions"][condition]) else if_false
            return evaluate(chosen)
        if "Fn::Not" in node:
            return not evaluate(node["Fn::Not"][0])
        if "Fn::Equals" in node:
            left, right = node["Fn::Equals"]
            return evaluate(left) == evaluate(right)
        raise AssertionError(f"cannot evaluate {node}")

    return str(evaluate(value))


def test_two_stacks_in_one_account_share_no_resource_name(transformed: dict[str, Any]) -> None:
    # GIVEN the template transformed as `sam deploy` would, for a prod and a dev stack
    resources = transformed["Resources"]
    unknown = {r["Type"] for r in resources.values()} - set(OWN_NAME) - NAMELESS
    assert not unknown, f"say whether these types have a name of their own: {unknown}"
    names: dict[str, set[str]] = {"emoji-smith": set(), "emoji-smith-dev": set()}
    for resource in resources.values():
        prop = OWN_NAME.get(resource["Type"])
        value = resource.get("Properties", {}).get(prop) if prop else None
        for stack, taken in names.items():
            if value is not None:
                taken.add(f"{resource['Type']}:{physical_name(value, stack, transformed)}")
    # THEN no explicit name is the same in both (a second stack would collide)
    assert names["emoji-smith"].isdisjoint(names["emoji-smith-dev"])
    # AND the retry schedule's name is left to CloudFormation
    schedules = [r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert schedules
    assert all("Name" not in s["Properties"] for s in schedules)


def test_the_templates_literal_settings_are_the_codes_defaults() -> None:
    # GIVEN every literal environment value the template gives a function
    from dataclasses import fields

    defaults = {
        str(setting.metadata["variable"]): setting.default
        for setting in fields(Settings)
        if "variable" in setting.metadata
    }
    template = load_template()
    given = {
        (logical_id, variable): value
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for variable, value in resource["Properties"]
        .get("Environment", {})
        .get("Variables", {})
        .items()
        if isinstance(value, str | int | float) and variable in defaults
    }
    # WHEN each is read as the functions read it
    differing = {
        key: (value, defaults[key[1]])
        for key, value in given.items()
        if Settings.from_environ({key[1]: str(value)}) != Settings.from_environ({})
    }
    # THEN none says something the code's default does not (one source for each default)
    assert given, "the template sets no literal settings: this test checks nothing"
    assert differing == {}
