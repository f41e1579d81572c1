"""``typelens infer --apply [--diff]``: the safe writer.

What to write comes from :func:`typelens.typeinfer.apply_rounds.annotate_files`
(idempotent, every byte outside the edits kept, the result compiles).  A file is
then written only if it lies under a path the user gave, is no symlink and has
no other hard link; it and its folder are writable (a read-only file is the user saying "leave it", so
it is refused, never replaced around); and it is still the file that was read:
its identity (device, inode, modification time, size) and its bytes are
compared once more right before the replace.  Writing goes through a temporary
file in the same folder that gets the file's mode (and owner, where allowed), so
a crash leaves the old file or the new one, never half of each.  On Linux the
replace is an atomic *exchange* (``renameat2(RENAME_EXCHANGE)``): the file it
displaced is checked once more, and a save that slipped in between the last
look and the exchange is swapped back in place; elsewhere it is ``os.replace``.

``--diff`` prints a unified diff of the raw bytes instead, with paths relative
to the current directory, so ``git apply`` takes it as it is; nothing is written.

Exit status: 0, or 2 when a file was refused.  Example::

    $ typelens infer bank --apply --diff > annotations.patch && git apply annotations.patch
"""

from __future__ import annotations

import ctypes
import difflib
import errno
import functools
import logging
import os
import re
import stat
import sys
import tempfile
from pathlib import Path

import typer

from typelens.typeinfer.apply_rounds import BUDGET_NOTE, Annotated, Snapshot, annotate_files, identity_of
from typelens.typeinfer.run import InferOptions

from .paths import display_path

logger = logging.getLogger(__name__)

REFUSED = "typelens infer: refusing {file}: {reason}"
NOTE = "typelens infer: {where}: {text}"
READ_ONLY_FILE = "the file is read-only"
READ_ONLY_FOLDER = "its folder is read-only (the file is replaced through a temporary file beside it)"
HARD_LINKS = "it has {links} hard links (replacing it would part them)"
CHANGED = "it changed on disk while annotating; nothing written (run again)"
UNSETTLED = "annotations still changing after {rounds} rounds; another --apply may add more"
_LINES = re.compile(rb"[^\n]*\n|[^\n]+")


def apply_predictions(
    result, paths: list[Path], *, min_confidence: float, diff_only: bool, options: InferOptions
) -> int:
    """Write (or, with ``diff_only``, print) the annotations of ``result``'s files;
    ``options`` are those ``result`` was inferred with, which the rounds of
    analysis share (a hybrid run annotated by static rounds would not be final)."""
    if not 0.0 <= min_confidence <= 1.0:
        typer.echo(f"typelens infer: --min-confidence {min_confidence} must lie between 0 and 1", err=True)
        return 2
    allowed = [p.resolve() for p in paths]
    status, snapshots = 0, []
    for path in sorted({Path(p.path) for p in result.predictions}):
        reason = _refusal(path, allowed, diff_only)
        if reason is None:
            try:
                snapshots.append(Snapshot.read(path))
            except OSError as err:
                reason = f"cannot read it ({err.strerror or err})"
        if reason is not None:
            typer.echo(REFUSED.format(file=display_path(path), reason=reason), err=True)
            status = 2
    outcomes = annotate_files(paths, snapshots, options, min_confidence=min_confidence, first=result)
    changed = 0
    for outcome in outcomes:
        _report_notes(outcome)
        if outcome.new_raw is None:
            continue
        if diff_only:
            _print_diff(outcome)
            changed += 1
            continue
        reason = _write(outcome)
        if reason is None:
            changed += 1
        else:
            typer.echo(REFUSED.format(file=display_path(outcome.snapshot.path), reason=reason), err=True)
            status = 2
    if not diff_only:
        typer.echo(f"annotated {changed} file(s)", err=True)
    return status


def _report_notes(outcome: Annotated) -> None:
    name = display_path(outcome.snapshot.path)
    for note in outcome.notes:
        where = f"{name}:{note.line}" if note.line is not None else name
        typer.echo(NOTE.format(where=where, text=note.text), err=True)
    if not outcome.settled and not any(note.text == BUDGET_NOTE for note in outcome.notes):  # that one says it
        typer.echo(NOTE.format(where=name, text=UNSETTLED.format(rounds=outcome.rounds)), err=True)


# -- what may be written ------------------------------------------------------------------
def _refusal(path: Path, allowed: list[Path], diff_only: bool) -> str | None:
    if not any(path == a or a in path.parents for a in allowed):
        return "outside the given paths"
    if path.is_symlink():
        return "a symlink"
    if diff_only:
        return None
    try:
        st = os.stat(path)
        if not _may_write(path, st):
            return READ_ONLY_FILE
        if not _may_write(path.parent, os.stat(path.parent)):
            return READ_ONLY_FOLDER
        if st.st_nlink > 1:
            return HARD_LINKS.format(links=st.st_nlink)
    except OSError as err:
        return f"cannot read it ({err.strerror or err})"
    return None


def _may_write(path: Path, st: os.stat_result) -> bool:
    """Whether ``path`` is writable to us *and* its mode lets its class write: root
    may write anything, but a file marked read-only is still read-only to it."""
    uid = os.geteuid()
    if uid == 0 or uid == st.st_uid:
        bit = stat.S_IWUSR
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    return bool(st.st_mode & bit) and os.access(path, os.W_OK)


# -- writing ------------------------------------------------------------------------------
def _write(outcome: Annotated) -> str | None:
    """Replace the file by ``outcome.new_raw``; why not, when it was refused."""
    snapshot = outcome.snapshot
    path = snapshot.path
    try:
        st = os.stat(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".typelens", dir=path.parent)
    except OSError as err:
        return f"cannot write beside it ({err.strerror or err})"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(outcome.new_raw or b"")
            handle.flush()
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode))
            _keep_owner(handle.fileno(), st)
            os.fsync(handle.fileno())
        reason = _changed_since(snapshot) or _replace(tmp, snapshot)
    except _KeptAside as err:
        return str(err)
    except OSError as err:
        reason = f"cannot write it ({err.strerror or err})"
    except BaseException:
        _remove(tmp)
        raise
    _remove(tmp)  # ours when refused, the old file after an exchange, nothing after os.replace
    if reason is None:
        _sync_folder(path.parent)
    return reason


def _changed_since(snapshot: Snapshot, where: str | Path | None = None) -> str | None:
    """The last look before the replace: the same file, the same bytes (at
    ``where``, by default the file's own name)."""
    where = snapshot.path if where is None else where
    try:
        st = os.stat(where, follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode) or identity_of(st) != snapshot.identity:
            return CHANGED
        with open(where, "rb") as handle:
            if handle.read() != snapshot.raw:
                return CHANGED
    except OSError:
        return CHANGED
    return None


def _replace(tmp: str, snapshot: Snapshot) -> str | None:
    """Put ``tmp`` in the file's place.  After an exchange ``tmp`` names the file
    displaced: unless it is the very file read, it goes back (a save won the race)."""
    if not _exchange(tmp, snapshot.path):
        os.replace(tmp, snapshot.path)
        return None
    reason = _changed_since(snapshot, tmp)
    if reason is not None and not _exchange(tmp, snapshot.path):
        raise _KeptAside(f"{CHANGED}, and that save could not be put back: it is kept as {tmp}")
    return reason


class _KeptAside(OSError):
    """A save that raced the exchange is kept under the temporary name (never removed)."""


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    """libc's ``renameat2``, or ``None`` (not Linux, an old C library)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


def _exchange(a: str | Path, b: str | Path) -> bool:
    """Swap the files named ``a`` and ``b`` atomically; ``False`` when this system
    or file system cannot (nothing happened then)."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """The new file gets the old one's owner and group where we may give them."""
    if (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid()):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except PermissionError:
        logger.info("cannot keep the owner %d:%d of the file; it is written as ours", st.st_uid, st.st_gid)


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        logger.debug("temporary file %s already gone", tmp)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (a crash right after must not bring the old name back)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as err:
        logger.debug("cannot open %s to sync it: %s", folder, err)
        return
    try:
        os.fsync(fd)
    except OSError as err:
        logger.debug("cannot sync %s: %s", folder, err)
    finally:
        os.close(fd)


# -- the diff -----------------------------------------------------------------------------
def _print_diff(outcome: Annotated) -> None:
    name = display_path(outcome.snapshot.path).encode("utf-8", "surrogateescape")
    sys.stdout.flush()
    sys.stdout.buffer.write(unified_diff(outcome.snapshot.raw, outcome.new_raw or b"", name))
    sys.stdout.buffer.flush()


def unified_diff(old: bytes, new: bytes, name: bytes) -> bytes:
    """A ``git apply``-able diff of two byte strings: lines end at LF only (as
    git's do), any other byte is kept, and a last line without LF is marked."""
    lines = difflib.diff_bytes(
        difflib.unified_diff, _LINES.findall(old), _LINES.findall(new), b"a/" + name, b"b/" + name, lineterm=b"\n"
    )
    out = bytearray()
    for line in lines:
        out += line
        if not line.endswith(b"\n"):
            out += b"\n\\ No newline at end of file\n"
    return bytes(out)
