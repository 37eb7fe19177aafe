"""Atomic files and folders: write beside the target, flush, rename into place.

Every file gensample writes for the user (exports, provenance records, compare reports) goes
through :func:`atomic_write`, and every saved model folder through :func:`commit_folder`, so an
interrupted write (``kill -9``, power loss) leaves the previous content or nothing at the
target, never a partial file. Temporary names carry the writer's host and process id, so the
next write of the same target can remove what a dead writer left (:func:`stale_temp_files`,
:func:`remove_stale_folders`) without touching a live one's. Files get the mode the umask
gives, not a temporary file's ``0o600``.

Imports only the standard library and :mod:`gensample.errors`.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ExportError

__all__ = ["atomic_write", "commit_folder", "current_umask", "exchange_paths", "fsync_path", "host_tag", "pid_alive",
           "remove_stale_folders", "stale_temp_files"]


#: A temporary file of ours not modified for this long is stale whoever wrote it (seconds):
#: the rule for writers on other machines sharing the folder, whose process cannot be asked.
STALE_AFTER_S = 3600


def host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _temp_name(target: str) -> str:
    """``.NAME.<8 hex>.<host tag>-<pid>.tmp``: hidden, beside the target, naming its writer."""
    return f".{target}.{secrets.token_hex(4)}.{host_tag()}-{os.getpid()}.tmp"


def _temp_pattern(target: str) -> re.Pattern:
    # Ours: the name above, or the ``.NAME.<8 random>.tmp`` of tempfile.mkstemp that earlier
    # versions used (no writer named: only its age can tell it is stale).
    return re.compile(rf"\.{re.escape(target)}\.(?:[0-9a-f]{{8}}\.(?P<host>[0-9a-f]{{6}})-(?P<pid>\d+)|[a-z0-9_]{{8}})\.tmp")


def pid_alive(pid: int) -> bool:
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
    host = host_tag()
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
        dead = pid is not None and match.group("host") == host and int(pid) != os.getpid() and not pid_alive(int(pid))
        if dead or age >= STALE_AFTER_S:
            out.append(Path(entry.path))
    return sorted(out)


def _remove_stale_files(path: Path) -> None:
    """Remove the stale temporary files of ``path``; warn (never fail the write) when one stays."""
    for stale in stale_temp_files(path):
        try:
            stale.unlink()
        except FileNotFoundError:  # another writer cleaned it first
            pass
        except OSError as exc:
            warnings.warn(f"could not remove the stale temporary file {str(stale)!r} (left by an interrupted "
                          f"write of {str(path)!r}): {exc}; remove it by hand", UserWarning, stacklevel=3)


def _create_temp(folder: Path, target: str, names: list) -> Path:
    """Create an empty temporary file beside the target, mode ``0o666`` less the umask.

    Each name is appended to ``names`` before the file is created, and removed again when the
    name was taken: an interrupt (Ctrl-C, SIGTERM raised as KeyboardInterrupt) arriving at any
    point then finds the file, if it exists, in ``names`` for the caller to remove. The names
    carry this process's id and a random token, so none of them is another writer's.
    """
    for _ in range(100):
        names.append(folder / _temp_name(target))
        try:
            # os.open applies the process umask to 0o666, as open() does for the target itself
            # (tempfile.mkstemp would make it 0o600 whatever the umask, and the rename keeps it).
            fd = os.open(names[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            names.pop()
            continue
        os.close(fd)
        return names[-1]
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
    _remove_stale_files(path)
    names: list = []  # the temporary file's name, known before the file exists (see _create_temp)
    try:
        try:
            tmp = _create_temp(folder, path.name, names)
        except OSError as exc:
            raise ExportError(f"could not write {str(path)!r}: {exc}") from exc
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
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                name.unlink()


# ====================================================================== folders
#: Suffixes of the folders a save writes into / moves the previous model aside to.
FOLDER_TMP = ".tmp"
FOLDER_OLD = ".old"


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_folders(folder: Path) -> None:
    """Delete temporary folders that an earlier, killed save of ``folder`` left beside it.

    Their names carry the saving process's id; only those whose process is gone are removed,
    so a save running in parallel keeps its own.
    """
    for path in folder.parent.glob(f".{glob.escape(folder.name)}.*-*"):
        pid = path.name[len(folder.name) + 2:].split("-", 1)[0]
        if not path.is_dir() or not pid.isdigit() or not path.name.endswith((FOLDER_TMP, FOLDER_OLD)) or pid_alive(int(pid)):
            continue
        if path.name.endswith(FOLDER_OLD) and not folder.exists():
            continue  # the previous model, moved aside by a save killed mid-swap: load() names it
        shutil.rmtree(path, ignore_errors=True)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the rename is still atomic
        pass
    finally:
        os.close(fd)


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def commit_folder(tmp: Path, folder: Path, overwrite: bool) -> None:
    """Put the complete folder ``tmp`` at ``folder`` (see :func:`save`)."""
    if folder.is_dir() and any(folder.iterdir()):
        if not overwrite:  # appeared while we were writing
            raise ExportError(f"{folder} already holds files; pass overwrite=True (--overwrite) or choose another folder")
        if exchange_paths(tmp, folder):
            fsync_path(folder.parent)
            shutil.rmtree(tmp, ignore_errors=True)  # now the previous model
            return
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}-", suffix=FOLDER_OLD, dir=folder.parent))
        os.replace(folder, old)  # replaces the empty placeholder folder mkdtemp made
        try:
            os.rename(tmp, folder)
        except BaseException:
            os.rename(old, folder)
            raise
        fsync_path(folder.parent)
        shutil.rmtree(old, ignore_errors=True)
        return
    # No folder there, or an empty one: rename replaces an empty folder on POSIX.
    if folder.is_dir() and os.name == "nt":  # pragma: no cover - Windows cannot rename onto a folder
        folder.rmdir()
    os.rename(tmp, folder)
    fsync_path(folder.parent)
