"""Building and judging mutants in the scratch copy, for tools/mutate.py.

Contract: Runner(args) owns SCRATCH/src and its Bazel output base. baseline() builds the
unmutated copy and checks it passes the chosen judge (else SystemExit), setting the
timeouts; run_mutant() applies one mutant, builds, judges (sweeps, suite or both),
restores, and returns its results.jsonl record; shutdown() stops that Bazel server only.
Verdict is one judge's outcome; first_build_error, first_failure_line and
sweep_kill_reason condense tool output into the record.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import signal
import subprocess
import sys
import time

from mutate_enum import Mutant
from mutate_proc import Interrupted, Outcome, run_group
from mutate_scratch import AppliedMutant

BUILD_TARGET = "//:mqsim"  # an alias of //scenarios:mqsim
BINARY = "bazel-bin/scenarios/mqsim"
SEEDS = "1..3"


@dataclasses.dataclass
class Verdict:
    status: str  # killed | survived | timeout
    killer: str = ""
    detail: str = ""
    seconds: float = 0.0

    def record(self) -> dict:
        return {**dataclasses.asdict(self), "seconds": round(self.seconds, 1)}


def first_build_error(output: str) -> str:
    """The compiler's first error, else Bazel's."""
    lines = output.splitlines()
    for pattern in (r": error:", r"ERROR:"):
        for line in lines:
            if re.search(pattern, line):
                return line.strip()[:400]
    return ""


def first_failure_line(output: str) -> str:
    """A failing sweep's first failure line and its REPRO line (else its last line)."""
    lines = [l.strip() for l in output.splitlines()[1:] if l.strip()]
    found = []
    for pattern in (r"^FAIL\b|RESULT fail|\bfail(ed|ure)?\b|error|assert|panic", r"^REPRO"):
        found += [l for l in lines if re.search(pattern, l, re.I)][:1]
    found = list(dict.fromkeys(found)) or lines[-1:]
    return " | ".join(found)[:600]


def sweep_kill_reason(rc: int) -> str:
    """Why a sweep's exit status kills the mutant (README: exit codes)."""
    if rc < 0:
        return f"crash: signal {signal.Signals(-rc).name}"
    return {1: "property failure", 2: "bad input (exit 2)",
            3: "not reproduced (exit 3)"}.get(rc, f"exit {rc}")


class Runner:
    """The scratch copy, its Bazel, the baseline and the judging of mutants."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.src = os.path.join(args.scratch, "src")
        self.output_base = os.path.join(args.scratch, "bazel")
        self.logs = os.path.join(args.out, "logs")
        self.scenarios: list[tuple[str, str]] = []  # (name, store)
        self.sweep_timeout = args.timeout
        self.suite_timeout = args.timeout

    def bazel(self, *argv: str) -> list[str]:
        return ["bazel", f"--output_base={self.output_base}", *argv, "--color=no",
                "--curses=no", *self.args.bazel_arg]

    def log(self, name: str) -> str:
        return os.path.join(self.logs, re.sub(r"[^\w.-]+", "_", name) + ".log")

    def build(self, tag: str) -> tuple[bool, str]:
        log = self.log(tag + ".build")
        out = run_group(self.bazel("build", BUILD_TARGET), self.src, self.args.build_timeout,
                        log, kill_leftovers=False)
        if out.rc is None:
            self.shutdown()
            return False, f"build timeout after {self.args.build_timeout} s"
        if out.rc == 0 and tag != "baseline":
            os.remove(log)  # logs are kept for what failed
        return out.rc == 0, first_build_error(out.output)

    def shutdown(self) -> None:
        """Stops this output base's Bazel server (no other one is touched)."""
        if not os.path.isdir(self.output_base):
            return
        try:
            subprocess.run(["bazel", f"--output_base={self.output_base}", "shutdown"],
                           cwd=self.src if os.path.isdir(self.src) else None,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            print(f"mutate: bazel shutdown failed: {e}", file=sys.stderr)

    def list_scenarios(self) -> None:
        out = run_group([os.path.join(self.src, BINARY), "list"], self.src, 60,
                        self.log("baseline.list"))
        if out.rc != 0:
            raise SystemExit(f"mutate: `mqsim list` failed (exit {out.rc}); see {self.logs}")
        # One scenario a line: NAME STORE DESCRIPTION.
        self.scenarios = [tuple((l.split() + ["?"])[:2]) for l in out.output.splitlines()[1:]
                          if l[:1].strip()]

    def sweep(self, name: str, tag: str, timeout: float) -> Outcome:
        cmd = [os.path.join(self.src, BINARY), "sweep", name, "--seeds", SEEDS,
               "--jobs", str(self.args.jobs)]
        return run_group(cmd, self.src, timeout, self.log(f"{tag}.sweep.{name}"))

    def order_for(self, mutant: Mutant | None) -> list[str]:
        """Scenario names, those of the mutated engine first (stable otherwise)."""
        engine = mutant.file.split("/")[1] if mutant and mutant.file.count("/") > 1 else ""
        return [n for n, _ in sorted(self.scenarios, key=lambda s: s[1] != engine)]

    def judge_sweeps(self, mutant: Mutant | None, tag: str) -> Verdict:
        start = time.monotonic()
        timeout = self.sweep_timeout or 3600
        for name in self.order_for(mutant):
            out = self.sweep(name, tag, timeout)
            if out.rc is None:
                return Verdict("timeout", name, f"timeout after {timeout:.0f} s",
                               time.monotonic() - start)
            if out.rc in (130, 143, 129):
                raise Interrupted(f"sweep {name} interrupted (exit {out.rc})")
            if out.rc != 0:
                detail = f"{sweep_kill_reason(out.rc)}: {first_failure_line(out.output)}"
                return Verdict("killed", name, detail, time.monotonic() - start)
            os.remove(self.log(f"{tag}.sweep.{name}"))  # logs are kept for what failed
        return Verdict("survived", seconds=time.monotonic() - start)

    def judge_suite(self, tag: str) -> Verdict:
        cmd = self.bazel("test", "//...", "--test_tag_filters=-manual,-long", "--keep_going")
        timeout = self.suite_timeout or 7200
        out = run_group(cmd, self.src, timeout, self.log(tag + ".suite"), kill_leftovers=False)
        if out.rc is None:
            self.shutdown()
            return Verdict("timeout", "suite", f"timeout after {timeout:.0f} s", out.seconds)
        failed = re.findall(r"^(//\S+)\s+(?:\(cached\)\s+)?(FAILED|TIMEOUT|NO STATUS|"
                            r"FAILED TO BUILD)", out.output, re.M)
        if out.rc == 0:
            return Verdict("survived", seconds=out.seconds)
        killers = ", ".join(f"{t} ({s})" for t, s in failed) or f"bazel exit {out.rc}"
        return Verdict("killed", killers, first_failure_line(out.output), out.seconds)

    def baseline(self) -> None:
        """The unmutated copy builds and passes the judge, or the run stops."""
        print(f"mutate: baseline build of {BUILD_TARGET} in {self.src} "
              f"(output base {self.output_base})", flush=True)
        ok, detail = self.build("baseline")
        if not ok:
            raise SystemExit(f"mutate: the unmutated scratch copy does not build: {detail}\n"
                             f"  log: {self.log('baseline.build')}")
        self.list_scenarios()
        if self.args.judge in ("sweeps", "both"):
            self.baseline_sweeps()
        if self.args.judge in ("suite", "both"):
            self.baseline_suite()

    def baseline_sweeps(self) -> None:
        slowest = 0.0
        for name in self.order_for(None):
            out = self.sweep(name, "baseline", 3600)
            if out.rc != 0:
                raise SystemExit(f"mutate: baseline sweep {name} fails (exit {out.rc}) without "
                                 f"any mutant: {first_failure_line(out.output)}\n"
                                 f"  log: {self.log('baseline.sweep.' + name)}")
            slowest = max(slowest, out.seconds)
            print(f"  baseline sweep {name}: pass in {out.seconds:.1f} s", flush=True)
        if self.args.timeout is None:
            self.sweep_timeout = max(120.0, 5 * slowest)
        print(f"mutate: {len(self.scenarios)} stock scenarios pass; sweep timeout "
              f"{self.sweep_timeout:.0f} s", flush=True)

    def baseline_suite(self) -> None:
        verdict = self.judge_suite("baseline")
        if verdict.status != "survived":
            raise SystemExit(f"mutate: the test suite fails without any mutant: "
                             f"{verdict.killer}: {verdict.detail}")
        if self.args.timeout is None:
            self.suite_timeout = max(1800.0, 3 * verdict.seconds)
        print(f"mutate: the suite passes in {verdict.seconds:.0f} s", flush=True)

    def run_mutant(self, mutant: Mutant) -> dict:
        """Apply, build, judge, restore: the mutant's results.jsonl record."""
        start = time.monotonic()
        record = {**mutant.record(), "killer": "", "detail": "", "judges": {}}
        with AppliedMutant(self.src, mutant):
            ok, detail = self.build(mutant.id)
            if not ok:
                record.update(status="build_failed", detail=detail)
            else:
                self.judge(mutant, record)
        record["seconds"] = round(time.monotonic() - start, 1)
        return record

    def judge(self, mutant: Mutant, record: dict) -> None:
        verdict = None
        if self.args.judge in ("sweeps", "both"):
            verdict = self.judge_sweeps(mutant, mutant.id)
            record["judges"]["sweeps"] = verdict.record()
        if self.args.judge == "suite" or (self.args.judge == "both" and
                                          verdict.status == "survived"):
            verdict = self.judge_suite(mutant.id)
            record["judges"]["suite"] = verdict.record()
        record.update(status=verdict.status, killer=verdict.killer, detail=verdict.detail)
