"""The run guard: Snakemake lock files are removed only when the run that wrote them is dead."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from parametric_rag import run_guard

HOLDER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {scripts!r})
    from parametric_rag.run_guard import clear_stale_locks
    assert clear_stale_locks({state!r}) is not None
    print("holding", flush=True)
    time.sleep(600)
""")


def _locks(state: Path) -> list[Path]:
    (state / "locks").mkdir(parents=True, exist_ok=True)
    paths = [state / "locks" / "0.input.lock", state / "locks" / "0.output.lock"]
    for p in paths:
        p.write_text("results/x\n")
    return paths


def _holder(state: Path) -> subprocess.Popen:
    scripts = str(Path(run_guard.__file__).parents[1])
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(scripts=scripts, state=str(state))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_locks_of_a_live_run_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(run_guard, "_held", [])
    state = tmp_path / ".snakemake"
    holder = _holder(state)
    try:
        locks = _locks(state)
        assert run_guard.clear_stale_locks(state) is None
        assert all(p.exists() for p in locks)
    finally:
        holder.kill()
        holder.wait()


def test_locks_of_a_killed_run_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(run_guard, "_held", [])
    state = tmp_path / ".snakemake"
    holder = _holder(state)
    locks = _locks(state)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert run_guard.clear_stale_locks(state) == sorted(locks)
    assert not any(p.exists() for p in locks)
    assert (state / run_guard.GUARD).read_text().strip().isdigit()  # the holder's pid, for people


def test_no_locks_nothing_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(run_guard, "_held", [])
    assert run_guard.clear_stale_locks(tmp_path / ".snakemake") == []
