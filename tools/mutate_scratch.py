"""The scratch copy of tools/mutate.py, and one mutant applied to it.

Contract: working_tree_files() lists the tracked and untracked-not-ignored files of a
working tree; sync_scratch() makes a directory mirror them, copying only changed files.
AppliedMutant writes one mutant into a tree and always restores the original bytes on
exit (stop signals are held off during the restore); it refuses a file that changed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

from mutate_enum import Mutant
from mutate_proc import STOP_SIGNALS


def working_tree_files(repo: str) -> list[str]:
    """Tracked and untracked-not-ignored files of the working tree (uncommitted included)."""
    out = subprocess.run(["git", "-C", repo, "ls-files", "-co", "--exclude-standard", "-z"],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return sorted({p for p in out.split("\0") if p and os.path.lexists(os.path.join(repo, p))})


def sync_scratch(repo: str, dest: str) -> list[str]:
    """dest mirrors the working tree: changed files copied, stale ones removed (the bazel-*
    symlinks kept). Unchanged files keep their mtime, so Bazel's caches stay warm."""
    files = working_tree_files(repo)
    for path in files:
        src, dst = os.path.join(repo, path), os.path.join(dest, path)
        if os.path.islink(src):
            continue
        if os.path.exists(dst) and _same_content(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    wanted = set(files)
    for dirpath, dirnames, filenames in os.walk(dest):
        rel = os.path.relpath(dirpath, dest)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if not d.startswith("bazel-")]
            filenames = [f for f in filenames if not f.startswith("bazel-")]
        for name in filenames:
            path = os.path.normpath(os.path.join(rel, name))
            if path not in wanted:
                os.remove(os.path.join(dirpath, name))
    return files


def _same_content(a: str, b: str) -> bool:
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


class AppliedMutant:
    """Context manager: the mutant written into root; the original text back on exit."""

    def __init__(self, root: str, mutant: Mutant):
        self.path = os.path.join(root, mutant.file)
        self.mutant = mutant
        self.original: bytes | None = None

    def __enter__(self) -> "AppliedMutant":
        with open(self.path, "rb") as f:
            self.original = f.read()
        text = self.original.decode("utf-8")
        m = self.mutant
        if text[m.start:m.end] != m.original:
            raise RuntimeError(f"{m.id}: the file no longer holds {m.original!r} there")
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text[:m.start] + m.replacement + text[m.end:])
        return self

    def __exit__(self, *exc) -> None:
        if self.original is None:
            return
        # A second Ctrl-C must not interrupt the restore (signals wait until it is done).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            with open(self.path, "wb") as f:
                f.write(self.original)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
