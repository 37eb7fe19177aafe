"""The table schema as JSON, for saved generators: :func:`schema_to_json` / :func:`schema_from_json`.

Every column's kind, exact dtype (categories and their dtype included), missing rate and
marker, categories, range and datetime resolution, and the target's labels and counts: enough
to rebuild a :class:`~gensample.schema.TableSchema` that decodes rows exactly as the one that
was saved. Values that would not load back as the same Python value are refused
(ExportError), never approximated. Reading checks every field (ModelLoadError naming it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ExportError, ModelLoadError
from .schema import DATETIME_RESOLUTIONS, BOOLEAN, CATEGORICAL, CONTINUOUS, DATETIME, EMPTY, INTEGER, ColumnSpec, TableSchema, TargetSpec

__all__ = ["schema_from_json", "schema_to_json"]
_NA_TAGS = {"nan": np.nan, "none": None, "NA": pd.NA, "NaT": pd.NaT}
_RESOLUTION_NAMES = tuple(name for name, _ in DATETIME_RESOLUTIONS)


def _na_tag(value) -> str:
    if value is None:
        return "none"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    return "nan"


def _plain(value, what: str):
    """A JSON value that loads back as the same Python value, or an ExportError."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)) or (isinstance(value, float) and np.isfinite(value)):
        return value
    raise ExportError(
        f"{what} {value!r} ({type(value).__name__}) cannot be written to model.json; "
        "saved generators support column names, labels and categories that are strings, numbers or booleans"
    )


def _dtype_json(dtype) -> dict:
    if isinstance(dtype, pd.CategoricalDtype):
        return {"name": "category", "categories": [_plain(c, "category") for c in dtype.categories],
                "categories_dtype": str(dtype.categories.dtype), "ordered": bool(dtype.ordered)}
    return {"name": str(dtype)}


def schema_to_json(schema: TableSchema) -> dict:
    """Everything needed to rebuild the schema exactly (see :func:`schema_from_json`)."""
    cols = []
    for c in schema.columns:
        cols.append({
            "name": _plain(c.name, "column name"), "kind": c.kind, "dtype": _dtype_json(c.dtype),
            "missing_rate": float(c.missing_rate), "na_value": _na_tag(c.na_value),
            "categories": [_plain(v, f"category of {c.name!r}") for v in c.categories],
            "minimum": c.minimum, "maximum": c.maximum, "resolution": c.resolution,
        })
    t = schema.target
    return {
        "columns": cols,
        "target": {"name": _plain(t.name, "target name"), "dtype": _dtype_json(t.dtype),
                   "labels": [_plain(v, "class label") for v in t.labels], "counts": [int(v) for v in t.counts]},
        "order": [_plain(c, "column name") for c in schema.order],
    }


# ====================================================================== reading
# model.json is user-editable input: every field is checked here, and a field that is missing,
# of the wrong type, or inconsistent with another is a ModelLoadError naming it, so that a
# broken or hostile card never reaches pandas' or numpy's own errors, and never decodes into
# values the saved schema could not have produced (datetimes out of a float column, int64's
# minimum out of a NaN bound, an all-missing column out of unknown categories).
_KINDS = (CONTINUOUS, INTEGER, BOOLEAN, CATEGORICAL, DATETIME, EMPTY)
_COLUMN_FIELDS = ("name", "kind", "dtype", "missing_rate", "na_value", "categories", "minimum", "maximum", "resolution")
#: Days from the epoch that datetime64[ns] can hold (pandas.Timestamp.min / max).
_MAX_DAYS = 106_751.0


def card_error(where: str, what: str) -> ModelLoadError:
    """The ModelLoadError for one field of a card: ``where`` the field's path, ``what`` its fault."""
    return ModelLoadError(f"model.json field {where} {what}; the card is broken or was edited: save the generator again")


def _number(value, where: str):
    """A finite number as written: an int stays an int (wide integer ranges are kept exact)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not np.isfinite(value)):
        raise card_error(where, f"must be a finite number, got {value!r}")
    return value


def card_fields(d, where: str, required: tuple, optional: tuple = ()) -> dict:
    """``d`` as an object with the ``required`` keys and no key outside ``optional`` (``where`` "": top level)."""
    if not isinstance(d, dict):
        raise card_error(where or "(top level)", f"must be an object, got {type(d).__name__}")
    missing = [k for k in required if k not in d]
    if missing:
        raise card_error(f"{where}.{missing[0]}" if where else missing[0], "is missing")
    extra = [k for k in d if k not in required and k not in optional]
    if extra:
        raise card_error(f"{where}.{extra[0]}" if where else str(extra[0]), "is not a field gensample writes")
    return d


def card_scalar(value, where: str):
    """A name, label or category as save() writes it: str, int, finite float, bool or null."""
    if value is None or isinstance(value, (bool, int, str)) or (isinstance(value, float) and np.isfinite(value)):
        return value
    raise card_error(where, f"must be a string, number, boolean or null, got {type(value).__name__}")


def _observed_values(values: list, where: str, dtype, whose: str) -> None:
    """Every entry a scalar of ``dtype`` (no null), and no entry twice."""
    for i, v in enumerate(values):
        card_scalar(v, f"{where}[{i}]")
        if v is None or not _value_fits(v, dtype):
            raise card_error(f"{where}[{i}]", f"{v!r} is not a value of {whose} dtype {dtype}")
    _unique(values, where)


def _unique(values: list, where: str) -> None:
    # 1 == 1.0 == True in Python: compare with the type, as pandas' object lookups would not.
    keys = [(type(v).__name__, v) for v in values]
    if len(set(keys)) != len(keys):
        dup = next(v for i, v in enumerate(values) if keys.index(keys[i]) != i)
        raise card_error(where, f"repeats {dup!r}")


def _dtype_from(d, where: str):
    card_fields(d, where, ("name",), ("categories", "categories_dtype", "ordered"))
    name = d["name"]
    if not isinstance(name, str):
        raise card_error(f"{where}.name", f"must be a dtype name, got {name!r}")
    if name == "category":
        card_fields(d, where, ("name", "categories", "categories_dtype", "ordered"))
        cats, cdt, ordered = d["categories"], d["categories_dtype"], d["ordered"]
        if not isinstance(cats, list):
            raise card_error(f"{where}.categories", "must be a list")
        for i, c in enumerate(cats):
            card_scalar(c, f"{where}.categories[{i}]")
        _unique(cats, f"{where}.categories")
        if not isinstance(ordered, bool):
            raise card_error(f"{where}.ordered", f"must be true or false, got {ordered!r}")
        if not isinstance(cdt, str):
            raise card_error(f"{where}.categories_dtype", f"must be a dtype name, got {cdt!r}")
        try:
            index = pd.Index(cats, dtype=cdt) if cats else None
            dtype = pd.CategoricalDtype(index, ordered=ordered)
        except (TypeError, ValueError, OverflowError) as exc:
            raise card_error(f"{where}.categories", f"cannot be categories of dtype {cdt!r} ({exc})") from None
        if index is not None and [v for v in index] != cats:
            raise card_error(f"{where}.categories", f"do not load back as the same values in dtype {cdt!r}")
        return dtype
    if len(d) != 1:
        raise card_error(where, f"has category fields but names dtype {name!r}")
    try:
        return pd.api.types.pandas_dtype(name)
    except (TypeError, ValueError) as exc:
        raise card_error(f"{where}.name", f"is not a dtype pandas knows ({name!r}: {exc})") from None


def _numpy_int(dtype) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "iu"


def _dtype_fits_kind(kind: str, dtype) -> bool:
    is_bool = pd.api.types.is_bool_dtype(dtype)
    if kind == CONTINUOUS:
        return pd.api.types.is_float_dtype(dtype)
    if kind == INTEGER:
        return pd.api.types.is_integer_dtype(dtype) and not is_bool
    if kind == BOOLEAN:
        return is_bool
    if kind == DATETIME:
        return pd.api.types.is_datetime64_any_dtype(dtype)
    if kind == CATEGORICAL:  # any dtype a column can be forced categorical from, datetimes aside
        return not pd.api.types.is_datetime64_any_dtype(dtype) and not pd.api.types.is_timedelta64_dtype(dtype)
    return True  # an empty column keeps whatever dtype it had


def _value_fits(value, dtype) -> bool:
    """Whether ``value`` is a value a column of ``dtype`` holds exactly (as infer recorded it)."""
    if isinstance(dtype, pd.CategoricalDtype):
        if dtype.categories is None:
            return False
        return dtype.categories.get_indexer(pd.Index([value], dtype=object))[0] >= 0
    if pd.api.types.is_bool_dtype(dtype):
        return isinstance(value, bool)
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        info = np.iinfo(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype)
        return info.min <= value <= info.max
    if pd.api.types.is_float_dtype(dtype):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return isinstance(value, str)
    return dtype == object


def _column_from(c, where: str) -> ColumnSpec:
    card_fields(c, where, _COLUMN_FIELDS)
    name = card_scalar(c["name"], f"{where}.name")
    kind = c["kind"]
    if kind not in _KINDS:
        raise card_error(f"{where}.kind", f"must be one of {', '.join(_KINDS)}, got {kind!r}")
    dtype = _dtype_from(c["dtype"], f"{where}.dtype")
    if not _dtype_fits_kind(kind, dtype):
        raise card_error(f"{where}.dtype", f"{dtype} cannot hold a {kind} column")
    rate = float(_number(c["missing_rate"], f"{where}.missing_rate"))
    if not 0.0 <= rate <= 1.0 or (kind == EMPTY) != (rate == 1.0):
        raise card_error(f"{where}.missing_rate", f"{rate!r} does not fit a {kind} column (0 to 1; 1 only for an empty one)")
    if rate > 0 and (_numpy_int(dtype) or dtype == np.bool_):
        raise card_error(f"{where}.missing_rate", f"is {rate!r} but a {dtype} column cannot hold missing cells")
    tag = c["na_value"]
    if tag not in _NA_TAGS:
        raise card_error(f"{where}.na_value", f"must be one of {', '.join(_NA_TAGS)}, got {tag!r}")
    cats = c["categories"]
    if not isinstance(cats, list):
        raise card_error(f"{where}.categories", "must be a list")
    if kind == CATEGORICAL:
        if not cats:
            raise card_error(f"{where}.categories", "is empty, but a categorical column has at least one observed value")
        _observed_values(cats, f"{where}.categories", dtype, "the column's")
    elif cats:
        raise card_error(f"{where}.categories", f"must be empty for a {kind} column")
    lo, hi, resolution = c["minimum"], c["maximum"], c["resolution"]
    if kind in (CONTINUOUS, INTEGER, BOOLEAN, DATETIME):
        lo, hi = _number(lo, f"{where}.minimum"), _number(hi, f"{where}.maximum")
        if lo > hi:
            raise card_error(f"{where}.minimum", f"{lo!r} is above the maximum {hi!r}")
        if kind == INTEGER:
            base = dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype
            info = np.iinfo(base)
            for v, field_ in ((lo, "minimum"), (hi, "maximum")):
                # An int is compared exactly; float(info.max) rounds up to 2**63: compare below it.
                whole = isinstance(v, int) or v == np.floor(v)
                if not whole or not (info.min <= v <= info.max if isinstance(v, int) else info.min <= v < float(info.max) + 1):
                    raise card_error(f"{where}.{field_}", f"{v!r} is not a whole number a {dtype} column holds")
        if kind == BOOLEAN and (lo, hi) != (0.0, 1.0):
            raise card_error(f"{where}.minimum", "and maximum of a boolean column must be 0 and 1")
        if kind == DATETIME and not (-_MAX_DAYS <= lo and hi <= _MAX_DAYS):
            raise card_error(f"{where}.maximum", f"days {lo!r} to {hi!r} are outside what datetime64[ns] holds")
    elif lo is not None or hi is not None:
        raise card_error(f"{where}.minimum", f"and maximum must be null for a {kind} column")
    if kind == DATETIME:
        if resolution not in _RESOLUTION_NAMES:
            raise card_error(f"{where}.resolution", f"must be one of {', '.join(_RESOLUTION_NAMES)}, got {resolution!r}")
    elif resolution is not None:
        raise card_error(f"{where}.resolution", f"must be null for a {kind} column")
    return ColumnSpec(
        name=name, kind=kind, dtype=dtype, missing_rate=rate, na_value=_NA_TAGS[tag],
        categories=list(cats), minimum=lo, maximum=hi, resolution=resolution, tz=getattr(dtype, "tz", None),
    )


def schema_from_json(d: dict, where: str = "schema") -> TableSchema:
    """Rebuild the schema :func:`schema_to_json` wrote, checking every field.

    Parameters
    ----------
    d : dict
        The ``schema`` object of a model card.
    where : str, default "schema"
        The field's path in the card, for messages.

    Returns
    -------
    TableSchema

    Raises
    ------
    ModelLoadError
        A field is missing, of the wrong type, or inconsistent with another (a dtype that
        cannot hold the column's kind, bounds outside the dtype, categories the dtype does not
        hold, an ``order`` that is not the columns and the target); the message names it.
    """
    card_fields(d, where, ("columns", "target", "order"))
    if not isinstance(d["columns"], list) or not d["columns"]:
        raise card_error(f"{where}.columns", "must be a non-empty list")
    cols = [_column_from(c, f"{where}.columns[{i}]") for i, c in enumerate(d["columns"])]
    names = [c.name for c in cols]
    _unique(names, f"{where}.columns[].name")
    t = card_fields(d["target"], f"{where}.target", ("name", "dtype", "labels", "counts"))
    tname = card_scalar(t["name"], f"{where}.target.name")
    tdtype = _dtype_from(t["dtype"], f"{where}.target.dtype")
    labels, counts = t["labels"], t["counts"]
    if not isinstance(labels, list) or len(labels) < 2:
        raise card_error(f"{where}.target.labels", "must list at least two classes")
    _observed_values(labels, f"{where}.target.labels", tdtype, "the target's")
    if (not isinstance(counts, list) or len(counts) != len(labels)
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in counts)):
        raise card_error(f"{where}.target.counts", f"must be {len(labels)} non-negative integers, one per label")
    order = d["order"]
    if not isinstance(order, list):
        raise card_error(f"{where}.order", "must be a list")
    expected = names + [tname]
    keyed = sorted((type(v).__name__, str(v)) for v in expected)
    if len(order) != len(expected) or sorted((type(v).__name__, str(v)) for v in order) != keyed:
        raise card_error(f"{where}.order", "must list each column and the target once")
    _unique(order, f"{where}.order")
    return TableSchema(cols, TargetSpec(tname, tdtype, list(labels), list(counts)), list(order))
