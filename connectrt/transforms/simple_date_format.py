"""Java's ``java.text.SimpleDateFormat`` in UTC with the US locale: formatting and (lenient) parsing.

TimestampConverter and TimestampRouter take SimpleDateFormat patterns; this module gives the
strings Java gives. Times are epoch milliseconds, the zone is UTC, and the calendar is Java's
default GregorianCalendar (Julian before 1582-10-15), with Sunday as the first day of the week.

Pattern letters: ``G y Y M L w W D d F E u a H k K h m s S z Z X``; ``'quoted'`` text and ``''``.
Any other ASCII letter is an error, as in Java ("Illegal pattern character 'q'").

Parsing follows ``DateFormat.parse(String)``: lenient (``2024-13-01`` rolls into the next year), a
numeric field followed directly by another numeric field takes exactly its pattern width
(``yyyyMMdd``), spaces before a field are skipped, and text after the last field is ignored. Zones
parse as ``Z``, ``+hh:mm``, ``+hhmm``, ``GMT+hh:mm``, ``UTC``/``GMT``/``UT`` and their long names.
Week-based fields (``Y w W F E u``) are read but, unlike Java's calendar, not used to resolve a date.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["ParseException", "SimpleDateFormat"]

MILLIS_PER_DAY = 86_400_000
_PATTERN_LETTERS = "GyMdkHmsSEDFwWahKzZYuXL"
_NUMERIC = set("yYdkHmsSDFwWKhu")  # plus M/L when count <= 2
_DATE_ONLY = set("GyYMLdDEuFwW")
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_GREGORIAN_CUTOVER_DAY = -141_427  # 1582-10-15, the first Gregorian day of Java's default calendar
_ZONE_NAMES = {
    "coordinated universal time": 0,
    "greenwich mean time": 0,
    "utc": 0,
    "gmt": 0,
    "ut": 0,
    "z": 0,
}


class ParseException(ValueError):
    """Java's ParseException: the text does not match the pattern."""

    def __init__(self, message: str, error_offset: int) -> None:
        super().__init__(message)
        self.error_offset = error_offset


# --- calendar arithmetic -----------------------------------------------------------------------------


def _days_from_gregorian(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    return era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468


def _gregorian_from_days(z: int) -> tuple[int, int, int]:
    z += 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def _days_from_julian(y: int, m: int, d: int) -> int:
    a = (14 - m) // 12
    y2 = y + 4800 - a
    m2 = m + 12 * a - 3
    return d + (153 * m2 + 2) // 5 + 365 * y2 + y2 // 4 - 32_083 - 2_440_588


def _julian_from_days(z: int) -> tuple[int, int, int]:
    c = z + 2_440_588 + 32_082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month 1-12, day) of an epoch day in Java's default calendar (year 0 = 1 BC)."""
    if days >= _GREGORIAN_CUTOVER_DAY:
        return _gregorian_from_days(days)
    return _julian_from_days(days)


def days_from_civil(year: int, month: int, day: int) -> int:
    """The epoch day of a (lenient) year/month/day in Java's default calendar."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = _days_from_gregorian(year, month, 1) + day - 1
    if days < _GREGORIAN_CUTOVER_DAY:
        days = _days_from_julian(year, month, 1) + day - 1
    return days


# --- the pattern ---------------------------------------------------------------------------------------


def _compile(pattern: str) -> list[tuple[str, Any]]:
    """Tokens: ("'", literal text) or (letter, count)."""
    tokens: list[tuple[str, Any]] = []
    literal: list[str] = []
    i, n = 0, len(pattern)

    def flush() -> None:
        if literal:
            tokens.append(("'", "".join(literal)))
            literal.clear()

    while i < n:
        c = pattern[i]
        if c == "'":
            if i + 1 < n and pattern[i + 1] == "'":
                literal.append("'")
                i += 2
                continue
            end = i + 1
            text: list[str] = []
            while True:
                if end >= n:
                    raise ValueError("Unterminated quote")
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            literal.extend(text)
            i = end + 1
            continue
        if ("a" <= c <= "z") or ("A" <= c <= "Z"):
            if c not in _PATTERN_LETTERS:
                raise ValueError(f"Illegal pattern character '{c}'")
            j = i
            while j < n and pattern[j] == c:
                j += 1
            count = j - i
            if c == "X" and count > 3:
                raise ValueError(f"invalid ISO 8601 format: length={count}")
            flush()
            tokens.append((c, count))
            i = j
            continue
        literal.append(c)
        i += 1
    flush()
    return tokens


def _is_numeric(token: tuple[str, Any]) -> bool:
    letter, count = token
    if letter in ("M", "L"):
        return bool(count <= 2)
    return letter in _NUMERIC


class SimpleDateFormat:
    """A compiled SimpleDateFormat pattern, in UTC."""

    __slots__ = ("_cache", "_date_only", "_tokens", "pattern")

    def __init__(self, pattern: str) -> None:
        """Compile ``pattern``; raises ValueError with Java's message when it is invalid."""
        self.pattern = pattern
        self._tokens = _compile(pattern)
        self._date_only = all(t[0] == "'" or t[0] in _DATE_ONLY for t in self._tokens)
        self._cache: dict[int, str] = {}

    def to_pattern(self) -> str:
        return self.pattern

    # --- formatting ------------------------------------------------------------------------------
    def format(self, epoch_millis: int) -> str:
        """The text of an instant given as milliseconds since the epoch."""
        if self._date_only:
            day = epoch_millis // MILLIS_PER_DAY
            text = self._cache.get(day)
            if text is None:
                if len(self._cache) >= 1024:
                    self._cache.clear()
                text = self._cache[day] = self._format(epoch_millis)
            return text
        return self._format(epoch_millis)

    def format_datetime(self, value: _dt.datetime) -> str:
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
        return self.format((delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000)

    def _format(self, ms: int) -> str:
        days, ms_of_day = divmod(ms, MILLIS_PER_DAY)
        year, month, dom = civil_from_days(days)
        out: list[str] = []
        for letter, count in self._tokens:
            if letter == "'":
                out.append(count)
                continue
            value: int
            if letter == "y" or letter == "Y":
                y = _week_year(days, year) if letter == "Y" else year
                value = y if y > 0 else 1 - y
                if count == 2:
                    out.append(f"{value % 100:02d}")
                    continue
            elif letter == "M" or letter == "L":
                if count >= 3:
                    out.append(_MONTHS[month - 1] if count >= 4 else _MONTHS[month - 1][:3])
                    continue
                value = month
            elif letter == "d":
                value = dom
            elif letter == "H":
                value = ms_of_day // 3_600_000
            elif letter == "k":
                value = ms_of_day // 3_600_000 or 24
            elif letter == "K":
                value = ms_of_day // 3_600_000 % 12
            elif letter == "h":
                value = ms_of_day // 3_600_000 % 12 or 12
            elif letter == "m":
                value = ms_of_day // 60_000 % 60
            elif letter == "s":
                value = ms_of_day // 1000 % 60
            elif letter == "S":
                value = ms_of_day % 1000
            elif letter == "E":
                name = _DAYS[(days + 4) % 7]
                out.append(name if count >= 4 else name[:3])
                continue
            elif letter == "u":
                value = (days + 3) % 7 + 1
            elif letter == "a":
                out.append("AM" if ms_of_day < 43_200_000 else "PM")
                continue
            elif letter == "G":
                out.append("AD" if year > 0 else "BC")
                continue
            elif letter == "D":
                value = days - days_from_civil(year, 1, 1) + 1
            elif letter == "F":
                value = (dom - 1) // 7 + 1
            elif letter == "w":
                value = _week_of_year(days, year)
            elif letter == "W":
                first = days - dom + 1
                value = (dom - 1 + (first + 4) % 7) // 7 + 1
            elif letter == "z":
                out.append("Coordinated Universal Time" if count >= 4 else "UTC")
                continue
            elif letter == "Z":
                out.append("+0000")
                continue
            else:  # X
                out.append("Z")
                continue
            out.append(str(value).zfill(count))
        return "".join(out)

    # --- parsing ---------------------------------------------------------------------------------
    def parse(self, text: str) -> int:
        """Epoch milliseconds of ``text``; raises ParseException like ``DateFormat.parse(String)``."""
        fields: dict[str, int] = {}
        order: dict[str, int] = {}
        pos = 0
        n = len(text)
        tokens = self._tokens
        for index, token in enumerate(tokens):
            letter, count = token
            if letter == "'":
                if not text.startswith(count, pos):
                    self._fail(text, pos)
                pos += len(count)
                continue
            while pos < n and text[pos] in " \t":
                pos += 1
            if pos >= n:
                self._fail(text, pos)
            obey = index + 1 < len(tokens) and tokens[index + 1][0] != "'" and _is_numeric(tokens[index + 1])
            pos = self._parse_field(text, pos, letter, count, obey, fields)
            order[letter] = index
        return self._resolve(fields, order)

    def _fail(self, text: str, pos: int) -> None:
        raise ParseException(f'Unparseable date: "{text}"', pos)

    def _number(self, text: str, pos: int, count: int, obey: bool) -> tuple[int, int]:
        end = min(len(text), pos + count) if obey else len(text)
        j = pos
        if j < end and text[j] == "-":
            j += 1
        k = j
        while k < end and "0" <= text[k] <= "9":
            k += 1
        if k == j:
            self._fail(text, pos)
        return int(text[pos:k]), k

    def _parse_field(
        self, text: str, pos: int, letter: str, count: int, obey: bool, fields: dict[str, int]
    ) -> int:
        if (letter in ("M", "L") and count >= 3) or letter == "E":
            names = _MONTHS if letter != "E" else _DAYS
            best = -1
            best_len = 0
            for idx, name in enumerate(names):
                for candidate in (name, name[:3]):
                    if (
                        len(candidate) > best_len
                        and text[pos : pos + len(candidate)].lower() == candidate.lower()
                    ):
                        best, best_len = idx, len(candidate)
            if best < 0:
                self._fail(text, pos)
            fields["M" if letter != "E" else "E"] = best + 1
            return pos + best_len
        if letter in ("a", "G"):
            options = ("AM", "PM") if letter == "a" else ("BC", "AD")
            for idx, option in enumerate(options):
                if text[pos : pos + 2].upper() == option:
                    fields[letter] = idx
                    return pos + 2
            self._fail(text, pos)
        if letter in ("z", "Z", "X"):
            return self._parse_zone(text, pos, letter, count, fields)
        value, end = self._number(text, pos, count, obey)
        if letter in ("y", "Y") and count <= 2 and end - pos == 2 and text[pos:end].isdigit():
            start_year = _dt.datetime.now(_dt.UTC).year - 80
            value += (start_year // 100) * 100 + (100 if value < start_year % 100 else 0)
        elif (letter == "k" and value == 24) or (letter == "h" and value == 12):
            value = 0
        fields["M" if letter == "L" else letter] = value
        return end

    def _parse_zone(self, text: str, pos: int, letter: str, count: int, fields: dict[str, int]) -> int:
        c = text[pos]
        if letter == "X":
            if c == "Z":
                fields["zone"] = 0
                return pos + 1
            if c not in "+-":
                self._fail(text, pos)
            return self._numeric_zone(text, pos, count, count == 3, fields)
        if c in "+-":
            return self._numeric_zone(text, pos, 0, False, fields)
        lowered = text[pos:].lower()
        if lowered.startswith("gmt") and len(lowered) > 3 and lowered[3] in "+-":
            return self._numeric_zone(text, pos + 3, 0, True, fields)
        for name in sorted(_ZONE_NAMES, key=len, reverse=True):
            if lowered.startswith(name) and name != "z":
                fields["zone"] = _ZONE_NAMES[name]
                return pos + len(name)
        self._fail(text, pos)
        return pos  # pragma: no cover - _fail raises

    def _numeric_zone(self, text: str, pos: int, count: int, colon: bool, fields: dict[str, int]) -> int:
        sign = -1 if text[pos] == "-" else 1
        i = pos + 1

        def digit(at: int) -> int:
            if at >= len(text) or not ("0" <= text[at] <= "9"):
                self._fail(text, pos)
            return ord(text[at]) - 48

        hours = digit(i)
        i += 1
        if i < len(text) and "0" <= text[i] <= "9":
            hours = hours * 10 + digit(i)
            i += 1
        elif count > 0 or not colon:
            self._fail(text, pos)
        if hours > 23:
            self._fail(text, pos)
        minutes = 0
        if count != 1:
            if colon:
                if i >= len(text) or text[i] != ":":
                    self._fail(text, pos)
                i += 1
            minutes = digit(i) * 10 + digit(i + 1)
            i += 2
            if minutes > 59:
                self._fail(text, pos)
        fields["zone"] = sign * (hours * 60 + minutes) * 60_000
        return i

    @staticmethod
    def _resolve(fields: dict[str, int], order: dict[str, int]) -> int:
        year = fields.get("y", 1970)
        if fields.get("G") == 0:
            year = 1 - year
        if "D" in fields and not ("d" in fields or "M" in fields):
            days = days_from_civil(year, 1, 1) + fields["D"] - 1
        else:
            days = days_from_civil(year, fields.get("M", 1), fields.get("d", 1))
        hour_of_day = order.get("H", order.get("k", -1))
        hour12 = order.get("h", order.get("K", -1))
        ampm = order.get("a", -1)
        hour_stamp = max(hour12, ampm) if hour12 >= 0 and ampm >= 0 else -1
        best = max(hour_stamp, hour_of_day)
        if best < 0:
            best = max(hour12, ampm)
        hours = 0
        if best >= 0:
            if best == hour_of_day:
                hours = fields.get("H", fields.get("k", 0))
            else:
                hours = fields.get("h", fields.get("K", 0)) + 12 * fields.get("a", 0)
        ms = (
            days * MILLIS_PER_DAY
            + hours * 3_600_000
            + fields.get("m", 0) * 60_000
            + fields.get("s", 0) * 1000
            + fields.get("S", 0)
        )
        return ms - fields.get("zone", 0)


def _week_of_year(days: int, year: int) -> int:
    """Week of year for Sunday-first weeks where week 1 holds January 1st (US locale)."""
    next_jan1 = days_from_civil(year + 1, 1, 1)
    if days >= next_jan1 - (next_jan1 + 4) % 7:
        return 1
    jan1 = days_from_civil(year, 1, 1)
    return (days - jan1 + (jan1 + 4) % 7) // 7 + 1


def _week_year(days: int, year: int) -> int:
    next_jan1 = days_from_civil(year + 1, 1, 1)
    if days >= next_jan1 - (next_jan1 + 4) % 7:
        return year + 1
    return year
