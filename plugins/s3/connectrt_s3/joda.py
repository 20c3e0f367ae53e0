"""Joda-Time ``DateTimeFormat`` patterns, as ``path.format`` uses them (``'year'=YYYY/'month'=MM``).

Pattern letters follow Joda (``Y`` is year of era, ``y`` year, ``M`` month, ``d`` day, ``H`` hour, ``m`` minute,
``s`` second, ``S`` fraction, ``D`` day of year, ``E`` day name, ``a`` AM/PM, ``h``/``K``/``k`` 12/24-hour
clocks, ``w``/``x``/``e`` ISO week fields, ``Z`` offset, ``z`` zone, ``G`` era, ``C`` century); text between
single quotes is literal (``''`` is a quote). Month and day names are English whatever ``locale`` says.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from connectrt.config.configdef import ConfigException

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Piece = Callable[[_dt.datetime], str]


def _num(width: int, get: Callable[[_dt.datetime], int]) -> Piece:
    return lambda d: str(get(d)).zfill(width) if get(d) >= 0 else "-" + str(-get(d)).zfill(width)


def _year(width: int, get: Callable[[_dt.datetime], int]) -> Piece:
    if width == 2:
        return lambda d: str(get(d) % 100).zfill(2)
    return _num(width, get)


def _offset(colon: bool) -> Piece:
    def fmt(d: _dt.datetime) -> str:
        off = d.utcoffset() or _dt.timedelta(0)
        minutes = int(off.total_seconds()) // 60
        if minutes == 0 and not colon:
            return "+0000"
        sign = "+" if minutes >= 0 else "-"
        h, m = divmod(abs(minutes), 60)
        return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"

    return fmt


def _piece(letter: str, count: int) -> Piece:
    if letter == "y":
        return _year(count, lambda d: d.year)
    if letter == "Y":
        return _year(count, lambda d: d.year)
    if letter == "x":
        return _year(count, lambda d: d.isocalendar()[0])
    if letter == "C":
        return _num(count, lambda d: d.year // 100)
    if letter == "G":
        return lambda d: "AD"
    if letter == "M":
        if count >= 4:
            return lambda d: _MONTHS[d.month - 1]
        if count == 3:
            return lambda d: _MONTHS[d.month - 1][:3]
        return _num(count, lambda d: d.month)
    if letter == "d":
        return _num(count, lambda d: d.day)
    if letter == "D":
        return _num(count, lambda d: d.timetuple().tm_yday)
    if letter == "w":
        return _num(count, lambda d: d.isocalendar()[1])
    if letter == "e":
        return _num(count, lambda d: d.isoweekday())
    if letter == "E":
        return (lambda d: _DAYS[d.weekday()]) if count >= 4 else (lambda d: _DAYS[d.weekday()][:3])
    if letter == "a":
        return lambda d: "AM" if d.hour < 12 else "PM"
    if letter == "H":
        return _num(count, lambda d: d.hour)
    if letter == "k":
        return _num(count, lambda d: d.hour or 24)
    if letter == "K":
        return _num(count, lambda d: d.hour % 12)
    if letter == "h":
        return _num(count, lambda d: d.hour % 12 or 12)
    if letter == "m":
        return _num(count, lambda d: d.minute)
    if letter == "s":
        return _num(count, lambda d: d.second)
    if letter == "S":
        return lambda d: f"{d.microsecond // 1000:03d}{'0' * max(0, count - 3)}"[:count]
    if letter == "Z":
        if count >= 3:
            return lambda d: str(d.tzinfo)
        return _offset(count == 2)
    if letter == "z":
        return lambda d: d.tzname() or ""
    raise ConfigException(f"Illegal pattern component: {letter * count}")


def compile_pattern(pattern: str) -> Callable[[_dt.datetime], str]:
    """A function formatting an aware datetime with a Joda pattern; raises ConfigException when invalid."""
    pieces: list[Piece | str] = []
    i, length = 0, len(pattern)
    while i < length:
        c = pattern[i]
        if c == "'":
            end = i + 1
            text = []
            while end < length:
                if pattern[end] == "'":
                    if end + 1 < length and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            if i + 1 < length and pattern[i + 1] == "'" and not text:
                pieces.append("'")
                i += 2
                continue
            pieces.append("".join(text))
            i = end + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < length and pattern[j] == c:
                j += 1
            pieces.append(_piece(c, j - i))
            i = j
        else:
            pieces.append(c)
            i += 1

    def fmt(d: _dt.datetime) -> str:
        return "".join(p if isinstance(p, str) else p(d) for p in pieces)

    return fmt
