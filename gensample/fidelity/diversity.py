"""Diversity and mode collapse.

* **Precision, recall, density, coverage** (Naeem et al., ICML 2020, k = 5) in the
  standardised embedding. Written here (some 30 lines on scikit-learn's distances and
  neighbours) because the reference ``prdc`` package is not a dependency. Balls are closed
  (``<=``; the paper uses ``<``), so that on tables with repeated rows a real row whose k-th
  neighbour is a duplicate still has a ball a synthetic copy of it can fall in.
  Coverage is the collapse-sensitive one: precision and density barely move when a
  generator drops modes, coverage falls to about the share of modes kept. Its value for a
  perfect generator is known exactly (:func:`~.calibration.expected_coverage`).
* **Modes**: k-means cells of the real rows (up to ten, see :func:`modes`); a cell that
  receives no synthetic row although ``m`` rows drawn from the real distribution would miss
  it with probability below ``alpha`` is a lost mode.
* **Category coverage** (categories of the real rows that appear in the synthetic rows;
  significant losses are named), **range coverage** (share of each numeric column's real
  range that the synthetic values span), **duplicate rows** and **repeated values** per
  numeric column (the CTGAN failure of issue 250: 25-50 % repeated values), each compared
  with real rows at the same sample size.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

from ..schema import BOOLEAN, CATEGORICAL
from ..utils import json_scalar
from ._prepare import Embedder, Prepared, row_keys
from .calibration import Thresholds, coverage_floor, coverage_sd, expected_coverage, z_crit
from .columns import KS_KINDS

PRDC_MAX_ROWS = 4000  # per side
KMEANS_MAX_ROWS = 5000
MAX_MODES = 10


def _kth_radii(X: np.ndarray, k: int) -> np.ndarray:
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dist, _ = nn.kneighbors(X)
    return dist[:, k]  # column 0 is the row itself


def prdc(real: np.ndarray, fake: np.ndarray, k: int) -> dict:
    """Precision, recall, density and coverage of ``fake`` against ``real`` (rows of an embedding)."""
    n, m = len(real), len(fake)
    k_eff = min(k, n - 1, m - 1)
    out = {"precision": None, "recall": None, "density": None, "coverage": None, "k": int(k_eff), "rows": [n, m]}
    if k_eff < 1:
        out["skipped"] = "too few rows (needs at least 2 per side)"
        return out
    r_rad = _kth_radii(real, k_eff)
    f_rad = _kth_radii(fake, k_eff)
    inside_real = np.zeros(m, dtype=np.int64)  # real balls holding each fake row
    covered = np.zeros(n, dtype=bool)
    recalled = np.zeros(n, dtype=bool)
    for start in range(0, n, 1000):  # bounded memory: 1000 x m distances at a time
        D = pairwise_distances(real[start:start + 1000], fake)
        rr = r_rad[start:start + 1000, None]
        hit = D <= rr
        inside_real += hit.sum(axis=0)
        covered[start:start + 1000] = hit.any(axis=1)
        recalled[start:start + 1000] = (D <= f_rad[None, :]).any(axis=1)
    out.update(
        precision=float((inside_real > 0).mean()),
        recall=float(recalled.mean()),
        density=float(inside_real.sum() / (k_eff * m)),
        coverage=float(covered.mean()),
    )
    return out


def diversity_measures(prep: Prepared, embed: Embedder, th: Thresholds, k: int, rng: np.random.Generator) -> dict:
    """Every diversity and mode-collapse measure, with the thresholds of its signals."""
    real, syn = prep.real, prep.synthetic
    r_rows = _sub(real.n, PRDC_MAX_ROWS, rng)
    s_rows = _sub(syn.n, PRDC_MAX_ROWS, rng)
    Er, Es = embed(real, r_rows), embed(syn, s_rows)
    out: dict = {"prdc": prdc(Er, Es, k)}
    p = out["prdc"]
    n, m = p["rows"]
    if p["coverage"] is not None:
        exp_cov = expected_coverage(n, m, p["k"])
        floor = coverage_floor(n, m, p["k"], th.alpha)
        p.update(
            expected_coverage=exp_cov,
            coverage_sd_null=coverage_sd(n, m, p["k"]),
            coverage_noise_floor=floor,
            coverage_threshold=float(min(floor, exp_cov - th.coverage)) if np.isfinite(exp_cov) else None,
        )
    out["modes"] = modes(prep, embed, th, rng)
    out["categories"] = category_coverage(prep, th)
    out["ranges"] = range_coverage(prep)
    out["duplicates"] = duplicates(prep, th, rng)
    out["repeats"] = repeated_values(prep, th, rng)
    return out


def modes(prep: Prepared, embed: Embedder, th: Thresholds, rng: np.random.Generator) -> dict:
    """k-means cells of the real rows and how many synthetic rows each receives.

    The real rows are cut into ``K = min(10, n / 10)`` cells (at least 2) rather than into
    the "natural" number of clusters: with K chosen by silhouette, a dropped mode was often
    merged with a kept one: a generator that kept 4 of 5 modes of a 100-row class left a
    cell empty on 2 of 30 seeds; with ten cells, on 28 of 30 (and no healthy seed of 30).
    """
    n = prep.real.n
    K = int(min(MAX_MODES, n // 10))
    out = {"n_modes": 0, "empty": [], "real_share": [], "synthetic_share": []}
    if K < 2 or prep.synthetic.n == 0:
        out["skipped"] = "too few real rows for modes (needs 20)"
        return out
    rows = _sub(n, KMEANS_MAX_ROWS, rng)
    X = embed(prep.real, rows)
    distinct = len(np.unique(X, axis=0))
    if distinct < 2:
        out["skipped"] = "real rows are all identical"
        return out
    K = min(K, distinct)
    seed = int(rng.integers(2**31 - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fewer distinct points than clusters
        km = KMeans(n_clusters=K, n_init=3, random_state=seed).fit(X)
    real_counts = np.bincount(km.labels_, minlength=K)
    s_rows = _sub(prep.synthetic.n, 20_000, rng)
    s_lab = km.predict(embed(prep.synthetic, s_rows))
    syn_counts = np.bincount(s_lab, minlength=K)
    m = len(s_rows)
    real_share = real_counts / real_counts.sum()
    syn_share = syn_counts / max(m, 1)
    # A cell is lost when it has no synthetic row and m draws from the real distribution would
    # all miss it with probability below alpha / K.
    miss_prob = (1.0 - real_share) ** m
    empty = [int(c) for c in range(K) if syn_counts[c] == 0 and miss_prob[c] < th.alpha / K]
    out.update(
        n_modes=int(K),
        empty=empty,
        real_share=[float(x) for x in real_share],
        synthetic_share=[float(x) for x in syn_share],
        rows=[int(len(rows)), int(m)],
    )
    return out


def category_coverage(prep: Prepared, th: Thresholds) -> dict:
    """Which real categories (per categorical/boolean column) the synthetic rows reach."""
    specs = [c for c in prep.features if c.kind in (CATEGORICAL, BOOLEAN)]
    seen = covered = 0
    per_column, lost, candidates = [], [], []
    for spec in specs:
        if spec.kind == CATEGORICAL:
            j = prep.categorical.index(spec)
            r = prep.real.categorical[:, j]
            s = prep.synthetic.categorical[:, j]
            r, s, n_codes = r[r >= 0], s[s >= 0], prep.levels[j]
            names = [*spec.categories, "<unseen>"]
        else:
            j = prep.numeric.index(spec)
            r = prep.real.numeric[:, j]
            s = prep.synthetic.numeric[:, j]
            r, s = (r[~np.isnan(r)] > 0.5).astype(np.int64), (s[~np.isnan(s)] > 0.5).astype(np.int64)
            n_codes, names = 2, [False, True]
        if len(r) == 0:
            continue
        rc = np.bincount(r, minlength=n_codes)
        sc = np.bincount(s, minlength=n_codes) if len(s) else np.zeros(n_codes, dtype=np.int64)
        present = rc > 0
        seen += int(present.sum())
        covered += int((present & (sc > 0)).sum())
        per_column.append({
            "column": json_scalar(spec.name),
            "coverage": float((present & (sc > 0)).sum() / present.sum()),
            "categories": int(present.sum()),
        })
        share = rc / rc.sum()
        for c in np.flatnonzero(present & (sc == 0)):
            candidates.append((spec.name, names[c], float(share[c]), float((1.0 - share[c]) ** len(s))))
    n_tests = max(seen, 1)
    for name, value, share, prob in candidates:
        if prob < th.alpha / n_tests:
            lost.append({"column": json_scalar(name), "value": json_scalar(value), "real_share": share})
    return {
        "coverage": float(covered / seen) if seen else None,
        "per_column": per_column,
        "lost": lost,
    }


def range_coverage(prep: Prepared) -> dict:
    """Share of each numeric column's real [min, max] spanned by the synthetic values."""
    per = []
    for spec in prep.numeric:
        if spec.kind not in KS_KINDS:
            continue
        j = prep.numeric.index(spec)
        r = prep.real.numeric[:, j]
        s = prep.synthetic.numeric[:, j]
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        if len(r) == 0 or len(s) == 0:
            continue
        lo, hi = r.min(), r.max()
        if hi <= lo:
            cov = float(np.any(s == lo))
        else:
            cov = float(max(0.0, min(hi, s.max()) - max(lo, s.min())) / (hi - lo))
        per.append({"column": json_scalar(spec.name), "coverage": cov})
    return {"mean": float(np.mean([p["coverage"] for p in per])) if per else None, "per_column": per}


def _dup_share(keys: np.ndarray) -> float:
    return float(1.0 - len(np.unique(keys)) / len(keys)) if len(keys) else 0.0


def _matched_shares(r_vals, s_vals, rng, draws: int = 5) -> tuple[float, float, int]:
    """Repeat shares of real and synthetic values, both at the smaller of the two sizes."""
    size = min(len(r_vals), len(s_vals))
    if size < 2:
        return np.nan, np.nan, size

    def share(vals):
        if len(vals) == size:
            return _dup_share(vals)
        return float(np.mean([_dup_share(vals[rng.choice(len(vals), size, replace=False)]) for _ in range(draws)]))

    return share(r_vals), share(s_vals), size


def _excess_threshold(p_real: float, p_syn: float, size: int, tolerance: float, z: float) -> float:
    pbar = min(max((p_real + p_syn) / 2.0, 1.0 / size), 1.0 - 1.0 / size)
    return max(tolerance, z * np.sqrt(2.0 * pbar * (1.0 - pbar) / size))


def duplicates(prep: Prepared, th: Thresholds, rng: np.random.Generator) -> dict:
    """Share of synthetic rows that repeat another synthetic row, against real rows at one size."""
    keys_r, keys_s = row_keys(prep.real), row_keys(prep.synthetic)
    full = _dup_share(keys_s)
    pr, ps, size = _matched_shares(keys_r, keys_s, rng)
    out = {"synthetic_share": full, "synthetic_share_at_size": ps, "real_share_at_size": pr, "size": int(size),
           "threshold": None, "excess": None}
    if np.isfinite(pr):
        thr = _excess_threshold(pr, ps, size, th.repeats, z_crit(th.alpha))
        out.update(threshold=float(thr), excess=float(ps - pr))
    return out


def repeated_values(prep: Prepared, th: Thresholds, rng: np.random.Generator) -> dict:
    """Per numeric column: share of repeated values, synthetic vs real at the same size."""
    specs = [c for c in prep.numeric if c.kind in KS_KINDS]
    z = z_crit(th.alpha, max(len(specs), 1))
    per = []
    for spec in specs:
        j = prep.numeric.index(spec)
        r = prep.real.numeric[:, j]
        s = prep.synthetic.numeric[:, j]
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        pr, ps, size = _matched_shares(r, s, rng)
        if not np.isfinite(pr):
            continue
        thr = _excess_threshold(pr, ps, size, th.repeats, z)
        per.append({
            "column": json_scalar(spec.name), "real_share": float(pr), "synthetic_share": float(ps),
            "size": int(size), "excess": float(ps - pr), "threshold": float(thr), "failed": bool(ps - pr > thr),
        })
    return {"per_column": per, "failed": [p["column"] for p in per if p["failed"]]}


def _sub(n: int, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))
