"""How `check()` asks whether an internal is still there without running moto: a class's
declared attributes (annotations, properties, methods), what its `__init__` sets and takes."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any


def declared(owner: type, name: str) -> bool:
    """An attribute the class (or a base) annotates, or defines (method, property)."""
    annotated = any(name in vars(cls).get("__annotations__", {}) for cls in owner.__mro__)
    return annotated or inspect.getattr_static(owner, name, None) is not None


def sets(owner: type, name: str) -> bool:
    """An `__init__` of the class (or a base) assigns `self.<name>`: an instance attribute
    nothing declares."""
    assignment = re.compile(rf"\bself\.{re.escape(name)}\s*(:[^=]*)?=(?!=)")
    for cls in owner.__mro__:
        init = vars(cls).get("__init__")
        try:
            source = inspect.getsource(init) if init is not None else ""
        except (OSError, TypeError):
            continue
        if assignment.search(source):
            return True
    return False


def takes(function: Callable[..., Any] | None, *parameters: str) -> bool:
    """The callable exists and accepts these parameters by name."""
    if function is None:
        return False
    return set(parameters) <= set(inspect.signature(function).parameters)
