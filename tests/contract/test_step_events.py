"""Each Task's Parameters in the ASL are exactly the fields of the event model its handler
parses (application/events.py), and every path they read is written before."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from typing import Any

import pytest

from emoji_smith.application.events import StepEvent
from emoji_smith_local.template import FUNCTION_TYPE, PROJECT_ROOT, load_template

TEMPLATE = load_template()
MACHINE = next(r for r in TEMPLATE["Resources"].values() if r["Type"].endswith("StateMachine"))
ASL: dict[str, Any] = json.loads(
    (PROJECT_ROOT / str(MACHINE["Properties"]["DefinitionUri"])).read_text()
)
#: The execution input the webhook and the CLI start a job with.
EXECUTION_INPUT = {"job_id", "request"}
TASKS = {name: state for name, state in ASL["States"].items() if state["Type"] == "Task"}


def parameters(state: dict[str, Any]) -> dict[str, Any]:
    """What the function receives: the Payload of a callback task, else the Parameters."""
    given: dict[str, Any] = state.get("Parameters", {})
    return dict(given["Payload"]) if "Payload" in given else given


def handler_module(state: dict[str, Any]) -> Any:
    resource = str(state["Parameters"].get("FunctionName", state["Resource"]))
    placeholder = re.fullmatch(r"\$\{(\w+)Arn\}", resource)
    assert placeholder, resource
    function = TEMPLATE["Resources"][placeholder.group(1)]
    assert function["Type"] == FUNCTION_TYPE
    module_name = str(function["Properties"]["Handler"]).rsplit(".", 1)[0]
    return importlib.import_module(module_name)


def parsed_model(module: Any) -> type[StepEvent]:
    """The model in the handler's one `parse_event(Model, event)` call."""
    calls = [
        node
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "parse_event"
    ]
    assert len(calls) == 1, f"{module.__name__} parses its event {len(calls)} times"
    model_name = calls[0].args[0]
    assert isinstance(model_name, ast.Name)
    model: type[StepEvent] = getattr(module, model_name.id)
    assert issubclass(model, StepEvent)
    return model


@pytest.mark.parametrize("name", list(TASKS))
def test_the_task_passes_exactly_the_fields_its_handler_parses(name: str) -> None:
    # GIVEN a Task and the event model its handler parses
    model = parsed_model(handler_module(TASKS[name]))
    # WHEN the ASL's parameters are compared with the model's fields
    given = {key.removesuffix(".$") for key in parameters(TASKS[name])}
    # THEN they are the same names: nothing missing, nothing the handler would refuse
    assert given == set(model.model_fields), model.__name__


@pytest.mark.parametrize("name", list(TASKS))
def test_every_path_a_task_reads_is_in_the_input_or_written_before(name: str) -> None:
    written = EXECUTION_INPUT | {
        str(state["ResultPath"]).removeprefix("$.").split(".")[0]
        for state in ASL["States"].values()
        if str(state.get("ResultPath") or "").startswith("$.")
    }
    for value in parameters(TASKS[name]).values():
        if isinstance(value, str) and value.startswith("$."):
            assert value.removeprefix("$.").split(".")[0] in written, (name, value)


def test_a_field_the_asl_does_not_send_is_refused_by_the_step() -> None:
    # GIVEN the ResizeImage step's event with one field too many (the whole state, say)
    from pydantic import ValidationError

    from emoji_smith.application.events import ResizeImageEvent, parse_event

    event = {
        "job_id": "j",
        "request": {"name": "x"},
        "generated": {"original_keys": ["k"], "generator": "badge"},
        "prompt": {},
    }
    # WHEN it is parsed / THEN it is refused, naming the field
    with pytest.raises(ValidationError, match="prompt"):
        parse_event(ResizeImageEvent, event)


def test_the_cli_shows_every_task_by_name() -> None:
    from emoji_smith_local.progress import STEP_LABELS

    assert set(TASKS) <= set(STEP_LABELS)
