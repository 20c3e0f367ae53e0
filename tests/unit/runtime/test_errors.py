from __future__ import annotations

import pytest

from connectrt.api.connector import RetriableException
from connectrt.api.data import DataException
from connectrt.runtime.errors import FAILED, RetryWithToleranceOperator, Stage, ToleranceExceededError

pytestmark = pytest.mark.unit


def test_retriable_errors_are_retried_within_timeout() -> None:
    calls = []

    def op() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RetriableException("transient")
        return "ok"

    sleeps: list[float] = []
    operator = RetryWithToleranceOperator(10_000, 1000, False, sleep=sleeps.append)
    assert operator.execute(op, Stage.TRANSFORMATION, object) == "ok"
    assert len(calls) == 3
    assert sleeps == [0.3, 0.6]


def test_tolerance_none_fails_with_java_message() -> None:
    operator = RetryWithToleranceOperator(0, 1000, False)

    def op() -> None:
        raise DataException("bad")

    with pytest.raises(ToleranceExceededError, match="^Tolerance exceeded in error handler$"):
        operator.execute(op, Stage.VALUE_CONVERTER, object)


def test_tolerance_all_skips() -> None:
    operator = RetryWithToleranceOperator(0, 1000, True)

    def op() -> None:
        raise DataException("bad")

    assert operator.execute(op, Stage.VALUE_CONVERTER, object) is FAILED
    assert operator.total_failures == 1
