"""Small helpers that several gensample modules share.

Everything here is public so that no module needs another module's underscored names:

* :func:`json_scalar` and :func:`json_safe`: numpy/pandas values to JSON-safe built-ins;
* :func:`file_sha256`: SHA-256 of a file, read in blocks;
* :func:`package_versions`: installed versions of named packages, for provenance;
* :func:`atomic_write`: write a file through a temporary file and a rename (the file gets the
  mode the umask gives; stale temporary files a killed writer left are removed, see
  :func:`stale_temp_files`); both live in :mod:`gensample.atomic` and are re-exported here;
* :func:`check_seed`: the one validator of ``random_state`` / ``seed`` arguments.

The module imports only the standard library, numpy, pandas, :mod:`gensample.errors` and
:mod:`gensample.atomic`, so
any module of the package may import it without creating an import cycle.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import platform
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_write, stale_temp_files  # noqa: F401 - public here, where modules look for them
from .errors import ParameterError

__all__ = ["atomic_write", "check_seed", "file_sha256", "json_safe", "json_scalar", "package_versions",
           "stale_temp_files"]


# ====================================================================== JSON
def json_scalar(value: Any) -> Any:
    """A JSON-safe version of one cell value.

    Parameters
    ----------
    value : object
        A cell value, column name, class label or category.

    Returns
    -------
    None, bool, int, float or str
        Python scalars pass through; numpy scalars become the matching Python type;
        NaN, infinities, ``pd.NA`` and ``pd.NaT`` become None; anything else becomes its
        ``str``.

    Examples
    --------
    >>> import numpy as np
    >>> json_scalar(np.int64(3)), json_scalar(float("nan")), json_scalar(np.bool_(True))
    (3, None, True)
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def json_safe(value: Any, default: Callable[[Any], Any] | None = None) -> Any:
    """Recursively turn numpy/pandas values into JSON-safe built-ins.

    Parameters
    ----------
    value : object
        Dicts, lists, tuples, sets, numpy arrays and DataFrames (as a list of records) are
        walked; every leaf goes through :func:`json_scalar`. Dict keys become strings.
    default : callable, optional
        Called on a leaf before :func:`json_scalar`; when it returns something other than
        ``NotImplemented`` that value is used as it is (a module's own record types, for
        example, can render themselves to a dict this way).

    Returns
    -------
    object
        A structure that :func:`json.dumps` writes without a ``default=`` hook; NaN and
        infinities are None.

    Examples
    --------
    >>> import numpy as np
    >>> json_safe({"a": np.arange(2), np.int64(1): (np.float32(0.5), float("inf"))})
    {'a': [0, 1], '1': [0.5, None]}
    """
    if isinstance(value, dict):
        return {str(json_scalar(k)): json_safe(v, default) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v, default) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v, default) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return json_safe(value.to_dict(orient="records"), default)
    if default is not None:
        out = default(value)
        if out is not NotImplemented:
            return out
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return json_scalar(value)


# ====================================================================== files
def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as 64 hex digits.

    Parameters
    ----------
    path : str or PathLike
        The file; it is read in 1 MiB blocks, so large files need no memory.

    Returns
    -------
    str
        The hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ====================================================================== environment
def package_versions(packages: Iterable[str]) -> dict:
    """Installed versions of ``packages`` (distribution names), for provenance records.

    Parameters
    ----------
    packages : iterable of str
        Distribution names (``"scikit-learn"``, ``"torch"``); the name ``"python"`` gives
        the interpreter's version.

    Returns
    -------
    dict
        ``{name: version string, or None when the package is not installed}``, in the
        order given.
    """
    out: dict = {}
    for name in packages:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# ====================================================================== arguments
def check_seed(value: Any, name: str = "random_state", *, allow_none: bool = True) -> int | None:
    """Validate a seed argument: None (when allowed) or a non-negative integer.

    Unlike :func:`sklearn.utils.check_random_state` this does not build a random state:
    gensample makes one :class:`numpy.random.Generator` from the checked seed and draws
    every other seed from it.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str, default "random_state"
        The parameter's name, for the message.
    allow_none : bool, default True
        Whether None (fresh randomness) is accepted.

    Returns
    -------
    int or None
        The seed as a Python int, or None.

    Raises
    ------
    ParameterError
        ``value`` is a bool, not an integer, or negative (or None when not allowed); the
        message names the parameter.

    Examples
    --------
    >>> check_seed(3), check_seed(None)
    (3, None)
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        what = "None or a non-negative integer" if allow_none else "a non-negative integer"
        raise ParameterError(f"{name} must be {what}, got {value!r}")
    return int(value)


def parquet_dictionary_columns(columns) -> list:
    """Columns that a Parquet export dictionary-encodes: all but floats.

    ``columns`` is an Arrow schema or a pandas DataFrame (its dtypes).

    pyarrow's writer tries a dictionary for every column and gives up on one only when its
    dictionary page fills (1 MiB), so a column of distinct floats is hashed in full, row group
    by row group, before it is written plainly: 3 x 2^20 rows x 29 random floats took 10.3 CPU s
    with dictionaries and 1.4 s without (pyarrow 26). Floats are rarely few-valued, and the
    values written are the same either way; text, integers and the rest keep the dictionary
    (the leaves of nested columns, named by path, not by these top-level names, go without).
    """
    if isinstance(columns, pd.DataFrame):
        return [str(name) for name, dtype in columns.dtypes.items() if not pd.api.types.is_float_dtype(dtype)]
    import pyarrow as pa

    return [field.name for field in columns if not pa.types.is_floating(field.type)]


def nan_moments(arr: np.ndarray, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each column of ``arr``, ignoring NaN; 0 where a column has too few values.

    ``np.nanmean`` warns "Mean of empty slice" on a column without a value (a statistic
    undefined in every permutation draw, e.g. a column with one observed cell; a class whose
    cells of a column are all missing), and ``np.errstate`` does not silence it: it is a
    Python warning, not a floating-point error. The caller treats such a column as "no
    noise measured" (0), so the moments are computed from the counts and nothing is warned.
    """
    arr = np.asarray(arr, dtype=np.float64)
    ok = ~np.isnan(arr)
    count = ok.sum(axis=0)
    filled = np.where(ok, arr, 0.0)
    mean = np.divide(filled.sum(axis=0), count, out=np.zeros(arr.shape[1:]), where=count > 0)
    dev = np.where(ok, arr - mean, 0.0)
    var = np.divide((dev * dev).sum(axis=0), count - ddof, out=np.zeros(arr.shape[1:]), where=count > ddof)
    return np.nan_to_num(mean), np.nan_to_num(var)
