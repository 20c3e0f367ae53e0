"""Tasks raise the collector's young-generation threshold once, and leave an operator's own thresholds alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from connectrt.runtime.worker_task import TASK_GC_THRESHOLD0, tune_gc_for_tasks


@pytest.fixture
def saved_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_python_defaults_are_raised(saved_thresholds: None) -> None:
    gc.set_threshold(700, 10, 10)
    tune_gc_for_tasks()
    assert gc.get_threshold() == (TASK_GC_THRESHOLD0, 10, 10)
    tune_gc_for_tasks()
    assert gc.get_threshold() == (TASK_GC_THRESHOLD0, 10, 10)


def test_operator_thresholds_are_kept(saved_thresholds: None) -> None:
    gc.set_threshold(5000, 20, 20)
    tune_gc_for_tasks()
    assert gc.get_threshold() == (5000, 20, 20)
