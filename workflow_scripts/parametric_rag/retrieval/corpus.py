"""Reader for the DPR passage corpus (``psgs_w100.tsv``, optionally gzip-compressed).

The file is tab-separated with the header ``id  text  title``; fields that contain quotes are
quoted with ``"`` (doubled inside), which the ``csv`` module reads the way DPR's own code does.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..io import InputError

HEADER = ["id", "text", "title"]
_MAX_FIELD_CHARS = 1 << 24


def _open_text(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def iter_corpus(path: str | os.PathLike) -> Iterator[tuple[str, str, str]]:
    """Yield ``(pid, text, title)`` per passage; a malformed line raises :class:`InputError`."""
    path = Path(path)
    if csv.field_size_limit() < _MAX_FIELD_CHARS:
        csv.field_size_limit(_MAX_FIELD_CHARS)
    with _open_text(path) as f:
        reader = csv.reader(f, delimiter="\t")
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                problem = "empty file: expected the header id, text, title"
                raise InputError(path, "line 1", "header", problem)
            if header != HEADER:
                raise InputError(
                    path, "line 1", "header", f"expected columns {HEADER}, found {header}"
                )
            for row in reader:
                line = reader.line_num
                if len(row) != len(HEADER):
                    field = HEADER[len(row)] if len(row) < len(HEADER) else None
                    problem = f"expected 3 tab-separated columns (id, text, title), found {len(row)}"
                    raise InputError(path, f"line {line}", field, problem)
                if row == HEADER:
                    raise InputError(path, f"line {line}", None, "duplicate header line")
                pid, text, title = row
                if not pid.strip():
                    raise InputError(path, f"line {line}", "id", "empty passage id")
                yield pid, text, title
        except csv.Error as e:
            raise InputError(path, f"line {reader.line_num}", None, f"not valid TSV ({e})") from e
        except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as e:
            raise InputError(path, f"after line {line}", None, f"unreadable ({e})") from e
