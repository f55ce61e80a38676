"""Mutant enumeration and sampling for tools/mutate.py.

Contract: mutants_of_source(path, text, operators) returns the file's mutants sorted by
line, operator order and offset, deduplicated across operators (the first operator wins)
and outside bug-mode code, each with the stable id FILE:LINE:OPERATOR:K; ids do not
depend on the operators asked for. enumerate_mutants() does so for the selected storage/
files under a root; sample_mutants() draws a deterministic subset in enumeration order.
Reads files, writes nothing.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import random
from typing import Iterable

from mutate_operators import OPERATOR_EDITS, OPERATORS, Edit
from mutate_source import Source


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
