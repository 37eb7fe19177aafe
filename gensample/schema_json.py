"""The table schema as JSON, for saved generators: :func:`schema_to_json` / :func:`schema_from_json`.

Every column's kind, exact dtype (categories and their dtype included), missing rate and
marker, categories, range and datetime resolution, and the target's labels and counts: enough
to rebuild a :class:`~gensample.schema.TableSchema` that decodes rows exactly as the one that
was saved. Values that would not load back as the same Python value are refused
(ExportError), never approximated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ExportError
from .schema import CATEGORICAL, ColumnSpec, TableSchema, TargetSpec

__all__ = ["schema_from_json", "schema_to_json"]
_NA_TAGS = {"nan": np.nan, "none": None, "NA": pd.NA, "NaT": pd.NaT}


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


def _dtype_from(d: dict):
    if d["name"] == "category":
        cats = pd.Index(d["categories"], dtype=d["categories_dtype"]) if d["categories"] else None
        return pd.CategoricalDtype(cats, ordered=d["ordered"])
    return pd.api.types.pandas_dtype(d["name"])


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


def schema_from_json(d: dict) -> TableSchema:
    cols = []
    for c in d["columns"]:
        dtype = _dtype_from(c["dtype"])
        cols.append(ColumnSpec(
            name=c["name"], kind=c["kind"], dtype=dtype, missing_rate=float(c["missing_rate"]),
            na_value=_NA_TAGS.get(c["na_value"], np.nan),
            categories=list(c["categories"]) if c["kind"] == CATEGORICAL else [],
            minimum=c["minimum"], maximum=c["maximum"], resolution=c["resolution"],
            tz=getattr(dtype, "tz", None),
        ))
    t = d["target"]
    target = TargetSpec(t["name"], _dtype_from(t["dtype"]), list(t["labels"]), [int(v) for v in t["counts"]])
    return TableSchema(cols, target, list(d["order"]))
