"""Writing the benchmark's files: an atomic output directory, JSON, JSON Lines, TSV, sha256."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh directory beside ``target``; on success it replaces ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        tmp = work / target.name
        tmp.mkdir()  # a plain mkdir's permissions (mkdtemp's own are 0700)
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_json(path: Path, data: Any, *, indent: int = 2) -> int:
    """Write ``data`` as UTF-8 JSON; return its length when it is a list."""
    write_text(path, json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
    return len(data) if isinstance(data, list) else 1


def write_jsonl(path: Path, records: list[dict]) -> int:
    """Write one JSON object per line; return the number of records."""
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return len(records)


def write_tsv(path: Path, header: list[str], rows: list[list]) -> int:
    """Write a tab-separated file with a header row; return the number of rows."""
    buf = StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\n").writerows([header, *rows])
    write_text(path, buf.getvalue())
    return len(rows)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
