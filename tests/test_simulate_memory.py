"""Files are generated one at a time: four times the files do not take more memory."""

from __future__ import annotations

import tracemalloc
from datetime import date

from fixtures.submissions.builders import real_reference

from dagster_project.simulate.generator import SimulationConfig, Simulator

FEW = 40
# The peak is set by the largest workbook. Nghệ An's monthly reports repeat the same
# agencies every month, so 40 files (a month and more) already hold the largest; what
# must not happen is growth with the number of files written.
GROWTH_BOUND_BYTES = 2 * 1024 * 1024


def peak_bytes(tmp_path, files: int) -> tuple[int, int]:
    config = SimulationConfig(
        out_dir=tmp_path / f"out-{files}",
        start=date(2025, 6, 1),
        end=date(2026, 10, 31),
        period_kind="month",
        provinces=("nghe-an",),
        defect_rate=0.0,
        max_files=files,
    )
    simulator = Simulator(config, real_reference())
    tracemalloc.start()
    try:
        summary = simulator.run(progress=lambda line: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return summary.files, peak


def test_peak_memory_does_not_grow_with_the_number_of_files(tmp_path):
    few, few_peak = peak_bytes(tmp_path, FEW)
    many, many_peak = peak_bytes(tmp_path, 4 * FEW)
    assert (few, many) == (FEW, 4 * FEW)
    assert many_peak - few_peak < GROWTH_BOUND_BYTES, (few_peak, many_peak)
