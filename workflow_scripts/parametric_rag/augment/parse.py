"""Parsing and validating the QA-pair output of the augmentation model."""

from __future__ import annotations

import json
from typing import Any

from ..records import QA

QA_KEYS = ("question", "answer", "full_answer")


def _as_text(value: Any) -> str:
    """A list becomes its items joined with ", ", a number a string, null ``Unknown``."""
    if value is None:
        return "Unknown"
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value)
    return str(value)


def validate_qa(data: Any, n: int = 3) -> list[QA] | None:
    """The first ``n`` QA pairs when ``data`` is a list of at least ``n`` complete objects."""
    if not isinstance(data, list) or len(data) < n:
        return None
    pairs = data[:n]
    if not all(isinstance(p, dict) and all(k in p for k in QA_KEYS) for p in pairs):
        return None
    return [{k: _as_text(p[k]) for k in QA_KEYS} for p in pairs]  # type: ignore[misc]


def parse_qa(text: str, n: int = 3) -> list[QA] | None:
    """Parse generated text as the QA list: from the first ``[``, a trailing ``,`` dropped and a
    missing ``]`` closed; ``None`` when it is not a valid list of ``n`` QA objects."""
    start = text.find("[")
    if start == -1:
        return None
    body = text[start:].strip()
    if body.endswith(","):
        body = body[:-1]
    if not body.endswith("]"):
        body += "]"
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    return validate_qa(data, n)
