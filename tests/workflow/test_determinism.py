"""Two clean runs of the tiny config, in two fresh copies of the workflow, write the same bytes:
every file under results/, apart from the listed exceptions (each with the reason it differs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflow_helpers import copy_workflow, snakemake, tiny_config

pytestmark = pytest.mark.workflow

#: files allowed to differ between runs (pattern over the path relative to results/) and why
EXCEPTIONS = {
    r"index/[^/]+/tantivy/([0-9a-f]{32}\.\w+|meta\.json|\.managed\.json)": (
        "tantivy names an index's segment files with random UUIDs (meta.json and .managed.json list "
        "them); the index is identified by the content_sha256 of its manifest.json, which must match"
    ),
}


def files(results: Path) -> dict[str, bytes]:
    """Every file under ``results`` (hidden ones too) that no exception covers: its bytes."""
    found = {}
    for path in sorted(p for p in results.rglob("*") if p.is_file()):
        rel = path.relative_to(results).as_posix()
        if not any(re.fullmatch(pattern, rel) for pattern in EXCEPTIONS):
            found[rel] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def two_runs(clean_tiny_run, tmp_path_factory, tiny_llama_dir) -> list[Path]:
    """results/ of two clean runs of tiny.yaml (the same tiny model, two fresh copies)."""
    root = copy_workflow(tmp_path_factory.mktemp("determinism-second"))
    tiny_config(root, tiny_llama_dir)
    snakemake(root, "--cores", "2", "--configfile", "tiny.yaml")
    return [clean_tiny_run / "results", root / "results"]


def test_two_clean_runs_write_identical_results(two_runs):
    first, second = (files(results) for results in two_runs)
    assert len(first) > 100 and any(name.startswith("tables/") for name in first)
    only = sorted(set(first) ^ set(second))
    differ = sorted(name for name in set(first) & set(second) if first[name] != second[name])
    assert not only and not differ, f"in one run only: {only}\ndiffering: {differ}"
