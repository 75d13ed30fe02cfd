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
from emoji_smith_local.runtime import LocalAWS
from emoji_smith_local.template import (
    FUNCTION_TYPE,
    PROJECT_ROOT,
    evaluate_conditions,
    load_template,
)

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == FUNCTION_TYPE}

#: What each function's code calls in AWS (its adapters), by resource: the IAM actions its role
#: allows, exactly (no more, no less). A resource is named by its logical id in the template,
#: with what its ARN adds ("ImagesBucket/*": the objects; "execution:EmojiPipeline:*": its runs).
#: A new call goes here and in the function's policy statement for that resource, together.
#: Jobs run on the embedded AWS check it from the other side: every call they make is listed.
SECRET = {"secretsmanager:GetSecretValue"}
#: Distribution mode: a workspace's token read, and refreshed in place (a claim, then the save).
DISTRIBUTION_CONDITIONS = evaluate_conditions(
    TEMPLATE,
    {name: spec.get("Default") for name, spec in TEMPLATE["Parameters"].items()}
    | {"InstallMode": "distribution"},
)
INSTALLATION_CALLS = {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"}
CALLS: dict[str, dict[str, set[str]]] = {
    "WebhookFunction": {
        "EmojiPipeline": {"states:StartExecution"},
        "*": {"states:SendTaskSuccess", "states:SendTaskFailure"},  # no resource-level ARNs
        "JobsTable": {
            "dynamodb:GetItem",  # a click's job
            "dynamodb:UpdateItem",  # a choice claimed
        },
        # The Home's lists: by index, never a scan.
        "JobsTable/index/team_member-created": {"dynamodb:Query"},
        "JobsTable/index/workspace_team-created": {"dynamodb:Query"},
        "UsageTable": {"dynamodb:BatchGetItem"},  # the modal's quota check
        "UsageTable/index/month-team": {"dynamodb:Query"},  # /emoji usage, the Admin section
        "SettingsTable": {"dynamodb:GetItem", "dynamodb:PutItem"},  # an admin's settings
        "PublishHomeFunction": {"lambda:InvokeFunction"},  # app_home_opened, asynchronously
        "ForgetWorkspaceFunction": {"lambda:InvokeFunction"},  # an uninstall, asynchronously
        # distribution mode: installs, the token refreshed, uninstalls; the install links' states
        "InstallationsTable": INSTALLATION_CALLS | {"dynamodb:DeleteItem"},
        "OAuthStateTable": {"dynamodb:PutItem", "dynamodb:DeleteItem"},
        "AppSecret": SECRET,
    },
    "ForgetWorkspaceFunction": {
        "JobsTable": {"dynamodb:Scan", "dynamodb:BatchWriteItem"},
        "UsageTable": {"dynamodb:Scan", "dynamodb:BatchWriteItem"},
        "SettingsTable": {"dynamodb:DeleteItem"},
        "ImagesBucket": {"s3:ListBucket"},  # ListObjectsV2
        "ImagesBucket/*": {"s3:DeleteObject"},  # DeleteObjects: authorised key by key
        "FailedExecutionDeadLetterQueue": {"sqs:SendMessage"},  # Lambda's on-failure destination
    },
    "PublishHomeFunction": {
        "EventsTable": {"dynamodb:PutItem"},  # the event recorded, if new
        "JobsTable/index/team_member-created": {"dynamodb:Query"},
        "JobsTable/index/workspace_team-created": {"dynamodb:Query"},
        "UsageTable": {"dynamodb:BatchGetItem"},
        "UsageTable/index/month-team": {"dynamodb:Query"},
        "SettingsTable": {"dynamodb:GetItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "AwaitChoiceFunction": {
        "ImagesBucket/*": {"s3:GetObject"},
        "JobsTable": {"dynamodb:UpdateItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "ValidateFunction": {
        "JobsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "UsageTable": {"dynamodb:UpdateItem"},  # in a transaction: the quota reserved
        "SettingsTable": {"dynamodb:GetItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "BuildPromptFunction": {"AppSecret": SECRET},
    "CheckCircuitFunction": {"CircuitTable": {"dynamodb:GetItem"}},
    "GenerateImageFunction": {
        "ImagesBucket/*": {"s3:GetObject", "s3:PutObject"},  # HeadObject is GetObject
        "ImagesBucket": {"s3:ListBucket"},  # so HeadObject of a missing key is 404, not 403
        "JobsTable": {
            "dynamodb:GetItem",  # the quality the job was priced at
            "dynamodb:UpdateItem",  # the job's bill; its generation claimed, given back
        },
        "SettingsTable": {"dynamodb:GetItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "ResizeImageFunction": {"ImagesBucket/*": {"s3:GetObject", "s3:PutObject"}},
    "AnimateEmojiFunction": {"ImagesBucket/*": {"s3:GetObject", "s3:PutObject"}},
    "PersistEmojiFunction": {"JobsTable": {"dynamodb:UpdateItem"}},
    "UploadEmojiFunction": {
        "ImagesBucket/*": {"s3:GetObject"},
        "JobsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "NotifyUserFunction": {
        "JobsTable": {"dynamodb:UpdateItem"},  # tells the member, and announces, once per job
        "SettingsTable": {"dynamodb:GetItem"},  # the workspace's announcement channel
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "RecordOutcomeFunction": {
        "JobsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "UsageTable": {"dynamodb:UpdateItem"},
    },
    "NotifyOutcomeFunction": {
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
    },
    "RecordFailedExecutionFunction": {
        "JobsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "CircuitTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "UsageTable": {"dynamodb:UpdateItem"},
        "InstallationsTable": INSTALLATION_CALLS,  # distribution mode
        "AppSecret": SECRET,
        "FailedExecutionDeadLetterQueue": {"sqs:SendMessage"},  # Lambda's on-failure destination
    },
    "CloseCircuitFunction": {"CircuitTable": {"dynamodb:PutItem"}},
    "RetryFailedJobsFunction": {
        "EmojiPipeline": {"states:ListExecutions", "states:StartExecution"},
        "execution:EmojiPipeline:*": {"states:DescribeExecution", "states:RedriveExecution"},
        "JobsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "UsageTable": {"dynamodb:UpdateItem"},
    },
}
ENVIRONMENT: dict[str, set[str]] = {
    "WebhookFunction": {
        "STATE_MACHINE_ARN",
        "PUBLISH_HOME_FUNCTION",
        "JOBS_TABLE_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "USAGE_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
        "EMOJI_SMITH_MEMBER_DAILY_IMAGES",
        "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD",
        "EMOJI_SMITH_IMAGE_MODEL",
        "EMOJI_SMITH_IMAGE_QUALITY",
        "EMOJI_SMITH_ANNOUNCEMENT_CHANNEL",
        "FORGET_WORKSPACE_FUNCTION",
        "EMOJI_SMITH_PUBLIC_URL",
    },
    "ForgetWorkspaceFunction": {
        "JOBS_TABLE_NAME",
        "IMAGES_BUCKET_NAME",
        "USAGE_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
    },
    "PublishHomeFunction": {
        "EVENTS_TABLE_NAME",
        "JOBS_TABLE_NAME",
        "USAGE_TABLE_NAME",
        "SETTINGS_TABLE_NAME",
        "EMOJI_SMITH_SECRET_NAME",
        "EMOJI_SMITH_MEMBER_DAILY_IMAGES",
        "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD",
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


@pytest.mark.slow
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


#: checkov has a venv of its own inside .venv (`make setup-checks`): it pins an old boto3.
CHECKOV = Path(sys.executable).parent.parent / "checkov" / "bin" / "checkov"
CHECKOV_CONFIG = PROJECT_ROOT / ".checkov.yaml"


@pytest.mark.slow
def test_checkov_finds_nothing_but_what_is_skipped_with_a_reason(
    transformed: dict[str, Any], tmp_path: Path
) -> None:
    # GIVEN checkov, the template, and what SAM makes of it (the roles it writes, the URL)
    assert CHECKOV.exists(), "run `make setup-checks` (it installs checkov)"
    (tmp_path / "transformed.json").write_text(json.dumps(transformed))
    # WHEN it checks both with the project's skips, offline
    result = subprocess.run(
        [
            str(CHECKOV),
            *("-f", str(PROJECT_ROOT / "template.yaml")),
            *("-f", str(tmp_path / "transformed.json")),
            *("--config-file", str(CHECKOV_CONFIG), "--output", "json"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN every check it runs passes, on both
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["failed"] == 0
    checked = {Path(c["file_path"]).name for c in report["results"]["passed_checks"]}
    assert checked == {"template.yaml", "transformed.json"}


def test_every_checkov_skip_says_why_in_one_line() -> None:
    import yaml

    # GIVEN the rules skipped for the whole template, and those skipped on one resource
    text = CHECKOV_CONFIG.read_text()
    config = yaml.safe_load(text)
    assert config["skip-download"] is True  # no call home from the tests
    lines = {line.split("#")[0].strip(" -"): line for line in text.splitlines()}
    inline = [
        (logical_id, skip)
        for logical_id, resource in RESOURCES.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert config["skip-check"]
    assert inline
    # THEN each has its reason beside it
    for rule in config["skip-check"]:
        reason = lines[rule].partition("#")[2].strip()
        assert len(reason) > 20, rule
    for logical_id, skip in inline:
        assert skip["id"].startswith("CKV_"), logical_id
        assert len(skip.get("comment", "")) > 20, logical_id


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


_ARN_PREFIX = re.compile(
    r"^arn:\$\{AWS::Partition\}:[a-z0-9-]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
)


def _resource_name(resource: Any) -> str:
    """A statement's resource in CALLS's words: "*", a logical id, or an ARN pattern with each
    reference written as the logical id it names."""
    if isinstance(resource, str):
        return resource
    if "Ref" in resource:
        return str(resource["Ref"])
    if "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    if "Fn::Sub" in resource:
        text, variables = (
            (resource["Fn::Sub"], {})
            if isinstance(resource["Fn::Sub"], str)
            else resource["Fn::Sub"]
        )
        for name, value in variables.items():
            text = text.replace("${" + name + "}", _resource_name(value))
        text = _ARN_PREFIX.sub("", text)
        return re.sub(r"\$\{(\w+)(?:\.\w+)?\}", r"\1", text)
    raise AssertionError(f"say how to name the resource {resource}")


def _distribution_mode(statement: dict[str, Any]) -> dict[str, Any] | None:
    """A statement as deployed with InstallMode auto or distribution (None: left out)."""
    if "Fn::If" not in statement:
        return statement
    condition, when_true, when_false = statement["Fn::If"]
    chosen = when_true if DISTRIBUTION_CONDITIONS[condition] else when_false
    return None if chosen == {"Ref": "AWS::NoValue"} else chosen


def _role_grants(transformed: dict[str, Any], function: str) -> dict[str, set[str]]:
    """What a function's role allows, by resource (inline policies: SAM's templates and ours)."""
    role = transformed["Resources"][f"{function}Role"]["Properties"]
    grants: dict[str, set[str]] = {}
    for policy in role.get("Policies", []):
        for statement in map(_distribution_mode, policy["PolicyDocument"]["Statement"]):
            if statement is None:
                continue
            assert statement.get("Effect") == "Allow", (function, statement)
            listed = statement["Action"]
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                grants.setdefault(_resource_name(resource), set()).update(
                    [listed] if isinstance(listed, str) else listed
                )
    return grants


@pytest.mark.parametrize("function", sorted(CALLS))
def test_each_functions_role_allows_exactly_the_calls_its_code_makes(
    transformed: dict[str, Any], function: str
) -> None:
    # GIVEN the function's role as SAM writes it
    granted = _role_grants(transformed, function)
    # THEN it allows each call its code makes, on that resource, and nothing else
    assert granted == CALLS[function]


def test_no_role_gets_what_sams_crud_templates_added_beyond_the_calls(
    transformed: dict[str, Any],
) -> None:
    # GIVEN the broad actions SAM's Crud policy templates grant beside what is called
    broad = {
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "s3:DeleteObject",
        "s3:PutObjectAcl",
        "s3:PutLifecycleConfiguration",
    }
    # WHEN every function's role is read
    for function, calls in CALLS.items():
        granted = set().union(*_role_grants(transformed, function).values())
        listed = set().union(*calls.values())
        # THEN none allows one that its code does not call
        assert granted & broad <= listed, function


def test_no_policy_allows_every_action_on_every_resource(transformed: dict[str, Any]) -> None:
    for logical_id, resource in transformed["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            statements = map(_distribution_mode, policy["PolicyDocument"]["Statement"])
            for statement in filter(None, statements):
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
    described = json.dumps(secret["Properties"]["Description"])  # each mode's keys
    for key in SECRET_KEYS:
        assert key in described
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
    "AWS::SQS::Queue": "QueueName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
}
#: Types with no name of their own (they attach to a named resource).
NAMELESS = {
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SQS::QueuePolicy",
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


def _iam_calls(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, physical resource) pairs an API call is authorised as."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":  # authorised item by item, as its own action
            return {
                (
                    f"dynamodb:{kind}Item"
                    if kind != "ConditionCheck"
                    else "dynamodb:ConditionCheckItem",
                    body["TableName"],
                )
                for item in params["TransactItems"]
                for kind, body in item.items()
            }
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return {(f"dynamodb:{operation}", table) for table in params["RequestItems"]}
        index = params.get("IndexName")
        table = params["TableName"] + (f"/index/{index}" if index else "")
        return {(f"dynamodb:{operation}", table)}
    if service == "s3":
        if operation in ("GetObject", "HeadObject", "PutObject"):
            action = "s3:PutObject" if operation == "PutObject" else "s3:GetObject"
            return {(action, params["Bucket"] + "/*")}
        if operation == "DeleteObjects":
            return {("s3:DeleteObject", params["Bucket"] + "/*")}
        if operation == "ListObjectsV2":
            return {("s3:ListBucket", params["Bucket"])}
        return {(f"s3:{operation}", params["Bucket"])}
    if service == "states":
        arn = params.get("stateMachineArn") or params.get("executionArn") or "*"
        return {(f"states:{operation}", arn)}
    raise AssertionError(f"say how {service}:{operation} is authorised")


@pytest.mark.slow
def test_the_calls_a_job_makes_are_the_ones_each_role_allows(
    local_aws: LocalAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextvars import ContextVar

    from emoji_smith.adapters import aws_clients
    from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
    from emoji_smith.domain.errors import ImageServiceUnavailable
    from emoji_smith_local.invoker import InProcessInvoker

    # GIVEN every AWS call the functions make, recorded with the function that made it
    running: ContextVar[str] = ContextVar("running", default="")
    real_run = InProcessInvoker.run

    def run(
        self: InProcessInvoker, handler: str, variables: Any, context: Any, payload: Any
    ) -> Any:
        token = running.set(context.function_name)
        try:
            return real_run(self, handler, variables, context, payload)
        finally:
            running.reset(token)

    monkeypatch.setattr(InProcessInvoker, "run", run)
    calls: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        if running.get():  # the API's parameters, before they are serialised
            prefix = model.service_model.endpoint_prefix
            calls.append((running.get(), prefix, model.name, copy.deepcopy(params)))

    clients = [aws_clients.dynamodb_client(), aws_clients.s3_client()]
    clients.append(aws_clients.stepfunctions_client())
    for client in clients:
        client.meta.events.register("before-parameter-build", record)
    try:
        # WHEN a job succeeds, one ends as an outcome, one fails, and the schedule retries it
        for name, request in {
            "calls-ok": {"description": "ship it", "user_id": "U1", "animation": "spin"},
            "calls-outcome": {"description": "cat", "name": "Bad Name!", "user_id": "U1"},
        }.items():
            local_aws.wait(local_aws.start(request, name))

        def down(*_: Any) -> list[bytes]:
            raise ImageServiceUnavailable("image service answered 503")

        monkeypatch.setattr(BadgeImageGenerator, "generate", down)
        local_aws.wait(local_aws.start({"description": "down", "user_id": "U1"}, "calls-down"))
        local_aws.invoke("RetryFailedJobsFunction", {})
        home = {"team_id": "local", "user_id": "U1", "event_id": "Ev-calls"}
        assert local_aws.invoke("PublishHomeFunction", home) == {"published": True}
        local_aws.invoke("ForgetWorkspaceFunction", {"team_id": "local"})
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", record)
    # THEN each call is one its function's role allows, on that resource
    made = {
        (function, action, resource)
        for function, service, operation, params in calls
        for action, resource in _iam_calls(service, operation, params)
    }
    logical = {physical: logical_id for logical_id, physical in local_aws.physical_ids.items()} | {
        f"{local_aws.physical_ids['ImagesBucket']}/*": "ImagesBucket/*"
    }
    functions = {deployed: logical_id for logical_id, deployed in local_aws.function_names.items()}
    exercised = {functions[function] for function, _, _ in made}
    assert exercised >= set(CALLS) - {
        "WebhookFunction",  # its own HTTP client (stdlib, signed) and the moto server
        "AwaitChoiceFunction",  # a choice between options waits for a click
        "CheckCircuitFunction",  # only image styles (an OpenAI key) check the circuit
        "CloseCircuitFunction",
        "BuildPromptFunction",  # calls nothing in AWS locally (the secret is the environment)
        "NotifyOutcomeFunction",
    }
    unallowed = set()
    for function, action, resource in made:
        name = logical.get(resource, resource)
        if name.startswith("arn:aws:states:") and ":execution:" in name:
            name = "execution:EmojiPipeline:*"
        elif name.startswith("arn:aws:states:"):
            name = "EmojiPipeline"
        elif "/index/" in name:
            table, _, index = name.partition("/index/")
            name = f"{logical[table]}/index/{index}"
        if action not in CALLS[functions[function]].get(name, set()):
            unallowed.add((functions[function], action, name))
    assert unallowed == set()
