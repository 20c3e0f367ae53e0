"""Java regex translation: what Java's Pattern matches, Python matches; the rest is rejected."""

from __future__ import annotations

import pytest

from connectrt.transforms.java_regex import (
    JavaRegexError,
    JavaReplacementError,
    compile_java_regex,
    compile_java_replacement,
    replace_first,
    translate_java_regex,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("foo", "foo", True),
        ("foo", "foobar", False),  # Matcher.matches() needs the whole input
        ("(.*)", "orig", True),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "index-20160117", True),
        (r"\d+", "٣", False),  # \d is ASCII in Java
        (r"\w+", "é", False),  # so is \w
        (r"\s", "\u00a0", False),
        (r"\s", "\x0b", True),
        ("a.b", "a\nb", False),
        ("a.b", "a\rb", False),  # Java's . excludes \r, \u0085, \u2028, \u2029 too
        ("a.b", "a\u2028b", False),
        ("(?d)a.b", "a\rb", True),  # UNIX_LINES: only \n ends a line
        ("(?s)a.b", "a\nb", True),
        ("a(?s).b", "a\nb", True),
        # \Q...\E quoting
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        (r"\Qa.b", "a.b", True),  # unterminated quote runs to the end
        (r"\Q(x)\E+", "(x))", True),  # the quantifier applies to the last quoted char only
        # named groups and back references
        ("(?<word>ab)\\k<word>", "abab", True),
        (r"(a)\1", "aa", True),
        (r"(a)\11", "aa1", True),  # Java: \11 is \1 then '1' when there is one group
        (r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10", "abcdefghijj", True),
        # embedded flags keep Java's scope: to the end of the group, across |
        ("(?i)abc", "ABC", True),
        ("a(?i)b|c", "aB", True),
        ("a(?i)b|c", "C", True),
        ("a(?i)b|c", "Ab", False),
        ("(?i:a)b", "AB", False),
        ("((?i)a)b", "Ab", True),
        ("((?i)a)b", "AB", False),
        ("(?i)a(?-i)b", "Ab", True),
        ("(?i)a(?-i)b", "AB", False),
        ("(?i)k", "\u212a", False),  # ASCII-only case folding without (?u)
        ("(?iu)k", "\u212a", True),
        ("(?x) a b # comment", "ab", True),
        ("(?x)[a b]+", "ab", True),  # comments mode ignores whitespace in classes too
        (r"(?x)a\ b", "a b", True),
        # anchors and line terminators
        ("^abc$", "abc", True),
        ("(?m)a$\\nb", "a\nb", True),
        (r"\Aab\z", "ab", True),
        # possessive quantifiers and atomic groups
        ("a*+a", "aaa", False),
        ("a*a", "aaa", True),
        ("(?>a+)b", "aab", True),
        ("a{2,3}+", "aaa", True),
        # POSIX classes and the other Java escapes
        (r"\p{Alpha}+\p{Digit}", "abc1", True),
        (r"\p{IsAlphabetic}", "a", None),
        (r"\P{Digit}", "a", True),
        (r"[\p{Upper}\d]+", "A1B", True),
        (r"\p{Punct}", "!", True),
        (r"\p{XDigit}+", "fF09", True),
        (r"\h\v\R", "\t\n\r\n", True),
        (r"\e\cA\t", "\x1b\x01\t", True),
        (r"\0101\x41\u0041\x{41}", "AAAA", True),
        (r"\N{LATIN SMALL LETTER A}", "a", True),
        # classes
        ("[a-c[x-z]]+", "axz", True),
        ("[]a]+", "]a", True),
        ("[a-]+", "a-", True),
        ("[^a-z]", "A", True),
        ("(?i)[a-z]", "Q", True),
        (r"[\w.-]+", "my.topic-1", True),
        (r"[\s\S]", "\n", True),
        # literals Python would read differently
        ("x]}", "x]}", True),
        (r"\$\{topic\}", "${topic}", True),
        ("a|", "", True),
    ],
)
def test_full_match_like_java(pattern: str, text: str, matches: bool | None) -> None:
    if matches is None:
        with pytest.raises(JavaRegexError):
            compile_java_regex(pattern)
        return
    assert (compile_java_regex(pattern).fullmatch(text) is not None) is matches


def test_dollar_before_a_final_line_terminator() -> None:
    assert compile_java_regex("abc$").search("abc\r\n") is not None
    assert compile_java_regex("abc$").search("abc\u2028") is not None
    assert compile_java_regex("abc$").search("abc\n\n") is None
    assert compile_java_regex(r"abc\Z").search("abc\n") is not None
    assert compile_java_regex(r"abc\z").search("abc\n") is None


def test_multiline_caret_never_matches_at_the_end() -> None:
    assert compile_java_regex("(?m)^b").search("a\nb") is not None
    assert compile_java_regex("(?m)^").search("a\n", 2) is None
    assert compile_java_regex("(?m)^b").search("a\r\nb") is not None


@pytest.mark.parametrize(
    ("pattern", "python"),
    [
        ("(?<year>\\d{4})", "(?P<year>[0-9]{4})"),
        (r"\Qa.b\E", r"a\.b"),
        ("a(?i)b|c", "a(?i:b)|(?i:c)"),
        (r"\p{Lower}", "[a-z]"),
    ],
)
def test_translation(pattern: str, python: str) -> None:
    assert translate_java_regex(pattern) == python


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(abc", "Unclosed group near index 4"),
        ("abc)", "Unmatched closing ')'"),
        ("a**", "Dangling meta character '*' near index 2"),
        ("*a", "Dangling meta character '*' near index 0"),
        ("{x}", "Illegal repetition near index 0"),
        ("${topic}", "Illegal repetition near index 1"),
        ("a{3,2}", "Illegal repetition range"),
        ("[z-a]", "Illegal character range"),
        ("[abc", "Unclosed character class"),
        (r"\y", "Illegal/unsupported escape sequence"),
        ("x\\", "Unexpected internal error"),
        (r"\0", "Illegal octal escape sequence"),
        (r"\xZZ", "Illegal hexadecimal escape sequence"),
        ("(?<1a>x)", "named capturing group is missing trailing '>'"),
        ("(?<a>x)(?<a>y)", "Named capturing group <a> is already defined"),
        (r"\k<nope>", "named capturing group <nope> does not exist"),
        ("(?q)a", "Unknown inline modifier"),
        # constructs Python's re cannot express: rejected, never approximated
        (r"\p{L}+", r"Unsupported Java regex construct \p{L}"),
        (r"\p{IsLatin}", "Unsupported Java regex construct"),
        (r"\pL", "Unsupported Java regex construct"),
        ("[a-z&&[^aeiou]]", "Unsupported Java regex construct &&"),
        (r"\Ga", r"Unsupported Java regex construct \G"),
        (r"\X", "Unsupported Java regex construct"),
        (r"\b{g}", "Unsupported Java regex construct"),
        ("(?U)a", "Unsupported Java regex construct (?U)"),
        ("[a[^b]]", "Unsupported Java regex construct"),
        (r"[\P{Alpha}]", "Unsupported Java regex construct"),
        (r"[\H]", "Unsupported Java regex construct"),
        ("(?<=a+)b", "ook-behind requires fixed-width pattern"),
    ],
)
def test_invalid_or_unsupported_patterns(pattern: str, message: str) -> None:
    with pytest.raises(JavaRegexError) as e:
        compile_java_regex(pattern)
    assert message in str(e.value)
    assert pattern in str(e.value)


def test_error_message_has_javas_shape() -> None:
    with pytest.raises(JavaRegexError) as e:
        compile_java_regex("(abc")
    assert str(e.value) == "Unclosed group near index 4\n(abc"
    with pytest.raises(JavaRegexError) as e:
        compile_java_regex("a**")
    assert str(e.value) == "Dangling meta character '*' near index 2\na**\n  ^"


@pytest.mark.parametrize(
    ("pattern", "replacement", "text", "expected"),
    [
        ("foo", "bar", "foo", "bar"),
        ("(.*)", "$1", "orig", "orig"),
        ("(.*)", "prefix-$1", "orig", "prefix-orig"),
        ("(.*)", "$1-suffix", "orig", "orig-suffix"),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117", "index"),
        ("(?<db>[^.]+)\\.(?<table>.+)", "${table}_${db}", "inv.orders", "orders_inv"),
        ("(a)(b)?", "[$2]", "a", "[]"),  # an unmatched group is empty
        ("(a)", "$12", "a", "a2"),  # $12 is group 1 then '2' with one group
        ("(a)", "\\$1", "a", "$1"),
        ("(a)", "\\\\$1", "a", "\\a"),
        ("(a)", "$0$0", "a", "aa"),
        # replaceFirst replaces the first match found from the start, which may be shorter
        ("a|ab", "X", "ab", "Xb"),
    ],
)
def test_replacement_like_javas_replace_first(
    pattern: str, replacement: str, text: str, expected: str
) -> None:
    regex = compile_java_regex(pattern)
    assert regex.fullmatch(text)
    assert replace_first(regex, compile_java_replacement(replacement, regex), text) == expected


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("$", "Illegal group reference: group index is missing"),
        ("$x", "Illegal group reference"),
        ("$2", "No group 2"),
        ("${nope}", "No group with name {nope}"),
        ("${}", "named capturing group has 0 length name"),
        ("${a", "named capturing group is missing trailing '}'"),
        ("a\\", "character to be escaped is missing"),
    ],
)
def test_invalid_replacements(replacement: str, message: str) -> None:
    with pytest.raises(JavaReplacementError, match=None) as e:
        compile_java_replacement(replacement, compile_java_regex("(a)"))
    assert str(e.value) == message
