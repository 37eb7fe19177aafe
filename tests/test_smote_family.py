"""The SMOTE family on every kind of table: guarantees, tiny classes, and one sanity check per method.

Every method goes through ``gensample.sample_minority`` on numeric, mixed (every dtype, with
missing cells) and all-categorical tables, with two and three classes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

import gensample
from gensample.errors import ParameterError

METHODS = [
    "random", "smote", "borderline-smote", "adasyn", "svm-smote", "kmeans-smote",
    "smote-enn", "smote-tomek", "polynom-fit-smote", "prowsyn",
]
CLEANING = {"smote-enn", "smote-tomek"}
KINDS = ["numeric", "mixed", "categorical"]


# ---------------------------------------------------------------------------- tables
def _labels(sizes: dict, rng) -> np.ndarray:
    y = np.concatenate([[label] * n for label, n in sizes.items()]).astype(object)
    rng.shuffle(y)
    return y


def make_table(kind: str, n_classes: int, seed: int = 0) -> pd.DataFrame:
    """A table whose features depend on the class, so neighbours and boundaries mean something."""
    rng = np.random.default_rng(seed)
    sizes = {"neg": 90, "pos": 22} if n_classes == 2 else {"neg": 80, "mid": 30, "pos": 16}
    y = _labels(sizes, rng)
    n = len(y)
    shift = pd.Series(y).map({"neg": 0.0, "mid": 1.0, "pos": 2.0}).to_numpy()
    if kind == "numeric":
        df = pd.DataFrame({
            "a": rng.normal(size=n) + shift,
            "b": rng.normal(size=n).astype("float32") - shift,
            "count": rng.integers(0, 20, n) + (3 * shift).astype(int),
            "flag": rng.random(n) < 0.2 + 0.2 * shift,
        })
    elif kind == "mixed":
        df = pd.DataFrame({
            "a": rng.normal(size=n) + shift,
            "count": rng.integers(18, 90, n),
            "flag": rng.random(n) < 0.2 + 0.2 * shift,
            "cat": pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["x", "y", "z", "unused"]),
            "text": np.where(shift > 0, rng.choice(["red", "green"], n), rng.choice(["green", "blue"], n)).astype(object),
            "string": pd.array(rng.choice(["p", "q"], n), dtype="string"),
            "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "nullable": pd.array(rng.integers(0, 10, n), dtype="Int64"),
        })
        df.loc[df.index[::7], "a"] = np.nan
        df.loc[df.index[::9], "nullable"] = pd.NA
        df.loc[df.index[::11], "text"] = None
        df.loc[df.index[::6], "when"] = pd.NaT
    else:
        df = pd.DataFrame({
            "colour": np.where(shift > 0, rng.choice(["red", "green"], n), rng.choice(["green", "blue"], n)),
            "size": rng.choice(["S", "M", "L", "XL"], n),
            "shape": pd.Categorical(rng.choice(["round", "square"], n)),
            "code": pd.array(rng.choice(["u", "v", "w"], n), dtype="string"),
        })
    df["Class"] = y
    # A non-default index: originals must keep their rows, not their labels' positions.
    df.index = pd.RangeIndex(1000, 1000 + 3 * n, 3)
    return df


def run(data, method, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gensample.sample_minority(data, "Class", method=method, random_state=kwargs.pop("random_state", 7), **kwargs)


# ---------------------------------------------------------------------------- guarantees
def check_guarantees(data: pd.DataFrame, result) -> None:
    syn, aug = result.synthetic, result.augmented
    # dtypes exactly as given
    assert list(syn.columns) == list(data.columns)
    assert syn.dtypes.to_dict() == data.dtypes.to_dict()
    assert aug.dtypes.to_dict() == data.dtypes.to_dict()
    for name in data.columns:
        col, seen = syn[name].dropna(), data[name].dropna()
        if pd.api.types.is_integer_dtype(data[name].dtype):
            values = col.to_numpy(dtype=np.float64)
            assert np.all(values == np.round(values)), name
            assert values.min(initial=np.inf) >= seen.min() and values.max(initial=-np.inf) <= seen.max(), name
        elif pd.api.types.is_datetime64_any_dtype(data[name].dtype):
            assert col.min() >= seen.min() and col.max() <= seen.max(), name
            assert (col.dt.normalize() == col).all(), name  # whole days stay whole days
        elif not pd.api.types.is_numeric_dtype(data[name].dtype) or isinstance(data[name].dtype, pd.CategoricalDtype):
            assert set(col.astype(object)) <= set(seen.astype(object)), name
    # counts
    removed = set(result.removed_index)
    per_label = syn["Class"].value_counts().to_dict()
    total = 0
    for label, c in result.counts.items():
        assert per_label.get(label, 0) == c["generated"], label
        gone = int((data.loc[list(removed), "Class"] == label).sum()) if removed else 0
        assert c["after"] == c["before"] - gone + c["generated"], label
        assert (aug["Class"] == label).sum() == c["after"], label
        total += c["generated"]
    assert len(syn) == total
    # originals untouched, first, in order (less the rows cleaning removed)
    kept = data.drop(index=list(removed)) if removed else data
    head = aug.iloc[: len(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, kept.reset_index(drop=True), check_exact=True)
    assert result.is_synthetic.sum() == len(syn)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_guarantees_on_every_table(method, kind, n_classes):
    data = make_table(kind, n_classes)
    before = data.copy(deep=True)
    result = run(data, method)
    pd.testing.assert_frame_equal(data, before)  # the input is never modified
    assert result.method_used == method
    check_guarantees(data, result)
    majority = max(c["before"] for c in result.counts.values())
    for c in result.counts.values():
        if method in CLEANING:
            assert c["generated"] <= majority - c["before"]
        else:
            assert c["generated"] == majority - c["before"]
    if method not in CLEANING:
        assert len(result.removed_index) == 0
    again = run(data, method)
    pd.testing.assert_frame_equal(result.synthetic, again.synthetic, check_exact=True)
    assert list(result.removed_index) == list(again.removed_index)


# ---------------------------------------------------------------------------- tiny classes
# method -> (parameter, default, largest value a class of `rows` rows allows)
K_PARAM = {
    "smote": ("k_neighbors", 5, lambda rows: rows - 1),
    "borderline-smote": ("k_neighbors", 5, lambda rows: rows - 1),
    "adasyn": ("n_neighbors", 5, lambda rows: rows - 1),
    "svm-smote": ("k_neighbors", 5, lambda rows: rows - 1),
    "kmeans-smote": ("k_neighbors", 2, lambda rows: rows - 1),
    "smote-enn": ("k_neighbors", 5, lambda rows: rows - 1),
    "smote-tomek": ("k_neighbors", 5, lambda rows: rows - 1),
    "prowsyn": ("n_neighbors", 5, lambda rows: rows),  # other classes' rows claim class rows: no self
    "polynom-fit-smote": ("degree", 2, lambda rows: rows - 1),
}


@pytest.mark.parametrize("rows", [2, 5])
@pytest.mark.parametrize("method", sorted(K_PARAM))
def test_tiny_class_lowers_k_records_and_warns(method, rows):
    rng = np.random.default_rng(3)
    data = pd.DataFrame({
        "a": np.r_[rng.normal(size=60), rng.normal(size=rows) + 1.0],
        "n": np.r_[rng.integers(0, 9, 60), rng.integers(0, 9, rows)],
        "c": np.r_[rng.choice(["x", "y"], 60), rng.choice(["x", "y"], rows)].astype(object),
        "Class": ["big"] * 60 + ["tiny"] * rows,
    })
    extra = {"topology": "polynomial"} if method == "polynom-fit-smote" else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = gensample.sample_minority(data, "Class", method=method, random_state=0, **extra)
    name, default, limit = K_PARAM[method]
    expected = min(default, max(1, limit(rows)))
    assert result.params[name] == expected
    assert result.method_used == method
    assert result.counts["tiny"]["generated"] > 0
    said = f"lowered from {default} to {expected}"
    if expected < default:
        assert any(said in w for w in result.warnings)
        assert any(issubclass(w.category, gensample.GensampleWarning) and said in str(w.message) for w in caught)
    else:
        assert not any("lowered" in w for w in result.warnings)
    check_guarantees(data, result)


@pytest.mark.parametrize("method", ["borderline-smote", "adasyn", "prowsyn", "smote-tomek"])
def test_class_of_one_row_falls_back_to_random(method):
    data = make_table("numeric", 2)
    data.loc[data.index[data["Class"] == "pos"][1:], "Class"] = "neg"
    result = run(data, method)
    assert result.method_used == "random"
    assert "1 row" in result.fallback
    check_guarantees(data, result)


# ---------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("method, params", [
    ("borderline-smote", {"kind": "borderline-3"}),
    ("borderline-smote", {"m_neighbors": 0}),
    ("adasyn", {"n_neighbors": 2.5}),
    ("svm-smote", {"out_step": 1.5}),
    ("kmeans-smote", {"cluster_balance_threshold": "high"}),
    ("kmeans-smote", {"density_exponent": -1}),
    ("smote-enn", {"kind_sel": "most"}),
    ("polynom-fit-smote", {"topology": "ring"}),
    ("prowsyn", {"L": 0}),
    ("prowsyn", {"theta": -1.0}),
])
def test_bad_parameter_values_name_the_parameter(method, params):
    with pytest.raises(ParameterError, match=next(iter(params))):
        run(make_table("numeric", 2), method, **params)


@pytest.mark.parametrize("method", METHODS[2:])
def test_unknown_parameter_lists_the_valid_ones(method):
    with pytest.raises(ParameterError, match="its parameters are"):
        run(make_table("numeric", 2), method, k_neighbours=3)


# ---------------------------------------------------------------------------- sanity, numeric data
def two_blobs(n_neg=300, n_pos=40, distance=1.5, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(size=(n_neg, 2)), rng.normal(size=(n_pos, 2)) * 0.8 + distance]
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "Class": ["neg"] * n_neg + ["pos"] * n_pos})


def features(frame: pd.DataFrame) -> np.ndarray:
    return frame[["x1", "x2"]].to_numpy(dtype=np.float64)


def synthetic_of(result, label="pos") -> np.ndarray:
    return features(result.synthetic[result.synthetic["Class"] == label])


def inside_box(points: np.ndarray, rows: np.ndarray) -> bool:
    eps = 1e-9
    return bool(np.all(points >= rows.min(axis=0) - eps) and np.all(points <= rows.max(axis=0) + eps))


def mean_distance_to(points: np.ndarray, rows: np.ndarray) -> float:
    return float(NearestNeighbors(n_neighbors=1).fit(rows).kneighbors(points)[0].mean())


@pytest.fixture(scope="module")
def blobs():
    data = two_blobs()
    pos, neg = features(data[data.Class == "pos"]), features(data[data.Class == "neg"])
    smote = synthetic_of(run(data, "smote", random_state=1))
    return data, pos, neg, mean_distance_to(smote, neg)


def test_random_copies_real_rows(blobs):
    data, pos, _, _ = blobs
    new = synthetic_of(run(data, "random"))
    assert {tuple(r) for r in new} <= {tuple(r) for r in pos}


def test_smote_stays_in_the_class_box(blobs):
    data, pos, _, _ = blobs
    assert inside_box(synthetic_of(run(data, "smote")), pos)


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_borderline_rows_are_nearer_the_other_class_than_smote(blobs, kind):
    data, pos, neg, smote_distance = blobs
    new = synthetic_of(run(data, "borderline-smote", kind=kind))
    assert mean_distance_to(new, neg) < 0.8 * smote_distance
    if kind == "borderline-1":
        assert inside_box(new, pos)


def test_borderline_without_danger_uses_smote_and_says_so():
    data = two_blobs(distance=12.0)
    result = run(data, "borderline-smote")
    assert result.counts["pos"]["generated"] == 260
    assert any("in danger" in w and "plain SMOTE" in w for w in result.warnings)


def test_adasyn_favours_rows_among_the_other_class(blobs):
    data, pos, neg, smote_distance = blobs
    new = synthetic_of(run(data, "adasyn"))
    assert inside_box(new, pos)
    assert mean_distance_to(new, neg) < 0.8 * smote_distance


def test_adasyn_without_mixed_neighbourhoods_uses_smote_and_says_so():
    result = run(two_blobs(distance=12.0), "adasyn")
    assert result.counts["pos"]["generated"] == 260
    assert any("weights are undefined" in w for w in result.warnings)


def test_svm_smote_works_near_the_boundary(blobs):
    from sklearn.svm import SVC

    data = blobs[0]
    svm = SVC(gamma="scale").fit(features(data), data["Class"])
    margin = lambda pts: float(np.abs(svm.decision_function(pts)).mean())  # noqa: E731
    new = synthetic_of(run(data, "svm-smote"))
    assert len(new) == 260
    assert margin(new) < 0.85 * margin(synthetic_of(run(data, "smote", random_state=1)))


def test_kmeans_smote_fills_clusters_where_the_class_is_frequent():
    rng = np.random.default_rng(0)
    pure = rng.normal(size=(40, 2)) * 0.5 + [8.0, 8.0]  # the class alone
    mixed_pos = rng.normal(size=(15, 2)) * 0.5  # the class drowned in the other one
    neg = np.r_[rng.normal(size=(260, 2)) * 0.5, rng.normal(size=(40, 2)) * 0.5 + [-8.0, 8.0]]
    X = np.r_[neg, pure, mixed_pos]
    data = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "Class": ["neg"] * 300 + ["pos"] * 55})
    near_mixed = lambda pts: float(np.mean(np.linalg.norm(pts, axis=1) < 3.0))  # noqa: E731
    result = run(data, "kmeans-smote", n_clusters=4)
    assert result.counts["pos"]["generated"] == 245
    assert near_mixed(synthetic_of(result)) < 0.05
    assert near_mixed(synthetic_of(run(data, "smote"))) > 0.15


def test_kmeans_smote_lowers_the_threshold_when_no_cluster_qualifies(blobs):
    data = blobs[0]
    result = run(data, "kmeans-smote")
    assert result.counts["pos"]["generated"] == 260
    if result.params["cluster_balance_threshold"] != "auto":  # the first try found no cluster
        assert any("no cluster with enough rows" in w for w in result.warnings)
        assert result.params["cluster_balance_threshold"] <= 0.5


@pytest.mark.parametrize("method", sorted(CLEANING))
def test_cleaning_removes_only_where_classes_meet(method):
    apart = run(two_blobs(distance=12.0), method)
    assert len(apart.removed_index) == 0
    assert apart.counts["pos"]["generated"] == 260
    data = two_blobs(distance=1.0)
    overlap = run(data, method)
    assert len(overlap.removed_index) > 0
    assert set(overlap.removed_index) <= set(data.index)
    assert overlap.per_class.set_index("label")["removed"].sum() == len(overlap.removed_index)
    assert any("cleaning removed" in w for w in overlap.warnings)
    # a removed row had a row of another class close by: it is nearer the other class than
    # the average kept row of its class is
    removed = data.loc[overlap.removed_index]
    for label, other in (("neg", "pos"), ("pos", "neg")):
        gone = features(removed[removed.Class == label])
        if len(gone):
            others = features(data[data.Class == other])
            kept = features(overlap.kept_original[overlap.kept_original.Class == label])
            assert mean_distance_to(gone, others) < mean_distance_to(kept, others)


def test_polynom_fit_star_points_lie_towards_the_centroid(blobs):
    data, pos, _, _ = blobs
    # 80 = 2 x 40 rows: every row gets the same points, so their mean is the centroid exactly
    result = run(data, "polynom-fit-smote", sampling_strategy={"pos": 120})
    new = synthetic_of(result)
    centre = pos.mean(axis=0)
    np.testing.assert_allclose(new.mean(axis=0), centre, atol=1e-9)
    # each new point is on the segment from some real row to the centroid
    u = (pos - centre) / np.linalg.norm(pos - centre, axis=1, keepdims=True)
    v = (new - centre) / np.linalg.norm(new - centre, axis=1, keepdims=True)
    assert np.all(np.max(v @ u.T, axis=1) > 1 - 1e-9)


@pytest.mark.parametrize("topology", ["bus", "mesh", "polynomial"])
def test_polynom_fit_other_topologies(blobs, topology):
    data, pos, _, _ = blobs
    new = synthetic_of(run(data, "polynom-fit-smote", topology=topology))
    assert len(new) == 260 and len(np.unique(new, axis=0)) > 200
    if topology != "polynomial":
        assert inside_box(new, pos)
    else:  # a degree-2 curve through the class stays near it
        assert mean_distance_to(new, pos) < 1.0


def test_prowsyn_weights_rows_near_the_other_class(blobs):
    data, pos, neg, smote_distance = blobs
    new = synthetic_of(run(data, "prowsyn", theta=2.0))
    assert inside_box(new, pos)
    assert mean_distance_to(new, neg) < smote_distance
    flat = synthetic_of(run(data, "prowsyn", theta=0.0))
    assert mean_distance_to(new, neg) < mean_distance_to(flat, neg)


@pytest.mark.parametrize("method, sampler, params", [
    ("borderline-smote", "BorderlineSMOTE", {"kind": "borderline-1"}),
    ("borderline-smote", "BorderlineSMOTE", {"kind": "borderline-2"}),
    ("svm-smote", "SVMSMOTE", {}),
])
def test_same_rows_as_imbalanced_learn_on_numeric_data(blobs, method, sampler, params):
    import imblearn.over_sampling as ios

    data = blobs[0]
    ours = synthetic_of(run(data, method, random_state=5, **params))
    # gensample seeds imbalanced-learn with the first draw of its generator
    state = int(np.random.default_rng(5).integers(0, 2**31 - 1))
    X, y = features(data), (data["Class"] == "pos").to_numpy().astype(int)
    X_res, _ = getattr(ios, sampler)(random_state=state, **params).fit_resample(X, y)
    np.testing.assert_allclose(ours, X_res[len(X):])
