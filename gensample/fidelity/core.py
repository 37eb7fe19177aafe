"""``evaluate``: compare synthetic rows with the real rows of the same class.

Why one module: :func:`evaluate` runs the measures and :func:`build_signals` reads their
results by key (``det['threshold_high']``, ``div['prdc']``, ``cop['exact']``, ...); the two
sides of that dict contract, and the notes written from the same numbers, are kept side by side.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import InputError, ParameterError
from ..schema import TableSchema
from ..utils import check_seed, json_scalar
from ._prepare import compared, prepare
from .calibration import Thresholds
from .columns import column_measures
from .copies import copy_measures
from .diversity import diversity_measures
from .multivariate import detection, mmd
from .pairs import pair_measures
from .report import FidelityReport, FidelityReports, Signal

_ORIGIN = "__gensample_fidelity_origin__"


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: Hashable | None = None,
    *,
    label=None,
    schema: TableSchema | None = None,
    categorical: Iterable[Hashable] | None = None,
    k: int = 5,
    thresholds: Thresholds | dict | None = None,
    random_state: int | None = 0,
) -> FidelityReport | FidelityReports:
    """Compare synthetic rows with the real rows of the same class, and give a verdict.

    Parameters
    ----------
    real : DataFrame
        Real rows: the whole table (with ``target``) or only the class's rows.
    synthetic : DataFrame
        Synthetic rows, with or without the ``target`` column.
    target : column label, optional
        The class column. Without it, every row of ``real`` is compared with every row of
        ``synthetic`` (both must then hold one class).
    label : optional
        The class to compare. Default: the class of the synthetic rows when they hold one;
        when they hold several, each class is compared with its own real rows and a
        :class:`FidelityReports` (one report per class) is returned. Classes are never pooled:
        pooling hides a class that collapsed behind one that did not.
    schema : TableSchema, optional
        Column kinds and categories (as built by ``sample_minority``). Default: inferred from
        every real row, all classes included, as ``sample_minority`` infers them, so its check
        and this function give the same rows the same verdict (``categorical`` forces columns
        to be categorical).
    categorical : list of column labels, optional
        Columns to treat as categorical whatever their dtype (ignored when ``schema`` is given).
    k : int, default 5
        Neighbours of precision/recall/density/coverage (Naeem et al. use 5).
    thresholds : Thresholds or dict, optional
        Tolerances and false-alarm budget of the verdict; a dict overrides some defaults,
        e.g. ``{"ks": 0.05}``.
    random_state : int or None, default 0
        Seed of the subsampling, splits, k-means and classifier: the same seed gives the same
        report.

    Returns
    -------
    FidelityReport or FidelityReports
        ``passed``, ``mode_collapse``, ``copies_detected``, ``signals``, ``summary()``,
        ``to_dict()``...

    Raises
    ------
    InputError
        Frames that cannot be compared (missing columns, no rows of the class).
    ParameterError
        Invalid ``k``, ``thresholds``, ``label`` without ``target``...
    """
    th = Thresholds.make(thresholds)
    _check_args(real, synthetic, k, random_state, target)
    if schema is not None and not isinstance(schema, TableSchema):
        raise ParameterError(f"schema must be a gensample TableSchema, got {type(schema).__name__}")
    if target is None and schema is not None and (schema.target.name in real.columns):
        target = schema.target.name
    if target is None and label is not None:
        raise ParameterError("label= needs target=: name the class column")
    groups = _split_classes(real, synthetic, target, label)
    if schema is None and target is not None and len(real) >= 2:
        # Column kinds and categories from every real row, not from the class's rows alone:
        # that is the schema sample_minority infers and checks its rows with, so the same rows
        # get the same verdict here (a class's rows alone can lack categories or values that
        # change a column's encoding). Fewer than 2 rows: _evaluate_one says what is wrong.
        features = real.drop(columns=[target])
        if len(features.columns):
            schema = feature_schema(features, categorical)
    reports = {}
    # One thread for OpenMP (gradient boosting, k-means) and BLAS: every step here is small
    # (subsampled), and with more threads, spin-waiting on a busy machine costs far more than
    # it saves: a 4,000-row gradient-boosting fit took 0.19 s on one thread and 26 s on two
    # busy cores; a 2,000 x 24 matrix product took 0.1 s instead of 1 ms.
    with threadpool_limits(limits=1):
        for lbl, (r, s) in groups.items():
            reports[lbl] = _evaluate_one(r, s, target, lbl, schema, categorical, k, th, random_state)
    if len(reports) == 1:
        return next(iter(reports.values()))
    return FidelityReports(reports)


# ====================================================================== input handling
def _check_args(real, synthetic, k, random_state, target=None) -> None:
    from ..checks import check_frame, check_target

    if target is not None:
        check_target(target)
    for name, frame in (("real", real), ("synthetic", synthetic)):
        check_frame(frame, name)
        if frame.columns.has_duplicates:
            dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
            raise InputError(f"{name} has duplicated column names: {', '.join(dup)}; give each column its own name")
        _refuse_infinite(frame, name)
    if len(synthetic) == 0:
        raise InputError("there are no synthetic rows to check (synthetic is empty); "
                         "pass the rows sample_minority made (result.synthetic)")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ParameterError(f"k must be an integer >= 1, got {k!r}")
    check_seed(random_state)


def _refuse_infinite(frame: pd.DataFrame, name: str) -> None:
    """InputError naming the first column of ``frame`` that holds +-inf (no measure is defined on it)."""
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue
        bad = np.isinf(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            raise InputError(
                f"column {column!r} of the {name} rows holds {int(bad.sum())} infinite value(s); "
                "replace them (e.g. with NaN) or drop those rows before checking"
            )


def _matches(series: pd.Series, label) -> np.ndarray:
    mask = (series == label).to_numpy(dtype=bool, na_value=False)
    if not mask.any():  # a label read back from a file as text, or the reverse
        mask = (series.astype(str) == str(label)).to_numpy(dtype=bool)
    return mask


def _split_classes(real, synthetic, target, label) -> dict:
    if target is None:
        return {None: (real, synthetic)}
    if target not in real.columns:
        raise InputError(
            f"target column {target!r} is not in the real rows; columns are: "
            + ", ".join(map(repr, list(real.columns)[:30]))
        )
    real_labels = [_py(v) for v in pd.unique(real[target].dropna())]
    if label is not None:
        labels = [label]
    elif target in synthetic.columns:
        labels = [_py(v) for v in pd.unique(synthetic[target].dropna())]
        if not labels:
            raise InputError(f"the synthetic rows have no value in the target column {target!r}")
    elif len(real_labels) == 1:
        labels = real_labels
    else:
        raise InputError(
            f"the synthetic rows have no {target!r} column and the real rows hold {len(real_labels)} classes; "
            f"pass label= to say which class they belong to (one of {', '.join(map(repr, real_labels[:10]))})"
        )
    out = {}
    for lbl in labels:
        r_mask = _matches(real[target], lbl)
        if not r_mask.any():
            raise InputError(
                f"the real rows have no row of class {lbl!r} in {target!r}; classes are: "
                + ", ".join(map(repr, real_labels[:20]))
            )
        s = synthetic
        if target in synthetic.columns:
            s_mask = _matches(synthetic[target], lbl)
            if not s_mask.any():
                raise InputError(f"the synthetic rows have no row of class {lbl!r} in {target!r}")
            s = synthetic.loc[s_mask]
        out[_json_label(lbl, real_labels)] = (real.loc[r_mask], s)
    return out


def _py(value):
    """numpy scalars as Python ones (labels print as 1, not np.int64(1))."""
    return value.item() if isinstance(value, np.generic) else value


def _json_label(lbl, real_labels):
    """The real rows' own label object (e.g. 1 rather than '1' read back from a file)."""
    for r in real_labels:
        if r == lbl:
            return r
    for r in real_labels:
        if str(r) == str(lbl):
            return r
    return lbl


def _features(real, synthetic, target, schema, categorical, notes):
    cols = [c for c in real.columns if c != target]
    if schema is not None:
        cols = [c.name for c in schema.columns]
        lacking = [c for c in cols if c not in real.columns]
        if lacking:
            raise InputError(f"the real rows lack the schema's column(s) {', '.join(map(repr, lacking[:10]))}")
    if not cols:
        raise InputError("no feature column to compare")
    lacking = [c for c in cols if c not in synthetic.columns]
    if lacking:
        raise InputError(
            f"the synthetic rows lack column(s) {', '.join(map(repr, lacking[:10]))} of the real rows; "
            "both must have the same feature columns"
        )
    extra = [c for c in synthetic.columns if c not in cols and c != target]
    if extra:
        notes.append(f"synthetic column(s) not in the real rows were ignored: {', '.join(map(str, extra[:10]))}")
    return cols


def feature_schema(real_features: pd.DataFrame, categorical) -> TableSchema:
    """The schema of feature columns alone, their kinds read from the real rows (the reference).

    ``TableSchema.infer`` needs a target, so a throwaway two-class one is added to a copy;
    the scorers use only the feature columns' specs.
    """
    frame = real_features.copy()
    frame[_ORIGIN] = np.arange(len(frame)) % 2
    forced = None if categorical is None else [c for c in ([categorical] if isinstance(categorical, str) else categorical)]
    return TableSchema.infer(frame, _ORIGIN, forced)


# ====================================================================== one class
def _evaluate_one(real, synthetic, target, label, schema, categorical, k, th, random_state) -> FidelityReport:
    started = time.perf_counter()
    notes: list[str] = []
    if len(real) < 2:
        raise InputError(
            f"{'class ' + repr(label) + ' has' if target is not None else 'the real rows have'} {len(real)} real row(s); "
            "fidelity needs at least 2 (better 20 or more)"
        )
    if len(synthetic) < 1:
        raise InputError("there are no synthetic rows to check")
    cols = _features(real, synthetic, target, schema, categorical, notes)
    if schema is None:
        schema = feature_schema(real[cols], categorical)
    prep = prepare(real, synthetic, schema)
    if not compared(prep.features):
        notes.append("every feature column is empty in the real rows: only missing rates were compared")
    rng = np.random.default_rng(random_state)
    embed = prep.embedder()

    col_rows, col_info = column_measures(prep, th, rng)
    pair_rows, pair_info = pair_measures(prep, th, rng)
    det = detection(prep, th, rng)
    mm = mmd(prep, embed, rng)
    div = diversity_measures(prep, embed, th, k, rng)
    cop = copy_measures(prep, embed, th, rng)

    columns = pd.DataFrame(col_rows)
    pairs = pd.DataFrame(pair_rows, columns=["column_a", "column_b", "measure", "real", "synthetic", "difference",
                                             "threshold", "noise_floor", "failed"])
    signals = build_signals(columns, pairs, det, mm, div, cop, th)
    if len(real) < 20:
        notes.append(f"only {len(real)} real rows: noise floors are wide, so only large differences can be detected")
    dcr = cop.get("dcr", {})
    if dcr.get("dcr_ratio") is not None and 0.1 <= dcr["dcr_ratio"] < 0.6 and not any(
        s.fired and s.decisive for s in signals if s.group == "copies"
    ):
        notes.append(
            f"synthetic rows lie closer to real rows than fresh samples would (DCR ratio {dcr['dcr_ratio']:.2f}; "
            "SMOTE-style interpolation gives about 0.3), without being copies"
        )
    if cop["exact"]["share"] >= 0.99 and cop["exact"]["real_share"] < 0.5:
        notes.append(
            "every synthetic row is a copy of a real row: if these are original rows (an augmented table), "
            "pass only the new rows (SampleResult.synthetic)"
        )
    sizes = {
        "real_rows": int(prep.real.n),
        "synthetic_rows": int(prep.synthetic.n),
        "columns": {"rows": "all non-missing cells (KS, TVD, missing rates)", **col_info},
        "pairs": pair_info["rows"],
        "detection": det["rows"],
        "mmd": mm["rows"],
        "prdc": div["prdc"]["rows"],
        "modes": div["modes"].get("rows"),
        "duplicates": div["duplicates"]["size"],
        "dcr_queries": dcr.get("rows"),
        "dcr_reference": dcr.get("reference_rows"),
    }
    return FidelityReport(
        label=None if target is None else label,
        target=None if target is None else json_scalar(target),
        n_real=int(prep.real.n),
        n_synthetic=int(prep.synthetic.n),
        columns=columns,
        pairs=pairs,
        detection=det,
        mmd=mm,
        diversity=div,
        copies=cop,
        signals=signals,
        thresholds=th,
        sizes=sizes,
        notes=notes,
        seconds=time.perf_counter() - started,
        random_state=random_state,
    )


# ====================================================================== signals
def build_signals(columns: pd.DataFrame, pairs: pd.DataFrame, det: dict, mm: dict, div: dict, cop: dict,
                  th: Thresholds) -> list[Signal]:
    """Turn measures into named signals; the verdict reads the decisive ones."""
    out: list[Signal] = []

    # ---------------------------------------------------------------- fidelity
    failed = columns[columns["failed"]] if len(columns) else columns
    names = [str(c) for c in failed.sort_values("severity", ascending=False)["column"]] if len(failed) else []
    out.append(Signal(
        "columns", "fidelity", names, None, bool(names), True,
        f"{len(names)} column(s) differ: " + ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        if names else "every column within its threshold",
    ))
    bad_pairs = pairs[pairs["failed"]] if len(pairs) else pairs
    pair_names = [f"{a}~{b}" for a, b in zip(bad_pairs["column_a"], bad_pairs["column_b"])] if len(bad_pairs) else []
    out.append(Signal(
        "pairs", "fidelity", pair_names, None, bool(pair_names), True,
        f"{len(pair_names)} pair(s) of columns relate differently: " + ", ".join(pair_names[:5])
        + (" ..." if len(pair_names) > 5 else "") if pair_names else "every pair within its threshold",
    ))
    auc = det.get("auc")
    if auc is not None:
        out.append(Signal(
            "detection_auc", "fidelity", auc, det["threshold_high"], auc > det["threshold_high"], True,
            f"a classifier tells synthetic from real rows (AUC {auc:.3f} > {det['threshold_high']:.3f})"
            if auc > det["threshold_high"] else f"detection AUC {auc:.3f} <= {det['threshold_high']:.3f}",
        ))
    if mm.get("p_value") is not None:
        fired = mm["p_value"] < th.alpha
        out.append(Signal(
            "mmd", "fidelity", mm["mmd2"], th.alpha, fired, False,
            f"MMD^2 {mm['mmd2']:.4f} is beyond chance (permutation p = {mm['p_value']:.3f})"
            if fired else f"MMD^2 {mm['mmd2']:.4f} (p = {mm['p_value']:.3f})",
        ))

    # ---------------------------------------------------------------- mode collapse
    p = div["prdc"]
    if p.get("coverage") is not None and p.get("coverage_threshold") is not None:
        low = p["coverage"] < p["coverage_threshold"]
        # Coverage also falls when rows are shifted or blurred; that is collapse only when the
        # loss is one-sided: synthetic rows stay where real rows are (density near its
        # expected 1; it drops under shift or blur) but leave real regions empty.
        one_sided = (p["expected_coverage"] - p["coverage"]) > max(0.0, 1.0 - p["density"])
        detail = (f"coverage {p['coverage']:.2f} < {p['coverage_threshold']:.2f} (a perfect generator gets "
                  f"{p['expected_coverage']:.2f}; precision {p['precision']:.2f}, density {p['density']:.2f})")
        out.append(Signal(
            "coverage", "mode_collapse", p["coverage"], p["coverage_threshold"], low and one_sided, True,
            detail if low and one_sided else f"coverage {p['coverage']:.2f} (threshold {p['coverage_threshold']:.2f})",
        ))
        out.append(Signal(
            "coverage_low", "fidelity", p["coverage"], p["coverage_threshold"], low and not one_sided, True,
            detail + ": synthetic rows miss part of the real rows and stray from them"
            if low and not one_sided else f"coverage {p['coverage']:.2f} (threshold {p['coverage_threshold']:.2f})",
        ))
    modes = div["modes"]
    if modes.get("n_modes"):
        empty = modes["empty"]
        out.append(Signal(
            "empty_modes", "mode_collapse", len(empty), 0, bool(empty), True,
            f"{len(empty)} of {modes['n_modes']} k-means cells of the real rows receive no synthetic row "
            f"(they hold {sum(modes['real_share'][c] for c in empty):.0%} of the real rows)"
            if empty else f"all {modes['n_modes']} k-means cells of the real rows receive synthetic rows",
        ))
    cats = div["categories"]
    if cats.get("coverage") is not None:
        lost = cats["lost"]
        out.append(Signal(
            "lost_categories", "mode_collapse", len(lost), 0, bool(lost), True,
            f"{len(lost)} real categor{'y is' if len(lost) == 1 else 'ies are'} never produced: "
            + ", ".join(f"{d['column']}={d['value']!r} ({d['real_share']:.0%} of real rows)" for d in lost[:5])
            if lost else f"category coverage {cats['coverage']:.2f}",
        ))
    dup = div["duplicates"]
    if dup.get("excess") is not None:
        fired = dup["excess"] > dup["threshold"]
        out.append(Signal(
            "duplicate_rows", "mode_collapse", dup["synthetic_share_at_size"], dup["real_share_at_size"] + dup["threshold"],
            fired, True,
            f"{dup['synthetic_share_at_size']:.0%} of synthetic rows repeat another (real rows: "
            f"{dup['real_share_at_size']:.0%} at {dup['size']} rows)"
            if fired else f"duplicate rows {dup['synthetic_share_at_size']:.0%} (real {dup['real_share_at_size']:.0%})",
        ))
    rep = div["repeats"]
    if rep["per_column"]:
        bad = [d for d in rep["per_column"] if d["failed"]]
        out.append(Signal(
            "repeated_values", "mode_collapse", [d["column"] for d in bad], None, bool(bad), True,
            "repeated values in " + ", ".join(
                f"{d['column']} ({d['synthetic_share']:.0%} vs {d['real_share']:.0%} real)" for d in bad[:5])
            if bad else "no column repeats values more than the real rows",
        ))

    # ---------------------------------------------------------------- copies
    ex = cop["exact"]
    fired = ex["share"] > ex["threshold"]
    out.append(Signal(
        "exact_copies", "copies", ex["share"], ex["threshold"], fired, True,
        f"{ex['count']} synthetic rows ({ex['share']:.0%}) are exact copies of real rows "
        f"(real rows repeat each other at {ex['real_share']:.0%})"
        if fired else f"exact copies {ex['share']:.1%} (real rows repeat at {ex['real_share']:.1%})",
    ))
    dcr = cop.get("dcr", {})
    if "near_copy_share" in dcr:
        fired = dcr["near_copy_share"] > dcr["near_copy_threshold"]
        out.append(Signal(
            "near_copies", "copies", dcr["near_copy_share"], dcr["near_copy_threshold"], fired, True,
            f"{dcr['near_copy_share']:.0%} of synthetic rows are near copies of a real row (held-out real rows: "
            f"{dcr['near_copy_share_real']:.0%})"
            if fired else f"near copies {dcr['near_copy_share']:.1%} (held-out real rows {dcr['near_copy_share_real']:.1%})",
        ))
        if dcr.get("dcr_ratio") is not None:
            fired = dcr["dcr_ratio"] < th.dcr_ratio
            out.append(Signal(
                "dcr_ratio", "copies", dcr["dcr_ratio"], th.dcr_ratio, fired, True,
                (f"synthetic rows sit {1 / dcr['dcr_ratio']:.0f}x nearer real rows than real rows sit to "
                 if dcr["dcr_ratio"] >= 1e-3 else "synthetic rows sit on real rows, far nearer than real rows sit to ")
                + f"each other (DCR ratio {dcr['dcr_ratio']:.3f} < {th.dcr_ratio})"
                if fired else f"DCR ratio {dcr['dcr_ratio']:.2f} (fresh samples ~1, SMOTE ~0.3)",
            ))
        if dcr.get("authenticity") is not None and dcr.get("authenticity_real") is not None:
            a, a0 = dcr["authenticity"], dcr["authenticity_real"]
            n_s, n_x = max(dcr["rows"][0], 1), max(dcr["rows"][1], 1)
            thr = a0 - max(3.0 * np.sqrt(max(a0 * (1 - a0), 1e-3) * (1.0 / n_s + 1.0 / n_x)), 0.15)
            out.append(Signal(
                "authenticity", "copies", a, thr, a < thr, False,
                f"authenticity {a:.2f} below held-out real rows' {a0:.2f}" if a < thr
                else f"authenticity {a:.2f} (held-out real rows {a0:.2f})",
            ))
    if auc is not None:
        fired = auc < det["threshold_low"]
        out.append(Signal(
            "detection_auc_low", "copies", auc, det["threshold_low"], fired, False,
            f"detection AUC {auc:.3f} is below 0.5 beyond chance: rows sit nearer real rows than real rows do "
            "(memorised or interpolated rows)" if fired else f"detection AUC {auc:.3f} not below chance",
        ))
    if p.get("coverage") is not None and p.get("expected_coverage") is not None:
        # Only where a perfect generator would leave 5 or more real rows uncovered on average,
        # so that covering 99 % of them is itself unusual.
        n_ref = p["rows"][0]
        sat = (p["precision"] >= 0.99 and p["coverage"] >= 0.99
               and n_ref * (1.0 - p["expected_coverage"]) >= 5.0)
        out.append(Signal(
            "saturated_prdc", "copies", [p["precision"], p["coverage"]], 0.99, sat, False,
            f"precision {p['precision']:.2f} and coverage {p['coverage']:.2f} exceed a perfect generator's "
            f"({p['expected_coverage']:.2f} coverage): typical of copied rows"
            if sat else "precision and coverage not saturated",
        ))
    return out
