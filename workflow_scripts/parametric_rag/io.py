"""Atomic file writing, JSON / JSON Lines helpers and checksums.

Every artefact the pipeline writes goes through :func:`atomic_path`: the data is written to a
temporary name beside the target and renamed into place only when complete, so an interrupted
step never leaves a file that looks finished.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad input data: the message names the file, the record and the field."""

    def __init__(self, path: str | os.PathLike, record: Any, field: str | None, problem: str):
        self.path, self.record, self.field, self.problem = str(path), record, field, problem
        where = f"{path}: record {record}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


def first_non_utf8(path: str | os.PathLike) -> tuple[int, int, bytes] | None:
    """(line, byte offset, offending bytes) of the first bytes of ``path`` that are not UTF-8, or
    None; a ``.gz`` file is read decompressed."""
    offset = 0
    with (gzip.open if str(path).endswith(".gz") else open)(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                return lineno, offset + e.start, line[e.start:e.end]
            offset += len(line)
    return None


def not_utf8_error(path: str | os.PathLike) -> InputError:
    """The error for a file that is not UTF-8 text: its first offending line and byte offset."""
    found = first_non_utf8(path)
    if found is None:
        return InputError(path, "(unknown line)", None, "not valid UTF-8 text")
    line, offset, bad = found
    return InputError(path, f"line {line}", None,
                      f"not valid UTF-8 text: bytes {bad!r} at byte offset {offset}; save the file as UTF-8")


@contextlib.contextmanager
def utf8_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn a ``UnicodeDecodeError`` raised while reading ``path`` into an :class:`InputError` naming
    the line and byte offset of the first bytes that are not UTF-8."""
    try:
        yield
    except UnicodeDecodeError:
        raise not_utf8_error(path) from None


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    With ``directory=True`` the temporary path is a fresh directory, and an existing target
    directory is replaced.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    _apply_umask(tmp, 0o777 if directory else 0o666)
    try:
        yield tmp
        if directory and target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def _apply_umask(path: Path, mode: int) -> None:
    """Give a temporary file the permissions a plain ``open`` would have (mkstemp uses 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(mode & ~umask)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, data: Any, *, indent: int | None = 2) -> None:
    """Write ``data`` as JSON atomically (UTF-8, keys in insertion order)."""
    write_text(path, json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file and the line in the error when it does not parse."""
    try:
        with utf8_errors(path), open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(path, f"line {e.lineno}, column {e.colno}", None, f"not valid JSON ({e.msg})") from e


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Write one JSON object per line atomically; return the number of records."""
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line of a JSON Lines file; an unparsable line
    is an error naming file and line."""
    with utf8_errors(path), open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(path, f"line {lineno}", None, f"not valid JSON ({e.msg})") from e
            yield lineno, value


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Read a JSON Lines file; an unparsable line is an error naming file and line."""
    return [value for _, value in iter_jsonl(path)]


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_dir(path: str | os.PathLike, *, cached: bool = False) -> str:
    """One SHA-256 over every file of a directory (relative names and contents, sorted); with
    ``cached``, each file's digest comes from :func:`cached_sha256`."""
    digest = cached_sha256 if cached else sha256_file
    h = hashlib.sha256()
    root = Path(path)
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(file.relative_to(root)).encode())
        h.update(digest(file).encode())
    return h.hexdigest()


# -- integrity: checksums recorded when a file is written, checked when it is read -----------

_DIGESTS: dict[tuple, str] = {}


def cached_sha256(path: str | os.PathLike) -> str:
    """:func:`sha256_file`, computed once per process for an unchanged file (same path, inode,
    size, modification and change times)."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_file(path)
    return _DIGESTS[key]


class ArtefactError(InputError):
    """A file the pipeline wrote is damaged, altered or unreadable. The message is one line: the
    file, what is wrong with it, and what to delete so that re-running rebuilds it."""

    def __init__(self, path: str | os.PathLike, problem: str, remedy: str):
        # not InputError's "record/field" wording: the whole file is at fault
        self.path, self.record, self.field, self.problem, self.remedy = str(path), None, None, problem, remedy
        Exception.__init__(self, f"{path}: {problem}; {remedy}")


class IntegrityError(ArtefactError):
    """A file does not match the checksum recorded when it was written (or has no record)."""


def short(digest: str) -> str:
    """The first 12 hex digits of a digest, for messages."""
    return digest[:12]


def check_sha256(path: str | os.PathLike, actual: str, expected: str, recorded_in: str | os.PathLike,
                 remedy: str) -> None:
    """Raise :class:`IntegrityError` when ``actual`` is not the digest recorded for ``path``."""
    if actual != expected:
        raise IntegrityError(path, f"sha256 {short(actual)}… differs from {short(expected)}… recorded in {recorded_in} "
                                   "when it was written (changed or truncated since)", remedy)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def checksum_sidecar(path: str | os.PathLike) -> Path:
    """Where the checksum of ``path`` is recorded: ``<name>.sha256`` beside it (sha256sum's format)."""
    return Path(f"{path}.sha256")


def write_checksummed(path: str | os.PathLike, data: bytes) -> str:
    """Write ``data`` atomically, then its sha256 in :func:`checksum_sidecar` (last); return it."""
    digest = hashlib.sha256(data).hexdigest()
    write_bytes(path, data)
    write_text(checksum_sidecar(path), f"{digest}  {Path(path).name}\n")
    return digest


def recorded_sha256(path: str | os.PathLike, remedy: str) -> str:
    """The sha256 recorded beside ``path`` (:func:`checksum_sidecar`) when it was written."""
    sidecar = checksum_sidecar(path)
    if not sidecar.is_file():
        raise IntegrityError(path, f"no checksum recorded beside it ({sidecar.name} is missing)", remedy)
    fields = sidecar.read_text(encoding="utf-8").split()
    if len(fields) != 2 or fields[1] != Path(path).name or len(fields[0]) != 64:
        raise IntegrityError(sidecar, f"not a sha256 record of {Path(path).name}", remedy)
    return fields[0]


def read_checksummed(path: str | os.PathLike, remedy: str) -> bytes:
    """The bytes of ``path``, checked against the sha256 recorded beside it when it was written."""
    expected = recorded_sha256(path, remedy)
    data = Path(path).read_bytes()
    check_sha256(path, hashlib.sha256(data).hexdigest(), expected, checksum_sidecar(path).name, remedy)
    return data


def write_jsonl_checksummed(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """:func:`write_jsonl`, then the file's sha256 beside it (last); returns the number of records."""
    n = write_jsonl(path, records)
    write_text(checksum_sidecar(path), f"{sha256_file(path)}  {Path(path).name}\n")
    return n


def read_jsonl_checksummed(path: str | os.PathLike) -> list[Any]:
    """:func:`read_jsonl` of a file written by :func:`write_jsonl_checksummed`, checked first."""
    remedy = f"delete {path} and re-run: the job that writes it rebuilds it"
    check_sha256(path, cached_sha256(path), recorded_sha256(path, remedy), checksum_sidecar(path).name, remedy)
    return read_jsonl(path)


SEAL = "content_sha256"


def content_sha256(data: dict) -> str:
    """sha256 of ``data``'s canonical JSON (sorted keys, compact), without its :data:`SEAL` entry."""
    body = {k: v for k, v in data.items() if k != SEAL}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sealed(data: dict) -> dict:
    """``data`` with its :func:`content_sha256` under :data:`SEAL`: edits after writing are detectable."""
    return {**data, SEAL: content_sha256(data)}


def check_seal(path: str | os.PathLike, data: dict, remedy: str) -> dict:
    """``data`` (read from ``path``) after checking its :data:`SEAL`; an edited or unsealed one is an
    :class:`IntegrityError`."""
    if SEAL not in data:
        raise IntegrityError(path, f"no {SEAL} recorded in it (written by an older version, or edited)", remedy)
    check_sha256(path, content_sha256(data), data[SEAL], f"its {SEAL} field", remedy)
    return data
