#!/usr/bin/env python3
"""Mutation testing of mqsim's storage engines: how many realistic engine mistakes do the
project's checks catch?

Method
------
1. Enumerate mutants. Every C++ source under storage/ (``*.cc`` and ``*.h``; not
   ``*_test.cc``, not BUILD files) is lexed just enough to blank out comments, string and
   character literals and preprocessor lines (the "masked" text, same length as the
   source), and its braces are matched to tell function bodies from namespaces, classes,
   control blocks, lambdas and brace initialisers. Five operators then propose one textual
   edit each at one place:

   - ``relop``      ``<``/``<=``, ``>``/``>=``, ``==``/``!=`` swapped, only for operators with
                    a space on both sides and an operand-looking character beyond each space
                    (so never ``#include <x>``, ``std::vector<int>``, ``->``, ``<<``, ``>>``
                    or ``<=>``);
   - ``off_by_one`` `` + 1`` / `` - 1`` dropped, or its sign flipped;
   - ``drop_sync``  a durability call removed: a statement calling ``Sync``, ``Fsync``,
                    ``SyncWAL``, ``FlushWAL``, ``SyncDirectory``, ``SyncNow`` deleted, or the
                    call replaced by an OK status where its result is used; ``sync = <x>``
                    and ``/*sync=*/true`` made ``false``;
   - ``drop_stmt``  one simple statement (not a declaration, not a ``return``, not an
                    assertion or a coverage probe, ``MQSIM_PROBE``, which only reports what
                    ran; not inside a brace initialiser) deleted, in functions whose file name or function name
                    matches recovery|retention|ack|expire|evict|reopen|load|purge|delete|seek;
   - ``bool_flip``  ``true``/``false`` swapped in assignments and returns, ``if (!c`` made
                    ``if (c``.

   Code inside ``if (MQSIM_BUG(...)) { ... }`` blocks is skipped: bug modes are off in every
   judged run, so such mutants could only survive. Identical edits proposed by two
   operators are kept once (the first operator in the order above wins). A mutant's id is
   ``FILE:LINE:OPERATOR:K`` (K counts that operator's mutants on that line from 1), stable as
   long as the line and the lines above it do not move.

2. Copy the working tree (tracked files plus untracked, not ignored: ``git ls-files -co
   --exclude-standard``, so uncommitted edits are included) into ``SCRATCH/src`` and build
   there with a Bazel output base of its own (``SCRATCH/bazel``). The unmutated copy must
   pass the judge first (the baseline), else the run stops.

3. For each mutant: apply the edit to the scratch copy, build ``//:mqsim`` (a failed build
   is ``build_failed`` and leaves the score), run the judge, restore the file (always).

   - judge ``sweeps``: ``mqsim sweep NAME --seeds 1..3 --jobs J`` for every stock scenario
     (``mqsim list``), the scenarios of the mutated engine first; any non-zero exit kills
     the mutant (1 is a property failure; 2, bad input, can only come from the mutant since
     the baseline passed; a signal is a crash) and the first killing sweep is the killer.
   - judge ``suite``: ``bazel test //... --test_tag_filters=-manual,-long``; the failing
     targets are the killers.
   - ``both``: sweeps, then the suite for the mutants the sweeps missed.

   Every build and judge runs in a process group of its own, killed whole on timeout; a
   judge that times out kills the mutant (status ``timeout``, counted as killed).

4. Each finished mutant is appended to ``OUT/results.jsonl`` (``--resume`` skips the ids
   already there); ``OUT/report.json`` and ``OUT/report.md`` give the score,
   killed / (killed + survived), per judge, per operator and per file, and every survivor
   with its before and after lines, for a human to explain.

Standard library only. The command line is here; the work is in the sibling modules
mutate_mask, mutate_source, mutate_operators, mutate_enum (step 1), mutate_scratch,
mutate_proc, mutate_judge (steps 2-3) and mutate_report (step 4); their pure parts are
tested by tools/mutate_test.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from mutate_enum import Mutant, enumerate_mutants, sample_mutants
from mutate_judge import Runner
from mutate_operators import OPERATORS
from mutate_proc import STOP_SIGNALS, Interrupted, on_signal
from mutate_report import SCORE_TITLES, append_result, load_results, pct, pending, write_reports
from mutate_scratch import sync_scratch, working_tree_files

JUDGES = ("sweeps", "suite", "both")
REPO_DEFAULT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH_DEFAULT = "/tmp/mqsim-mutants"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Mutation testing of storage/: mutants built and judged one at a time in "
                    "a scratch copy of the working tree.")
    p.add_argument("--list", action="store_true", help="print every mutant and exit")
    p.add_argument("--operators", default=",".join(OPERATORS),
                   help="comma-separated subset of " + ",".join(OPERATORS))
    p.add_argument("--files", help="comma-separated globs over repo-relative paths "
                                   "(storage/rocksmq/*)")
    p.add_argument("--sample", type=int, help="judge N mutants drawn with --seed")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--judge", choices=JUDGES, default="sweeps")
    p.add_argument("--jobs", type=int, default=2, help="mqsim sweep --jobs (default 2)")
    p.add_argument("--timeout", type=float,
                   help="seconds per judge subprocess (default: 5x the slowest baseline sweep, "
                        "at least 120; for the suite 3x the baseline suite, at least 1800)")
    p.add_argument("--build-timeout", type=float, default=1800, help="seconds per build")
    p.add_argument("--repo", default=REPO_DEFAULT, help="the working tree (default: this one)")
    p.add_argument("--scratch", default=SCRATCH_DEFAULT)
    p.add_argument("--out", help="results directory (default SCRATCH/out)")
    p.add_argument("--resume", action="store_true", help="skip ids already in results.jsonl")
    p.add_argument("--report-only", action="store_true",
                   help="write report.json and report.md from results.jsonl and exit")
    p.add_argument("--bazel-arg", action="append", default=[],
                   help="an extra flag for every bazel build/test (repeatable)")
    args = p.parse_args(argv)
    args.scratch = os.path.abspath(args.scratch)
    args.out = os.path.abspath(args.out or os.path.join(args.scratch, "out"))
    unknown = set(args.operators.split(",")) - set(OPERATORS)
    if unknown:
        p.error(f"unknown operators: {', '.join(sorted(unknown))}")
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    return args


def print_list(mutants: list[Mutant]) -> None:
    for m in mutants:
        try:
            print(f"{m.id}\n    - {m.before}\n    + {m.after}")
        except BrokenPipeError:  # | head
            sys.stderr.close()
            return
    counts = {op: sum(m.operator == op for m in mutants) for op in OPERATORS}
    print(f"{len(mutants)} mutants: " + ", ".join(f"{op} {n}" for op, n in counts.items()))


def run(args: argparse.Namespace) -> int:
    """The baseline, then every pending mutant; reports at the end (also when stopped)."""
    os.makedirs(args.out, exist_ok=True)
    results = os.path.join(args.out, "results.jsonl")
    if os.path.exists(results) and not args.resume:
        raise SystemExit(f"mutate: {results} exists; pass --resume to continue it, or another "
                         f"--out")
    runner = Runner(args)
    os.makedirs(runner.logs, exist_ok=True)
    try:
        files = sync_scratch(args.repo, runner.src)
        mutants = enumerate_mutants(runner.src, files, args.operators.split(","), args.files)
        todo = pending(sample_mutants(mutants, args.sample, args.seed), load_results(results))
        print(f"mutate: {len(mutants)} mutants enumerated, {len(todo)} to judge", flush=True)
        if todo:
            runner.baseline()
        for i, mutant in enumerate(todo, 1):
            print(f"[{i}/{len(todo)}] {mutant.id}: {mutant.before!r} -> {mutant.after!r}",
                  flush=True)
            record = runner.run_mutant(mutant)
            append_result(results, record)
            print(f"    {record['status']} {record['killer']} ({record['seconds']} s) "
                  f"{record['detail'][:160]}", flush=True)
    finally:
        runner.shutdown()
        report = write_reports(args.out) if os.path.exists(results) else None
    if report:
        print("mutate: " + ", ".join(f"score ({SCORE_TITLES[n]}) {pct(s['score'])}"
                                     for n, s in report["scores"].items()) +
              f"; {os.path.join(args.out, 'report.md')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    operators = args.operators.split(",")
    if args.list:
        files = working_tree_files(args.repo)
        mutants = enumerate_mutants(args.repo, files, operators, args.files)
        print_list(sample_mutants(mutants, args.sample, args.seed))
        return 0
    if args.report_only:
        report = write_reports(args.out)
        print(json.dumps(report["scores"], indent=2))
        return 0
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    try:
        return run(args)
    except Interrupted as e:
        print(f"mutate: stopped ({e}); the scratch file was restored, bazel shut down; "
              f"--resume continues", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
