"""Copying: exact copies, distance to the closest real record, authenticity.

A generator that memorises its training rows looks perfect on every fidelity measure. What
gives it away is that its rows sit much closer to real rows than real rows sit to each other:

* **exact copies**: synthetic rows identical to a real row (every cell, missing cells
  included), against the rate at which real rows repeat another real row (leave-one-out),
  which is not zero on tables of categories or small integers;
* **distance to closest record (DCR)**: for each synthetic row ``s``, its distance to the
  nearest real row ``r``, divided by the distance from ``r`` to *its* nearest other real row.
  For fresh samples of the real distribution this ratio behaves as it does for a real row
  held out of the real rows (the leave-one-out null computed here); memorised rows plus
  small noise give ratios near 0. A row with a ratio below ``NEAR_COPY_RATIO`` is a *near
  copy*. SMOTE's rows lie on segments between real neighbours, so their median ratio is about
  0.3 (``dcr_ratio``) but only a few percent of them are near copies: SMOTE is reported as
  close, not flagged;
* **authenticity** (Alaa et al., ICML 2022): the share of synthetic rows farther from their
  nearest real row than that row is from its own nearest real neighbour (ratio above 1),
  against the same share among held-out real rows.

Distances are Euclidean in the standardised embedding of :mod:`._prepare`; the reference is
always the full set of real rows (a copy of a row left out of a subsample would be missed),
and at most ``MAX_QUERIES`` synthetic rows and ``MAX_NULL_QUERIES`` real rows are
queried (the search over all real rows is what costs: 1,000 queries against 1M rows take
about 4 s on one core).
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._prepare import Embedder, Prepared, row_keys
from .calibration import Thresholds, z_crit

MAX_QUERIES = 1000  # synthetic rows whose nearest real row is looked up
MAX_NULL_QUERIES = 500  # real rows held out one at a time for the leave-one-out null
#: Ratio of (distance to the nearest real row) to (that row's own nearest-neighbour distance)
#: under which a synthetic row counts as a near copy. SMOTE puts at most about 2 x this share
#: of its rows under it (a uniform gap within this fraction of either endpoint; 2.6-4.6 % were
#: measured at 0.02, hence 0.01), fresh samples far fewer in two or more dimensions, rows
#: memorised with noise of 0.001 sd all of them.
NEAR_COPY_RATIO = 0.01


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / den
    r[(num == 0)] = 0.0  # identical to a real row: a copy, whatever the neighbour distance
    r[(num > 0) & (den == 0)] = np.inf
    return r


def copy_measures(prep: Prepared, embed: Embedder, th: Thresholds, rng: np.random.Generator) -> dict:
    """Exact copies, DCR ratios, near copies and authenticity, with the null of each."""
    real, syn = prep.real, prep.synthetic
    out: dict = {}

    # ---------------------------------------------------------------- exact copies
    keys_r, keys_s = row_keys(real), row_keys(syn)
    uniq, counts = np.unique(keys_r, return_counts=True)
    repeated = set(uniq[counts > 1].tolist())
    null_exact = float(np.isin(keys_r, list(repeated)).mean()) if repeated else 0.0
    exact = float(np.isin(keys_s, uniq).mean()) if len(keys_s) else 0.0
    z = z_crit(th.alpha, 3)
    pbar = min(max((exact + null_exact) / 2.0, 1.0 / max(syn.n, 1)), 1.0)
    sd = np.sqrt(pbar * (1.0 - pbar) * (1.0 / max(syn.n, 1) + 1.0 / max(real.n, 1)))
    out["exact"] = {
        "share": exact,
        "count": int(round(exact * syn.n)),
        "real_share": null_exact,
        "threshold": float(null_exact + max(th.exact_copies, z * sd)),
    }

    # ---------------------------------------------------------------- DCR
    if real.n < 3 or syn.n < 1:
        out["dcr"] = {"skipped": "too few rows (needs 3 real rows and 1 synthetic row)"}
        return out
    Er = embed(real)
    nn = NearestNeighbors(n_neighbors=min(3, real.n)).fit(Er)
    s_rows = _sub(syn.n, MAX_QUERIES, rng)
    d_s, i_s = nn.kneighbors(embed(syn, s_rows), n_neighbors=1)
    dcr, nearest = d_s[:, 0], i_s[:, 0]

    # Leave-one-out null: a real row x against the other real rows, exactly as a synthetic
    # row against all of them: x's nearest other real row r, and r's nearest real row that
    # is neither r nor x.
    q_rows = _sub(real.n, MAX_NULL_QUERIES, rng)
    d_q, i_q = nn.kneighbors(Er[q_rows], n_neighbors=min(2, real.n))
    d_x, r_x = np.empty(len(q_rows)), np.empty(len(q_rows), dtype=np.int64)
    for t, x in enumerate(q_rows):
        first = 0 if i_q[t, 0] != x else 1  # with duplicates, x itself may not come first
        d_x[t], r_x[t] = d_q[t, first], i_q[t, first]
    need = np.unique(np.r_[nearest, r_x])
    d_n, i_n = nn.kneighbors(Er[need], n_neighbors=min(3, real.n))
    pos = {int(r): k for k, r in enumerate(need)}

    def other(row: int, exclude: tuple) -> float:
        k = pos[row]
        for d, i in zip(d_n[k], i_n[k]):
            if int(i) not in exclude:
                return float(d)
        return np.nan

    den_s = np.array([other(int(r), (int(r),)) for r in nearest])
    ratio_s = _ratio(dcr, den_s)
    den_x = np.array([other(int(r), (int(r), int(x))) for r, x in zip(r_x, q_rows)])
    ratio_x = _ratio(d_x, den_x)
    ok_s, ok_x = ~np.isnan(ratio_s), ~np.isnan(ratio_x)
    ratio_s, ratio_x = ratio_s[ok_s], ratio_x[ok_x]

    med_real = float(np.median(d_x)) if len(d_x) else np.nan
    dcr_ratio = float(np.median(dcr) / med_real) if med_real > 0 else None
    near = float(np.mean(ratio_s < NEAR_COPY_RATIO)) if len(ratio_s) else 0.0
    near_null = float(np.mean(ratio_x < NEAR_COPY_RATIO)) if len(ratio_x) else 0.0
    pbar = min(max((near + near_null) / 2.0, 1.0 / max(len(ratio_s), 1)), 1.0)
    sd = np.sqrt(pbar * (1.0 - pbar) * (1.0 / max(len(ratio_s), 1) + 1.0 / max(len(ratio_x), 1)))
    auth = float(np.mean(ratio_s > 1.0)) if len(ratio_s) else None
    auth_null = float(np.mean(ratio_x > 1.0)) if len(ratio_x) else None
    out["dcr"] = {
        "median_synthetic": float(np.median(dcr)),
        "median_real": med_real,
        "dcr_ratio": dcr_ratio,
        "dcr_ratio_p05": float(np.percentile(ratio_s[np.isfinite(ratio_s)], 5)) if np.isfinite(ratio_s).any() else None,
        "dcr_ratio_threshold": th.dcr_ratio,
        "near_copy_share": near,
        "near_copy_share_real": near_null,
        "near_copy_threshold": float(near_null + max(th.near_copies, z * sd)),
        "near_copy_ratio": NEAR_COPY_RATIO,
        "authenticity": auth,
        "authenticity_real": auth_null,
        "rows": [int(len(s_rows)), int(len(q_rows))],
        "reference_rows": int(real.n),
    }
    return out


def _sub(n: int, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))
