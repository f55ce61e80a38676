"""The five mutation operators of tools/mutate.py: where each proposes one textual edit.

Contract: each *_edits(src) function takes a Source and yields Edit(start, end,
replacement) proposals, offsets into src.text, in any order and possibly duplicated or
inside bug-mode code (mutate_enum filters, orders and names them). OPERATORS lists the
operators in their precedence order; OPERATOR_EDITS maps each to its function.
Pure, standard library only.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Iterator

from mutate_source import Source, enclosing

OPERATORS = ("relop", "off_by_one", "drop_sync", "drop_stmt", "bool_flip")
DROP_STMT_NAMES = re.compile(
    r"recovery|retention|ack|expire|evict|reopen|load|purge|delete|seek", re.I)
SYNC_CALL = re.compile(r"\b(?:Sync|Fsync|SyncWAL|FlushWAL|SyncDirectory|SyncNow)\s*\(")


@dataclasses.dataclass
class Edit:
    """An edit proposed by an operator, before it gets its id."""

    start: int
    end: int
    replacement: str


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
                             r"MQSIM_ASSERT\w*|assert|DCHECK\w*|CHECK\w*|MQSIM_PROBE)\b")
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
