"""Downloads (file:// URLs, no network) with published and recorded checksums; extraction."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from parametric_rag.download import ChecksumError, DownloadError, download, extract, read_record

DATA = b"id\ttext\ttitle\n1\tAaron Aaron is the name of ...\tAaron\n" * 50


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "psgs.tsv"
    path.parent.mkdir()
    path.write_bytes(DATA)
    return path


def test_download_file_url(tmp_path, source):
    dest = tmp_path / "out" / "psgs.tsv"
    digest = download(source.as_uri(), dest)
    assert digest == sha(DATA)
    assert dest.read_bytes() == DATA
    assert leftovers(dest.parent) == []


def test_recorded_checksum_written_then_verified(tmp_path, source):
    dest = tmp_path / "out" / "psgs.tsv"
    record = tmp_path / "out" / "psgs.tsv.sha256"
    assert download(source.as_uri(), dest, record=record) == sha(DATA)
    assert read_record(record) == sha(DATA)
    assert record.read_text().split() == [sha(DATA), "psgs.tsv"]  # sha256sum format

    # a second download of the same bytes verifies against the record
    dest.unlink()
    assert download(source.as_uri(), dest, record=record) == sha(DATA)

    # the source changes: the download fails, dest and the record are untouched
    source.write_bytes(DATA + b"tampered\n")
    with pytest.raises(ChecksumError) as e:
        download(source.as_uri(), dest, record=record)
    message = str(e.value)
    assert sha(DATA) in message and sha(DATA + b"tampered\n") in message and source.as_uri() in message
    assert dest.read_bytes() == DATA
    assert read_record(record) == sha(DATA)
    assert leftovers(dest.parent) == []


def test_published_checksum(tmp_path, source):
    dest = tmp_path / "out" / "psgs.tsv"
    assert download(source.as_uri(), dest, sha256=sha(DATA).upper()) == sha(DATA)
    assert dest.read_bytes() == DATA


def test_published_checksum_mismatch_leaves_no_dest(tmp_path, source):
    dest = tmp_path / "out" / "psgs.tsv"
    record = tmp_path / "out" / "psgs.tsv.sha256"
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as e:
        download(source.as_uri(), dest, sha256=wrong, record=record)
    assert wrong in str(e.value) and sha(DATA) in str(e.value) and source.as_uri() in str(e.value)
    assert not dest.exists() and not record.exists()
    assert leftovers(dest.parent) == []


def test_published_checksum_takes_precedence_and_updates_record(tmp_path, source):
    dest = tmp_path / "psgs.tsv"
    record = tmp_path / "psgs.tsv.sha256"
    record.write_text("f" * 64 + "  psgs.tsv\n")
    download(source.as_uri(), dest, sha256=sha(DATA), record=record)
    assert read_record(record) == sha(DATA)


def test_download_over_http_from_localhost(tmp_path, source):
    agents: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            agents.append(self.headers.get("User-Agent", ""))
            super().do_GET()

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(source.parent))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            dest = tmp_path / "psgs.tsv"
            assert download(f"{base}/psgs.tsv", dest, sha256=sha(DATA)) == sha(DATA)
            assert dest.read_bytes() == DATA
            with pytest.raises(DownloadError, match="404"):
                download(f"{base}/missing.tsv", tmp_path / "missing.tsv")
            assert not (tmp_path / "missing.tsv").exists()
        finally:
            server.shutdown()
            thread.join()
    assert agents and all(a.startswith("parametric-rag-pipeline/") for a in agents)


def test_bad_inputs(tmp_path, source):
    with pytest.raises(ValueError, match="not a SHA-256"):
        download(source.as_uri(), tmp_path / "x", sha256="abc")
    with pytest.raises(ValueError, match="scheme"):
        download("ftp://example.org/file", tmp_path / "x")
    with pytest.raises(DownloadError, match="could not download"):
        download((tmp_path / "missing.tsv").as_uri(), tmp_path / "x")
    assert not (tmp_path / "x").exists()


# ---- extraction -------------------------------------------------------------------------


def test_extract_zip_member(tmp_path):
    archive = tmp_path / "data_ids_april7.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/", "")
        zf.writestr("data/dev.json", b"[1]")
        zf.writestr("data/id_aliases.json", b'{"Q_id": "Q1", "aliases": []}\n')
    out = extract(archive, "data/dev.json", tmp_path / "2wiki" / "dev.json")
    assert out == tmp_path / "2wiki" / "dev.json" and out.read_bytes() == b"[1]"
    with pytest.raises(FileNotFoundError) as e:
        extract(archive, "dev.json", tmp_path / "2wiki" / "x.json")
    assert "'data/dev.json'" in str(e.value) and "'data/id_aliases.json'" in str(e.value)
    assert not (tmp_path / "2wiki" / "x.json").exists()
    with pytest.raises(ValueError, match="name the member"):
        extract(archive, None, tmp_path / "2wiki" / "x.json")
    assert leftovers(tmp_path / "2wiki") == []


def test_extract_gz(tmp_path):
    archive = tmp_path / "psgs_w100.tsv.gz"
    archive.write_bytes(gzip.compress(DATA))
    out = extract(archive, None, tmp_path / "psgs_w100.tsv")
    assert out.read_bytes() == DATA


@pytest.mark.parametrize(("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz")])
def test_extract_tar(tmp_path, suffix, mode):
    archive = tmp_path / f"data{suffix}"
    with tarfile.open(archive, mode) as tf:
        for name, data in [("./data/a.json", b"[]"), ("./data/b.json", b"[2]")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert extract(archive, "data/b.json", tmp_path / "b.json").read_bytes() == b"[2]"
    assert extract(archive, "./data/a.json", tmp_path / "a.json").read_bytes() == b"[]"
    with pytest.raises(FileNotFoundError, match=r"no member 'data/c.json'.*'data/a.json'"):
        extract(archive, "data/c.json", tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()


def test_extract_single_file_tar_without_member(tmp_path):
    archive = tmp_path / "one.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("popQA.tsv")
        info.size = len(DATA)
        tf.addfile(info, io.BytesIO(DATA))
    assert extract(archive, None, tmp_path / "popQA.tsv").read_bytes() == DATA


def test_extract_plain_file_is_copied_and_a_member_of_it_is_an_error(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("hello")
    assert extract(path, None, tmp_path / "out.txt").read_text() == "hello"  # e.g. popQA.tsv as downloaded
    with pytest.raises(ValueError, match="not a .zip"):
        extract(path, "inner.txt", tmp_path / "out2.txt")
