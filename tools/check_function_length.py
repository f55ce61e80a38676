#!/usr/bin/env python3
"""No function outside tests is longer than the limit (70 lines, signature to closing brace).

A lexical check over clang-format-clean C++: comments, string and character literals are
blanked, then braces are matched. A brace opens a function body when the text before it
(since the previous ';', '{' or '}') ends a parameter list, possibly followed by
qualifiers, a trailing return type or a constructor's initialiser list, and is not a
control statement or a lambda inside another function (lambdas count toward the function
that holds them). Namespace, class, struct, enum and initialiser braces are transparent.

Usage: tools/check_function_length.py [--limit N] [--all] [FILE...]
  With no FILE, checks every tracked *.cc and *.h outside tests (*_test.cc, tests/);
  benchmarks are held to it too. --all lists every function over the limit, tests included, without failing.
"""
import re
import subprocess
import sys

CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else)\s*(\(|$)")
LAMBDA = re.compile(r"\]\s*(\([^()]*\))?\s*(mutable\s*)?(->\s*[\w:<>, ]+)?\s*$")


def blank_comments_and_literals(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and i and text[i - 1].isalnum() and text[i - 1] not in "uULs":
            out.append(c)  # a digit separator (1'000)
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_function_head(head):
    head = head.strip()
    if not head or CONTROL.search(head) or LAMBDA.search(head):
        return False
    if re.match(r"^(namespace|class|struct|union|enum)\b", head.split("\n")[-1].strip()):
        return False
    if re.search(r"\b(class|struct|union|enum|namespace)\b[^()]*$", head):
        return False
    # Drop a constructor's initialiser list, then trailing qualifiers and return types.
    head = re.sub(r"\)\s*:\s*[\w:]+[({].*$", ")", head, flags=re.S)
    head = re.sub(r"(->\s*[\w:<>,*& ]+|\b(const|noexcept|override|final|mutable)\b|\s)+$",
                  "", head)
    return head.endswith(")") and "=" not in head.split("(")[0]


def long_functions(path, limit):
    text = blank_comments_and_literals(open(path, encoding="utf-8").read())
    stack = []  # (is_function, start_line, name)
    last_stop = 0
    found = []
    for i, c in enumerate(text):
        if c in ";":
            last_stop = i + 1
        elif c == "{":
            head = text[last_stop:i]
            inside_function = any(f for f, _, _ in stack)
            is_fn = not inside_function and is_function_head(head)
            line = text.count("\n", 0, i) + 1
            start = line - head.strip().count("\n") if is_fn else line
            name = re.findall(r"([~\w:]+)\s*\(", head)
            stack.append((is_fn, start, name[0] if name else "?"))
            last_stop = i + 1
        elif c == "}":
            if not stack:
                found.append((path, text.count("\n", 0, i) + 1, "(unmatched '}')", 0))
                continue
            is_fn, start, name = stack.pop()
            end = text.count("\n", 0, i) + 1
            if is_fn and end - start + 1 > limit:
                found.append((path, start, name, end - start + 1))
            last_stop = i + 1
    if stack:
        found.append((path, 0, "(unbalanced braces: the check could not read this file)", 0))
    return found


def tracked_sources():
    files = subprocess.run(["git", "ls-files", "*.cc", "*.h"], capture_output=True,
                           text=True, check=True).stdout.split()
    return files


def is_test(path):
    return path.endswith("_test.cc") or path.startswith("tests/")


def main(argv):
    limit, show_all, files = 70, False, []
    args = iter(argv)
    for a in args:
        if a == "--limit":
            limit = int(next(args))
        elif a == "--all":
            show_all = True
        else:
            files.append(a)
    if not files:
        files = [f for f in tracked_sources() if show_all or not is_test(f)]
    found = [f for path in files for f in long_functions(path, limit)]
    for path, line, name, length in sorted(found, key=lambda f: -f[3]):
        print(f"{path}:{line}: {name} is {length} lines (limit {limit})")
    if found and not show_all:
        print(f"{len(found)} function(s) over {limit} lines")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
