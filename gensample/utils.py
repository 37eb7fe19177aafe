"""Small helpers that several gensample modules share.

Everything here is public so that no module needs another module's underscored names:

* :func:`json_scalar` and :func:`json_safe`: numpy/pandas values to JSON-safe built-ins;
* :func:`file_sha256`: SHA-256 of a file, read in blocks;
* :func:`package_versions`: installed versions of named packages, for provenance;
* :func:`atomic_write`: write a file through a temporary file and a rename (the file gets the
  mode the umask gives; stale temporary files a killed writer left are removed, see
  :func:`stale_temp_files`);
* :func:`check_seed`: the one validator of ``random_state`` / ``seed`` arguments.

The module imports only the standard library, numpy, pandas and :mod:`gensample.errors`, so
any module of the package may import it without creating an import cycle.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import numbers
import os
import platform
import re
import secrets
import socket
import time
import warnings
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ExportError, ParameterError

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


#: A temporary file of ours not modified for this long is stale whoever wrote it (seconds):
#: the rule for writers on other machines sharing the folder, whose process cannot be asked.
STALE_AFTER_S = 3600


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _temp_name(target: str) -> str:
    """``.NAME.<8 hex>.<host tag>-<pid>.tmp``: hidden, beside the target, naming its writer."""
    return f".{target}.{secrets.token_hex(4)}.{_host_tag()}-{os.getpid()}.tmp"


def _temp_pattern(target: str) -> re.Pattern:
    # Ours: the name above, or the ``.NAME.<8 random>.tmp`` of tempfile.mkstemp that earlier
    # versions used (no writer named: only its age can tell it is stale).
    return re.compile(rf"\.{re.escape(target)}\.(?:[0-9a-f]{{8}}\.(?P<host>[0-9a-f]{{6}})-(?P<pid>\d+)|[a-z0-9_]{{8}})\.tmp")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists (another user's) or cannot tell: assume alive
        return True
    return True


def stale_temp_files(path: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Temporary files that an interrupted :func:`atomic_write` of ``path`` left beside it.

    A file is ours when its name matches the pattern :func:`atomic_write` uses for ``path``
    (``.NAME.<random>.<host>-<pid>.tmp``, or ``.NAME.<random>.tmp`` of earlier versions), it
    is a regular file (not a link or a folder: streamed Dask exports use folders of a similar
    name) and it belongs to the current user. It is stale when its writer ran on this machine
    (same host tag) and is no longer running, or when it has not changed for
    :data:`STALE_AFTER_S` seconds (a writer on another machine, or one that cannot be named).
    A live writer's file is never stale while it keeps writing.

    Parameters
    ----------
    path : str or PathLike
        The target file.
    now : float, optional
        The current time (``time.time()``), for tests.

    Returns
    -------
    list of Path
        The stale files, sorted by name; nothing is removed.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = _temp_pattern(path.name)
    now = time.time() if now is None else now
    host = _host_tag()
    out = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_file(follow_symlinks=False) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
            continue
        age = now - st.st_mtime
        pid = match.group("pid")
        dead = pid is not None and match.group("host") == host and int(pid) != os.getpid() and not _pid_alive(int(pid))
        if dead or age >= STALE_AFTER_S:
            out.append(Path(entry.path))
    return sorted(out)


def _remove_stale(path: Path) -> None:
    """Remove the stale temporary files of ``path``; warn (never fail the write) when one stays."""
    for stale in stale_temp_files(path):
        try:
            stale.unlink()
        except FileNotFoundError:  # another writer cleaned it first
            pass
        except OSError as exc:
            warnings.warn(f"could not remove the stale temporary file {str(stale)!r} (left by an interrupted "
                          f"write of {str(path)!r}): {exc}; remove it by hand", UserWarning, stacklevel=3)


def _create_temp(folder: Path, target: str) -> Path:
    """Create an empty temporary file beside the target, mode ``0o666`` less the umask."""
    for _ in range(100):
        tmp = folder / _temp_name(target)
        try:
            # os.open applies the process umask to 0o666, as open() does for the target itself
            # (tempfile.mkstemp would make it 0o600 whatever the umask, and the rename keeps it).
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {target!r}")  # pragma: no cover


def atomic_write(path: str | os.PathLike, writer: Callable[[Path], Any], overwrite: bool) -> None:
    """Write ``path`` through a temporary file in the same folder, then put it in place.

    An interrupted write never leaves a partial file at ``path``: ``writer`` fills a
    temporary file, which is flushed to disk and only then moved to ``path``. The file gets
    the mode a plain ``open()`` would give it (``0o666`` less the umask), not a temporary
    file's ``0o600``. A write killed before the rename (``kill -9``, power loss) leaves its
    temporary file ``.NAME.<random>.<host>-<pid>.tmp`` beside ``path``; the next write of
    ``path`` removes such files once they are stale (:func:`stale_temp_files` says which).

    Parameters
    ----------
    path : str or PathLike
        The file to write. Its folder must exist.
    writer : callable
        ``writer(tmp)`` writes the whole content to the :class:`~pathlib.Path` ``tmp``.
    overwrite : bool
        Replace an existing ``path``. Without it the final step is a hard link, which
        fails if another process created ``path`` in the meantime, so nothing is clobbered.

    Raises
    ------
    ExportError
        ``path`` exists and ``overwrite`` is False, or the file system refused the write.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    _remove_stale(path)
    try:
        tmp = _create_temp(folder, path.name)
    except OSError as exc:
        raise ExportError(f"could not write {str(path)!r}: {exc}") from exc
    try:
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: never clobber
            except FileExistsError:
                raise ExportError(f"{str(path)!r} already exists; pass overwrite=True (CLI: --force) to replace it") from None
            except OSError:  # file systems without hard links
                if path.exists():
                    raise ExportError(f"{str(path)!r} already exists; pass overwrite=True to replace it") from None
                os.replace(tmp, path)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"could not write {str(path)!r}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


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
