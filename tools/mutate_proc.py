"""Subprocesses of tools/mutate.py: each in its own process group, killed whole on timeout.

Contract: run_group() runs a command in a new session with its output in a log file and
returns an Outcome (rc None on timeout, after the whole group was killed). on_signal is
the handler main() installs for STOP_SIGNALS: it kills the running group and raises
Interrupted. At most one group runs at a time (the module tracks it).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived."""


_CURRENT: subprocess.Popen | None = None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclasses.dataclass
class Outcome:
    rc: int | None  # None: timed out
    seconds: float
    output: str


def run_group(cmd: list[str], cwd: str, timeout: float, log_path: str,
              kill_leftovers: bool = True) -> Outcome:
    """Runs cmd in a new session, output to log_path; on timeout the group is killed."""
    global _CURRENT
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        _CURRENT = proc
        try:
            rc: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.wait()
            rc = None
        finally:
            _CURRENT = None
        if kill_leftovers:
            _kill_group(proc)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        output = f.read()
    return Outcome(rc, time.monotonic() - start, output)


def on_signal(signum, frame):
    if _CURRENT is not None:
        _kill_group(_CURRENT)
    raise Interrupted(signal.Signals(signum).name)
