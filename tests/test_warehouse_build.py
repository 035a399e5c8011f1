"""warehouse.build.heavy_imports: the collector paused while importing, the imports frozen."""

from __future__ import annotations

import gc
import sys

from dagster_project.warehouse.build import heavy_imports


def test_heavy_imports_pause_the_collector_and_freeze_what_they_imported(tmp_path, monkeypatch):
    module = "nq57_heavy_imports_probe"
    (tmp_path / f"{module}.py").write_text("TABLES = [{'name': n} for n in range(1000)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    gc.unfreeze()
    try:
        assert gc.isenabled()
        with heavy_imports():
            assert not gc.isenabled()
            __import__(module)
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        assert gc.is_tracked(sys.modules[module].TABLES)

        # Nothing new imported (a second build in the process): nothing frozen, not even
        # these 1,000 live objects. (Frozen objects freed meanwhile lower the count.)
        alive = [{"n": n} for n in range(1000)]
        with heavy_imports():
            __import__(module)
        assert gc.get_freeze_count() < frozen + len(alive)
    finally:
        gc.unfreeze()


def test_heavy_imports_leave_a_paused_collector_paused():
    gc.disable()
    try:
        with heavy_imports():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
