"""Contracts between template.yaml, the ASL, the handlers, the error taxonomy and the runtime."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from emoji_smith.domain import errors
from emoji_smith_local.runtime import LocalAWS, LocalRuntimeError, check_hook_point
from emoji_smith_local.template import (
    FUNCTION_TYPE,
    PROJECT_ROOT,
    STATE_MACHINE_TYPE,
    load_template,
    placeholders,
)

TEMPLATE = load_template()
STATE_MACHINES = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == STATE_MACHINE_TYPE
}
FUNCTIONS = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == FUNCTION_TYPE
}


def definition_text(state_machine: dict[str, Any]) -> str:
    return (PROJECT_ROOT / str(state_machine["Properties"]["DefinitionUri"])).read_text()


def all_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, state, the States map it lives in), nested Parallel/Map branches included."""
    for name, state in states.items():
        yield name, state, states
        for branch in state.get("Branches", []):
            yield from all_states(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from all_states(processor["States"])


@pytest.mark.parametrize("logical_id", list(STATE_MACHINES))
def test_every_placeholder_has_a_substitution_and_vice_versa(logical_id: str) -> None:
    machine = STATE_MACHINES[logical_id]
    substitutions = set(machine["Properties"].get("DefinitionSubstitutions", {}))
    assert placeholders(definition_text(machine)) == substitutions


@pytest.mark.parametrize("logical_id", list(FUNCTIONS))
def test_every_handler_in_the_template_imports(logical_id: str) -> None:
    module_name, attribute = FUNCTIONS[logical_id]["Properties"]["Handler"].rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module_name), attribute))


@pytest.mark.parametrize("logical_id", list(STATE_MACHINES))
def test_every_transition_target_exists_and_every_state_is_reachable(logical_id: str) -> None:
    definition = json.loads(definition_text(STATE_MACHINES[logical_id]))
    reachable = {definition["StartAt"]}
    for name, state, siblings in all_states(definition["States"]):
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        targets += [catch["Next"] for catch in state.get("Catch", [])]
        for target in filter(None, targets):
            assert target in siblings, f"{name} → {target}: no such state"
            reachable.add(target)
        if state.get("Type") not in ("Succeed", "Fail") and not state.get("End"):
            assert state.get("Next") or state.get("Choices"), f"{name} leads nowhere"
    assert set(definition["States"]) <= reachable


@pytest.mark.parametrize("logical_id", list(STATE_MACHINES))
def test_every_error_name_is_a_states_lambda_or_domain_error(logical_id: str) -> None:
    definition = json.loads(definition_text(STATE_MACHINES[logical_id]))
    names = {
        error
        for _, state, _ in all_states(definition["States"])
        for rule in state.get("Retry", []) + state.get("Catch", [])
        for error in rule["ErrorEquals"]
    }
    assert names
    for name in names:
        assert name.startswith(("States.", "Lambda.")) or name in errors.ERRORS, name


def test_retryable_errors_are_retried_and_final_ones_are_not() -> None:
    definition = json.loads(definition_text(next(iter(STATE_MACHINES.values()))))
    retried = {
        error
        for _, state, _ in all_states(definition["States"])
        for rule in state.get("Retry", [])
        for error in rule["ErrorEquals"]
    }
    for name, error_class in errors.ERRORS.items():
        if name == "CircuitOpen":
            continue  # fails fast by design; the retry schedule redrives it later
        assert (name in retried) == error_class.retryable, name


#: Tasks whose failure must not fail the job (best effort), and the state they carry on to.
BEST_EFFORT = {"CloseCircuit": "ResizeImage"}
#: What the ASL catches: ChoiceTimedOut arrives as the wait's own States.Timeout.
OUTCOME_NAMES = (errors.OUTCOMES - {"ChoiceTimedOut"}) | {"States.Timeout"}


def test_tasks_catch_only_outcomes_so_a_redrive_resumes_at_the_failed_task() -> None:
    definition = json.loads(definition_text(next(iter(STATE_MACHINES.values()))))
    caught: set[str] = set()
    for name, state, _ in all_states(definition["States"]):
        assert state["Type"] != "Fail", f"{name}: a redrive would re-enter it and fail again"
        for catch in state.get("Catch", []):
            if name in BEST_EFFORT:
                assert catch == {
                    "ErrorEquals": ["States.ALL"],
                    "ResultPath": "$.circuit_error",
                    "Next": BEST_EFFORT[name],
                }
                continue
            assert set(catch["ErrorEquals"]) <= OUTCOME_NAMES, (name, catch["ErrorEquals"])
            assert catch["Next"] in ("RecordOutcome", "ChoiceTimedOut"), name
            caught |= set(catch["ErrorEquals"])
    assert caught == OUTCOME_NAMES


def test_outcomes_end_in_a_succeed_state() -> None:
    definition = json.loads(definition_text(next(iter(STATE_MACHINES.values()))))
    states = definition["States"]
    path, state = [], "RecordOutcome"
    while state:
        path.append(state)
        state = states[state].get("Next")
    assert path == ["RecordOutcome", "NotifyOutcome", "EndedWithOutcome", "Outcome"]
    assert states["Outcome"]["Type"] == "Succeed"
    assert "Catch" not in states["NotifyOutcome"]  # a member not told is a failure: redrivable


def test_failed_executions_reach_the_failure_recorder_through_eventbridge() -> None:
    events = FUNCTIONS["RecordFailedExecutionFunction"]["Properties"]["Events"]
    (rule,) = events.values()
    assert rule["Type"] == "EventBridgeRule"
    pattern = rule["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert set(pattern["detail"]["status"]) == {"FAILED", "TIMED_OUT", "ABORTED"}
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": next(iter(STATE_MACHINES))}]


def test_every_template_function_is_deployed_by_the_local_runtime(local_aws: LocalAWS) -> None:
    assert set(local_aws.function_names) == set(FUNCTIONS)
    assert set(local_aws.physical_ids) | set(local_aws.skipped) == set(TEMPLATE["Resources"])
    deployed = local_aws.client("lambda").list_functions()["Functions"]
    handlers = {f["FunctionName"]: f["Handler"] for f in deployed}
    for logical_id, name in local_aws.function_names.items():
        assert handlers[name] == FUNCTIONS[logical_id]["Properties"]["Handler"]


def test_the_moto_hook_point_is_where_the_runtime_expects_it() -> None:
    check_hook_point()  # raises LocalRuntimeError with a how-to-fix message if moto moved it


def test_a_moved_hook_point_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.models import LambdaFunction

    monkeypatch.delattr(LambdaFunction, "_invoke_lambda")
    with pytest.raises(LocalRuntimeError, match="Pin the moto version"):
        check_hook_point()


def test_moto_is_pinned_exactly() -> None:
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert '"moto[awslambda,dynamodb,s3,server,stepfunctions]==5.2.5"' in pyproject


#: AWS's recommended retry for a Lambda task: the transient errors of the Lambda service itself.
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
}


def test_every_lambda_task_retries_the_lambda_service_errors_aws_lists() -> None:
    # GIVEN every Task of the workflow (each invokes one of our functions)
    definition = json.loads(definition_text(next(iter(STATE_MACHINES.values()))))
    tasks = {n: s for n, s, _ in all_states(definition["States"]) if s["Type"] == "Task"}
    assert tasks
    for name, state in tasks.items():
        # WHEN the errors its Retry rules name are gathered
        retried = {e for rule in state.get("Retry", []) for e in rule["ErrorEquals"]}
        # THEN Lambda's own transient errors are among them (or every error is)
        assert "States.ALL" in retried or retried >= LAMBDA_SERVICE_ERRORS, (
            name,
            LAMBDA_SERVICE_ERRORS - retried,
        )


RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _get_att(value: Any, attribute: str) -> str:
    """The logical id a `!GetAtt X.attribute` names."""
    assert isinstance(value, dict), value
    assert "Fn::GetAtt" in value, value
    logical_id, named = value["Fn::GetAtt"]
    assert named == attribute, value
    return str(logical_id)


def test_a_failure_the_failure_recorder_cannot_record_waits_in_a_dead_letter_queue() -> None:
    # GIVEN the function EventBridge invokes (asynchronously) for every failed run
    recorder = FUNCTIONS["RecordFailedExecutionFunction"]["Properties"]
    (event,) = recorder["Events"].values()
    # WHEN Lambda gives up on it (its two retries), or EventBridge cannot deliver to it
    on_failure = recorder["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    queue = _get_att(on_failure["Destination"], "Arn")
    # THEN both end in the same queue, kept as long as SQS keeps anything
    assert _get_att(event["Properties"]["DeadLetterConfig"]["Arn"], "Arn") == queue
    assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
    assert RESOURCES[queue]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    # AND EventBridge may write to it for this rule only (the rule SAM names after the event)
    (policy,) = [
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::SQS::QueuePolicy" and r["Properties"]["Queues"] == [{"Ref": queue}]
    ]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert _get_att(statement["Resource"], "Arn") == queue
    (event_name,) = recorder["Events"]
    rule = _get_att(statement["Condition"]["ArnEquals"]["aws:SourceArn"], "Arn")
    assert rule == f"RecordFailedExecutionFunction{event_name}"
    # AND a message there sounds an alarm
    alarms = [
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == "AWS/SQS"
    ]
    assert [
        (a["MetricName"], _get_att(a["Dimensions"][0]["Value"], "QueueName"), a["Threshold"])
        for a in alarms
    ] == [("ApproximateNumberOfMessagesVisible", queue, 1)]


def test_every_function_logs_to_a_group_of_its_own_that_expires_with_the_stack() -> None:
    # GIVEN every function of the template
    groups = {}
    for logical_id, function in FUNCTIONS.items():
        # WHEN its log group is looked up
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        groups[logical_id] = group
        resource = RESOURCES[group]
        # THEN it is declared here, kept LogRetentionDays, and deleted with the stack
        assert resource["Type"] == "AWS::Logs::LogGroup", logical_id
        assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert resource.get("DeletionPolicy", "Delete") == "Delete"
    # AND no two functions share one
    assert len(set(groups.values())) == len(groups)
    # AND every log group of the stack expires (the workflow's too)
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Logs::LogGroup":
            assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, (
                logical_id
            )


def test_the_jobs_and_usage_tables_outlive_the_stack() -> None:
    # GIVEN the tables holding each job's bill and the usage counters
    for table in ("JobsTable", "UsageTable"):
        resource = RESOURCES[table]
        # THEN deleting the stack, or a change replacing the table, leaves the data
        assert resource["Type"] == "AWS::DynamoDB::Table"
        assert resource["DeletionPolicy"] == "Retain", table
        assert resource["UpdateReplacePolicy"] == "Retain", table


def test_the_limit_parameters_are_bounded_as_the_admin_settings_form_is() -> None:
    from emoji_smith.domain.workspace_settings import MAX_DAILY_IMAGES, MAX_MONTHLY_BUDGET_USD

    # GIVEN the template parameters that are the defaults of the admin's settings form
    parameters = TEMPLATE["Parameters"]
    for name, maximum in (
        ("MemberDailyImages", MAX_DAILY_IMAGES),
        ("WorkspaceMonthlyBudgetUsd", MAX_MONTHLY_BUDGET_USD),
    ):
        spec = parameters[name]
        # THEN CloudFormation refuses what the form would refuse, and the default is inside
        assert (spec["MinValue"], spec["MaxValue"]) == (0, maximum), name
        assert 0 <= spec["Default"] <= maximum, name
