"""Stale Snakemake locks: a run killed with SIGKILL (or by the OOM killer, or a lost node) cannot
remove its lock files, and Snakemake then refuses every later run of the directory until
``snakemake --unlock``. Snakemake's lock files say which files are locked, not by whom, so they
cannot tell a dead run from a live one.

The guard adds that: every Snakemake main process of this workflow holds an exclusive
``flock`` on ``.snakemake/run.guard`` for as long as it lives. The kernel releases a ``flock``
when its holder dies, however it dies. So a process that obtains the guard knows that no
other run of this workflow is alive in the directory, and any lock files left are stale: it
removes them. A process that cannot obtain it leaves every lock in place, and Snakemake reports
the live run as it always does.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

GUARD = "run.guard"
_held: list[int] = []  # the guard's descriptor stays open until this process exits


def clear_stale_locks(state_dir: str | os.PathLike = ".snakemake") -> list[Path] | None:
    """Hold the run guard for this process's lifetime and remove stale lock files.

    Returns the lock files removed (empty when there were none), or ``None`` when another live
    process holds the guard (its locks are real and are left alone).
    """
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    if _held:  # already held by this process
        return []
    fd = os.open(state / GUARD, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    _held.append(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    stale = sorted((state / "locks").glob("*.lock"))
    for lock in stale:
        lock.unlink(missing_ok=True)
    return stale
