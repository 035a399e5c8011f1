"""ingest._long_lived_frozen: what is alive when ingest starts is left out of full collections."""

from __future__ import annotations

import gc

from dagster_project.submissions.ingest import _long_lived_frozen


def test_ingest_freezes_what_is_alive_at_its_start_and_unfreezes_it_after():
    gc.unfreeze()
    try:
        alive = [{"n": n} for n in range(1000)]
        with _long_lived_frozen():
            assert gc.get_freeze_count() >= len(alive)
        assert gc.get_freeze_count() == 0
    finally:
        gc.freeze()


def test_ingest_leaves_objects_frozen_by_others_frozen():
    gc.unfreeze()
    try:
        gc.freeze()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        alive = [{"n": n} for n in range(1000)]
        with _long_lived_frozen():
            # Nothing more frozen: gc.unfreeze at the end would undo the others' freeze too.
            assert gc.get_freeze_count() < frozen + len(alive)
        assert gc.get_freeze_count() > 0
    finally:
        gc.freeze()
