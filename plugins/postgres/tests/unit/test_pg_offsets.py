"""Debezium offsets: loading, the Java key order, and where a restarted stream resumes."""

from __future__ import annotations

import pytest

from connectrt_postgres.offsets import OffsetState, ResumeFilter

pytestmark = pytest.mark.unit


def test_offset_keys_in_java_hashmap_order() -> None:
    # Debezium's log line: {lsn_proc=..., messageType=DELETE, lsn_commit=..., lsn=..., txId=899, ts_usec=...}
    state = OffsetState(lsn=3, tx_id=899, ts_usec=5, lsn_proc=3, lsn_commit=2, message_type="DELETE")
    assert list(state.to_dict()) == ["lsn_proc", "messageType", "lsn_commit", "lsn", "txId", "ts_usec"]
    snap = OffsetState(lsn=7, tx_id=8, ts_usec=9, snapshot="INITIAL")
    # {last_snapshot_record=false, lsn=28464216, txId=888, ts_usec=1795783112756399, snapshot=INITIAL, snapshot_completed=false}
    assert list(snap.to_dict()) == [
        "last_snapshot_record",
        "lsn",
        "txId",
        "ts_usec",
        "snapshot",
        "snapshot_completed",
    ]


def test_fast_offset_shapes_keep_java_hashmap_order() -> None:
    from connectrt_postgres.types import java_hashmap_order

    for commit in (None, 2):
        for events in (1, 2):
            state = OffsetState(lsn=3, tx_id=899, ts_usec=5, lsn_proc=3, lsn_commit=commit, message_type="INSERT",
                                events_at_lsn=events)  # fmt: skip
            keys = (
                ["ts_usec", "txId", "lsn", "lsn_proc"] + (["lsn_commit"] if commit else []) + ["messageType"]
            )
            keys += ["lsn_events_processed"] if events > 1 else []
            assert list(state.to_dict()) == java_hashmap_order(keys)


def test_load_a_java_debezium_offset() -> None:
    stored = {
        "lsn_proc": 28530624,
        "messageType": "DELETE",
        "lsn_commit": 28530600,
        "lsn": 28530624,
        "txId": 899,
        "ts_usec": 1795783121248329,
    }
    state = OffsetState.load(stored)
    assert state is not None
    assert state.to_dict() == stored
    assert state.start_lsn == 28530624
    assert not state.snapshot_in_progress


def test_snapshot_offsets() -> None:
    running = OffsetState.load(
        {"snapshot": "INITIAL", "snapshot_completed": False, "last_snapshot_record": False, "lsn": 1}
    )
    assert running is not None and running.snapshot_in_progress
    last = OffsetState.load(
        {"snapshot": "INITIAL", "snapshot_completed": False, "last_snapshot_record": True, "lsn": 1}
    )
    assert last is not None and not last.snapshot_in_progress
    legacy = OffsetState.load({"snapshot": True, "last_snapshot_record": False, "lsn": 1})
    assert legacy is not None and legacy.snapshot_in_progress
    missing_commit = OffsetState.load({"lsn_proc": 10, "lsn": 10})
    assert missing_commit is not None and missing_commit.lsn_commit == 10


def test_sequence() -> None:
    assert OffsetState(lsn=29193544, lsn_commit=29193544).sequence() == '["29193544","29193544"]'
    assert OffsetState(lsn=29153992).sequence() == '[null,"29153992"]'


def test_resume_skips_committed_transactions_and_the_emitted_part_of_the_next() -> None:
    # The offset stopped after the change at LSN 200 of transaction 11 (commit not yet processed);
    # the previous transaction committed at end LSN 150.
    f = ResumeFilter(OffsetState(lsn=200, tx_id=11, lsn_proc=200, lsn_commit=150, message_type="INSERT"))
    f.begin(final_lsn=140, xid=10)  # committed before 150: fully emitted
    assert f.skip_change(120)
    assert f.skip_commit(150)
    f.begin(final_lsn=300, xid=11)  # the transaction the offset stopped in
    assert f.skip_change(180)
    assert f.skip_change(200)
    assert not f.skip_change(220)
    assert not f.active
    assert not f.skip_commit(300)


def test_resume_after_a_commit_skips_nothing_later() -> None:
    f = ResumeFilter(OffsetState(lsn=150, tx_id=10, lsn_proc=150, lsn_commit=150, message_type="COMMIT"))
    f.begin(final_lsn=160, xid=12)
    assert not f.active
    assert not f.skip_change(155)


def test_resume_counts_events_at_one_lsn() -> None:
    # COPY: many rows at LSN 200; two were emitted.
    f = ResumeFilter(
        OffsetState(lsn=200, tx_id=11, lsn_proc=200, lsn_commit=150, message_type="INSERT", events_at_lsn=2)
    )
    f.begin(final_lsn=300, xid=11)
    assert f.skip_change(200)
    assert f.skip_change(200)
    assert not f.skip_change(200)


def test_resume_when_every_change_was_emitted_but_not_the_commit() -> None:
    f = ResumeFilter(OffsetState(lsn=200, tx_id=11, lsn_proc=200, lsn_commit=150, message_type="UPDATE"))
    f.begin(final_lsn=300, xid=11)
    assert f.skip_change(200)
    assert not f.skip_commit(300)
    assert not f.active


def test_snapshot_offset_does_not_filter() -> None:
    f = ResumeFilter(OffsetState(lsn=500, tx_id=3, snapshot=None, last_snapshot_record=True))
    assert not f.active
