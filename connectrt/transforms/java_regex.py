"""Java regular expressions (``java.util.regex.Pattern``) on Python's ``re``.

Users write Java regexes in RegexRouter, TopicNameMatches and friends. Python's ``re`` reads many of
them differently, so a Java pattern is parsed here and re-emitted as an equivalent Python pattern:

- ``\\Q...\\E`` quoting, ``(?<name>...)`` groups, ``\\k<name>`` and ``\\N`` back references (with
  Java's rule for multi-digit references);
- embedded flags anywhere in the pattern, ``(?i)``, ``(?-i)``, ``(?i:...)``, with Java's scoping (to
  the end of the enclosing group, across ``|``); ``x`` (comments) and ``d`` (UNIX_LINES) included;
- ``.``, ``^``, ``$``, ``\\Z``, ``\\z`` with Java's line terminators; ``\\w \\d \\s \\b`` and
  case-insensitivity are ASCII unless ``(?u)`` asks for Unicode case folding, as in Java;
- ``\\h \\H \\v \\V \\R``, ``\\e``, ``\\cX``, ``\\0oct``, ``\\x{...}``, POSIX ``\\p{Alpha}`` classes;
- nested character-class unions ``[a-c[x-z]]``;
- possessive quantifiers and atomic groups pass through (Python 3.11 has them).

Constructs Python cannot express exactly (Unicode ``\\p{..}`` categories and scripts, class
intersection ``&&``, ``\\G``, ``\\X``, ``(?U)``, ...) raise :class:`JavaRegexError`; callers turn it
into a ConfigException. Nothing is silently given a different meaning.

Java's replacement strings (``$1``, ``${name}``, ``\\$``) are in :mod:`connectrt.transforms.java_replacement`,
re-exported here.
"""

from __future__ import annotations

import re
import unicodedata

# Replacement strings live in their own module; re-exported here so callers need one import.
from connectrt.transforms.java_replacement import (
    JavaReplacementError,
    compile_java_replacement,
    replace_first,
)

__all__ = [
    "JavaRegexError",
    "JavaReplacementError",
    "compile_java_regex",
    "compile_java_replacement",
    "replace_first",
    "translate_java_regex",
]


class JavaRegexError(ValueError):
    """A Java pattern that is invalid, or uses a construct Python's ``re`` cannot express exactly."""

    def __init__(self, description: str, pattern: str, index: int = -1) -> None:
        self.description = description
        self.pattern = pattern
        self.index = index
        text = description
        if index >= 0:
            text += f" near index {index}"
        text += "\n" + pattern
        if 0 <= index < len(pattern):
            text += "\n" + " " * index + "^"
        super().__init__(text)


# Fragments valid inside a Python character class (global flag re.ASCII).
_W = "a-zA-Z0-9_"
_D = "0-9"
_S = "\\t\\n\\x0b\\f\\r "
_H = "\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_V = "\\n\\x0b\\f\\r\\x85\\u2028\\u2029"
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": _S,
}
_SIMPLE_SETS = {"w": _W, "d": _D, "s": _S, "h": _H, "v": _V}
_LINE_TERMINATORS = "\\n\\r\\x85\\u2028\\u2029"
_JAVA_FLAGS = "idmsuxU"
_REPETITION = re.compile(r"\{(\d+)(,(\d*))?\}")


def _class_char(c: str) -> str:
    """``c`` written so that it is one literal character inside a Python class."""
    if c.isascii():
        if c.isalnum():
            return c
        if c.isprintable() and c != " ":
            return "\\" + c
        return f"\\x{ord(c):02x}"
    return c


def _remove_qe_quoting(pattern: str) -> str:
    """Replace ``\\Q...\\E`` by escaped characters, as Java's Pattern does before parsing."""
    if "\\Q" not in pattern:
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if pattern[i + 1] != "Q":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        i += 2
        begin = True
        while i < n:
            if pattern.startswith("\\E", i):
                i += 2
                break
            c = pattern[i]
            i += 1
            if not c.isascii() or c.isalpha():
                out.append(c)
            elif c.isdigit():
                out.append("\\x3" + c if begin else c)
            else:
                out.append("\\" + c)
            begin = False
    return "".join(out)


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.original = pattern
        self.p = _remove_qe_quoting(pattern)
        self.i = 0
        self.n = len(self.p)
        self.groups = 0
        self.names: set[str] = set()

    # --- errors and reading ----------------------------------------------------------------------
    def error(self, description: str, index: int | None = None) -> JavaRegexError:
        return JavaRegexError(description, self.original, self.i if index is None else index)

    def unsupported(self, construct: str, why: str, index: int) -> JavaRegexError:
        return JavaRegexError(f"Unsupported Java regex construct {construct}: {why}", self.original, index)

    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.p[j] if j < self.n else ""

    def skip_comments(self, flags: str) -> None:
        """In comments mode (?x), skip whitespace and ``#`` comments."""
        if "x" not in flags:
            return
        p = self.p
        while self.i < self.n:
            c = p[self.i]
            if c in " \t\n\x0b\f\r":
                self.i += 1
            elif c == "#":
                while self.i < self.n and p[self.i] not in "\n\r\x85\u2028\u2029":
                    self.i += 1
            else:
                return

    # --- structure -------------------------------------------------------------------------------
    def translate(self) -> str:
        out = self.expr("")
        if self.i < self.n:
            raise self.error("Unmatched closing ')'", self.i - 1 if self.i > 0 else 0)
        return out

    def expr(self, flags: str) -> str:
        branches: list[str] = []
        current: list[str] = []
        while True:
            self.skip_comments(flags)
            if self.i >= self.n or self.p[self.i] == ")":
                break
            c = self.p[self.i]
            if c == "|":
                branches.append("".join(current))
                current = []
                self.i += 1
                continue
            atom, new_flags = self.atom(flags)
            if atom is None:
                flags = new_flags
                continue
            current.append(atom + self.quantifier(flags))
        branches.append("".join(current))
        return "|".join(branches)

    def quantifier(self, flags: str) -> str:
        self.skip_comments(flags)
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            q = c
        elif c == "{":
            start = self.i
            m = _REPETITION.match(self.p, self.i)
            if m is None:
                raise self.error("Illegal repetition", start)
            lo = int(m.group(1))
            hi = m.group(3)
            if hi and int(hi) < lo:
                raise self.error("Illegal repetition range", start)
            self.i = m.end()
            q = m.group(0)
        else:
            return ""
        mod = self.peek()
        if mod in ("?", "+"):
            self.i += 1
            q += mod
        return q

    def atom(self, flags: str) -> tuple[str | None, str]:
        """One atom in Python syntax, or (None, new flags) for an inline flag group."""
        c = self.p[self.i]
        if c == "(":
            return self.group(flags)
        if c == "[":
            return self.case(self.char_class(flags), flags), flags
        if c == "\\":
            return self.escape(flags), flags
        self.i += 1
        if c == ".":
            if "s" in flags:
                return "(?s:.)", flags
            return ("[^\\n]" if "d" in flags else f"[^{_LINE_TERMINATORS}]"), flags
        if c == "^":
            if "m" not in flags:
                return "(?:^)", flags
            if "d" in flags:
                return "(?!\\Z)(?:\\A|(?<=\\n))", flags
            return "(?!\\Z)(?:\\A|(?<=[\\n\\x85\\u2028\\u2029])|(?<=\\r)(?!\\n))", flags
        if c == "$":
            return self.dollar(flags, "m" in flags), flags
        if c in "*+?":
            raise self.error(f"Dangling meta character '{c}'", self.i - 1)
        if c == "{":
            raise self.error("Illegal repetition", self.i - 1)
        return self.literal(c, flags), flags

    @staticmethod
    def dollar(flags: str, multiline: bool) -> str:
        if "d" in flags:
            return "(?=\\n|\\Z)" if multiline else "(?=\\n?\\Z)"
        terminator = "\\r\\n|(?<!\\r)\\n|[\\r\\x85\\u2028\\u2029]"
        if multiline:
            return f"(?={terminator}|\\Z)"
        return f"(?=(?:{terminator})?\\Z)"

    def case(self, atom: str, flags: str) -> str:
        """Wrap a character-matching atom in Java's case-insensitivity, when on."""
        if "i" not in flags:
            return atom
        return ("(?iu:" if "u" in flags else "(?i:") + atom + ")"

    def literal(self, c: str, flags: str) -> str:
        text = re.escape(c) if c.isascii() or c in "\\^$.|?*+()[]{}" else c
        if c.lower() != c.upper():
            return self.case(text, flags)
        return text

    def group(self, flags: str) -> tuple[str | None, str]:
        start = self.i
        self.i += 1
        if self.peek() != "?":
            self.groups += 1
            body = self.expr(flags)
            return "(" + body + self.close(start) + ")", flags
        self.i += 1
        c = self.peek()
        if c == ":":
            self.i += 1
            prefix = "(?:"
        elif c in ("=", "!"):
            self.i += 1
            prefix = "(?" + c
        elif c == ">":
            self.i += 1
            prefix = "(?>"
        elif c == "<":
            nxt = self.peek(1)
            if nxt in ("=", "!"):
                self.i += 2
                prefix = "(?<" + nxt
            else:
                self.i += 1
                m = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)>").match(self.p, self.i)
                if m is None:
                    raise self.error("named capturing group is missing trailing '>'")
                name = m.group(1)
                if name in self.names:
                    raise self.error(f"Named capturing group <{name}> is already defined")
                self.i = m.end()
                self.groups += 1
                self.names.add(name)
                prefix = f"(?P<{name}>"
        else:
            m = re.compile(r"([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])").match(self.p, self.i)
            if m is None:
                raise self.error("Unknown inline modifier")
            on, off = m.group(1), m.group(2) or ""
            for letter in on + off:
                if letter not in _JAVA_FLAGS:
                    raise self.error("Unknown inline modifier", self.i + (on + off).index(letter))
                if letter == "U":
                    raise self.unsupported("(?U)", "Python's re has no UNICODE_CHARACTER_CLASS mode", start)
            new_flags = "".join(sorted((set(flags) | set(on)) - set(off)))
            self.i = m.end()
            if m.group(3) == ")":
                return None, new_flags
            body = self.expr(new_flags)
            return "(?:" + body + self.close(start) + ")", flags
        body = self.expr(flags)
        return prefix + body + self.close(start) + ")", flags

    def close(self, start: int) -> str:
        if self.peek() != ")":
            raise self.error("Unclosed group", self.n)
        self.i += 1
        return ""

    # --- escapes ---------------------------------------------------------------------------------
    def escape(self, flags: str) -> str:
        """An escape outside a character class, at ``\\``."""
        start = self.i
        self.i += 1
        if self.i >= self.n:
            raise self.error("Unexpected internal error", self.n)
        c = self.p[self.i]
        if c in "123456789":
            return self.backref(flags)
        if c == "k":
            self.i += 1
            m = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)>").match(self.p, self.i)
            if m is None:
                raise self.error("\\k is not followed by '<' for named capturing group")
            if m.group(1) not in self.names:
                raise self.error(f"named capturing group <{m.group(1)}> does not exist")
            self.i = m.end()
            return self.case(f"(?P={m.group(1)})", flags)
        simple = {
            "A": "\\A",
            "z": "\\Z",
            "B": "\\B",
            "R": f"(?>\\r\\n|[{_V}])",
        }
        if c in simple:
            self.i += 1
            return simple[c]
        if c == "b":
            if self.peek(1) == "{":
                raise self.unsupported("\\b{g}", "Python's re has no grapheme boundaries", start)
            self.i += 1
            return "\\b"
        if c == "Z":
            self.i += 1
            return self.dollar(flags, False)
        if c in ("G", "X"):
            raise self.unsupported(
                "\\" + c, "Python's re has no " + ("\\G anchor" if c == "G" else "grapheme clusters"), start
            )
        if c.lower() in _SIMPLE_SETS:
            self.i += 1
            body = _SIMPLE_SETS[c.lower()]
            return ("[^" if c.isupper() else "[") + body + "]"
        if c in ("p", "P"):
            body = self.property(start)
            return self.case(("[^" if c == "P" else "[") + body + "]", flags)
        ch = self.char_escape(start)
        return self.literal(ch, flags)

    def backref(self, flags: str) -> str:
        ref = int(self.p[self.i])
        self.i += 1
        while self.i < self.n and self.p[self.i].isdigit() and self.p[self.i].isascii():
            candidate = ref * 10 + int(self.p[self.i])
            if candidate > self.groups:
                break
            ref = candidate
            self.i += 1
        return self.case(f"(?:\\{ref})", flags)

    def property(self, start: int) -> str:
        """A ``\\p{Name}`` / ``\\pL`` class body, at ``p``/``P``."""
        self.i += 1
        if self.peek() == "{":
            end = self.p.find("}", self.i)
            if end < 0:
                raise self.error("Unclosed character family")
            name = self.p[self.i + 1 : end]
            self.i = end + 1
        else:
            name = self.peek()
            if not name:
                raise self.error("Illegal character family")
            self.i += 1
        key = name[2:] if name.startswith("Is") and name[2:] in _POSIX else name
        if key in _POSIX:
            return _POSIX[key]
        raise self.unsupported(
            self.p[start : self.i],
            "Python's re has no Unicode property classes; write the characters as an explicit class "
            "such as [a-zA-Z]",
            start,
        )

    def char_escape(self, start: int) -> str:
        """The single character of an escape such as ``\\t``, ``\\x41``, ``\\u0041``, at the letter."""
        p = self.p
        c = p[self.i]
        self.i += 1
        controls = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\x07", "e": "\x1b"}
        if c in controls:
            return controls[c]
        if c == "0":
            m = re.compile(r"[0-3][0-7]{2}|[0-7]{1,2}").match(p, self.i)
            if m is None:
                raise self.error("Illegal octal escape sequence")
            self.i = m.end()
            return chr(int(m.group(0), 8))
        if c == "x":
            if self.peek() == "{":
                m = re.compile(r"\{([0-9a-fA-F]+)\}").match(p, self.i)
                if m is None or int(m.group(1), 16) > 0x10FFFF:
                    raise self.error("Illegal hexadecimal escape sequence")
                self.i = m.end()
                return chr(int(m.group(1), 16))
            m = re.compile(r"[0-9a-fA-F]{2}").match(p, self.i)
            if m is None:
                raise self.error("Illegal hexadecimal escape sequence")
            self.i = m.end()
            return chr(int(m.group(0), 16))
        if c == "u":
            m = re.compile(r"[0-9a-fA-F]{4}").match(p, self.i)
            if m is None:
                raise self.error("Illegal Unicode escape sequence")
            self.i = m.end()
            code = int(m.group(0), 16)
            low = re.compile(r"\\u([dD][c-fC-F][0-9a-fA-F]{2})").match(p, self.i)
            if 0xD800 <= code <= 0xDBFF and low is not None:
                self.i = low.end()
                code = 0x10000 + ((code - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
            return chr(code)
        if c == "c":
            if self.i >= self.n:
                raise self.error("Illegal control escape sequence")
            ch = p[self.i]
            self.i += 1
            return chr(ord(ch) ^ 64)
        if c == "N":
            m = re.compile(r"\{([^}]*)\}").match(p, self.i)
            if m is None:
                raise self.error("Unknown character name")
            try:
                ch = unicodedata.lookup(m.group(1))
            except KeyError:
                raise self.error(f"Unknown character name [{m.group(1)}]")
            self.i = m.end()
            return ch
        if c.isascii() and c.isalnum():
            raise self.error("Illegal/unsupported escape sequence", self.i - 1)
        return c

    # --- character classes -----------------------------------------------------------------------
    def char_class(self, flags: str) -> str:
        """A class at ``[``, as a Python class."""
        start = self.i
        negated, body = self.class_body(flags, start)
        return ("[^" if negated else "[") + body + "]"

    def class_body(self, flags: str, start: int) -> tuple[bool, str]:
        p = self.p
        self.i += 1
        negated = False
        if self.peek() == "^":
            negated = True
            self.i += 1
        parts: list[str] = []
        first = True
        while True:
            self.skip_comments(flags)
            if self.i >= self.n:
                raise self.error("Unclosed character class", self.n - 1)
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "[":
                nested_start = self.i
                nested_negated, nested = self.class_body(flags, nested_start)
                if nested_negated:
                    raise self.unsupported(
                        p[nested_start : self.i],
                        "a negated class nested in a class has no Python equivalent",
                        nested_start,
                    )
                parts.append(nested)
                continue
            if c == "&" and self.peek(1) == "&":
                raise self.unsupported("&&", "Python's re has no character class intersection", self.i)
            single, fragment = self.class_atom(flags)
            if single is None:
                parts.append(fragment)
                continue
            # a range?
            save = self.i
            self.skip_comments(flags)
            if self.peek() == "-" and self.peek(1) not in ("]", "", "["):
                self.i += 1
                self.skip_comments(flags)
                end_single, _ = self.class_atom(flags)
                if end_single is None:
                    raise self.error("Illegal character range", self.i - 1)
                if ord(end_single) < ord(single):
                    raise self.error("Illegal character range", self.i - 1)
                parts.append(_class_char(single) + "-" + _class_char(end_single))
                continue
            self.i = save
            parts.append(_class_char(single))
        if not parts:
            raise self.error("Unclosed character class", self.n - 1)
        return negated, "".join(parts)

    def class_atom(self, flags: str) -> tuple[str | None, str]:
        """One class member: (the character, "") or (None, a set fragment)."""
        p = self.p
        c = p[self.i]
        if c != "\\":
            self.i += 1
            return c, ""
        start = self.i
        self.i += 1
        if self.i >= self.n:
            raise self.error("Unexpected internal error", self.n)
        e = p[self.i]
        low = e.lower()
        if low in _SIMPLE_SETS:
            self.i += 1
            if e.islower():
                return None, _SIMPLE_SETS[low]
            if low in "wds":
                if "i" in flags and "u" in flags:
                    raise self.unsupported("\\" + e, "not expressible in a (?iu) class", start)
                return None, "\\" + e
            raise self.unsupported("\\" + e, "a negated set inside a class has no Python equivalent", start)
        if e in ("p", "P"):
            body = self.property(start)
            if e == "P":
                raise self.unsupported(
                    p[start : self.i], "a negated set inside a class has no Python equivalent", start
                )
            return None, body
        if e in "123456789bBAzZGXRk":
            raise self.error("Illegal/unsupported escape sequence", self.i)
        return self.char_escape(start), ""


def translate_java_regex(pattern: str) -> str:
    """The Python ``re`` source (to compile with ``re.ASCII``) equivalent to a Java pattern."""
    return _Translator(pattern).translate()


def compile_java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java pattern; raises :class:`JavaRegexError` if invalid or not expressible."""
    source = translate_java_regex(pattern)
    try:
        return re.compile(source, re.ASCII)
    except re.error as e:
        raise JavaRegexError(str(e.msg[:1].upper() + e.msg[1:]), pattern, -1) from None
