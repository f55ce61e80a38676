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
   - ``drop_stmt``  one simple statement (not a declaration, not a ``return``, not inside a
                    brace initialiser) deleted, in functions whose file name or function name
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

Standard library only; the pure parts are tested by tools/mutate_test.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import Iterable, Iterator

OPERATORS = ("relop", "off_by_one", "drop_sync", "drop_stmt", "bool_flip")
JUDGES = ("sweeps", "suite", "both")
REPO_DEFAULT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH_DEFAULT = "/tmp/mqsim-mutants"
BUILD_TARGET = "//:mqsim"  # an alias of //scenarios:mqsim
BINARY = "bazel-bin/scenarios/mqsim"
SEEDS = "1..3"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
DROP_STMT_NAMES = re.compile(
    r"recovery|retention|ack|expire|evict|reopen|load|purge|delete|seek", re.I)
SYNC_CALL = re.compile(r"\b(?:Sync|Fsync|SyncWAL|FlushWAL|SyncDirectory|SyncNow)\s*\(")


# --------------------------------------------------------------------------------------
# Masking: comments, literals and preprocessor lines blanked, offsets kept.


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _is_digit_separator(text: str, i: int) -> bool:
    """Whether the quote at i is a C++14 digit separator (1'000), not a char literal."""
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_'"):
        j -= 1
    return j < i and text[j].isdigit() and i + 1 < len(text) and text[i + 1].isalnum()


def _literal_end(text: str, i: int, quote: str) -> int:
    """The offset just past the string or char literal whose opening quote is at i."""
    j = i + 1
    while j < len(text) and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, len(text))


def _raw_string_end(text: str, i: int) -> int:
    """The offset just past the raw string R"delim(...)delim" whose quote is at i."""
    paren = text.find("(", i)
    delim = text[i + 1:paren]
    end = text.find(")" + delim + '"', paren)
    return len(text) if end < 0 else end + len(delim) + 2


def _preprocessor_end(text: str, i: int) -> int:
    """The end of the directive starting at i, following backslash continuations."""
    j = text.find("\n", i)
    while j > 0 and text[j - 1] == "\\":
        j = text.find("\n", j + 1)
    return len(text) if j < 0 else j


def mask_code(text: str) -> str:
    """The source with comments, literals and preprocessor lines blanked (same length)."""
    chars = list(text)
    i, n, line_start = 0, len(text), True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start, i = True, i + 1
            continue
        if line_start and c == "#":
            end = _preprocessor_end(text, i)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif c == '"' and i > 0 and text[i - 1] == "R" and not text[i - 2:i - 1].isalnum():
            end = _raw_string_end(text, i)
        elif c == '"' or (c == "'" and not _is_digit_separator(text, i)):
            end = _literal_end(text, i, c)
        else:
            line_start = line_start and c.isspace()
            i += 1
            continue
        _blank(chars, i, end)
        i = end
    return "".join(chars)


# --------------------------------------------------------------------------------------
# Structure: what each brace pair is, and which function encloses an offset.


@dataclasses.dataclass
class Block:
    """One matched brace pair of the masked text."""

    open: int
    close: int
    kind: str  # namespace | class | function | control | lambda | block | init
    name: str = ""  # the function's unqualified name, for kind == "function"
    header: str = ""


CONTROL = re.compile(r"^(?:\}\s*)?(?:else\b|if\b|for\b|while\b|switch\b|catch\b|do\b|try\b)")
LAMBDA = re.compile(
    r"\[[^\[\]]*\]\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\))?\s*(?:mutable\s*)?"
    r"(?:noexcept\s*)?(?:->\s*[\w:<>,\s\*&]+)?$")
FUNCTION_TAIL = re.compile(
    r"\)\s*(?:const\s*)?(?:noexcept\s*)?(?:override\s*)?(?:final\s*)?"
    r"(?:->\s*[\w:<>,\s\*&]+)?$")
CLASS = re.compile(r"^(?:template\s*<.*>\s*)?(?:class|struct|union|enum)\b")


def _header_before(masked: str, pos: int) -> str:
    """The text between the previous ; { or } (outside parentheses) and the brace at pos."""
    depth, i = 0, pos - 1
    while i >= 0:
        c = masked[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
        elif c in ";{}" and depth <= 0:
            break
        i -= 1
    return " ".join(masked[i + 1:pos].split())


def _function_name(header: str) -> str:
    """The unqualified name before the first top-level parenthesis of a function header."""
    m = re.search(r"([~\w]+)\s*(?:<[^()]*>)?\s*\(", header)
    return m.group(1) if m else ""


def classify(header: str, inside_function: bool) -> tuple[str, str]:
    """(kind, function name) of a brace whose header text is given."""
    if header.startswith("namespace") or header.startswith("extern"):
        return "namespace", ""
    if CLASS.match(header) and "(" not in header:
        return "class", ""
    if CONTROL.match(header):
        return "control", ""
    if LAMBDA.search(header):
        return "lambda", ""
    if header == "" or header.endswith(":") and header.split()[0] in ("case", "default"):
        return "block", ""
    if FUNCTION_TAIL.search(header) and not inside_function and "=" not in header.split("(")[0]:
        return "function", _function_name(header)
    return "init", ""


def scan_blocks(masked: str) -> list[Block]:
    """Every brace pair of the masked text, outermost first by opening offset."""
    blocks: list[Block] = []
    stack: list[Block] = []
    for i, c in enumerate(masked):
        if c == "{":
            inside = any(b.kind == "function" for b in stack)
            header = _header_before(masked, i)
            kind, name = classify(header, inside)
            block = Block(i, len(masked), kind, name, header)
            blocks.append(block)
            stack.append(block)
        elif c == "}" and stack:
            stack.pop().close = i
    return blocks


def enclosing(blocks: list[Block], pos: int) -> list[Block]:
    """The blocks containing pos, outermost first."""
    return [b for b in blocks if b.open < pos < b.close]


def bug_mode_flags(masked: str) -> set[str]:
    """Names of the booleans a file sets from a bug mode: const bool x = MQSIM_BUG(k);."""
    return set(re.findall(r"\bbool\s+(\w+)\s*=\s*MQSIM_BUG\(", masked))


def bug_mode_conjunctions(masked: str, flags: set[str]) -> list[tuple[int, int]]:
    """The [start, end) spans of conjunctions guarded by a bug mode, `MQSIM_BUG(k) && ...` or
    `flag && ...`: the rest of the conjunction is never evaluated with bug modes off. A span
    ends at the `||` or the closing parenthesis, semicolon or brace of its own level."""
    names = "|".join([r"MQSIM_BUG\([^()]*\)"] + [r"\b" + re.escape(f) + r"\b" for f in flags])
    spans = []
    for m in re.finditer(r"(?:" + names + r")\s*&&", masked):
        depth, i = 0, m.start()
        while i < len(masked):
            c = masked[i]
            if c in "([{":
                depth += 1
            elif c in ")]}" or (c == ";" and depth == 0):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and masked.startswith("||", i):
                break
            i += 1
        spans.append((m.start(), i))
    return spans


def is_bug_mode_block(block: Block, flags: set[str] = frozenset()) -> bool:
    """Whether the block only runs with a bug mode switched on: `if (MQSIM_BUG(...)) {`, or
    `if (flag) {` for a flag set from one."""
    m = re.match(r"^(?:\}\s*)?(?:else\s+)?if\s*\((.*)\)$", block.header)
    if block.kind != "control" or m is None:
        return False
    return "MQSIM_BUG(" in m.group(1) or m.group(1).strip() in flags


# --------------------------------------------------------------------------------------
# Mutants.


@dataclasses.dataclass
class Mutant:
    """One textual edit at one place of one file."""

    id: str
    file: str
    line: int
    operator: str
    start: int  # offsets into the original text
    end: int
    original: str
    replacement: str
    before: str  # the whole original line(s), stripped
    after: str  # the same line(s) mutated, stripped

    def record(self) -> dict:
        return {"id": self.id, "file": self.file, "line": self.line,
                "operator": self.operator, "before": self.before, "after": self.after}


@dataclasses.dataclass
class Edit:
    """An edit proposed by an operator, before it gets its id."""

    start: int
    end: int
    replacement: str


class Source:
    """One file's text, its masked text and its structure, with line helpers."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.masked = mask_code(text)
        self.blocks = scan_blocks(self.masked)
        self.bug_flags = bug_mode_flags(self.masked)
        self.bug_spans = bug_mode_conjunctions(self.masked, self.bug_flags)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, pos: int) -> int:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def line_span(self, line: int) -> tuple[int, int]:
        """[start, end) of a 1-based line, without its newline."""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return start, len(self.text) if end < 0 else end

    def masked_line(self, line: int) -> str:
        start, end = self.line_span(line)
        return self.masked[start:end]

    def in_function(self, pos: int) -> bool:
        return any(b.kind == "function" for b in enclosing(self.blocks, pos))

    def function_name(self, pos: int) -> str:
        names = [b.name for b in enclosing(self.blocks, pos) if b.kind == "function"]
        return names[0] if names else ""

    def skipped(self, pos: int) -> bool:
        """Whether pos is in a bug-mode-only block or condition (unreachable in judged runs)."""
        if any(start <= pos < end for start, end in self.bug_spans):
            return True
        return any(is_bug_mode_block(b, self.bug_flags) for b in enclosing(self.blocks, pos))


OPERAND_LEFT = re.compile(r"[\w\)\]]")
OPERAND_RIGHT = re.compile(r"[\w\(\-!\*&:~]")
RELOP_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}


def relop_edits(src: Source) -> Iterator[Edit]:
    """Comparison operators with spaces both sides and operands beyond the spaces."""
    for m in re.finditer(r"(?<= )(<=|>=|==|!=|<|>)(?= )", src.masked):
        before, after = src.masked[m.start() - 2:m.start() - 1], src.masked[m.end() + 1:m.end() + 2]
        if not (OPERAND_LEFT.match(before) and OPERAND_RIGHT.match(after)):
            continue
        if src.masked[m.start() - 2:m.start()] == "operator" or not src.in_function(m.start()):
            continue
        yield Edit(m.start(), m.end(), RELOP_SWAP[m.group(1)])


def call_name(masked: str, pos: int) -> str:
    """The name of the call whose parentheses enclose pos ("" if none)."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        c = masked[i]
        if c in ";{}":
            return ""
        depth += c == ")"
        depth -= c == "("
        if depth < 0:
            m = re.search(r"(\w+)\s*$", masked[:i])
            return m.group(1) if m else ""
    return ""


def off_by_one_edits(src: Source) -> Iterator[Edit]:
    """x + 1 and x - 1: the one dropped, then the sign flipped (not in std::to_string's
    argument, which only builds error messages)."""
    for m in re.finditer(r"(?<=[\w\)\]]) ([+-]) 1(?![\w'.])", src.masked):
        if not src.in_function(m.start()) or call_name(src.masked, m.start()) == "to_string":
            continue
        yield Edit(m.start(), m.end(), "")
        yield Edit(m.start() + 1, m.start() + 2, "-" if m.group(1) == "+" else "+")


def _statement_span(src: Source, pos: int) -> tuple[int, int] | None:
    """[start of its first line, end of its last line] of the statement containing pos,
    when that statement occupies whole lines of its own (else None)."""
    first = src.line_of(pos)
    while first > 1 and not _starts_statement(src, first):
        first -= 1
    start = src.line_span(first)[0]
    end, depth = None, 0
    for i in range(start, len(src.masked)):
        c = src.masked[i]
        depth += c == "(" or c == "["
        depth -= c == ")" or c == "]"
        if c in "{}":
            return None
        if c == ";" and depth == 0:
            end = i + 1
            break
    if end is None or end < pos or src.masked[end:src.line_span(src.line_of(end))[1]].strip():
        return None
    return start, src.line_span(src.line_of(end - 1))[1]


def _previous_code_line(src: Source, line: int) -> str:
    """The last non-blank masked line above line (empty at the top of the file)."""
    for other in range(line - 1, 0, -1):
        text = src.masked_line(other).strip()
        if text:
            return text
    return ""


def _starts_statement(src: Source, line: int) -> bool:
    """Whether a statement starts at the beginning of this line (the code line above ends
    one, opens or closes a block, or is a case label)."""
    above = _previous_code_line(src, line)
    if not src.masked_line(line).strip():
        return False
    return above == "" or above[-1] in ";{}" or re.match(r"^(case\b|default\s*:)", above) is not None


def _delete_lines(src: Source, start: int, end: int) -> Edit:
    """An edit deleting the lines [start, end) spans, newline included."""
    return Edit(start, min(end + 1, len(src.text)), "")


def _sync_call_edit(src: Source, m: re.Match) -> Edit | None:
    """The statement holding a sync call deleted, or the call made an OK status."""
    span = _statement_span(src, m.start())
    if span is not None:
        stmt = " ".join(src.masked[span[0]:span[1]].split())
        if not re.match(r"^(?:return\b|co_return\b)", stmt) and not _is_declaration(stmt) and \
                not re.match(r"^\S+\s*=[^=]", stmt) and not _is_function_start(src, span[1]):
            return _delete_lines(src, *span)
    close = _matching_paren(src.masked, m.end() - 1)
    if close is None:
        return None
    receiver = re.search(r"(?:\w+(?:\(\))?(?:->|\.))+$", src.masked[:m.start()])
    start = receiver.start() if receiver else m.start()
    ok = "rocksdb::IOStatus::OK()" if receiver else "absl::OkStatus()"
    return Edit(start, close + 1, ok)


def _is_function_start(src: Source, end: int) -> bool:
    return src.masked[end:end + 200].lstrip().startswith("{")


def _matching_paren(masked: str, open_pos: int) -> int | None:
    depth = 0
    for i in range(open_pos, len(masked)):
        depth += masked[i] == "("
        depth -= masked[i] == ")"
        if depth == 0:
            return i
    return None


def drop_sync_edits(src: Source) -> Iterator[Edit]:
    """Calls and flags that make data durable, removed or turned off."""
    for m in SYNC_CALL.finditer(src.masked):
        if not src.in_function(m.start()):
            continue
        edit = _sync_call_edit(src, m)
        if edit is not None:
            yield edit
    for m in re.finditer(r"\bsync\s*=\s*([^;=][^;]*);", src.masked):
        if src.in_function(m.start()) and m.group(1).strip() != "false":
            yield Edit(m.start(1), m.end(1), "false")
    for m in re.finditer(r"/\*\s*sync\s*=\s*\*/\s*(true)\b", src.text):
        if src.in_function(m.start()):
            yield Edit(m.start(1), m.end(1), "false")


# Not statements, or not worth deleting (an assertion deleted can only make a run pass).
NOT_A_STATEMENT = re.compile(r"^(?:return|co_return|break|continue|case|default|goto|using|"
                             r"typedef|static_assert|template|friend|public|private|protected|"
                             r"MQSIM_ASSERT\w*|assert|DCHECK\w*|CHECK\w*)\b")
DECLARATION = re.compile(
    r"^(?:(?:const|constexpr|static|thread_local|volatile|inline|unsigned|signed)\s+)*"
    r"(?:auto\s*[&\*]*\s*\[|[A-Za-z_][\w:]*(?:<.*?>)?(?:\s*[\*&]+\s*|\s+)[\*&]*[A-Za-z_]\w*"
    r"\s*(?:[=;\(\{\[,]|$))")


def _is_declaration(stmt: str) -> bool:
    return DECLARATION.match(stmt) is not None and not re.match(r"^(?:delete|throw)\b", stmt)


def _droppable(src: Source, line: int) -> tuple[int, int] | None:
    """The span of a simple statement starting at this line that may be deleted."""
    text = src.masked_line(line).strip()
    if not text or not _starts_statement(src, line) or NOT_A_STATEMENT.match(text):
        return None
    pos = src.line_span(line)[0] + len(src.masked_line(line)) - len(src.masked_line(line).lstrip())
    chain = enclosing(src.blocks, pos)
    if not chain or chain[-1].kind not in ("function", "control", "block", "lambda"):
        return None
    if not any(b.kind == "function" for b in chain):
        return None
    span = _statement_span(src, pos)
    if span is None or src.line_of(span[1]) - line > 3:
        return None
    stmt = " ".join(src.masked[span[0]:span[1]].split())
    if _is_declaration(stmt) or re.search(r"\breturn\b", stmt) or stmt.endswith(") const;"):
        return None
    return span


def drop_stmt_edits(src: Source) -> Iterator[Edit]:
    """Whole simple statements deleted, in recovery/retention/ack/... code."""
    file_matches = DROP_STMT_NAMES.search(os.path.basename(src.path)) is not None
    for line in range(1, len(src.line_starts) + 1):
        span = _droppable(src, line)
        if span is None:
            continue
        if file_matches or DROP_STMT_NAMES.search(src.function_name(span[0])):
            yield _delete_lines(src, *span)


# `if (!s.ok())`: the error check every call makes; flipped, every run fails at once, so
# such mutants cost a build each and teach nothing.
ERROR_CHECK = re.compile(r"[\w.\->\[\]\*]+\.ok\(\)\)")


def bool_flip_edits(src: Source) -> Iterator[Edit]:
    """true/false swapped in assignments and returns; `if (!c` made `if (c` (but not
    `if (!s.ok())`)."""
    for m in re.finditer(r"(?:[^=!<>]=|\breturn)\s+(true|false)\s*;", src.masked):
        if src.in_function(m.start(1)):
            yield Edit(m.start(1), m.end(1), "false" if m.group(1) == "true" else "true")
    for m in re.finditer(r"\bif \((!)(?!=)", src.masked):
        if src.in_function(m.start()) and not ERROR_CHECK.match(src.masked, m.end()):
            yield Edit(m.start(1), m.end(1), "")


OPERATOR_EDITS = {
    "relop": relop_edits,
    "off_by_one": off_by_one_edits,
    "drop_sync": drop_sync_edits,
    "drop_stmt": drop_stmt_edits,
    "bool_flip": bool_flip_edits,
}


def _mutated_lines(src: Source, edit: Edit) -> tuple[int, str, str]:
    """(first line, before, after) of the lines an edit touches, whitespace collapsed."""
    first = src.line_of(edit.start)
    last = src.line_of(max(edit.start, edit.end - 1))
    start, end = src.line_span(first)[0], src.line_span(last)[1]
    before = src.text[start:end]
    after = before[:edit.start - start] + edit.replacement + before[edit.end - start:]
    return first, " ".join(before.split()), " ".join(after.split()) or "(deleted)"


def mutants_of_source(path: str, text: str, operators: Iterable[str] = OPERATORS) -> list[Mutant]:
    """The mutants of one file by line, of the given operators. Every operator is
    enumerated and deduplicated first, so ids do not depend on the operators asked for."""
    src = Source(path, text)
    seen: set[tuple[int, int, str]] = set()
    result: list[Mutant] = []
    for op in OPERATORS:
        per_line: dict[int, int] = {}
        for edit in sorted(OPERATOR_EDITS[op](src), key=lambda e: (e.start, e.end)):
            key = (edit.start, edit.end, edit.replacement)
            if key in seen or src.skipped(edit.start) or text[edit.start:edit.end] == edit.replacement:
                continue
            seen.add(key)
            line, before, after = _mutated_lines(src, edit)
            per_line[line] = per_line.get(line, 0) + 1
            result.append(Mutant(f"{path}:{line}:{op}:{per_line[line]}", path, line, op,
                                 edit.start, edit.end, text[edit.start:edit.end],
                                 edit.replacement, before, after))
    wanted = set(operators)
    return sorted((m for m in result if m.operator in wanted),
                  key=lambda m: (m.line, OPERATORS.index(m.operator), m.start))


def is_mutable_file(path: str) -> bool:
    """storage/ C++ sources, not tests, not BUILD files."""
    name = os.path.basename(path)
    return path.startswith("storage/") and name.endswith((".cc", ".h")) and \
        not name.endswith("_test.cc")


def matches_files(path: str, globs: str | None) -> bool:
    return globs is None or any(fnmatch.fnmatch(path, g.strip()) for g in globs.split(","))


def enumerate_mutants(root: str, files: Iterable[str], operators: Iterable[str] = OPERATORS,
                      globs: str | None = None) -> list[Mutant]:
    """The mutants of every selected file under root, files in sorted order."""
    result: list[Mutant] = []
    for path in sorted(files):
        if is_mutable_file(path) and matches_files(path, globs):
            with open(os.path.join(root, path), encoding="utf-8") as f:
                result.extend(mutants_of_source(path, f.read(), operators))
    return result


def sample_mutants(mutants: list[Mutant], n: int | None, seed: int) -> list[Mutant]:
    """n mutants drawn with random.Random(seed), kept in enumeration order."""
    if n is None or n >= len(mutants):
        return list(mutants)
    picked = set(random.Random(seed).sample(range(len(mutants)), n))
    return [m for i, m in enumerate(mutants) if i in picked]


# --------------------------------------------------------------------------------------
# Applying an edit to a file, and restoring it.


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


# --------------------------------------------------------------------------------------
# Results and reports.


def load_results(path: str) -> list[dict]:
    """The records of results.jsonl (a torn last line, from a kill, is ignored)."""
    if not os.path.exists(path):
        return []
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return records


def pending(mutants: list[Mutant], done: list[dict]) -> list[Mutant]:
    """The mutants whose ids have no result yet (--resume)."""
    ids = {r["id"] for r in done}
    return [m for m in mutants if m.id not in ids]


def append_result(path: str, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _verdict(record: dict, judge: str) -> str | None:
    """killed | survived | build_failed | None (not judged) of one record for one score:
    'sweeps' or 'suite' alone, or 'all' (every judge that ran)."""
    if record["status"] == "build_failed":
        return "build_failed"
    if judge == "all":
        return "survived" if record["status"] == "survived" else "killed"
    j = record.get("judges", {}).get(judge)
    if j is None:
        return None
    return "survived" if j["status"] == "survived" else "killed"


def score_of(records: list[dict], judge: str) -> dict:
    """Counts and score = killed / (killed + survived) of records under one judge."""
    counts = {"killed": 0, "survived": 0, "build_failed": 0}
    for r in records:
        v = _verdict(r, judge)
        if v is not None:
            counts[v] += 1
    judged = counts["killed"] + counts["survived"]
    return {**counts, "score": round(counts["killed"] / judged, 4) if judged else None}


def score_names(records: list[dict]) -> list[str]:
    """The scores a report shows: each judge that ran, and both together."""
    judges = sorted({j for r in records for j in r.get("judges", {})},
                    key=lambda j: ("sweeps", "suite").index(j))
    return judges + (["all"] if len(judges) > 1 else [])


def compute_report(records: list[dict]) -> dict:
    """report.json: totals, scores per judge, per operator and per file, survivors."""
    statuses = ("killed", "survived", "build_failed", "timeout")
    names = score_names(records)

    def group(key: str) -> dict:
        keys = sorted({r[key] for r in records})
        return {k: {n: score_of([r for r in records if r[key] == k], n) for n in names}
                for k in keys}

    return {
        "mutants": len(records),
        "totals": {s: sum(r["status"] == s for r in records) for s in statuses},
        "scores": {n: score_of(records, n) for n in names},
        "per_operator": group("operator"),
        "per_file": group("file"),
        "killers": _killers(records),
        "survivors": [{k: r[k] for k in ("id", "before", "after")}
                      for r in records if r["status"] == "survived"],
        "seconds_per_mutant": round(sum(r.get("seconds", 0) for r in records) / len(records), 1)
        if records else None,
    }


def _killers(records: list[dict]) -> dict:
    """Per judge, how many mutants each killer (sweep name, failing targets) killed."""
    result: dict = {}
    for r in records:
        for judge, v in sorted(r.get("judges", {}).items()):
            if v["status"] != "survived":
                by = result.setdefault(judge, {})
                by[v["killer"]] = by.get(v["killer"], 0) + 1
    return {j: dict(sorted(k.items(), key=lambda kv: (-kv[1], kv[0]))) for j, k in result.items()}


SCORE_TITLES = {"sweeps": "sweeps", "suite": "suite", "all": "sweeps+suite"}


def _pct(score: float | None) -> str:
    return "–" if score is None else f"{100 * score:.0f}%"


def _table(title: str, groups: dict, names: list[str]) -> list[str]:
    head = f"| {title} | killed | survived | build failed | " + \
        " | ".join(f"score ({SCORE_TITLES[n]})" for n in names) + " |"
    lines = [head, "|" + "---|" * (4 + len(names))]
    for key, scores in groups.items():
        s = scores[names[-1]]
        lines.append(f"| `{key}` | {s['killed']} | {s['survived']} | {s['build_failed']} | " +
                     " | ".join(_pct(scores[n]["score"]) for n in names) + " |")
    return lines


def render_markdown(report: dict) -> str:
    """report.md: scores, the per-operator and per-file tables, the survivors."""
    names = list(report["scores"])
    lines = ["# Mutation testing of storage/", "",
             f"{report['mutants']} mutants: " +
             ", ".join(f"{v} {k}" for k, v in report["totals"].items()) +
             f"; {report['seconds_per_mutant']} s per mutant on average.", ""]
    lines += [f"- score ({SCORE_TITLES[n]}): **{_pct(s['score'])}** "
              f"({s['killed']} killed, {s['survived']} survived)"
              for n, s in report["scores"].items()]
    lines += ["", "Score = killed / (killed + survived); mutants that do not build are left out; "
              "a judge that times out kills its mutant."]
    if "all" in names:
        lines += ["The suite judges only the mutants the sweeps left alive (`--judge both`)."]
    lines += ["", "## Per operator", ""]
    lines += _table("operator", report["per_operator"], names) if names else []
    lines += ["", "## Per file", ""]
    lines += _table("file", report["per_file"], names) if names else []
    lines += ["", "## Killers", "", "| judge | killer | mutants |", "|---|---|---|"]
    lines += [f"| {judge} | {killer} | {n} |" for judge, killers in report["killers"].items()
              for killer, n in killers.items()]
    lines += ["", f"## Survivors ({len(report['survivors'])})", "",
              "Each needs an explanation: an equivalent mutant, or a gap in the checks.", ""]
    for s in report["survivors"]:
        lines += [f"- `{s['id']}`", "  ```diff", f"  - {s['before']}", f"  + {s['after']}",
                  "  ```"]
    return "\n".join(lines) + "\n"


def write_reports(out_dir: str) -> dict:
    report = compute_report(load_results(os.path.join(out_dir, "results.jsonl")))
    with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown(report))
    return report


# --------------------------------------------------------------------------------------
# Subprocesses: each in its own process group, killed whole on timeout.


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


def _on_signal(signum, frame):
    if _CURRENT is not None:
        _kill_group(_CURRENT)
    raise Interrupted(signal.Signals(signum).name)


# --------------------------------------------------------------------------------------
# The scratch copy, the build and the judges.


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


# --------------------------------------------------------------------------------------
# The command line.


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
        print("mutate: " + ", ".join(f"score ({SCORE_TITLES[n]}) {_pct(s['score'])}"
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
        signal.signal(sig, _on_signal)
    try:
        return run(args)
    except Interrupted as e:
        print(f"mutate: stopped ({e}); the scratch file was restored, bazel shut down; "
              f"--resume continues", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
