"""The wall-clock schedule of ``rotate.schedule.interval.ms`` (storage-common DateTimeUtils)."""

from __future__ import annotations

import datetime as _dt


def next_time_adjusted_by_day(now_ms: int, period_ms: int, zone: _dt.tzinfo) -> int:
    """The next multiple of ``period_ms`` after the start of the local day of ``now_ms``, capped at the next
    local midnight."""
    now = _dt.datetime.fromtimestamp(now_ms / 1000, zone)
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_day = start_of_day.replace(tzinfo=None).replace(tzinfo=zone)
    next_day = (start_of_day.replace(tzinfo=None) + _dt.timedelta(days=1)).replace(tzinfo=zone)
    start_ms = int(start_of_day.timestamp() * 1000)
    day_ms = int(next_day.timestamp() * 1000) - start_ms
    offset = ((now_ms - start_ms) // period_ms + 1) * period_ms
    return start_ms + min(offset, day_ms)
