"""Published augmentation keyed by passage id (JSON Lines of ``{pid, rewrite, qa}``)."""

from __future__ import annotations

import os
from typing import Sequence

from ..io import InputError, read_jsonl
from ..records import Candidate, PassageAugment
from .parse import validate_qa


class TableAugmenter:
    """Looks each passage up in a per-passage table; a missing or invalid entry fails the passage."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.table: dict[str, dict] = {}
        for n, row in enumerate(read_jsonl(path), 1):
            for field in ("pid", "rewrite", "qa"):
                if field not in row:
                    raise InputError(path, f"line {n}", field, "missing")
            self.table[str(row["pid"])] = row
        self.stats = {"lookups": 0, "misses": 0}

    def augment(self, candidates: Sequence[Candidate]) -> list[PassageAugment | None]:
        """The table's augmentation for each candidate, or None."""
        out: list[PassageAugment | None] = []
        for c in candidates:
            self.stats["lookups"] += 1
            row = self.table.get(str(c["pid"]))
            qa = validate_qa(row["qa"]) if row else None
            if row is None or qa is None:
                self.stats["misses"] += 1
                out.append(None)
            else:
                out.append({"pid": c["pid"], "passage": c["text"], "rewrite": str(row["rewrite"]), "qa": qa})
        return out
