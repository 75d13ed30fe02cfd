"""The local deploy honours the template's Conditions as CloudFormation does: a resource whose
condition is false is not created, and `Fn::If` picks a value or leaves it out (AWS::NoValue).
template.yaml's InstallMode decides whether the distribution tables exist."""

from __future__ import annotations

from typing import Any

import pytest

from emoji_smith_local.runtime import LocalAWS
from emoji_smith_local.template import NO_VALUE, Resolver, evaluate_conditions

DISTRIBUTION_ONLY = ("InstallationsTable", "OAuthStateTable")
DISTRIBUTION_VARIABLES = ("INSTALLATIONS_TABLE_NAME", "OAUTH_STATE_TABLE_NAME")


def _tables(aws: LocalAWS) -> set[str]:
    return set(aws.client("dynamodb").list_tables()["TableNames"])


def test_single_workspace_mode_deploys_no_distribution_table_nor_its_variables() -> None:
    # GIVEN the template deployed locally with InstallMode single-workspace
    with LocalAWS(parameters={"InstallMode": "single-workspace"}) as aws:
        # THEN neither distribution table exists, and each is listed as left out by its condition
        for logical_id in DISTRIBUTION_ONLY:
            assert logical_id not in aws.physical_ids
            assert "condition Distribution is false" in aws.skipped[logical_id]
        assert not any("Installations" in name or "OAuth" in name for name in _tables(aws))
        # AND no function is told a table name that does not exist
        for logical_id in aws.function_names:
            variables = aws.function_variables(logical_id)
            assert not set(DISTRIBUTION_VARIABLES) & set(variables), logical_id
        # AND the rest of the stack is there
        assert "JobsTable" in aws.physical_ids
        assert aws.function_variables("WebhookFunction")["EMOJI_SMITH_INSTALL_MODE"] == (
            "single-workspace"
        )


@pytest.mark.parametrize("mode", ["distribution", "auto"])
def test_distribution_and_auto_modes_deploy_the_tables_and_name_them(mode: str) -> None:
    # GIVEN the template deployed locally in a mode that may install workspaces
    with LocalAWS(parameters={"InstallMode": mode}) as aws:
        # THEN both tables exist and the webhook is told their names
        tables = _tables(aws)
        for logical_id in DISTRIBUTION_ONLY:
            assert aws.physical_ids[logical_id] in tables
            assert logical_id not in aws.skipped
        webhook = aws.function_variables("WebhookFunction")
        assert webhook["INSTALLATIONS_TABLE_NAME"] == aws.physical_ids["InstallationsTable"]
        assert webhook["OAUTH_STATE_TABLE_NAME"] == aws.physical_ids["OAuthStateTable"]


CONDITIONS: dict[str, Any] = {
    "IsA": {"Fn::Equals": [{"Ref": "Mode"}, "a"]},
    "IsNotA": {"Fn::Not": [{"Condition": "IsA"}]},
    "Limited": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Limit"}, -1]}]},
    "AAndLimited": {"Fn::And": [{"Condition": "IsA"}, {"Condition": "Limited"}]},
    "AOrLimited": {"Fn::Or": [{"Condition": "IsA"}, {"Condition": "Limited"}]},
}


@pytest.mark.parametrize(
    ("mode", "limit", "expected"),
    [
        ("a", "-1", {"IsA": True, "IsNotA": False, "Limited": False, "AAndLimited": False}),
        ("a", "5", {"IsA": True, "Limited": True, "AAndLimited": True, "AOrLimited": True}),
        ("b", "-1", {"IsA": False, "IsNotA": True, "AAndLimited": False, "AOrLimited": False}),
    ],
)
def test_conditions_are_evaluated_from_the_parameters(
    mode: str, limit: str, expected: dict[str, bool]
) -> None:
    # GIVEN conditions on parameters (a Number parameter arrives as a string, as in CloudFormation)
    template = {"Conditions": CONDITIONS}
    # WHEN they are evaluated
    conditions = evaluate_conditions(template, {"Mode": mode, "Limit": limit})
    # THEN each is what CloudFormation would make of it
    assert {name: conditions[name] for name in expected} == expected


def test_fn_if_picks_a_branch_and_no_value_leaves_the_item_out() -> None:
    # GIVEN a resolver where one condition holds and another does not
    resolver = Resolver(parameters={"Name": "n"}, pseudo={}, conditions={"On": True, "Off": False})
    no_value = {"Ref": "AWS::NoValue"}
    # WHEN values using Fn::If are resolved
    resolved = resolver.resolve(
        {
            "kept": {"Fn::If": ["On", {"Ref": "Name"}, no_value]},
            "dropped": {"Fn::If": ["Off", {"Ref": "Name"}, no_value]},
            "other": {"Fn::If": ["Off", "x", "y"]},
            "list": [1, {"Fn::If": ["Off", 2, no_value]}, 3],
        }
    )
    # THEN the chosen branch is resolved, and AWS::NoValue removes the key or the list item
    assert resolved == {"kept": "n", "other": "y", "list": [1, 3]}
    assert resolver.resolve(no_value) is NO_VALUE
