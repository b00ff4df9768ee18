"""Published augmentation keyed by passage id (JSON Lines of ``{pid, rewrite, qa}``)."""

from __future__ import annotations

import os
from typing import Sequence

from ..datasets import require
from ..io import InputError, iter_jsonl
from ..records import Candidate, PassageAugment
from .quality import source_qa


def read_table(path: str | os.PathLike) -> dict[str, tuple[str, list] | str]:
    """pid -> (rewrite, QA pairs), or the reason its passage is dropped (QA pairs that are raw
    text or incomplete). A repeated pid, or a missing or null field, is an error naming file,
    line and field."""
    table: dict[str, tuple[str, list] | str] = {}
    first: dict[str, int] = {}
    for n, row in iter_jsonl(path):
        where = f"line {n}"
        pid = str(require(row, "pid", (str, int), path, where, "a passage id (a string or an integer)"))
        if not pid.strip():
            raise InputError(path, where, "pid", "expected a non-empty passage id, got an empty one")
        where = f"line {n} (pid {pid!r})"
        if pid in first:
            raise InputError(path, where, "pid", f"duplicate passage id {pid!r} (first at line {first[pid]})")
        first[pid] = n
        rewrite = require(row, "rewrite", str, path, where, "a string")
        qa = source_qa(row, "qa", path, where)
        table[pid] = qa if isinstance(qa, str) else (rewrite, qa)
    return table


class TableAugmenter:
    """Looks each passage up in a per-passage table; a passage without a usable row is dropped
    with its reason (``not_in_table``, ``qa_gave_up``, ``qa_invalid``)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.table = read_table(path)
        self.stats = {"lookups": 0, "misses": 0}

    def augment(self, candidates: Sequence[Candidate]) -> list[PassageAugment | str]:
        """The table's augmentation for each candidate, or the reason it is dropped."""
        out: list[PassageAugment | str] = []
        for c in candidates:
            self.stats["lookups"] += 1
            entry = self.table.get(str(c["pid"]), "not_in_table")
            if isinstance(entry, str):
                self.stats["misses"] += 1
                out.append(entry)
            else:
                out.append({"pid": c["pid"], "passage": c["text"], "rewrite": entry[0], "qa": entry[1]})
        return out
