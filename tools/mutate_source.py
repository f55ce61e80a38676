"""Structure of one masked C++ file for tools/mutate.py: brace blocks and bug modes.

Contract: scan_blocks(masked) matches every brace pair and classifies it (namespace,
class, function, control, lambda, block, init); enclosing() gives the blocks around an
offset; the bug_mode_* helpers find code that only runs with an MQSIM_BUG mode on. Source
bundles a file's text, masked text, blocks and bug-mode spans with line helpers; it is the
input of every mutation operator. Pure, standard library only.
"""

from __future__ import annotations

import dataclasses
import re

from mutate_mask import mask_code


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
