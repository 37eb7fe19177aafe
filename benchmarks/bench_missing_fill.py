"""The planted-structure benchmark with missing cells filled the old way: the class median.

Since session 11 every method learns from rows whose missing cells were filled from their
nearest donor in the class (:mod:`gensample.missing`). This script reruns
``bench_deep_structure.py`` (same splits, methods, baselines and measures) with the fill the
runner used before, the class median (numbers) or most frequent value (categories), put in
place of :func:`gensample.missing.impute` for the run, so the two fills are compared on the
same machine and the same splits. On the planted table only ``x4`` has missing cells (10 %).

Reproduce (each writes its JSON lines; ``--table`` of bench_deep_structure reads either)::

    python benchmarks/bench_deep_structure.py --sizes 1000,5000,200 --seeds 0,1,2 --methods forest-flow --out benchmarks/out/ff_donor.jsonl
    python benchmarks/bench_missing_fill.py --sizes 1000,5000,200 --seeds 0,1,2 --methods forest-flow --out benchmarks/out/ff_median.jsonl

Arguments are bench_deep_structure's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_deep_structure  # noqa: E402

from gensample import runner  # noqa: E402
from gensample.schema import EncodedTable  # noqa: E402


def median_fill(table: EncodedTable) -> EncodedTable:
    """The runner's fill before session 11: class median / most frequent value (table-wide if none)."""
    num, cat = table.numeric, table.categorical
    has_num, has_cat = np.isnan(num).any(), (cat < 0).any()
    if not (has_num or has_cat):
        return table
    num, cat = num.copy(), cat.copy()
    for code in np.unique(table.y):
        rows = table.y == code
        if has_num:
            block = num[rows]
            for j in np.flatnonzero(np.isnan(block).any(axis=0)):
                col = block[:, j]
                seen = col[~np.isnan(col)]
                if len(seen) == 0:
                    allc = num[:, j][~np.isnan(num[:, j])]
                    fill = float(np.median(allc)) if len(allc) else 0.0
                else:
                    fill = float(np.median(seen))
                col[np.isnan(col)] = fill
                block[:, j] = col
            num[rows] = block
        if has_cat:
            block = cat[rows]
            for j in np.flatnonzero((block < 0).any(axis=0)):
                col = block[:, j]
                seen = col[col >= 0]
                if len(seen) == 0:
                    seen = cat[:, j][cat[:, j] >= 0]
                col[col < 0] = int(np.bincount(seen).argmax()) if len(seen) else 0
                block[:, j] = col
            cat[rows] = block
    return EncodedTable(num, cat, table.y, table.schema, table.positions)


if __name__ == "__main__":
    runner.impute = median_fill  # the runner looks the name up at each call
    sys.exit(bench_deep_structure.main())
