"""Downloads with checksums, and archive extraction; both write atomically.

A published checksum (from config) is verified when given. Without one, the first download's
checksum is recorded in a small text file and later downloads are verified against it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path
from typing import IO

from tqdm import tqdm

from parametric_rag import __version__
from parametric_rag.io import atomic_path, write_text

logger = logging.getLogger(__name__)

USER_AGENT = f"parametric-rag-pipeline/{__version__} (+python-urllib)"
CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadError(RuntimeError):
    """A download failed or was incomplete."""


class ChecksumError(DownloadError):
    """A downloaded file's SHA-256 differs from the expected one."""


class BadSourceError(DownloadError, ValueError):
    """A bad URL, checksum, checksum record or archive: the message names it."""


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    record: str | os.PathLike | None = None,
    log: logging.Logger | None = None,
) -> str:
    """Fetch ``url`` (http, https or file) to ``dest``, verify it and return its SHA-256.

    ``sha256`` is a published checksum; otherwise ``record`` holds (or receives) the first
    download's checksum. On any failure ``dest`` is left as it was.
    """
    log = log or logger
    dest = Path(dest)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "file"):
        raise BadSourceError(f"unsupported URL scheme {scheme!r} in {url!r}; use http(s):// or file://")
    recorded = read_record(record) if record is not None and Path(record).exists() else None
    expected, source = None, None
    if sha256 is not None:
        expected, source = _normalise(sha256, "the published checksum"), "published checksum"
    elif recorded is not None:
        expected, source = recorded, f"checksum recorded in {record}"

    log.info("downloading %s -> %s", url, dest)
    with atomic_path(dest) as tmp:
        digest = _fetch(url, tmp, dest.name)
        if expected is not None and digest != expected:
            raise ChecksumError(
                f"checksum mismatch for {url}: expected {expected} ({source}), got {digest}; "
                f"{dest} was not written"
            )
    if record is not None and recorded != digest:
        write_text(record, f"{digest}  {dest.name}\n")
        log.info("recorded sha256 %s in %s", digest, record)
    log.info("sha256 %s %s", digest, "verified" if expected else "(first download)")
    return digest


def read_record(path: str | os.PathLike) -> str:
    """The checksum in a record file (``sha256sum`` format: the first word)."""
    words = Path(path).read_text(encoding="utf-8").split()
    return _normalise(words[0] if words else "", f"the checksum record {path}")


def extract(archive: str | os.PathLike, member: str | None, dest: str | os.PathLike) -> Path:
    """Extract one file from a .zip, .tar(.gz/.bz2/.xz)/.tgz or .gz archive to ``dest``.

    ``member`` is the file's path inside a zip or tar archive (``None`` when it holds a single
    file); a .gz holds one file and ``member`` is ignored. A plain file (not an archive) with
    ``member=None`` is copied as it is.
    """
    archive, dest = Path(archive), Path(dest)
    try:
        return _extract(archive, member, dest)
    except (zipfile.BadZipFile, tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise BadSourceError(f"{archive}: damaged or truncated archive ({e}); delete it and download it again") from e


def _extract(archive: Path, member: str | None, dest: Path) -> Path:
    """:func:`extract`, with a damaged archive's own exceptions."""
    kind = _archive_kind(archive)
    if member is None and kind is None:
        with open(archive, "rb") as src:
            _copy(src, dest, archive.stat().st_size)
    elif kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            files = [i.filename for i in zf.infolist() if not i.is_dir()]
            info = zf.getinfo(_pick(archive, member, files))
            with zf.open(info) as src:
                _copy(src, dest, info.file_size)
    elif kind == "tar":
        with tarfile.open(archive, "r:*") as tf:
            members = {_tar_name(m.name): m for m in tf.getmembers() if m.isfile()}
            info = members[_pick(archive, member, list(members))]
            src = tf.extractfile(info)
            assert src is not None  # a regular file always has a stream
            with src:
                _copy(src, dest, info.size)
    elif kind == "gz":
        with gzip.open(archive, "rb") as src:
            _copy(src, dest, None)
    else:
        raise BadSourceError(f"{archive}: not a .zip, .tar, .tar.gz, .tgz or .gz archive")
    return dest


def _archive_kind(path: Path) -> str | None:
    """``zip``, ``tar`` (compressed or not) or ``gz`` (one gzipped file), by name, else by content;
    ``None`` for a plain file."""
    name = path.name.lower()
    if name.endswith(".zip") or (not _is_tar_name(name) and zipfile.is_zipfile(path)):
        return "zip"
    if _is_tar_name(name) or (not name.endswith(".gz") and tarfile.is_tarfile(path)):
        return "tar"
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return "gz" if name.endswith(".gz") or gzipped else None


def _fetch(url: str, tmp: Path, label: str) -> str:
    """Stream ``url`` into ``tmp`` with a progress bar; return the SHA-256 of the bytes."""
    h = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=60) as response, open(tmp, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            with _progress(total, label) as bar:
                while block := response.read(CHUNK):
                    out.write(block)
                    h.update(block)
                    done += len(block)
                    bar.update(len(block))
    except (urllib.error.URLError, OSError) as e:
        raise DownloadError(f"could not download {url}: {e}") from e
    if total is not None and done != total:
        raise DownloadError(f"incomplete download of {url}: {done} of {total} bytes")
    return h.hexdigest()


def _copy(src: IO[bytes], dest: Path, total: int | None) -> None:
    with atomic_path(dest) as tmp, open(tmp, "wb") as out, _progress(total, dest.name) as bar:
        while block := src.read(CHUNK):
            out.write(block)
            bar.update(len(block))


def _pick(archive: Path, member: str | None, names: list[str]) -> str:
    """The archive member to extract; a missing one names a few that exist."""
    if member is None:
        if len(names) == 1:
            return names[0]
        raise BadSourceError(f"{archive} holds {len(names)} files; name the member to extract")
    wanted = _tar_name(member)
    if wanted in names:
        return wanted
    shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
    raise FileNotFoundError(
        f"{archive} has no member {member!r}; it holds {len(names)} files, e.g. {shown or 'none'}"
    )


def _is_tar_name(name: str) -> bool:
    return name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz"))


def _tar_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def _normalise(value: str, what: str) -> str:
    text = value.strip().lower().removeprefix("sha256:")
    if not _SHA256.fullmatch(text):
        raise BadSourceError(f"{what} is not a SHA-256 hex digest: {value!r}")
    return text


def _progress(total: int | None, label: str) -> tqdm:
    return tqdm(
        total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
        file=sys.stderr, mininterval=1.0, leave=False,
    )
