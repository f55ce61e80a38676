"""Masking of C++ source text for tools/mutate.py.

Contract: mask_code(text) returns a string of exactly len(text) characters in which
comments, string, character and raw string literals and preprocessor lines (with their
backslash continuations) are blanked to spaces; newlines and every other character keep
their offsets, so positions found in the masked text are positions in the source.
Pure functions, standard library only.
"""

from __future__ import annotations


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
