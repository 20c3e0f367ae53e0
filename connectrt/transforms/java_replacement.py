"""Java's replacement strings (``Matcher.appendReplacement``) for patterns compiled by java_regex.

``$n`` takes as many digits as name an existing group, ``${name}`` a named group, ``\\c`` is ``c``; a group
that did not participate gives "". :func:`replace_first` is ``Matcher.replaceFirst``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["JavaReplacementError", "compile_java_replacement", "replace_first"]


class JavaReplacementError(ValueError):
    """A replacement string Java's Matcher would reject."""


def compile_java_replacement(replacement: str, pattern: re.Pattern[str]) -> Callable[[re.Match[str]], str]:
    """A function giving Java's ``appendReplacement`` text for a match.

    ``$n`` takes as many digits as name an existing group, ``${name}`` a named group, ``\\c`` is ``c``;
    a group that did not participate gives "". Errors Java raises while replacing are raised here,
    up front, with Java's messages.
    """
    parts: list[str | int] = []
    literal: list[str] = []
    group_count = pattern.groups
    i, n = 0, len(replacement)
    while i < n:
        c = replacement[i]
        if c == "\\":
            i += 1
            if i == n:
                raise JavaReplacementError("character to be escaped is missing")
            literal.append(replacement[i])
            i += 1
        elif c == "$":
            i += 1
            if i == n:
                raise JavaReplacementError("Illegal group reference: group index is missing")
            if replacement[i] == "{":
                i += 1
                j = i
                while j < n and replacement[j].isascii() and replacement[j].isalnum():
                    j += 1
                name = replacement[i:j]
                if not name:
                    raise JavaReplacementError("named capturing group has 0 length name")
                if j == n or replacement[j] != "}":
                    raise JavaReplacementError("named capturing group is missing trailing '}'")
                i = j + 1
                if name not in pattern.groupindex:
                    raise JavaReplacementError(f"No group with name {{{name}}}")
                ref = pattern.groupindex[name]
            else:
                d = replacement[i]
                if not ("0" <= d <= "9"):
                    raise JavaReplacementError("Illegal group reference")
                ref = int(d)
                i += 1
                while i < n and "0" <= replacement[i] <= "9":
                    candidate = ref * 10 + int(replacement[i])
                    if candidate > group_count:
                        break
                    ref = candidate
                    i += 1
                if ref > group_count:
                    raise JavaReplacementError(f"No group {ref}")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(ref)
        else:
            literal.append(c)
            i += 1
    if literal:
        parts.append("".join(literal))
    if all(isinstance(part, str) for part in parts):
        constant = "".join(parts)  # type: ignore[arg-type]
        return lambda m: constant

    frozen = tuple(parts)

    def expand(m: re.Match[str]) -> str:
        return "".join(part if isinstance(part, str) else (m.group(part) or "") for part in frozen)

    return expand


def replace_first(pattern: re.Pattern[str], replacement: Callable[[re.Match[str]], str], text: str) -> str:
    """Java's ``Matcher.replaceFirst``: replace the first match found scanning from the start."""
    return pattern.sub(replacement, text, count=1)
