"""Deploying `template.yaml` onto the embedded AWS, through the AWS APIs as CloudFormation
would: tables, bucket, functions (with the template's environment, resolved), the state machine
(its definition substituted), and the EventBridge rules of the functions. What has no local
counterpart (alarms, log groups, the dead-letter queue, the secret), and what a Condition
leaves out for the parameters given, is listed in `Stack.skipped` with why."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emoji_smith_local.event_rules import EventRule, function_rules
from emoji_smith_local.invoker import LocalLambdaContext
from emoji_smith_local.template import (
    FUNCTION_TYPE,
    PROJECT_ROOT,
    STATE_MACHINE_TYPE,
    Resolver,
    UnresolvedReference,
    evaluate_conditions,
    load_template,
)

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "emoji-smith-local"
#: Variables a developer sets in their shell that the functions read (secrets come from here
#: locally; in AWS they come from Secrets Manager).
PASSED_THROUGH = ("OPENAI_", "SLACK_", "EMOJI_SMITH_")
#: Template variables that only make sense in AWS.
AWS_ONLY_VARIABLES = ("EMOJI_SMITH_SECRET_NAME",)
NOT_DEPLOYED_LOCALLY = {
    "AWS::Logs::LogGroup": "logs go to this terminal locally",
    "AWS::CloudWatch::Alarm": "no CloudWatch locally",
    "AWS::S3::BucketPolicy": "TLS-only policy: nothing to enforce in-process",
    "AWS::SecretsManager::Secret": "secrets come from your environment locally",
    "AWS::SQS::Queue": "the failure recorder's dead letters: locally its rule's target is "
    "called in-process, with the same attempts, and a last failure is the run's to show",
    "AWS::SQS::QueuePolicy": "goes with the dead-letter queue",
}


class UnusableTemplate(RuntimeError):
    """The template cannot be deployed locally (a reference that never resolves)."""


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    handler: str
    variables: dict[str, str]
    context: LocalLambdaContext


@dataclass
class Stack:
    """What the deploy created, by logical id."""

    functions: dict[str, DeployedFunction] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)
    state_machine_arn: str = ""
    event_rules: list[EventRule] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


class Deployer:
    def __init__(
        self,
        template_path: Path,
        parameters: Mapping[str, str],
        overrides: Mapping[str, str],
        client: Callable[[str], Any],
    ) -> None:
        """`overrides`: variables every function gets on top of the template's (local choices
        and what the developer set in their shell); `client`: a boto3 client by service name."""
        self._template_path = template_path
        self._parameter_overrides = dict(parameters)
        self._overrides = dict(overrides)
        self._client = client
        self.stack = Stack()

    def deploy(self) -> Stack:
        template = load_template(self._template_path)
        parameters = {
            name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()
        } | self._parameter_overrides
        resolver = Resolver(
            parameters=parameters,
            pseudo={
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT_ID,
                "AWS::StackName": STACK_NAME,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
            conditions=evaluate_conditions(template, parameters),
        )
        resources: dict[str, dict[str, Any]] = {}
        for logical_id, resource in template["Resources"].items():
            condition = resource.get("Condition")
            if condition is None or resolver.conditions[condition]:
                resources[logical_id] = resource
            else:  # as CloudFormation: not created, and nothing may refer to it
                self.stack.skipped[logical_id] = f"its condition {condition} is false"
        role_arn = self._client("iam").create_role(
            RoleName=f"{STACK_NAME}-role", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        # Create what can be resolved, pass after pass: the state machine needs the step
        # functions' ARNs, and the webhook needs the state machine's.
        pending = dict(resources)
        while pending:
            deferred: dict[str, dict[str, Any]] = {}
            for logical_id, resource in pending.items():
                try:
                    self._create(logical_id, resource, template, role_arn, resolver)
                except UnresolvedReference:
                    deferred[logical_id] = resource
            if len(deferred) == len(pending):
                raise UnusableTemplate(f"Cannot resolve references of {sorted(deferred)}")
            pending = deferred
        return self.stack

    def _create(
        self,
        logical_id: str,
        resource: dict[str, Any],
        template: dict[str, Any],
        role_arn: str,
        resolver: Resolver,
    ) -> None:
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            self._create_table(logical_id, properties, resolver)
        elif kind == "AWS::S3::Bucket":
            self._create_bucket(logical_id, resolver)
        elif kind == FUNCTION_TYPE:
            globals_ = template.get("Globals", {}).get("Function", {})
            self._create_function(logical_id, globals_, properties, role_arn, resolver)
        elif kind == STATE_MACHINE_TYPE:
            self._create_state_machine(logical_id, properties, role_arn, resolver)
        else:
            self.stack.skipped[logical_id] = NOT_DEPLOYED_LOCALLY.get(kind, f"{kind}: AWS only")
            resolver.refs.setdefault(logical_id, self._name(logical_id))

    def _name(self, logical_id: str) -> str:
        return f"{STACK_NAME}-{logical_id}"

    def _create_table(
        self, logical_id: str, properties: dict[str, Any], resolver: Resolver
    ) -> None:
        name = self._name(logical_id)
        indexes = resolver.resolve(properties.get("GlobalSecondaryIndexes", []))
        self._client("dynamodb").create_table(
            TableName=name,
            AttributeDefinitions=resolver.resolve(properties["AttributeDefinitions"]),
            KeySchema=resolver.resolve(properties["KeySchema"]),
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
        self._register(
            resolver, logical_id, name, f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        )

    def _create_bucket(self, logical_id: str, resolver: Resolver) -> None:
        name = self._name(logical_id).lower()
        self._client("s3").create_bucket(Bucket=name)
        self._register(resolver, logical_id, name, f"arn:aws:s3:::{name}")

    def _create_function(
        self,
        logical_id: str,
        globals_: dict[str, Any],
        properties: dict[str, Any],
        role_arn: str,
        resolver: Resolver,
    ) -> None:
        merged = {**globals_, **properties}
        rules = function_rules(logical_id, properties, resolver)
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        environment = {
            key: str(value)
            for key, value in resolver.resolve(variables).items()
            if key not in AWS_ONLY_VARIABLES
        } | self._overrides
        name = self._name(logical_id)
        arn = self._client("lambda").create_function(
            FunctionName=name,
            Runtime=merged["Runtime"],
            Role=role_arn,
            Handler=merged["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            Timeout=int(merged.get("Timeout", 3)),
            MemorySize=int(merged.get("MemorySize", 128)),
            Environment={"Variables": environment},
        )["FunctionArn"]
        self.stack.functions[logical_id] = DeployedFunction(
            name,
            str(merged["Handler"]),
            environment,
            LocalLambdaContext(name, int(merged.get("MemorySize", 128)), arn),
        )
        self.stack.event_rules.extend(rules)
        self._register(resolver, logical_id, name, arn)

    def _create_state_machine(
        self, logical_id: str, properties: dict[str, Any], role_arn: str, resolver: Resolver
    ) -> None:
        definition = (PROJECT_ROOT / properties["DefinitionUri"]).read_text(encoding="utf-8")
        for key, value in resolver.resolve(properties.get("DefinitionSubstitutions", {})).items():
            definition = definition.replace("${" + key + "}", str(value))
        name = self._name(logical_id)
        self.stack.state_machine_arn = self._client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=role_arn,
            type=properties.get("Type", "STANDARD"),
        )["stateMachineArn"]
        resolver.refs[logical_id] = self.stack.state_machine_arn
        resolver.attributes[(logical_id, "Name")] = name
        resolver.attributes[(logical_id, "Arn")] = self.stack.state_machine_arn
        self.stack.physical_ids[logical_id] = self.stack.state_machine_arn

    def _register(self, resolver: Resolver, logical_id: str, name: str, arn: str) -> None:
        resolver.refs[logical_id] = name
        resolver.attributes[(logical_id, "Arn")] = arn
        self.stack.physical_ids[logical_id] = name


def _placeholder_zip() -> bytes:
    """moto wants a code package; the real code runs in-process from `functions/`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Runs in-process: see emoji_smith_local.runtime")
    return buffer.getvalue()
