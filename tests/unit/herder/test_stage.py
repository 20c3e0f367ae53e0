"""Stage summaries as Java's ``Stage.summarize`` words them (timeouts and /health quote them)."""

from __future__ import annotations

from connectrt.herder.stage import Stage, StageTracker, java_instant


def test_java_instant_drops_zero_millis() -> None:
    assert java_instant(1_700_000_000_000) == "2023-11-14T22:13:20Z"
    assert java_instant(1_700_000_000_123) == "2023-11-14T22:13:20.123Z"


def test_summaries() -> None:
    stage = Stage("flushing updates to the status topic", 1_700_000_000_123)
    assert stage.summarize() == (
        "The worker is currently flushing updates to the status topic, which began at 2023-11-14T22:13:20.123Z."
    )
    stage.completed_ms = 1_700_000_001_000
    assert stage.summarize() == (
        "The last operation the worker completed was flushing updates to the status topic, which began at "
        "2023-11-14T22:13:20.123Z and completed at 2023-11-14T22:13:21Z."
    )


def test_tracker_keeps_the_latest_stage_and_completes_it() -> None:
    tracker = StageTracker()
    assert tracker.summary() is None and tracker.current_description is None
    with tracker.stage("restarting task c-0"):
        assert tracker.current_description == "restarting task c-0"
        assert tracker.summary() is not None and tracker.summary().startswith(  # type: ignore[union-attr]
            "The worker is currently restarting task c-0, which began at "
        )
    assert tracker.current_description is None
    assert (tracker.summary() or "").startswith(
        "The last operation the worker completed was restarting task c-0"
    )
    # Stages do not nest: the inner one replaces the outer, and leaving either completes the current one.
    with tracker.stage("outer"):
        with tracker.stage("inner"):
            pass
        assert tracker.current_description is None
        assert (tracker.summary() or "").startswith("The last operation the worker completed was inner")
