"""Import of the reference toolkit's pre-augmented ``data_aug`` files.

Layout: ``{root}/{dataset}/{model}/{subset}.json``, a JSON list of records with ``question``,
``answer``, ``passages`` and ``augment``: ``[{pid, passage, {model}_rewrite, {model}_qa}]``.
Records are matched to the pipeline's questions by sub-type and question text.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from ..io import InputError, read_json
from ..records import Augmented, PassageAugment, Question
from .parse import validate_qa

log = logging.getLogger(__name__)


def detect_model_key(records: list, path: str | os.PathLike) -> str:
    """The single ``{model}`` prefix of the ``{model}_rewrite`` keys used in a file."""
    keys = {k[: -len("_rewrite")] for r in records for a in r.get("augment", []) for k in a if k.endswith("_rewrite")}
    if len(keys) != 1:
        raise InputError(path, "all", "augment", f"expected one '<model>_rewrite' key, found {sorted(keys) or 'none'}; set augment.import.model_key")
    return keys.pop()


def _augment_entries(record: dict, key: str, path: Path, n: int) -> tuple[list[PassageAugment], int]:
    entries: list[PassageAugment] = []
    dropped = 0
    for j, a in enumerate(record.get("augment") or []):
        for field in ("passage", f"{key}_rewrite", f"{key}_qa"):
            if field not in a:
                raise InputError(path, f"{n} (augment {j})", field, "missing")
        qa = validate_qa(a[f"{key}_qa"])
        if qa is None:  # the reference saved raw text when its retries ran out
            dropped += 1
            continue
        entries.append({"pid": str(a.get("pid", j)), "passage": a["passage"], "rewrite": a[f"{key}_rewrite"], "qa": qa})
    return entries, dropped


def import_data_aug(
    files: dict[str, Path],
    questions: Sequence[Question],
    topk: int,
    model_key: str | None = None,
) -> list[Augmented]:
    """Augmented records for ``questions`` from reference files given per sub-type."""
    by_text: dict[tuple[str, str], tuple[dict, Path, int, str]] = {}
    for subset, path in files.items():
        records = read_json(path)
        if not isinstance(records, list):
            raise InputError(path, "all", None, "expected a JSON list of records")
        key = model_key or detect_model_key(records, path)
        for n, r in enumerate(records):
            if "question" not in r:
                raise InputError(path, n, "question", "missing")
            by_text[(subset, r["question"].strip())] = (r, path, n, key)
    out: list[Augmented] = []
    dropped = 0
    for q in questions:
        found = by_text.get((q["subset"], q["question"].strip()))
        if found is None:
            where = files.get(q["subset"], "<no file for this sub-type>")
            raise InputError(where, q["qid"], "question", f"question not found in the imported file: {q['question']!r}")
        record, path, n, key = found
        entries, d = _augment_entries(record, key, path, n)
        dropped += d
        entries = entries[:topk]
        passages = [e["passage"] for e in entries] + [""] * (topk - len(entries))
        out.append({**q, "passages": passages, "augment": entries})  # type: ignore[typeddict-item]
    if dropped:
        log.warning("%d imported passages had no valid QA pairs and were dropped", dropped)
    return out
