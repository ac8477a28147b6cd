"""A served process collects young garbage less often than Python's default and sets its start-up objects
aside from collection."""

from __future__ import annotations

import gc

from douane.app import GARBAGE_COLLECTION_THRESHOLD, collect_garbage_less_often


def test_a_served_process_collects_young_garbage_less_often() -> None:
    before = gc.get_threshold()
    try:
        collect_garbage_less_often()
        assert gc.get_threshold() == (GARBAGE_COLLECTION_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
