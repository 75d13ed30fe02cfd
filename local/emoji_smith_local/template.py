"""Reads `template.yaml` — the single source of truth — for the local runtime and the tests."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
FUNCTION_TYPE = "AWS::Serverless::Function"
STATE_MACHINE_TYPE = "AWS::Serverless::StateMachine"
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9:._-]+)\}")


class UnresolvedReference(KeyError):
    """A reference to something not (yet) created locally."""


#: What `!Ref AWS::NoValue` resolves to: the property, list item or variable is dropped.
NO_VALUE = object()


def evaluate_conditions(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, bool]:
    """The template's Conditions, as CloudFormation evaluates them from the parameters."""
    definitions: dict[str, Any] = template.get("Conditions", {})
    values: dict[str, bool] = {}

    def condition(name: str) -> bool:
        if name not in values:
            values[name] = evaluate(definitions[name])
        return values[name]

    def operand(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return parameters[value["Ref"]]
        return value

    def evaluate(spec: Any) -> bool:
        if not isinstance(spec, dict) or len(spec) != 1:
            raise NotImplementedError(f"Not a condition the local runtime knows: {spec!r}")
        [(function, arguments)] = spec.items()
        if function == "Condition":
            return condition(arguments)
        if function == "Fn::Equals":
            left, right = (str(operand(argument)) for argument in arguments)
            return left == right
        if function == "Fn::Not":
            return not evaluate(arguments[0])
        if function == "Fn::And":
            return all(evaluate(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(evaluate(argument) for argument in arguments)
        raise NotImplementedError(f"The local runtime cannot evaluate {function}")

    for name in definitions:
        condition(name)
    return values


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub` …) as long-form dicts."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as data: a fresh copy each call (callers may change it), parsed once per
    version of the file (PyYAML takes ~90 ms for it)."""
    stat = path.stat()
    return copy.deepcopy(_parsed_template(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _parsed_template(path: Path, modified: int, size: int) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CloudFormationLoader)  # noqa: S506
    if not isinstance(document, dict):
        raise ValueError(f"{path.name} is not a CloudFormation template")
    return document


def placeholders(text: str) -> set[str]:
    """The `${Name}` placeholders in a definition."""
    return set(_SUBSTITUTION.findall(text))


@dataclass
class Resolver:
    """Resolves intrinsic functions against local physical ids and parameter defaults."""

    parameters: dict[str, Any]
    pseudo: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        """The value with its intrinsic functions resolved; what resolves to `AWS::NoValue` is
        left out of its list or mapping (NO_VALUE when the whole value is)."""
        if isinstance(value, list):
            items = (self.resolve(item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if value == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if set(value) == {"Ref"}:
            return self._ref(value["Ref"])
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return self.resolve(when_true if self.conditions[name] else when_false)
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(logical_id, attribute)
        if set(value) == {"Fn::Sub"}:
            return self._sub(value["Fn::Sub"])
        if set(value) == {"Fn::Join"}:
            separator, items = value["Fn::Join"]
            return separator.join(str(self.resolve(item)) for item in items)
        if any(key.startswith("Fn::") for key in value):
            raise NotImplementedError(f"The local runtime cannot resolve {sorted(value)}")
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        for source in (self.pseudo, self.parameters, self.refs):
            if name in source:
                return source[name]
        raise UnresolvedReference(f"!Ref {name}: not a parameter or a locally deployed resource")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attributes[(logical_id, attribute)]
        except KeyError:
            raise UnresolvedReference(
                f"!GetAtt {logical_id}.{attribute}: not available locally"
            ) from None

    def _sub(self, spec: str | list[Any]) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self._attribute(*name.split(".", 1))
            return str(self._ref(name))

        return _SUBSTITUTION.sub(replace, text)
