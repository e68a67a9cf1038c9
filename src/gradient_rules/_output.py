"""Where results are written: the ``--out`` file, checked first; failures are the caller's.

The file is checked before anything is written, and a failure to write it is reported as
the caller's to fix, never as an internal error.  A missing folder, a folder given as the
file, a name too long for the file system, a folder the user may not write to, a full
disk: each is bad input naming ``--out`` and the system's reason (exit 2 on the command
line), raised as :class:`ApplicationError`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ._errors import ApplicationError
from ._loading import is_folder, path_label

__all__ = ["NAME_BYTES", "cannot_write", "out_target", "temporary_beside", "write_whole"]

NAME_BYTES = 255
"""Longest file name, in bytes, that the common file systems take (ext4, XFS, APFS)."""


def out_target(path: object, suffixes: Sequence[str], what: str) -> Path:
    """``path`` as the file to write ``what`` to; bad input when it cannot be one.

    Its suffix must be one of ``suffixes``, its folder must exist, and it must not be a
    folder itself.
    """
    try:
        target = Path(path)  # type: ignore[arg-type]  # anything else is refused just below
    except TypeError:
        raise ApplicationError([("--out", "must be a file name", "须为文件名")]) from None
    if target.suffix.lower() not in suffixes:
        listed = " or ".join([", ".join(suffixes[:-1]), suffixes[-1]] if len(suffixes) > 1
                             else suffixes)
        listed_zh = "、".join(suffixes[:-1]) + (" 或 " if len(suffixes) > 1 else "") + suffixes[-1]
        raise ApplicationError([("--out", f"unsupported {what} file type "
                                 f"{target.suffix[:20]!r}; use {listed}",
                                 f"不支持的文件类型 {target.suffix[:20]!r}；请用 {listed_zh}")])
    folder = target.parent
    if not is_folder(folder):
        raise ApplicationError([("--out", f"the folder {str(folder)[:200]} does not exist",
                                 f"文件夹 {str(folder)[:200]} 不存在")])
    size = len(os.fsencode(target.name))
    if size > NAME_BYTES:
        raise ApplicationError([("--out", f"a file name of {size:,} bytes; at most "
                                 f"{NAME_BYTES}", f"文件名超过 {NAME_BYTES} 字节")])
    if is_folder(target):
        raise ApplicationError([("--out", f"{str(target)[:200]} is a folder; give a file name",
                                 f"{str(target)[:200]} 是文件夹，请给出文件名")])
    return target


def cannot_write(path: Path, error: OSError) -> ApplicationError:
    """The error for a file that could not be written: its name and the system's reason."""
    reason = error.strerror or type(error).__name__
    return ApplicationError([("--out", f"cannot write {path_label(path, 200)}: {reason}",
                              f"无法写入 {path_label(path, 200)}：{reason}")])


def temporary_beside(target: Path) -> Path:
    """An empty temporary file in ``target``'s folder, to be renamed over ``target``.

    It gets the permissions ``target`` would have had if written directly (the existing
    file's, else what the umask leaves of read-write for all), not ``mkstemp``'s owner-only.
    Bad input (:func:`cannot_write`) when the folder cannot take it.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=target.suffix,
                                        dir=target.parent)
    except OSError as error:  # a folder nobody may write to, say
        raise cannot_write(target, error) from None
    os.close(handle)
    with contextlib.suppress(OSError):  # a file system without permissions: keep mkstemp's
        os.chmod(name, _mode_for(target))
    return Path(name)


def write_whole(target: Path, write: Callable[[Path], None]) -> None:
    """``write`` a temporary file beside ``target``, then rename it over: all or nothing."""
    temporary = temporary_beside(target)
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):  # a full disk, say
            raise cannot_write(target, error) from None
        raise


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except (OSError, ValueError):
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the system says (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting, and put it back at once
    os.umask(mask)
    return mask
