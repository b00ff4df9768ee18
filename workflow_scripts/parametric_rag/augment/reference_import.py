"""Import of the reference toolkit's pre-augmented ``data_aug`` files.

Layout: ``{root}/{dataset}/{model}/{subset}.json``, a JSON list of records with ``question``,
``answer``, ``passages`` and ``augment``: ``[{pid, passage, {model}_rewrite, {model}_qa}]``.
Records are matched to the pipeline's questions by sub-type and question text (the k-th
question with a text takes the k-th record with it, or the only one). A passage whose QA pairs
are raw text (the reference's give-up value) or incomplete is dropped, as the reference does,
and recorded in the question's ``dropped`` list.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from ..datasets import require, require_text
from ..io import InputError, read_json
from ..records import Augmented, PassageAugment, Question
from .quality import Limits, check_fraction, check_question, source_qa, summary

log = logging.getLogger(__name__)


def detect_model_key(records: list, path: str | os.PathLike) -> str:
    """The single ``{model}`` prefix of the ``{model}_rewrite`` keys used in a file."""
    keys = {k[: -len("_rewrite")] for r in records for a in r["augment"] for k in a if k.endswith("_rewrite")}
    if len(keys) != 1:
        raise InputError(path, "all", "augment", f"expected one '<model>_rewrite' key, found {sorted(keys) or 'none'}; set augment.import.model_key")
    return keys.pop()


def read_records(path: Path) -> list[dict]:
    """A data_aug file's records, each an object with a question text and an ``augment`` list of objects."""
    records = read_json(path)
    if not isinstance(records, list):
        raise InputError(path, "all", None, "expected a JSON list of records")
    for n, r in enumerate(records):
        require_text(r, "question", path, n)
        for j, a in enumerate(require(r, "augment", list, path, n, "a list of passages")):
            if not isinstance(a, dict):
                raise InputError(path, n, f"augment[{j}]", f"expected an object, got {type(a).__name__}")
    return records


def _augment_entries(record: dict, key: str, path: Path, n: int, topk: int) -> tuple[list[PassageAugment], list[dict]]:
    """A record's first ``topk`` usable passages, and the passages dropped before they were found."""
    entries: list[PassageAugment] = []
    dropped: list[dict] = []
    pids: set[str] = set()
    for j, a in enumerate(record["augment"]):
        if len(entries) == topk:
            break
        field = f"augment[{j}]"
        passage = require_text(a, "passage", path, n, f"{field}.passage")
        rewrite = require(a, f"{key}_rewrite", str, path, n, "a string", f"{field}.{key}_rewrite")
        qa = source_qa(a, f"{key}_qa", path, n, f"{field}.{key}_qa")
        pid = str(a.get("pid", j))
        if pid in pids:
            raise InputError(path, n, f"{field}.pid", f"duplicate passage id {pid!r} within the record")
        pids.add(pid)
        if isinstance(qa, str):
            dropped.append({"pid": pid, "reason": qa})
        else:
            entries.append({"pid": pid, "passage": passage, "rewrite": rewrite, "qa": qa})
    return entries, dropped


def import_data_aug(
    files: dict[str, Path],
    questions: Sequence[Question],
    topk: int,
    model_key: str | None = None,
    limits: Limits = Limits(),
) -> list[Augmented]:
    """Augmented records for ``questions`` from reference files given per sub-type; a question
    left with fewer than ``limits.min_passages`` passages, or too many dropped passages, is an error."""
    by_text: dict[tuple[str, str], list[tuple[dict, Path, int, str]]] = {}
    for subset, path in files.items():
        records = read_records(path)
        key = model_key or detect_model_key(records, path)
        for n, r in enumerate(records):
            by_text.setdefault((subset, r["question"].strip()), []).append((r, path, n, key))
    out: list[Augmented] = []
    asked: dict[tuple[str, str], int] = {}
    for q in questions:
        text = (q["subset"], q["question"].strip())
        found = by_text.get(text, [])
        k = asked[text] = asked.get(text, -1) + 1
        if not found or (len(found) > 1 and k >= len(found)):
            where = files.get(q["subset"], "<no file for this sub-type>")
            raise InputError(where, f"qid {q['qid']!r}", "question",
                             f"question not found in the imported file: {q['question']!r}")
        record, path, n, key = found[k if len(found) > 1 else 0]
        entries, dropped = _augment_entries(record, key, path, n, topk)
        passages = [e["passage"] for e in entries] + [""] * (topk - len(entries))
        result: Augmented = {**q, "passages": passages, "augment": entries, "dropped": dropped}  # type: ignore[typeddict-item]
        check_question(result, limits, path, n, "augment")
        out.append(result)
    check_fraction(out, limits, ", ".join(str(p) for p in files.values()), "augment")
    s = summary(out, topk)
    if s["dropped"]:
        log.warning("%d imported passages had no valid QA pairs and were dropped: %s", sum(s["dropped"].values()),
                    s["dropped"])
    return out
