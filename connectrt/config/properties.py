"""Reading Java ``.properties`` files (the worker and connector files Kafka Connect users have)."""

from __future__ import annotations

from pathlib import Path

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if (
                n == "u"
                and i + 5 < len(text) + 0
                and all(ch in "0123456789abcdefABCDEF" for ch in text[i + 2 : i + 6])
            ):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if pending == "" and (not line or line[0] in "#!"):
            continue
        # A line ending in an odd number of backslashes continues on the next line.
        stripped = line
        backslashes = len(stripped) - len(stripped.rstrip("\\"))
        if backslashes % 2 == 1:
            pending += stripped[:-1]
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def parse_properties(text: str) -> dict[str, str]:
    """Parse ``.properties`` text as ``java.util.Properties.load`` does."""
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        key_end = len(line)
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if c in "=: \t\f":
                key_end = i
                break
            i += 1
        key = line[:key_end]
        rest = line[key_end:].lstrip(" \t\f")
        if rest[:1] in ("=", ":") and key_end < len(line) and line[key_end] in " \t\f":
            rest = rest[1:].lstrip(" \t\f")
        elif key_end < len(line) and line[key_end] in "=:":
            rest = line[key_end + 1 :].lstrip(" \t\f")
        props[_unescape(key)] = _unescape(rest)
    return props


def load_properties(path: str | Path) -> dict[str, str]:
    return parse_properties(Path(path).read_text(encoding="latin-1" if _is_latin1(path) else "utf-8"))


def _is_latin1(path: str | Path) -> bool:
    try:
        Path(path).read_text(encoding="utf-8")
        return False
    except UnicodeDecodeError:
        return True
