"""The small expression language of the data files.

An *expression* is a Python expression; a *template* is a string whose ``{...}`` parts are
expressions (f-string syntax). Both are compiled once and evaluated against a namespace dict
that holds the variables and helpers a data file may use; only the builtins below are visible.
The data files ship with the package and are trusted like its code.
"""

from __future__ import annotations

import functools
from types import CodeType
from typing import Any

BUILTINS = {f.__name__: f for f in (len, str, list, min, max, sum, sorted, any, all, abs, round)}


@functools.cache
def _compile(source: str, template: bool) -> CodeType:
    if template:
        if '"' in source or "\\" in source:
            raise ValueError(f"templates may not contain double quotes or backslashes: {source!r}")
        source = 'f"' + source + '"'
    return compile(source, "<data>", "eval")


def evaluate(expression: str, ns: dict[str, Any]) -> Any:
    """The value of ``expression`` in ``ns``."""
    return eval(_compile(expression, False), ns)  # noqa: S307 - trusted package data


def fill(template: str, ns: dict[str, Any]) -> str:
    """``template`` with its ``{...}`` parts replaced."""
    return eval(_compile(template, True), ns)  # noqa: S307 - trusted package data


def bind(values: dict[str, str], ns: dict[str, Any]) -> None:
    """Evaluate the expressions of ``values`` in order, binding each to its name in ``ns``."""
    for name, expression in values.items():
        ns[name] = evaluate(expression, ns)


def namespace(**values: Any) -> dict[str, Any]:
    """A fresh evaluation namespace holding ``values`` and the allowed builtins."""
    return {"__builtins__": BUILTINS, **values}
