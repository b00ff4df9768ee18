"""Reader for the DPR passage corpus (``psgs_w100.tsv``, optionally gzip-compressed).

The file is tab-separated with the header ``id  text  title``; fields that contain quotes are
quoted with ``"`` (doubled inside), which the ``csv`` module reads the way DPR's own code does.
Passage ids must be unique and texts non-empty: retrieval and augmentation are keyed by id.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..io import InputError, not_utf8_error

HEADER = ["id", "text", "title"]
_MAX_FIELD_CHARS = 1 << 24
_BITMAP_IDS = 1 << 27  # integer ids below this are remembered in a bitmap (16 MB at most)


def _open_text(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


class SeenIds:
    """The passage ids read so far, compactly: DPR's integer ids in a bitmap, other ids in a set.

    An integer id is remembered by its value, so ``1`` and ``01`` are one id (as in an index that
    stores ids as integers)."""

    def __init__(self) -> None:
        self.bits = bytearray()
        self.other: set[str | int] = set()

    def add(self, pid: str) -> bool:
        """Remember ``pid``; False when it was already there."""
        key: str | int = int(pid) if pid.isascii() and pid.isdigit() else pid
        if isinstance(key, int) and key < _BITMAP_IDS:
            byte, bit = divmod(key, 8)
            if byte >= len(self.bits):
                self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
            if self.bits[byte] >> bit & 1:
                return False
            self.bits[byte] |= 1 << bit
            return True
        if key in self.other:
            return False
        self.other.add(key)
        return True


def _check_row(path: Path, line: int, row: list[str], seen: SeenIds) -> tuple[str, str, str]:
    """One data row as (pid, text, title); a malformed row raises :class:`InputError`."""
    where = f"line {line}"
    if len(row) != len(HEADER):
        field = HEADER[len(row)] if len(row) < len(HEADER) else f"column {len(HEADER) + 1}"
        problem = f"expected 3 tab-separated columns (id, text, title), found {len(row)}"
        raise InputError(path, where, field, problem)
    if row == HEADER:
        raise InputError(path, where, "id", "duplicate header line")
    pid, text, title = row
    if not pid.strip():
        raise InputError(path, where, "id", "empty passage id")
    if not text.strip():
        raise InputError(path, f"{where} (id {pid!r})", "text", "empty passage text")
    if not seen.add(pid):
        raise InputError(path, f"{where} (id {pid!r})", "id", f"duplicate passage id {pid!r}: ids must be unique")
    return pid, text, title


def iter_corpus(path: str | os.PathLike) -> Iterator[tuple[str, str, str]]:
    """Yield ``(pid, text, title)`` per passage; a malformed line, a repeated id or an empty text
    raises :class:`InputError` naming the file, the line and the field."""
    path = Path(path)
    if csv.field_size_limit() < _MAX_FIELD_CHARS:
        csv.field_size_limit(_MAX_FIELD_CHARS)
    seen = SeenIds()
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
                yield _check_row(path, line, row, seen)
        except csv.Error as e:
            raise InputError(path, f"line {reader.line_num}", None, f"not valid TSV ({e})") from e
        except UnicodeDecodeError:
            raise not_utf8_error(path) from None
        except (EOFError, gzip.BadGzipFile) as e:
            raise InputError(path, f"after line {line}", None, f"unreadable ({e})") from e
